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
    """The step's peak RSS: its largest process's (ru_maxrss)."""
    found = result["steps"].get(step)
    return found["rss_mb"] if found and seconds(result, step) is not None else None


def memory_mb(result: dict, step: str) -> float | None:
    """The step's peak memory: the larger of its largest process's RSS and the sampled PSS
    of all its processes (a forked build's workers count too)."""
    found = result["steps"].get(step)
    if not found or seconds(result, step) is None:
        return None
    return max(found["rss_mb"], found.get("tree_mb", 0.0))


def status(result: dict, step: str) -> str:
    found = result["steps"].get(step)
    return "—" if not found else found["status"]


def cpu(result: dict, step: str) -> float | None:
    found = result["steps"].get(step)
    if not found or seconds(result, step) is None or not found.get("cpu"):
        return None
    return min(found["cpu"])


def stage_lines(result: dict, step: str) -> dict[str, float]:
    """The `--timings` lines of the step's best run (the one its time is)."""
    found = result["steps"].get(step)
    if not found or seconds(result, step) is None or not found.get("stages"):
        return {}
    runs, stages = found["runs"], found["stages"]
    best = runs.index(min(runs))
    return stages[best] if best < len(stages) else {}


EQUIVALENT = "full build --no-search --no-related"
WARM = "full build, warm cache"
_FULL_BUILDS = ("full build", EQUIVALENT, "hugo full build", "pelican full build")


def ratio(result: dict, peer: str, step: str = "full build") -> float | None:
    """litdigest's full build time over the peer's, measured in the same run."""
    ours, theirs = seconds(result, step), seconds(result, f"{peer} full build")
    return ours / theirs if ours and theirs else None


@dataclass(frozen=True)
class Target:
    label: str
    size: int
    value: Callable[[dict], float | None]
    limit: float
    unit: str
    note: Callable[[dict], str] = lambda result: ""

    def check(self, results: Results) -> tuple[str, str]:
        """(measured, verdict) for this target."""
        result = results.get(str(self.size))
        value = self.value(result) if result else None
        if value is None:
            return "not measured", "—"
        assert result is not None
        measured = f"{value:.2f}{self.unit}{self.note(result)}"
        return measured, "PASS" if value <= self.limit else "FAIL"


def _default_ratio(peer: str) -> Callable[[dict], str]:
    def note(result: dict) -> str:
        found = ratio(result, peer)
        return f" (default build: {found:.2f})" if found is not None else ""

    return note


def _largest_process(result: dict) -> str:
    found = rss_mb(result, "full build")
    return f" (largest process: {found:.0f} MB)" if found is not None else ""


TARGETS = (
    Target(
        "full build, litdigest / Hugo ≤ 1.0 (equivalent output: `--no-search --no-related`)",
        10_000,
        lambda r: ratio(r, "hugo", EQUIVALENT),
        1.0,
        "",
        _default_ratio("hugo"),
    ),
    Target(
        "full build ≥ 5× faster than Pelican (litdigest / Pelican ≤ 0.2; equivalent output)",
        10_000,
        lambda r: ratio(r, "pelican", EQUIVALENT),
        0.2,
        "",
        _default_ratio("pelican"),
    ),
    Target("no-change rebuild ≤ 1 s", 10_000, lambda r: seconds(r, "no-change rebuild"), 1, " s"),
    Target("no-change rebuild ≤ 5 s", 100_000, lambda r: seconds(r, "no-change rebuild"), 5, " s"),
    Target("one note edited ≤ 1.5 s", 10_000, lambda r: seconds(r, "one note edited"), 1.5, " s"),
    Target("full build (cold) ≤ 90 s", 100_000, lambda r: seconds(r, "full build"), 90, " s"),
    Target(
        "full build peak memory ≤ 2 GB (all its processes)",
        100_000,
        lambda r: memory_mb(r, "full build"),
        2048,
        " MB",
        _largest_process,
    ),
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


def _table(
    head: list[str], rows: list[list[str]], left: int = 1, align: list[str] | None = None
) -> list[str]:
    """A Markdown table, its first `left` columns aligned left and the rest right, unless
    `align` gives every column's ("---", "---:")."""
    align = align or ["---"] * left + ["---:"] * (len(head) - left)
    return [
        "| " + " | ".join(head) + " |",
        "|" + "|".join(align) + "|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def _label(step: str) -> str:
    return step.replace("hugo ", "Hugo ").replace("pelican ", "Pelican ")


def results_markdown(results: dict, plot: Path | None = None) -> str:
    results = {str(size): result for size, result in sorted(results.items(), key=_size)}
    sizes = list(results)
    head = [f"{int(size):,} papers" for size in sizes]
    names = sorted({name for r in results.values() for name in r["steps"]}, key=_step_order)
    lines = [
        "### Times",
        "",
        "Seconds, best of the runs. Full builds are cold (no output folder, no `.cache/`) "
        "unless marked warm; every build passes `--timings`.",
        "",
    ]
    notes = [r["corpus"]["notes"].split()[0] for r in results.values()]
    rows = [["notes", *notes]]
    rows += [
        [_label(name), *(_cell(seconds(r, name), status(r, name)) for r in results.values())]
        for name in names
    ]
    lines += _table(["step", *head], rows)

    lines += ["", "Full builds against the peers, measured in the same run (seconds):", ""]
    rows = []
    for size, r in results.items():
        cells = [_cell(seconds(r, step), status(r, step)) for step in _FULL_BUILDS]
        cells += [_cell(ratio(r, peer, step), "—") for peer in ("hugo", "pelican")
                  for step in (EQUIVALENT, "full build")]  # fmt: skip
        rows.append([f"{int(size):,}", *cells])
    lines += _table(
        [
            "papers",
            "litdigest",
            "litdigest, no search or related",
            "Hugo",
            "Pelican",
            "/ Hugo (equivalent)",
            "/ Hugo (default)",
            "/ Pelican (equivalent)",
            "/ Pelican (default)",
        ],
        rows,
        left=0,
    )

    lines += [
        "",
        "CPU time (user + system, seconds; least of the runs) of the full builds, which other "
        "load on the machine disturbs less than wall time; and the load average before / after:",
        "",
    ]
    rows = []
    for size, r in results.items():
        cells = [_cell(cpu(r, step), "—") for step in _FULL_BUILDS]
        load = " / ".join(f"{x:.1f}" for x in r.get("load", ())) or "—"
        rows.append([f"{int(size):,}", *cells, load])
    lines += _table(
        ["papers", "litdigest", "litdigest, no search or related", "Hugo", "Pelican", "load"],
        rows,
        left=0,
    )

    lines += [
        "",
        "Peak memory of each step (MB): the largest process's RSS / the sampled PSS of all "
        "the step's processes (a forked build's workers and Pagefind included):",
        "",
    ]
    rows = []
    for name in names:
        cells = []
        for r in results.values():
            found, rss = r["steps"].get(name, {}), rss_mb(r, name)
            tree = found.get("tree_mb")
            cells.append(
                status(r, name)
                if rss is None
                else f"{rss:.0f} / {tree:.0f}"
                if tree
                else f"{rss:.0f} / —"
            )
        rows.append([_label(name), *cells])
    lines += _table(["step", *head], rows)

    lines += ["", "Output of the full builds (HTML pages / XML files):", ""]
    tools = ("litdigest", "hugo", "pelican")
    rows = []
    for size, r in results.items():
        outs = r.get("outputs", {})
        cells = [f"{outs[t]['html']:,} / {outs[t]['xml']:,}" if t in outs else "—" for t in tools]
        rows.append([f"{int(size):,}", *cells])
    lines += _table(["papers", "litdigest", "Hugo", "Pelican"], rows, left=0)
    lines += _stage_tables(results)
    lines += [""]
    rows = [[t.label, f"{t.size:,}", *t.check(results)] for t in TARGETS]
    head = ["target", "papers", "measured", "result"]
    lines += ["### Targets", "", *_table(head, rows, align=["---", "---:", "---:", "---"])]
    lines.append(_linear_row(results))
    lines += ["", _fit_text(results), "", _growth_text(results)]
    if plot is not None:
        lines += ["", f"![Build time against N]({plot.as_posix()})"]
    lines += ["", _machine_text(results)]
    return "\n".join(lines)


def _stage_tables(results: Results) -> list[str]:
    """The cost of the optional stages (cold builds with and without them) and each build's
    `--timings` lines."""
    lines = []
    costs = sorted({name for r in results.values() for name in r.get("stages", {})})
    if costs:
        lines += [
            "",
            "Cost of the optional stages (seconds): the cold full build minus the cold build "
            "that leaves the stage out (`--no-search`, `--no-related`):",
            "",
        ]
        rows = [
            [f"{int(size):,}", *(_cell(r.get("stages", {}).get(c), "—") for c in costs)]
            for size, r in results.items()
        ]
        lines += _table(["papers", *costs], rows, left=0)
    timed: list[tuple[str, str, dict[str, float]]] = []
    for size, r in results.items():
        for name in sorted(r["steps"], key=_step_order):
            found = stage_lines(r, name)
            if found:
                timed.append((size, name, found))
    if not timed:
        return lines
    columns: dict[str, None] = {}
    for _, _, found in timed:
        columns.update(dict.fromkeys(found))
    lines += [
        "",
        "Stages of each build (seconds; `litdigest build --timings`, of the run reported "
        "above; the rest of a step's time is starting Python, importing, and what no stage "
        "covers, such as reading the build manifest):",
        "",
    ]
    rows = [
        [f"{int(size):,}", _label(name), *(_cell(found.get(c), "—") for c in columns)]
        for size, name, found in timed
    ]
    return lines + _table(["papers", "step", *columns], rows, left=2)


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


_GROWTH_STEPS = (
    "full build",
    EQUIVALENT,
    WARM,
    "no-change rebuild",
    "one note edited",
    "new day: rebuild",
)


def _growth_text(results: Results) -> str:
    """k of time ∝ N^k between the two largest sizes, for each build step and for each
    stage of the cold full build: which part of the cost grows faster than N."""
    if len(results) < 2:
        return ""
    (small, first), (large, second) = sorted(results.items(), key=_size)[-2:]
    scale = math.log(int(large) / int(small))

    def k(before: float | None, after: float | None) -> str | None:
        if not before or not after or before < 0.05:
            return None
        return f"{math.log(after / before) / scale:.2f}"

    steps = [
        f"{step} {found}"
        for step in _GROWTH_STEPS
        if (found := k(seconds(first, step), seconds(second, step)))
    ]
    before, after = stage_lines(first, "full build"), stage_lines(second, "full build")
    stages = [f"{name} {found}" for name in after if (found := k(before.get(name), after[name]))]
    text = f"Growth between {int(small):,} and {int(large):,} papers (k of time ∝ N^k): "
    text += "; ".join(steps) if steps else "—"
    if stages:
        text += ". Stages of the cold full build: " + "; ".join(stages)
    return text + "."


def _fit_text(results: Results) -> str:
    parts = []
    steps = ("import", "full build", EQUIVALENT, WARM, "no-change rebuild", "one note edited")
    for step in steps:
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
    EQUIVALENT,
    "full build --no-search",
    "full build --no-related",
    WARM,
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
