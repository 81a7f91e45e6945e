"""The Nu HTML checker (vnu.jar), run once over a whole built site."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parents[2]
DEFAULT_JAR = REPO / ".cache/tools/node_modules/vnu-jar/build/dist/vnu.jar"
INSTALL_HINT = "run `make check-tools` (the README's test command, `make test`, does it too)"


class ToolMissingError(RuntimeError):
    """Java or vnu.jar is not installed; the message says how to install them."""


@dataclass(frozen=True, slots=True)
class VnuMessage:
    file: str  # relative to the checked folder
    line: int | None
    kind: str  # "error" or "non-document-error"
    message: str
    extract: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        extract = f"\n    {self.extract.strip()}" if self.extract.strip() else ""
        return f"{where}: {self.message}{extract}"


def vnu_jar() -> Path:
    """Where vnu.jar is: $LITDIGEST_VNU_JAR (set by the Makefile), else where make puts it."""
    configured = os.environ.get("LITDIGEST_VNU_JAR")
    return Path(configured) if configured else DEFAULT_JAR


def check_site_html(site_dir: Path, timeout: float = 600) -> list[VnuMessage]:
    """Errors the checker finds in every .html file under `site_dir`, with one Java start."""
    java = shutil.which("java")
    if java is None:
        raise ToolMissingError(f"Java is not installed, so vnu.jar cannot run: {INSTALL_HINT}")
    jar = vnu_jar()
    if not jar.is_file():
        raise ToolMissingError(f"vnu.jar not found at {jar}: {INSTALL_HINT}")
    site_dir = site_dir.resolve()
    result = subprocess.run(
        [
            java,
            "-jar",
            str(jar),
            "--errors-only",
            "--skip-non-html",
            "--exit-zero-always",
            "--stdout",
            "--format",
            "json",
            str(site_dir),
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(
            f"vnu.jar did not report JSON (exit {result.returncode}):\n"
            f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
        ) from None
    return [
        _message(raw, site_dir)
        for raw in report.get("messages", [])
        if raw.get("type") in ("error", "non-document-error")
    ]


def _message(raw: dict, site_dir: Path) -> VnuMessage:
    url = raw.get("url", "")
    path = unquote(urlsplit(url).path) if url.startswith("file:") else url
    try:
        shown = Path(path).resolve().relative_to(site_dir).as_posix()
    except ValueError:
        shown = path
    return VnuMessage(
        shown,
        raw.get("lastLine") or raw.get("firstLine"),
        raw.get("type", "error"),
        raw.get("message", ""),
        raw.get("extract", ""),
    )
