"""Safe YAML loading: line numbers kept, dangerous or ambiguous YAML refused."""

import pytest

from builder.errors import ContentError
from builder.yamlio import load_yaml_text


def test_mappings_remember_lines():
    data = load_yaml_text("a: 1\nb:\n  c: 2\n", "x.yaml")
    assert data == {"a": 1, "b": {"c": 2}}
    assert data.key_lines == {"a": 1, "b": 2}
    assert data["b"].line == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\na: 2\n", "x.yaml:2:1: error: invalid YAML: duplicate key 'a' (first on line 1)"),
        ("a: &x [1]\nb: *x\n", "anchors and aliases are not allowed"),
        ("a: !!python/object:os.system x\n", "the tag '!!python/object:os.system' is not allowed"),
        ("a:\n\t- b\n", "x.yaml:2:1: error: invalid YAML"),
        ("a: [1\n", "x.yaml:2:1: error: invalid YAML"),
        ("base: &b {x: 1}\nother:\n  <<: *b\n", "not allowed"),
    ],
)
def test_bad_yaml_is_refused_with_its_location(text, expected):
    with pytest.raises(ContentError) as error:
        load_yaml_text(text, "x.yaml")
    assert expected in str(error.value)


def test_tab_indentation_gets_a_hint():
    with pytest.raises(ContentError) as error:
        load_yaml_text("a:\n\t- b\n", "x.yaml")
    assert "indent with spaces, not tabs" in str(error.value)


def test_billion_laughs_is_refused_quickly():
    bomb = 'a: &a ["lol","lol"]\nb: &b [*a,*a]\nc: &c [*b,*b]\nd: &d [*c,*c]\n'
    with pytest.raises(ContentError, match="aliases are not allowed"):
        load_yaml_text(bomb, "bomb.yaml")
