"""What the docs show works: CONTRIBUTING's example note passes check on the default site."""

import re
import shutil
from pathlib import Path

from builder.cli import main

ROOT = Path(__file__).parent.parent


def test_the_contributing_example_note_passes_check(tmp_path, monkeypatch, capsys):
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    example = re.search(r"## 2\. Write it\n\n```markdown\n(.*?)\n```", text, re.S).group(1)
    shutil.copytree(ROOT / "content", tmp_path / "content")
    (tmp_path / "content" / "notes" / "what-the-limit-dataset-tells-us.md").write_text(
        example + "\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--content", "content"]) == 0, capsys.readouterr().out
