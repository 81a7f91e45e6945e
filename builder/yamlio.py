"""Safe YAML reading that keeps line numbers and refuses what content never needs."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from builder.errors import ContentError, Problem, display_path

try:  # libyaml's C parser is several times faster; fall back when it is missing.
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader


class LineDict(dict):
    """A mapping that remembers the line of itself and of each key (1-based)."""

    __slots__ = ("key_lines", "line")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line: int | None = None
        self.key_lines: dict[Any, int] = {}


class LineList(list):
    """A sequence that remembers the line of itself and of each item (1-based)."""

    __slots__ = ("item_lines", "line")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.line: int | None = None
        self.item_lines: list[int] = []


class _ContentLoader(_BaseLoader):
    """Safe loader: no aliases (no billion laughs), no duplicate keys, lines kept."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects or node in self.recursive_objects:
            raise yaml.constructor.ConstructorError(
                None, None, "anchors and aliases are not allowed in content files", node.start_mark
            )
        return super().construct_object(node, deep=deep)

    def construct_yaml_map(self, node: yaml.MappingNode) -> Iterator[LineDict]:
        data = LineDict()
        data.line = node.start_mark.line + 1
        yield data
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    "merge keys (<<) are not allowed in content files",
                    key_node.start_mark,
                )
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    "found an unhashable key",
                    key_node.start_mark,
                ) from None
            if key in data:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first on line {data.key_lines[key]})",
                    key_node.start_mark,
                )
            data[key] = self.construct_object(value_node, deep=True)
            data.key_lines[key] = key_node.start_mark.line + 1

    def construct_checked_timestamp(self, node: yaml.ScalarNode) -> Any:
        # PyYAML raises a bare ValueError for 2025-13-01; make it a located YAML error.
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a valid date ({exc})", node.start_mark
            ) from None

    def construct_yaml_seq(self, node: yaml.SequenceNode) -> Iterator[LineList]:
        data = LineList()
        data.line = node.start_mark.line + 1
        yield data
        data.extend(self.construct_sequence(node))
        data.item_lines = [item.start_mark.line + 1 for item in node.value]


_ContentLoader.add_constructor("tag:yaml.org,2002:map", _ContentLoader.construct_yaml_map)
_ContentLoader.add_constructor("tag:yaml.org,2002:seq", _ContentLoader.construct_yaml_seq)
_ContentLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _ContentLoader.construct_checked_timestamp
)


def yaml_problem(path: Path | str, exc: yaml.YAMLError, text: str = "") -> Problem:
    """Turn a PyYAML error into a Problem with the line and column it names."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"invalid YAML: {problem}"
    if context and "while constructing" not in context:
        message += f" ({context})"
    hint = None
    if "could not determine a constructor" in str(problem):
        tag = str(problem).rpartition("tag ")[2].replace("tag:yaml.org,2002:", "!!")
        message = f"invalid YAML: the tag {tag} is not allowed"
        hint = "content files are plain data: remove the tag"
    elif mark is not None and "\t" in _line_of(text, mark.line):
        hint = "indent with spaces, not tabs"
    if mark is None:
        return Problem(display_path(path), message, hint=hint)
    return Problem(display_path(path), message, mark.line + 1, mark.column + 1, hint)


def _line_of(text: str, index: int) -> str:
    lines = text.split("\n")
    return lines[index] if 0 <= index < len(lines) else ""


# Content files nest a few levels (a day, its papers, a paper's links); libyaml's composer
# recurses in C for each level and crashes the process somewhere past 10,000.
MAX_DEPTH = 100


def _check_depth(text: str, path: Path | str) -> None:
    """Refuse YAML nested deeper than MAX_DEPTH, found from parser events (which do not
    recurse) before the document is composed. Syntax errors are left to the real load."""
    loader = _BaseLoader(text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
                    message = f"invalid YAML: nested more than {MAX_DEPTH} levels deep"
                    raise ContentError([Problem(display_path(path), message, line, column)])
            elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return
    finally:
        loader.dispose()


def load_yaml_text(text: str, path: Path | str) -> Any:
    """Parse one YAML document safely; raise ContentError naming file, line and column."""
    _check_depth(text, path)
    try:
        return yaml.load(text, Loader=_ContentLoader)
    except yaml.YAMLError as exc:
        raise ContentError([yaml_problem(path, exc, text)]) from None
    except RecursionError:
        raise ContentError(
            [Problem(display_path(path), "invalid YAML: nested too deeply")]
        ) from None


# Far above any real content file (a day of 90 papers is 170 KB, a listing dump 150 KB), and
# small enough that reading and parsing the largest allowed file takes seconds and bounded
# memory: a 50 MB file is refused before it is read.
MAX_FILE_BYTES = 4 * 1024 * 1024


def read_text(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """Read a content file as UTF-8 (a BOM is dropped); undecodable files are a Problem.

    Only regular files of at most `max_bytes` are read: a pipe, a device or /dev/zero named
    as a content file would otherwise block or fill memory.
    """
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ContentError([Problem(display_path(path), "is a directory, expected a file")])
        if not stat.S_ISREG(info.st_mode):
            raise ContentError(
                [
                    Problem(
                        display_path(path),
                        "is not a regular file (a pipe, socket or device)",
                        hint="content files are ordinary text files",
                    )
                ]
            )
        if info.st_size > max_bytes:
            raise ContentError([_too_large(path, info.st_size, max_bytes)])
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)  # the file may have grown since stat
    except OSError as exc:
        raise ContentError(
            [Problem(display_path(path), f"cannot read: {exc.strerror or exc}")]
        ) from None
    if len(data) > max_bytes:
        raise ContentError([_too_large(path, len(data), max_bytes)])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContentError(
            [
                Problem(
                    display_path(path),
                    f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                    line,
                    hint="save the file as UTF-8",
                )
            ]
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _too_large(path: Path, size: int, limit: int) -> Problem:
    return Problem(
        display_path(path),
        f"too large: {_size(size)}, a content file may have at most {_size(limit)}",
        hint="split it into smaller files, or check that this is the file you meant",
    )


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MiB".replace(".0 MiB", " MiB")
    return f"{count / 1024:.0f} KiB" if count >= 1024 else f"{count} bytes"


def load_yaml_file(path: Path) -> Any:
    """Read and parse a YAML content file."""
    return load_yaml_text(read_text(path), path)
