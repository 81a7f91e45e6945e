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
