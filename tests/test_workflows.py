"""The pull-request and publishing workflows: valid YAML, the official actions, and their
litdigest commands run here as CI would run them."""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
# What GitHub would substitute for the expressions the workflows use.
EXPRESSIONS = {"steps.pages.outputs.base_url": "https://example.github.io/digest"}


def load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def uses(workflow: dict) -> set[str]:
    return {step["uses"].split("@")[0] for step in steps(workflow) if "uses" in step}


def test_check_runs_on_pull_requests_and_uploads_the_site():
    workflow = load("check.yml")
    assert "pull_request" in workflow["on"]
    assert workflow["permissions"] == {"contents": "read"}
    assert {"actions/checkout", "actions/setup-python", "actions/upload-artifact"} <= uses(workflow)
    commands = [step["run"] for step in steps(workflow) if "run" in step]
    assert "litdigest check --format github" in commands


def test_pages_deploys_with_the_official_actions():
    workflow = load("pages.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert {
        "actions/configure-pages",
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
    } <= uses(workflow)
    assert workflow["jobs"]["deploy"]["needs"] == "build"


def litdigest_commands(name: str) -> list[list[str]]:
    found = []
    for step in steps(load(name)):
        command = step.get("run", "")
        if command.startswith("litdigest "):
            for expression, value in EXPRESSIONS.items():
                command = re.sub(r"\$\{\{\s*" + re.escape(expression) + r"\s*\}\}", value, command)
            assert "${{" not in command, f"unknown expression in {command!r}"
            found.append(shlex.split(command))
    return found


@pytest.mark.parametrize("name", ["check.yml", "pages.yml"])
def test_the_workflow_commands_run_here(tmp_path, name):
    shutil.copytree(ROOT / "content", tmp_path / "content")
    commands = litdigest_commands(name)
    assert commands
    for command in commands:
        result = subprocess.run(
            [sys.executable, "-m", "builder", *command[1:]],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=False,
        )
        assert result.returncode == 0, result.stderr
        if "check" in command:
            assert result.stdout == "", "clean content gives no annotations"
    site = tmp_path / "_site"
    assert (site / "index.html").is_file()
    if name == "pages.yml":
        assert "https://example.github.io/digest/" in (site / "index.html").read_text()
