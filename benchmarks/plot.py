"""The plot of build time against N: litdigest's steps and the peers' full builds.

python benchmarks/plot.py RESULTS.json OUT.png   (the benchmark venv has matplotlib)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

SERIES = (
    ("full build", "litdigest full build (cold)", "o-"),
    ("full build --no-search --no-related", "litdigest, no search or related (cold)", "o:"),
    ("full build, warm cache", "litdigest full build, warm cache", "v-"),
    ("no-change rebuild", "litdigest no-change rebuild", "s--"),
    ("one note edited", "litdigest one note edited", "^:"),
    ("import", "litdigest import", "d-."),
    ("hugo full build", "Hugo full build", "x-"),
    ("pelican full build", "Pelican full build", "+-"),
)


def main(results_path: Path, out: Path) -> None:
    results = json.loads(results_path.read_text(encoding="utf-8"))
    sizes = sorted(results, key=int)
    figure, axes = plt.subplots(figsize=(6.4, 4.2), dpi=100)
    for step, label, style in SERIES:
        points = [
            (int(n), min(results[n]["steps"][step]["runs"]))
            for n in sizes
            if results[n]["steps"].get(step, {}).get("status") == "ok"
            and results[n]["steps"][step]["runs"]
        ]
        if points:
            axes.plot(*zip(*points, strict=True), style, label=label)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("papers (N)")
    axes.set_ylabel("seconds (best of the runs)")
    axes.set_title("Build time against corpus size")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize="small")
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, metadata={"Software": None})


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
