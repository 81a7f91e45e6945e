"""site.yaml: every key validated at the door, mistakes named with a suggestion."""

import pytest

from builder.config import DEFAULT_BASE_URL, load_config
from builder.errors import ContentError


def write(tmp_path, text):
    (tmp_path / "site.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_missing_file_means_defaults(tmp_path):
    config = load_config(tmp_path)
    assert config.base_url == DEFAULT_BASE_URL
    assert config.base_path == "/"


def test_a_sub_path_base_url_gets_its_trailing_slash(tmp_path):
    config = load_config(write(tmp_path, "base_url: https://example.org/digest\n"))
    assert config.base_url == "https://example.org/digest/"
    assert config.base_path == "/digest/"
    assert config.absolute_url("papers/x/") == "https://example.org/digest/papers/x/"


def test_a_mistyped_key_is_named_with_the_right_one(tmp_path):
    with pytest.raises(ContentError) as error:
        load_config(write(tmp_path, "title: T\nbase_ulr: https://x.org/\n"))
    assert "site.yaml:2: error: unknown setting `base_ulr` (did you mean `base_url`?)" in str(
        error.value
    )


def test_every_problem_is_reported_at_once(tmp_path):
    text = "feed_items: zero\nbase_url: example.org\ntitel: x\nimport:\n  yaer: 2025\n"
    with pytest.raises(ContentError) as error:
        load_config(write(tmp_path, text))
    lines = str(error.value).splitlines()
    assert len(lines) == 4
    assert "site.yaml:1:" in lines[0] and "feed_items" in lines[0]
    assert "site.yaml:2:" in lines[1] and "absolute http(s) URL" in lines[1]
    assert "did you mean `title`?" in lines[2]
    assert "site.yaml:5:" in lines[3] and "did you mean `import.year`?" not in lines[3]
    assert "import.yaer" in lines[3]


def test_base_url_from_the_command_line_wins_and_is_checked(tmp_path):
    write(tmp_path, "base_url: https://a.org/\n")
    assert load_config(tmp_path, base_url="https://b.org/x").base_url == "https://b.org/x/"
    with pytest.raises(ContentError, match="--base-url"):
        load_config(tmp_path, base_url="b.org")


def test_import_year(tmp_path):
    assert load_config(write(tmp_path, "import:\n  year: 2025\n")).import_year == 2025
