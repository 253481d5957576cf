"""Check-before-open for every derived index on disk: BM25's folder, embedded Chroma, FAISS.

An index's engine cannot be trusted to notice damage: bm25s loads score arrays garbled at their size
without a word and answers from them, FAISS reads garbled vectors the same way, and Chroma 1.5 can crash
the whole process (SIGSEGV) on an HNSW file garbled at the right size, where no ``except`` runs. So each
index folder holds :data:`FILES_RECORD`, the size and sha256 of every file as planqa last left it
(:func:`record_files`, called once the files are consistent), and :func:`file_problems` /
:func:`check_files` compare the folder with it *before* the engine reads a byte. The record sits beside
the files, not in a manifest: Chroma's manifest lives inside ``chroma.sqlite3`` (one of the files
checked) and can only be read by opening Chroma.

:func:`index_lock` is the lock beside a folder that the check, the open and the record happen under, so no
process checks files another one is in the middle of writing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock

FILES_RECORD = "planqa-files.json"
"""The integrity record in an index's folder: ``{"files": {relative path: {"bytes", "sha256"}}}``."""


class VectorIndexError(RuntimeError):
    """A vector index that exists but cannot be used (truncated or garbled files, an unreachable server).

    The caller rebuilds an embedded index from the store; a server it does not own is reported.
    """


def _index_files(folder: Path, names: Iterable[str] | None) -> list[str]:
    """The index's files, relative to ``folder``: the given names that exist, or every file but the record."""
    if names is not None:
        return sorted(n for n in names if (folder / n).is_file())
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(FILES_RECORD)
    )


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def record_files(folder: Path, names: Iterable[str] | None = None) -> None:
    """Record the size and sha256 of an index's files as they are now (call once they are consistent).

    Args:
        folder: the index's folder, e.g. ``<kb_dir>/chroma``; nothing happens when it does not exist.
        names: the files that make up the index (FAISS: its index and ids files); every file in the
            folder, recursively, when ``None`` (Chroma: ``chroma.sqlite3`` and the HNSW segment files;
            BM25: both fields' npy and json files, ``ids.json``, ``manifest.json``).

    Raises:
        OSError: the record cannot be written (a full disk); the previous record, if any, is left whole.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return
    files = {
        n: {"bytes": (folder / n).stat().st_size, "sha256": _sha256(folder / n)} for n in _index_files(folder, names)
    }
    record = {"files": files, "recorded_at": datetime.now(UTC).isoformat(timespec="seconds")}
    tmp = folder / f"{FILES_RECORD}.tmp-{os.getpid()}"
    try:
        tmp.write_text(json.dumps(record, indent=1), encoding="utf-8")
        os.replace(tmp, folder / FILES_RECORD)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def file_problems(folder: Path, names: Iterable[str] | None = None) -> list[str]:
    """How ``folder`` differs from the record :func:`record_files` last wrote in it; ``[]`` when it does not.

    A folder with no index files has no problem (a new index). Sizes are compared first (cheap, and what a
    truncated or cut-short write changes), then contents.

    Args:
        folder: the index's folder.
        names: as for :func:`record_files`.

    Returns:
        One phrase per problem, e.g. ``"words/data.csc.index.npy has other contents than planqa left
        (sha256)"``, ``"ids.json is missing"``, or that the record itself is missing or unreadable.
    """
    folder = Path(folder)
    names = list(names) if names is not None else None
    present = _index_files(folder, names) if folder.is_dir() else []
    if not present:
        return []
    try:
        recorded = json.loads((folder / FILES_RECORD).read_text(encoding="utf-8"))["files"]
        if not isinstance(recorded, dict):
            raise TypeError(f"files is a {type(recorded).__name__}")
    except (OSError, ValueError, KeyError, TypeError) as err:
        return [
            f"its record of what planqa wrote ({FILES_RECORD}) is missing or unreadable "
            f"({type(err).__name__}: {err}; an older planqa wrote it, or a run was cut short)"
        ]
    problems = [f"{n} is missing" for n in sorted(set(recorded) - set(present))]
    problems += [f"{n} was not written by planqa" for n in present if n not in recorded]
    if not problems:
        for name in present:
            want, size = recorded[name], (folder / name).stat().st_size
            if not isinstance(want, dict) or size != want.get("bytes"):
                left = want.get("bytes") if isinstance(want, dict) else "?"
                problems.append(f"{name} has {size} bytes, planqa left {left}")
    if not problems:
        problems = [
            f"{n} has other contents than planqa left (sha256)"
            for n in present
            if _sha256(folder / n) != recorded[n].get("sha256")
        ]
    return problems


def check_files(folder: Path, what: str, names: Iterable[str] | None = None) -> None:
    """Refuse a vector index whose files are not as :func:`record_files` last left them.

    Args:
        folder: the index's folder.
        what: how messages name the index, e.g. "the Chroma store in kb/chroma".
        names: as for :func:`record_files`.

    Raises:
        VectorIndexError: files without a record (an older planqa, or a run killed before it recorded),
            or a file missing, added, or of another size or sha256 than recorded (see :func:`file_problems`).
    """
    problems = file_problems(folder, names)
    if problems:
        raise VectorIndexError(
            f"{what} is damaged: {'; '.join(problems[:3])} — a run was killed while writing it, or the disk "
            "or another program changed it; rebuild it"
        )


def index_lock(folder: Path) -> FileLock:
    """The lock beside an index's folder (``<folder>.lock``, e.g. ``<kb_dir>/chroma.lock``).

    Held while the index's files are checked, opened and recorded, and during each write and the record
    after it, so no process checks files another one is writing: Chroma rewrites its files even when a
    store is only opened, and two processes opening at once would otherwise each see the other's writes
    as damage. Beside the folder, not in it: a rebuild deletes the folder.
    """
    return FileLock(f"{Path(folder)}.lock")


@contextlib.contextmanager
def index_lock_if_possible(folder: Path) -> Iterator[bool]:
    """:func:`index_lock`, or no lock when its file cannot be made (a read-only folder, a full disk).

    Reading without the lock is safe: whatever a writer changes meanwhile shows as a mismatch with the
    record, i.e. as damage, and the index is rebuilt. Yields whether the lock is held.
    """
    lock = index_lock(folder)
    try:
        lock.acquire()
    except OSError:
        held = False
    else:
        held = True
    try:
        yield held
    finally:
        if held:
            lock.release()
