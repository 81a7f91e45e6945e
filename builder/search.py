"""Full-text search: Pagefind indexes made from the site's data, cached shard by shard.

    search_bundle(site: SiteData, cache_dir: Path) -> dict[str, CachedFile]

returns every file of the search bundle: its path in the site ("pagefind/notes-0001/
pagefind.js", under paths.SEARCH_BUNDLE) -> the file in `cache_dir` that holds its bytes, with
their checksum. The build's writer links those files into the site (copies them where it
cannot); none is changed once written, so a link stays right. After a build,
`prune_search_cache(cache_dir, bundle)` removes what its bundle does not use. No HTML is read:
the records come from SiteData (builder.search_records).

The records are in shards of a bounded size (builder.search_records), each a Pagefind index
of its own in `pagefind/<shard>/`, and `pagefind/shards.json` names them. The search page
(static/search.js) runs Pagefind's UI from `pagefind/pagefind-ui.js` over
static/search/pagefind.js, which searches every shard and ranks their results together. A
shard is indexed only when its records, Pagefind's binary or this code changed: its cache
folder is named by a hash of the three. The folder is filled aside, with a manifest of every
file's checksum, size and time written last, and renamed into place; a folder
whose manifest or files do not match is indexed afresh, so the cache may be deleted or
damaged at any time. One site's builds own `cache_dir` and take turns (the site lock).
Pagefind's scripts, the same for every shard, are kept once, in the `runtime` folder.

Pagefind runs as `pagefind --service`, the protocol its Python API (`pagefind.index`) speaks;
not through that API, which sleeps 0.1 s before reading each answer: 1000 s for 10,000
records. INDEXERS shards are indexed at a time: each Pagefind process is a core busy and a
shard's memory. Its output is not quite
reproducible: a filter file lists its values in hash-map order, and file names hash the
contents. `canonical_files` sorts those lists and renames what refers to them, so the same
records give byte-identical files.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from builder import search_records
from builder.errors import ContentError, Problem, display_path
from builder.paths import SEARCH_BUNDLE
from builder.search_records import SearchRecord, Shard, note_shards, paper_shards, records
from builder.views import SiteData

SIGNATURE = b"pagefind_dcd"  # what every decompressed Pagefind data file starts with
TIMEOUT = 600  # seconds; 100k pages index in well under a minute
FORMAT = "litdigest-search-2"  # of the cache folders: change it when their layout changes
MANIFEST = "manifest.json"  # in each shard folder, written last
SHARD_LIST = "shards.json"  # in the bundle: the shard folders, the newest papers first
RUNTIME = "runtime"  # the cache folder of Pagefind's scripts, the same for every shard
UI_FILES = ("pagefind-ui.js", "pagefind-ui.css")  # the search page's, in the bundle's top folder
INDEX_SCRIPTS = ("pagefind.js", "pagefind-worker.js")  # in every shard: each loads its own
# Pagefind processes at once. Each keeps a core busy and needs a shard's memory (see
# builder.search_records), so a build's memory is bounded on any machine.
INDEXERS = 2
# Pagefind's other front ends: the search page uses its default UI only.
UNUSED_FILES = frozenset(
    (
        "pagefind-component-ui.css",
        "pagefind-component-ui.js",
        "pagefind-highlight.js",
        "pagefind-modular-ui.css",
        "pagefind-modular-ui.js",
    )
)


@dataclass(frozen=True, slots=True)
class CachedFile:
    """A file of the bundle as the cache holds it."""

    path: str  # the file in the cache folder
    sha: str  # the SHA-256 of its bytes, as the cache's manifest records it


_Files = dict[str, str]  # a shard folder's files -> their checksums
_Lookup = tuple[Path, _Files | Future[_Files]]  # a shard's folder, its files or their making


def search_bundle(site: SiteData, cache_dir: Path) -> dict[str, CachedFile]:
    """Every file of the site's search bundle -> the file in `cache_dir` with its bytes;
    shards whose records are unchanged are not indexed again."""
    salt = _code_salt(pagefind_binary())
    language = site.config.language
    _make_folder(cache_dir)
    indexers = min(INDEXERS, os.cpu_count() or 1)
    with ThreadPoolExecutor(indexers, thread_name_prefix="pagefind") as pool:

        def look_up(shard: Shard) -> _Lookup:
            """The shard's folder and files, or the indexing under way that makes them."""
            folder = cache_dir / _folder_name(shard, language, salt)
            return folder, _cached_files(folder) or pool.submit(_index, shard, site, folder)

        # Notes first: an edited note is being indexed while the papers are checked.
        notes = {shard.name: look_up(shard) for shard in note_shards(site)}
        papers = {shard.name: look_up(shard) for shard in paper_shards(site)}
        runtime = look_up(Shard(RUNTIME, b""))  # an empty index: Pagefind's scripts alone
        found = _finished({RUNTIME: runtime, **papers, **notes})

    runtime_folder, scripts = found.pop(RUNTIME)
    bundle = {
        SEARCH_BUNDLE + file: CachedFile(f"{runtime_folder}/{file}", sha)
        for file, sha in scripts.items()
        if file in UI_FILES
    }
    shared = {file: sha for file, sha in scripts.items() if file not in UI_FILES}
    for name, (folder, files) in found.items():  # the newest papers first, the notes last
        prefix = f"{SEARCH_BUNDLE}{name}/"
        for where, names in ((folder, files), (runtime_folder, shared)):
            for file, sha in names.items():
                bundle[prefix + file] = CachedFile(f"{where}/{file}", sha)
    bundle[SEARCH_BUNDLE + SHARD_LIST] = _shard_list(cache_dir, list(found))
    return dict(sorted(bundle.items()))


def prune_search_cache(cache_dir: Path, bundle: Mapping[str, CachedFile]) -> None:
    """Remove from `cache_dir` all that `bundle` (search_bundle's latest answer) does not
    use: shards of older builds, and what builds killed while indexing left behind."""
    prefix = f"{cache_dir}/"
    used = {
        file.path[len(prefix) :].split("/", 1)[0]
        for file in bundle.values()
        if file.path.startswith(prefix)
    }
    try:
        entries = list(cache_dir.iterdir())
    except OSError:
        return
    for entry in entries:
        if entry.name not in used:
            _remove(entry)


def pagefind_binary() -> Path:
    """The Pagefind executable of the `pagefind[bin]` package (or $PAGEFIND_BINARY_PATH)."""
    from pagefind.service import get_executable

    binary = get_executable()
    if binary is None:
        raise ContentError(
            [
                Problem(
                    "search index",
                    "the Pagefind binary is not installed",
                    hint="pip install 'pagefind[bin]', or build with --no-search",
                )
            ]
        )
    return binary


# -- the cache ------------------------------------------------------------------------------


def _code_salt(binary: Path) -> str:
    """What, besides the records, decides a shard's files: this code and Pagefind's binary."""
    digest = hashlib.sha256(FORMAT.encode())
    for module in (__file__, search_records.__file__):
        digest.update(Path(module).read_bytes())
    try:
        stat = binary.stat()
    except OSError as error:
        raise ContentError([_problem(f"{binary}: {error.strerror}")]) from None
    digest.update(f"{binary}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def _folder_name(shard: Shard, language: str, salt: str) -> str:
    """The shard's cache folder: its name and a hash of all that decides its files."""
    digest = hashlib.sha256(_framed(salt, language, shard.name).encode())
    digest.update(shard.key)
    return f"{shard.name}-{digest.hexdigest()[:24]}"


def _framed(*fields: str) -> str:
    """Fields run together, each after its length: no two lists of fields give one text."""
    return "".join([f"{len(field)}:{field}" for field in fields])


def _cached_files(folder: Path) -> _Files | None:
    """The files of an intact shard folder and their checksums, or None when it is missing
    or damaged."""
    try:
        manifest = json.loads((folder / MANIFEST).read_bytes())
        if manifest["format"] != FORMAT:
            return None
        files = manifest["files"]
        for name, (checksum, size, mtime) in files.items():
            if not (_safe_name(name) and _intact(f"{folder}/{name}", checksum, size, mtime)):
                return None
        return {name: str(entry[0]) for name, entry in files.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _intact(path: str, checksum: str, size: int, mtime: int) -> bool:
    """Whether `path` holds the bytes the manifest names; read only when its size and time
    differ from those recorded (a copied cache), as git trusts its index."""
    stat = os.stat(path)
    if stat.st_size != size:
        return False
    return stat.st_mtime_ns == mtime or _file_checksum(path) == checksum


def _safe_name(name: str) -> bool:
    """A name a manifest may hold: a path inside its folder."""
    parts = name.split("/")
    return "" not in parts and ".." not in parts and "." not in parts and name != MANIFEST


def _store(folder: Path, files: dict[str, bytes]) -> _Files:
    """Write a shard's files into `folder`, one by one, each released once written: filled
    aside, manifest last, renamed into place."""
    temporary = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        checksums, entries = {}, {}
        for name in sorted(files):
            data = files.pop(name)
            path = temporary / name
            try:
                path.write_bytes(data)
            except FileNotFoundError:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            checksums[name] = _checksum(data)
            entries[name] = [checksums[name], len(data), path.stat().st_mtime_ns]
        manifest = {"format": FORMAT, "files": entries}
        (temporary / MANIFEST).write_text(json.dumps(manifest, indent=0), encoding="utf-8")
        _replace(temporary, folder)
    except BaseException:
        _remove(temporary)
        raise
    return checksums


def _replace(new: Path, folder: Path) -> None:
    """Rename `new` to `folder`, moving a damaged `folder` out of the way first."""
    try:
        new.rename(folder)
        return
    except OSError:
        if not folder.exists():
            raise
    damaged = Path(tempfile.mkdtemp(prefix=f".{folder.name}-damaged-", dir=folder.parent))
    folder.rename(damaged / folder.name)
    new.rename(folder)
    _remove(damaged)


def _shard_list(cache_dir: Path, shards: Sequence[str]) -> CachedFile:
    """The bundle's list of shard folders: a file named by its contents, written once."""
    data = json.dumps({"shards": [f"{name}/" for name in shards]}).encode()
    checksum = _checksum(data)
    path = cache_dir / f"shards-{checksum[:24]}.json"
    try:
        if path.is_file() and path.read_bytes() == data:
            return CachedFile(str(path), checksum)
        with tempfile.NamedTemporaryFile(dir=cache_dir, prefix=".shards-", delete=False) as file:
            file.write(data)
        os.replace(file.name, path)
    except OSError as error:
        raise _cache_error(cache_dir, error) from None
    return CachedFile(str(path), checksum)


def _make_folder(cache_dir: Path) -> None:
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _cache_error(cache_dir, error) from None


def _checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_checksum(path: str) -> str:
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _cache_error(cache_dir: Path, error: OSError) -> ContentError:
    return ContentError(
        [
            Problem(
                display_path(cache_dir),
                f"could not write the search index's cache: {error.strerror or error}",
                hint="check the folder's permissions, or build with --no-search",
            )
        ]
    )


# -- indexing --------------------------------------------------------------------------------


def _index(shard: Shard, site: SiteData, folder: Path) -> _Files:
    """Index a shard and store its files in `folder`; their checksums. The scripts are kept
    once, in the runtime's folder, and no shard keeps them."""
    files = canonical_files(index_records(records(shard, site), site.config.language))
    scripts = (*UI_FILES, *INDEX_SCRIPTS)
    if shard.name == RUNTIME:
        files = {name: data for name, data in files.items() if name in scripts}
    else:
        files = {name: data for name, data in files.items() if name not in scripts}
    try:
        return _store(folder, files)
    except OSError as error:
        raise _cache_error(folder.parent, error) from None


def _finished(found: Mapping[str, _Lookup]) -> dict[str, tuple[Path, _Files]]:
    """Each shard's folder and files, once indexed; every failure is reported together."""
    files, problems = {}, list[Problem]()
    for name, (folder, names) in found.items():
        try:
            files[name] = (folder, names.result() if isinstance(names, Future) else names)
        except ContentError as error:
            problems += error.problems
    if problems:
        raise ContentError(problems)
    return files


def index_records(records: Sequence[SearchRecord], language: str) -> dict[str, bytes]:
    """Pagefind's bundle of `records`, every file by its path in the bundle.

    Pagefind is asked for the files (GetFiles) rather than to write them (WriteFiles): it
    answers WriteFiles before its writes are done, and exits at once when its input ends, so
    files would be lost or cut short. A shard's files are a few MB (about 2 KB a record):
    they are held, once, and _store writes them one by one.
    """
    command = [str(pagefind_binary()), "--service"]
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                # No preexec_fn to make it die with the build: that would fork the whole
                # build rather than spawn, and Pagefind exits anyway once its input closes.
            )
        except OSError as error:
            raise ContentError([_problem(str(error))]) from None
        timed_out = threading.Event()

        def expire() -> None:
            timed_out.set()
            process.kill()

        timer = threading.Timer(TIMEOUT, expire)
        timer.start()
        try:
            files = _converse(process, records, language)
        finally:
            timer.cancel()
            _stop(process)
        if files is None:
            errors.seek(0)
            said = errors.read().decode("utf-8", "replace").strip()
            if timed_out.is_set():
                said = f"it did not finish in {TIMEOUT} s"
            raise ContentError([_problem(said or _exit_status(process.returncode))])
    decoded = {}
    while files:
        file = files.pop()  # each answer's text is released once decoded
        name = file["path"]
        if name in UNUSED_FILES:
            continue
        if not _safe_name(name):
            raise ContentError([_problem(f"it named a file outside its folder: {name!r}")])
        decoded[name] = base64.b64decode(file["content"])
    return decoded


def _converse(
    process: subprocess.Popen[bytes],
    records: Sequence[SearchRecord],
    language: str,
) -> list[dict[str, str]] | None:
    """Send the records and ask for the files; None when Pagefind stops before answering."""
    assert process.stdin is not None and process.stdout is not None
    answers = _messages(process.stdout)
    _send(process.stdin, [{"type": "NewIndex", "config": None}])
    first = next(answers, None)
    if first is None:
        return None
    index_id = _payload(first, records)["index_id"]

    def requests() -> Iterator[dict[str, Any]]:
        """Made one by one as they are sent: a shard's requests are never all in memory."""
        for record in records:
            yield {
                "type": "AddRecord",
                "index_id": index_id,
                "url": record.url,
                "content": record.content,
                "language": language,
                "meta": {"title": record.title, "day": record.day},
                "filters": {"topic": list(record.topics)} if record.topics else {},
                "sort": None,
            }
        yield {"type": "GetFiles", "index_id": index_id}

    last = len(records) + 1
    # Sent from another thread: Pagefind answers while it reads, and both pipes are finite.
    writer = threading.Thread(target=_send, args=(process.stdin, requests(), 1), daemon=True)
    writer.start()
    try:
        for answer in answers:
            payload = _payload(answer, records)
            if answer.get("message_id") == last:
                return list(payload["files"])
        return None
    except BaseException:
        process.kill()
        raise
    finally:
        writer.join()


def _payload(answer: dict[str, Any], records: Sequence[SearchRecord]) -> Any:
    """An answer's payload; ContentError when it is Pagefind's error message."""
    payload = answer.get("payload") or {}
    if payload.get("type") == "Error":
        number = answer.get("message_id") or 0  # records are messages 1 to n
        about = f" ({records[number - 1].url})" if 0 < number <= len(records) else ""
        raise ContentError([_problem(f"{payload.get('message', 'an error')}{about}")])
    return payload


def _send(stream: IO[bytes], payloads: Iterable[dict[str, Any]], first: int = 0) -> None:
    """Requests numbered from `first`: base64 JSON, each ended by a comma."""
    try:
        for number, payload in enumerate(payloads, start=first):
            message = json.dumps({"message_id": number, "payload": payload}).encode()
            stream.write(base64.b64encode(message) + b",")
        stream.flush()
    except (BrokenPipeError, ValueError):
        pass  # Pagefind stopped; the reader reports why


def _messages(stream: IO[bytes]) -> Iterator[dict[str, Any]]:
    """Pagefind's answers, in the requests' format."""
    pending = bytearray()
    while chunk := stream.read1(1 << 20):  # type: ignore[attr-defined]
        start = len(pending)
        pending += chunk
        while (end := pending.find(b",", start)) != -1:
            try:
                yield json.loads(base64.b64decode(pending[:end]))
            except ValueError:
                raise ContentError([_problem("it answered something unreadable")]) from None
            del pending[: end + 1]
            start = 0


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End the service: it exits when its input ends."""
    try:
        if process.stdin is not None:
            process.stdin.close()
    except OSError:
        pass
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


def _exit_status(code: int | None) -> str:
    if code is not None and code < 0:
        return f"stopped by signal {signal.Signals(-code).name}"
    return f"exit status {code}"


def _problem(message: str) -> Problem:
    return Problem(
        "search index",
        f"Pagefind could not index the site: {message}",
        hint="the site was not replaced; build with --no-search to skip the index",
    )


# -- reproducible output ------------------------------------------------------------------


def canonical_files(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """Pagefind's files with what it writes in hash-map order sorted, and the files named by
    their contents renamed to match."""
    files = dict(files)
    try:
        entry = json.loads(files["pagefind-entry.json"])
        for language, info in entry["languages"].items():
            meta = _decode(files.pop(f"pagefind.{info['hash']}.pf_meta"))
            filters = []
            for name, file_hash in meta[3]:
                filter_name, values = _decode(files.pop(f"filter/{file_hash}.pf_filter"))
                new_hash, data = _encode([filter_name, sorted(values)], language, 7)
                files[f"filter/{new_hash}.pf_filter"] = data
                filters.append([name, new_hash])
            meta[3] = sorted(filters)
            meta[5] = sorted(meta[5])  # the names of the metadata fields
            info["hash"], data = _encode(meta, language, 10)
            files[f"pagefind.{info['hash']}.pf_meta"] = data
    except (KeyError, ValueError, TypeError, IndexError, EOFError) as error:
        raise ContentError([_problem(f"unexpected files in its output ({error!r})")]) from None
    files["pagefind-entry.json"] = json.dumps(
        entry, ensure_ascii=False, separators=(",", ":")
    ).encode()
    return files


def _decode(data: bytes) -> Any:
    import cbor2

    data = gzip.decompress(data)
    if not data.startswith(SIGNATURE):
        raise ValueError("not a Pagefind data file")
    return cbor2.loads(data[len(SIGNATURE) :])


def _encode(value: Any, language: str, digits: int) -> tuple[str, bytes]:
    """A Pagefind data file of `value` and the name's hash Pagefind would give it."""
    import cbor2

    body = cbor2.dumps(value)
    name = f"{language}_{hashlib.sha256(body).hexdigest()[:digits]}"
    return name, gzip.compress(SIGNATURE + body, mtime=0)
