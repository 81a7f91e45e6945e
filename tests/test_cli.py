"""The command line: entry points, usage errors and exit codes."""

import subprocess
import sys

import pytest

from builder.cli import main


def test_python_dash_m_builder_is_the_same_command():
    result = subprocess.run(
        [sys.executable, "-m", "builder", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("litdigest ")


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_topics_explain_counts_pins_from_notes(capsys):
    from pathlib import Path

    content = Path(__file__).parent / "fixtures" / "site"
    assert main(["topics", "--content", str(content), "--explain", "dense-retrieval-limits"]) == 0
    out = capsys.readouterr().out
    assert "pinned by note" in out and "why-retrieval-is-hard.md" in out


def test_output_into_a_closed_pipe_is_quiet():
    command = f"{sys.executable} -m builder topics --content tests/fixtures/site | head -1"
    result = subprocess.run(command, shell=True, capture_output=True, text=True, check=True)
    assert result.stdout.startswith("5 papers")
    assert "Traceback" not in result.stderr
