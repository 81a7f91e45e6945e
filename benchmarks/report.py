"""The benchmark's results as Markdown: times, outputs, targets (PASS/FAIL) and the fit in N.

`python3 benchmarks/report.py` rewrites the README's results section from results.json.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

START, END = "<!-- results:start -->", "<!-- results:end -->"
Results = dict  # size (as text) -> the result of one size, as run.py returns it


def seconds(result: dict, step: str) -> float | None:
    """The best of the step's runs: other work on the machine only ever adds time."""
    found = result["steps"].get(step)
    if not found or found["status"] != "ok" or not found["runs"]:
        return None
    return min(found["runs"])


def rss_mb(result: dict, step: str) -> float | None:
    found = result["steps"].get(step)
    return found["rss_mb"] if found and seconds(result, step) is not None else None


def status(result: dict, step: str) -> str:
    found = result["steps"].get(step)
    return "—" if not found else found["status"]


def cpu(result: dict, step: str) -> float | None:
    found = result["steps"].get(step)
    if not found or seconds(result, step) is None or not found.get("cpu"):
        return None
    return min(found["cpu"])


_FULL_BUILDS = ("full build", "hugo full build", "pelican full build")


def ratio(result: dict, peer: str) -> float | None:
    """litdigest's full build time over the peer's, measured in the same run."""
    ours, theirs = seconds(result, "full build"), seconds(result, f"{peer} full build")
    return ours / theirs if ours and theirs else None


@dataclass(frozen=True)
class Target:
    label: str
    size: int
    value: Callable[[dict], float | None]
    limit: float
    unit: str

    def check(self, results: Results) -> tuple[str, str]:
        """(measured, verdict) for this target."""
        result = results.get(str(self.size))
        value = self.value(result) if result else None
        if value is None:
            return "not measured", "—"
        return f"{value:.2f}{self.unit}", "PASS" if value <= self.limit else "FAIL"


TARGETS = (
    Target("full build, litdigest / Hugo ≤ 1.0", 10_000, lambda r: ratio(r, "hugo"), 1.0, ""),
    Target(
        "full build ≥ 5× faster than Pelican (litdigest / Pelican ≤ 0.2)",
        10_000,
        lambda r: ratio(r, "pelican"),
        0.2,
        "",
    ),
    Target("no-change rebuild ≤ 1 s", 10_000, lambda r: seconds(r, "no-change rebuild"), 1, " s"),
    Target("no-change rebuild ≤ 5 s", 100_000, lambda r: seconds(r, "no-change rebuild"), 5, " s"),
    Target("one note edited ≤ 1.5 s", 10_000, lambda r: seconds(r, "one note edited"), 1.5, " s"),
    Target("full build ≤ 90 s", 100_000, lambda r: seconds(r, "full build"), 90, " s"),
    Target("full build peak RSS ≤ 2 GB", 100_000, lambda r: rss_mb(r, "full build"), 2048, " MB"),
)
LINEAR_EXPONENT = 1.1  # time ∝ N^k with k at most this counts as linear


def fit(results: Results, step: str) -> tuple[float, float, float] | None:
    """(k, a, b): time ∝ N^k on a log-log fit, and time ≈ a + b·N, over sizes ≥ 1,000."""
    points = [
        (int(size), seconds(result, step))
        for size, result in results.items()
        if int(size) >= 1000 and seconds(result, step)
    ]
    if len(points) < 2:
        return None
    sizes, times = zip(*sorted(points), strict=True)
    k = statistics.linear_regression([math.log(n) for n in sizes], [math.log(t) for t in times])
    line = statistics.linear_regression(sizes, times)
    return k.slope, line.intercept, line.slope


def _cell(value: float | None, state: str, digits: int = 2) -> str:
    if value is None:
        return state if state not in ("ok", "—") else "—"
    return f"{value:.{digits}f}"


def results_markdown(results: dict, plot: Path | None = None) -> str:
    results = {str(size): result for size, result in sorted(results.items(), key=_size)}
    lines = ["### Times (seconds; best of the runs) and peak RSS (MB)", ""]
    lines += [
        "| papers | notes | import | full build | peak RSS | no-change rebuild | one note edited "
        "| new day: import + rebuild | Hugo | Pelican | litdigest / Hugo | litdigest / Pelican |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, r in results.items():
        day_import, day_build = seconds(r, "new day: import"), seconds(r, "new day: rebuild")
        new_day = (
            f"{day_import:.2f} + {day_build:.2f}"
            if day_import is not None and day_build is not None
            else "—"
        )
        cells = [
            f"{int(size):,}",
            r["corpus"]["notes"].split()[0],
            _cell(seconds(r, "import"), status(r, "import")),
            _cell(seconds(r, "full build"), status(r, "full build")),
            _cell(rss_mb(r, "full build"), "—", 0),
            _cell(seconds(r, "no-change rebuild"), status(r, "no-change rebuild")),
            _cell(seconds(r, "one note edited"), status(r, "one note edited")),
            new_day,
            _cell(seconds(r, "hugo full build"), status(r, "hugo full build")),
            _cell(seconds(r, "pelican full build"), status(r, "pelican full build")),
            _cell(ratio(r, "hugo"), "—"),
            _cell(ratio(r, "pelican"), "—"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "CPU time (user + system, seconds; least of the runs) of the full builds, which other "
        "load on the machine disturbs less than wall time; and the load average before / after:",
        "",
    ]
    lines += [
        "| papers | litdigest | Hugo | Pelican | load average |",
        "|---:|---:|---:|---:|---:|",
    ]
    for size, r in results.items():
        cells = [_cell(cpu(r, step), "—") for step in _FULL_BUILDS]
        load = " / ".join(f"{x:.1f}" for x in r.get("load", ())) or "—"
        lines.append(f"| {int(size):,} | " + " | ".join(cells) + f" | {load} |")
    lines += ["", "Peak RSS of each step (MB):", ""]
    names = sorted({name for r in results.values() for name in r["steps"]}, key=_step_order)
    lines += ["| papers | " + " | ".join(names) + " |", "|---:" * (len(names) + 1) + "|"]
    for size, r in results.items():
        cells = [_cell(rss_mb(r, name), status(r, name), 0) for name in names]
        lines.append(f"| {int(size):,} | " + " | ".join(cells) + " |")
    lines += ["", "Output of the full builds (HTML pages / XML files):", ""]
    tools = ("litdigest", "hugo", "pelican")
    lines += ["| papers | litdigest | Hugo | Pelican |", "|---:|---:|---:|---:|"]
    for size, r in results.items():
        outs = r.get("outputs", {})
        cells = [f"{outs[t]['html']:,} / {outs[t]['xml']:,}" if t in outs else "—" for t in tools]
        lines.append(f"| {int(size):,} | " + " | ".join(cells) + " |")
    stages = {name for r in results.values() for name in r.get("stages", {})}
    if stages:
        lines += ["", "Build stages (seconds):", "", "| papers | " + " | ".join(sorted(stages))]
        lines[-1] += " |"
        lines.append("|---:" * (len(stages) + 1) + "|")
        for size, r in results.items():
            cells = [_cell(r.get("stages", {}).get(s), "—") for s in sorted(stages)]
            lines.append(f"| {int(size):,} | " + " | ".join(cells) + " |")
    else:
        lines += [
            "",
            "Build stages: not reported (`litdigest build` has no per-stage timings and no "
            "`--no-search` / `--no-related` yet).",
        ]
    lines += [
        "",
        "### Targets",
        "",
        "| target | papers | measured | result |",
        "|---|---:|---:|---|",
    ]
    for target in TARGETS:
        measured, verdict = target.check(results)
        lines.append(f"| {target.label} | {target.size:,} | {measured} | {verdict} |")
    lines.append(_linear_row(results))
    lines += ["", _fit_text(results)]
    if plot is not None:
        lines += ["", f"![Build time against N]({plot.as_posix()})"]
    lines += ["", _machine_text(results)]
    return "\n".join(lines)


def _linear_row(results: Results) -> str:
    """Judged on the two largest sizes: between small sizes the fixed start-up cost hides how
    the cost grows, and at scale is where a superlinear term would show."""
    label = (
        f"cost linear in N (full build ∝ N^k between the two largest sizes, k ≤ {LINEAR_EXPONENT})"
    )
    largest = dict(sorted(results.items(), key=_size)[-2:])
    found = fit(largest, "full build")
    if found is None:
        return f"| {label} | — | not measured | — |"
    k = found[0]
    verdict = "PASS" if k <= LINEAR_EXPONENT else "FAIL"
    sizes = " → ".join(f"{int(n):,}" for n in largest)
    return f"| {label} | {sizes} | k = {k:.2f} | {verdict} |"


def _fit_text(results: Results) -> str:
    parts = []
    for step in ("import", "full build", "no-change rebuild", "one note edited"):
        found = fit(results, step)
        if found:
            k, a, b = found
            parts.append(
                f"{step}: ≈ {a:.2f} s + {b * 1000:.3f} s per 1,000 papers "
                f"(log-log slope k = {k:.2f})"
            )
    if not parts:
        return "Fit in N: needs at least two sizes of 1,000 papers or more."
    return "Fit in N (least squares over the sizes ≥ 1,000): " + "; ".join(parts) + "."


def _machine_text(results: Results) -> str:
    seen = []
    for size, r in results.items():
        m = r.get("machine", {})
        text = (
            f"{m.get('date')}: {m.get('cores')} cores ({m.get('cpu')}), {m.get('memory_gb')} GB, "
            f"{m.get('os')}, Python {m.get('python')}, litdigest {m.get('litdigest')}"
        )
        if m.get("hugo"):
            text += f", Hugo {m['hugo']}, Pelican {m.get('pelican')}"
        text += f"; {r.get('repeat')} run(s) per step"
        seen.append((text, int(size)))
    merged: dict[str, list[int]] = {}
    for text, size in seen:
        merged.setdefault(text, []).append(size)
    return "Machine and run: " + " · ".join(
        f"{', '.join(f'{n:,}' for n in sizes)} papers: {text}" for text, sizes in merged.items()
    )


_ORDER = (
    "import",
    "full build",
    "no-change rebuild",
    "one note edited",
    "new day: import",
    "new day: rebuild",
    "hugo full build",
    "pelican full build",
)


def _step_order(name: str) -> tuple[int, str]:
    return (_ORDER.index(name) if name in _ORDER else len(_ORDER), name)


def _size(item: tuple) -> int:
    return int(item[0])


def merge_results(path: Path, results: dict) -> dict:
    """Add this run's sizes to the recorded ones (a size measured again replaces the old)."""
    merged = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    merged.update({str(size): result for size, result in results.items()})
    merged = dict(sorted(merged.items(), key=_size))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(merged, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return merged


def update_readme(readme: Path, text: str) -> None:
    """Replace what lies between the results markers of the README."""
    current = readme.read_text(encoding="utf-8")
    before, found, rest = current.partition(START)
    _, found_end, after = rest.partition(END)
    if not found or not found_end:
        raise SystemExit(f"{readme}: add the markers {START} and {END} around the results")
    readme.write_text(f"{before}{START}\n{text}\n{END}{after}", encoding="utf-8")


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    recorded = json.loads((here / "results" / "results.json").read_text(encoding="utf-8"))
    plot = Path("results", "build-time.png")
    update_readme(
        here / "README.md", results_markdown(recorded, plot if (here / plot).is_file() else None)
    )
    sys.exit(0)
