"""A deterministic benchmark corpus: listing dumps and notes made from the default records.

Run with the repository's Python (it needs PyYAML):

    python benchmarks/corpus.py dumps --size N --content DIR --raw DIR [--seed S]
    python benchmarks/corpus.py notes --size N --content DIR [--seed S]
    python benchmarks/corpus.py new-day --index K --raw DIR
    python benchmarks/corpus.py edit-note --index K --content DIR

`dumps` writes one dump per listing day in the real text format (page chrome, a date line such
as `Sep 8`, then title / abstract paragraphs), ~90 papers a day going back from `LAST_DAY`, into
`<raw>/<year>/YYYY-MM-DD.txt` so that each year can be imported with its own `--year`; it also
copies site.yaml (feeds set to 50 items, like the peers) and topics.yaml. `notes` runs after the
import: it reads the ids the importer gave and writes one note per 50 papers, each discussing
one to three of them through `paper:` links. Same size and seed, same bytes.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CONTENT = REPO / "content"
LAST_DAY = dt.date(2025, 9, 8)  # the newest listing day; older days go back from here
PAPERS_PER_DAY = (80, 100)  # uniform, so about 90 on average
PAPERS_PER_NOTE = 50
FEED_ITEMS = 50  # the peers' feeds carry 50 items; litdigest's are set to the same

CHROME = (
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n"
    "byAK and the research community\n\n"
)
# Neutral words for title variants: none of them is a phrase of any topic in topics.yaml.
COLOURS = (
    "Amber",
    "Azure",
    "Beige",
    "Cobalt",
    "Coral",
    "Crimson",
    "Cyan",
    "Ebony",
    "Emerald",
    "Fawn",
    "Garnet",
    "Hazel",
    "Indigo",
    "Ivory",
    "Jade",
    "Khaki",
    "Lilac",
    "Maroon",
    "Ochre",
    "Olive",
    "Pearl",
    "Russet",
    "Saffron",
    "Teal",
)
BIRDS = (
    "Albatross",
    "Bittern",
    "Curlew",
    "Dunlin",
    "Egret",
    "Finch",
    "Grebe",
    "Heron",
    "Ibis",
    "Jay",
    "Kestrel",
    "Lapwing",
    "Merlin",
    "Nightjar",
    "Osprey",
    "Plover",
    "Quail",
    "Robin",
    "Swift",
    "Tern",
    "Veery",
    "Wren",
    "Warbler",
    "Yellowlegs",
)
AUTHORS = (
    "Mira Okafor",
    "Jonas Lindqvist",
    "Priya Raman",
    "Tomás Ferreira",
    "Aiko Tanaka",
    "Lena Schulz",
    "Samuel Adeyemi",
    "Chen Wei",
)


@dataclass(frozen=True, slots=True)
class BasePaper:
    title: str
    abstract: str


@dataclass(frozen=True, slots=True)
class CorpusPaper:
    title: str
    abstract: str
    day: dt.date


def default_papers(content: Path) -> list[BasePaper]:
    """The default site's records, each title once, in file order."""
    seen: set[str] = set()
    papers = []
    for path in sorted((content / "papers").glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        for record in data["papers"]:
            key = " ".join(record["title"].casefold().split())
            if key not in seen:
                seen.add(key)
                papers.append(BasePaper(" ".join(record["title"].split()), record["abstract"]))
    return papers


def codename(copy: int) -> str:
    """A unique two-word name for the copy-th variant of a base paper (copy >= 1)."""
    colour, bird = divmod(copy - 1, len(BIRDS))
    lap, colour = divmod(colour, len(COLOURS))
    return f"{COLOURS[colour]} {BIRDS[bird]}" + (f" {lap + 1}" if lap else "")


def _sentences(text: str) -> list[str]:
    return re.split(r"(?<=[.!?])\s+(?=[A-Z])", " ".join(text.split()))


def variant(base: BasePaper, copy: int) -> tuple[str, str]:
    """Title and abstract of one copy: copy 0 is the paper itself, later ones are renamed
    (a codename before the title) and their abstracts rotated and signed with the codename,
    so that titles and abstracts are all distinct, as the importer requires."""
    if copy == 0:
        return base.title, " ".join(base.abstract.split())
    name = codename(copy)
    sentences = _sentences(base.abstract)
    turn = copy % len(sentences)
    rotated = sentences[turn:] + sentences[:turn]
    return f"{name}: {base.title}", " ".join([*rotated, f"We call the system {name}."])


def make_corpus(size: int, seed: int, defaults: Path) -> list[CorpusPaper]:
    """`size` papers over days going back from LAST_DAY, oldest first."""
    rng = random.Random(seed)
    bases = default_papers(defaults)
    order = list(range(len(bases)))
    rng.shuffle(order)
    counts: list[int] = []
    while sum(counts) < size:
        counts.append(rng.randint(*PAPERS_PER_DAY))
    counts[-1] -= sum(counts) - size
    first_day = LAST_DAY - dt.timedelta(days=len(counts) - 1)
    papers = []
    index = 0
    for offset, count in enumerate(counts):
        day = first_day + dt.timedelta(days=offset)
        for _ in range(count):
            copy, position = divmod(index, len(bases))
            title, abstract = variant(bases[order[position]], copy)
            papers.append(CorpusPaper(title, abstract, day))
            index += 1
    return papers


def dump_text(day: dt.date, papers: list[CorpusPaper]) -> str:
    """One listing page as copied from a browser: chrome, `Sep 8`, title/abstract pairs."""
    body = "".join(f"{paper.title}\n\n{paper.abstract}\n\n" for paper in papers)
    return f"{CHROME}{calendar.month_abbr[day.month]} {day.day}\n\n{body}"


def write_dumps(size: int, seed: int, content: Path, raw: Path, defaults: Path) -> int:
    """Write every day's dump under raw/<year>/, and the site's config files; returns days."""
    by_day: dict[dt.date, list[CorpusPaper]] = {}
    for paper in make_corpus(size, seed, defaults):
        by_day.setdefault(paper.day, []).append(paper)
    for day, papers in by_day.items():
        path = raw / str(day.year) / f"{day.isoformat()}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_text(day, papers), encoding="utf-8")
    (content / "papers").mkdir(parents=True, exist_ok=True)
    (content / "notes").mkdir(parents=True, exist_ok=True)
    site = (defaults / "site.yaml").read_text(encoding="utf-8")
    site, found = re.subn(r"(?m)^feed_items:.*$", f"feed_items: {FEED_ITEMS}", site)
    if not found:
        site += f"feed_items: {FEED_ITEMS}\n"
    (content / "site.yaml").write_text(site, encoding="utf-8")
    topics = (defaults / "topics.yaml").read_text(encoding="utf-8")
    (content / "topics.yaml").write_text(topics, encoding="utf-8")
    return len(by_day)


def write_new_day(index: int, raw: Path, defaults: Path) -> Path:
    """The dump of the index-th day after LAST_DAY (index >= 1): ~90 papers never seen."""
    rng = random.Random(f"new-day-{index}")
    bases = default_papers(defaults)
    day = LAST_DAY + dt.timedelta(days=index)
    # Copies numbered far beyond any corpus's, so the titles are new to every size.
    papers = [
        CorpusPaper(*variant(bases[rng.randrange(len(bases))], 10_000 * index + n), day)
        for n in range(1, 91)
    ]
    path = raw / "new" / f"{day.isoformat()}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_text(day, papers), encoding="utf-8")
    return path


# --- notes ---------------------------------------------------------------------------------

_ID_LINE = re.compile(r"^\s*- id: ([a-z0-9-]+)\s*$", re.MULTILINE)


def imported_ids(content: Path) -> list[tuple[str, str, dt.date]]:
    """(id, title, day) of every imported paper, oldest day first, in listing order."""
    found = []
    for path in sorted((content / "papers").glob("*.yaml")):
        day = dt.date.fromisoformat(path.stem)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        found += [(record["id"], record["title"], day) for record in data["papers"]]
    return found


def write_notes(size: int, seed: int, content: Path) -> int:
    """One note per PAPERS_PER_NOTE papers, on papers of the corpus; returns the count."""
    rng = random.Random(f"{seed}-notes")
    papers = imported_ids(content)
    topics = [t["slug"] for t in _topics(content)]
    notes_dir = content / "notes"
    count = max(1, size // PAPERS_PER_NOTE)
    for number in range(1, count + 1):
        chosen = rng.sample(papers, rng.randint(1, min(3, len(papers))))
        pinned = rng.sample(topics, rng.choice((0, 0, 1, 2)))
        date = max(day for _, _, day in chosen) + dt.timedelta(days=rng.randint(0, 3))
        slug = f"note-{number:06d}"
        path = notes_dir / f"{slug}.md"
        path.write_text(note_text(rng, number, chosen, pinned, date), encoding="utf-8")
    return count


def _topics(content: Path) -> list[dict]:
    data = yaml.load((content / "topics.yaml").read_text(encoding="utf-8"), yaml.CSafeLoader)
    return data["topics"]


def note_text(
    rng: random.Random,
    number: int,
    papers: list[tuple[str, str, dt.date]],
    topics: list[str],
    date: dt.date,
) -> str:
    """A note of a few paragraphs, a list and sometimes a table, like the example notes."""
    first_title = papers[0][1]
    meta = [
        "---",
        f"title: {json.dumps(f'Reading notes {number}: {first_title}', ensure_ascii=False)}",
        f"date: {date.isoformat()}",
        f"authors: [{rng.choice(AUTHORS)}]",
        "papers:",
        *(f"  - {paper_id}" for paper_id, _, _ in papers),
    ]
    if topics:
        meta.append(f"topics: [{', '.join(topics)}]")
    meta.append("---")
    body = []
    for paper_id, title, day in papers:
        body.append(f"## {title}\n")
        body.append(
            f"[{title}](paper:{paper_id}) was listed on {day:%B} {day.day}. "
            f"What follows is a reader's summary, with questions for the authors.\n"
        )
        words = " ".join(rng.choice(_FILLER) for _ in range(rng.randint(6, 12)))
        body.append(f"{words}\n")
        body.append(
            "- **Claim.** " + rng.choice(_FILLER) + "\n- *Evidence.* " + rng.choice(_FILLER) + "\n"
        )
    if rng.random() < 0.3:
        body.append("| Aspect | Reading |\n|---|---|\n| Scope | narrow |\n| Evidence | mixed |\n")
    if rng.random() < 0.3:
        body.append("A point worth checking[^1].\n\n[^1]: See the appendix of the paper.\n")
    return "\n".join(meta) + "\n" + "\n".join(body)


_FILLER = (
    "The experiments are careful, but the baselines are tuned less than the method.",
    "A simpler ablation would tell us whether the gain comes from the data or the objective.",
    "The writing is clear and the appendix answers most of the obvious questions.",
    "I would like to see the same comparison at a tenth of the compute budget.",
    "The failure cases in the last figure are the most interesting part of the paper.",
    "It is not obvious that the benchmark measures what the title promises.",
    "Code is promised; until it is out, the numbers are hard to reproduce.",
    "The related-work section misses two close predecessors from last year.",
    "Scaling the idea up looks straightforward, which is what makes it worth a try.",
    "The theory section is short and states its assumptions honestly.",
)


def edit_note(index: int, content: Path) -> Path:
    """Append one paragraph to a note, a different one each time: the 'edit one note' step."""
    notes = sorted((content / "notes").glob("*.md"))
    path = notes[(index * 7919) % len(notes)]
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"\nEdited for the benchmark, pass {index}: one more sentence.\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("action", choices=("dumps", "notes", "new-day", "edit-note"))
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--content", type=Path)
    parser.add_argument("--raw", type=Path)
    parser.add_argument("--index", type=int, default=1)
    parser.add_argument(
        "--defaults",
        type=Path,
        default=DEFAULT_CONTENT,
        help="the default site's content folder the corpus is made from (default: content/)",
    )
    args = parser.parse_args(argv)
    if args.action == "dumps":
        days = write_dumps(args.size, args.seed, args.content, args.raw, args.defaults)
        print(f"{days} listing days")
    elif args.action == "notes":
        print(f"{write_notes(args.size, args.seed, args.content)} notes")
    elif args.action == "new-day":
        print(write_new_day(args.index, args.raw, args.defaults))
    else:
        print(edit_note(args.index, args.content))
    return 0


if __name__ == "__main__":
    sys.exit(main())
