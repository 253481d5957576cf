"""Deterministic stand-ins for the dense side: a keyword one-hot embedder and a brute-force numpy index.

They implement :class:`index_store.protocols.Embedder` and :class:`VectorIndex` exactly, so retrieval
and knowledge-base tests run in milliseconds and their results can be recomputed by hand.
"""

from __future__ import annotations

import hashlib
import sys
import types
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np

from ingest.model import Passage
from ingest.textnorm import fold_words

KEYWORDS = (
    "chat", "luong", "nuoc", "khong", "khi", "moi", "truong", "so", "y", "te", "noi", "vu", "papi", "par",
    "sipas", "pci", "thu", "tuc", "hanh", "chinh", "cai", "cach", "dich", "cong", "ubnd", "huyen", "xa",
    "dong", "nai", "lang", "son", "tai", "nguyen", "giao", "thong", "van", "bao", "cao", "ket", "qua",
)  # fmt: skip


class FakeEmbedder:
    """Bag of folded keywords → a normalised count vector (a zero text gets a fixed unit vector)."""

    name = "fake:keywords-v1"
    dim = len(KEYWORDS) + 1

    def _one(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for word in fold_words(text).split():
            if word in KEYWORDS:
                vec[KEYWORDS.index(word)] += 1.0
        if not vec.any():
            vec[-1] = 1.0
        return vec / np.linalg.norm(vec)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._one(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._one(text)


class NumpyIndex:
    """Brute-force cosine search over an in-memory matrix; ``allowed`` restricts before ranking."""

    kind = "numpy"

    def __init__(self) -> None:
        self.vectors: dict[str, np.ndarray] = {}
        self.manifest: dict[str, Any] | None = None
        self.closed = False

    def add(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        for pid, vec in zip(ids, vectors, strict=True):
            self.vectors[pid] = np.asarray(vec, dtype=np.float32)

    def delete(self, ids: Sequence[str]) -> None:
        for pid in ids:
            self.vectors.pop(pid, None)

    def search(self, vector: np.ndarray, k: int, allowed: Collection[str] | None = None) -> list[tuple[str, float]]:
        ids = sorted(self.vectors if allowed is None else set(self.vectors) & set(allowed))
        scored = [(pid, float(self.vectors[pid] @ vector)) for pid in ids]
        return sorted(scored, key=lambda t: (-t[1], t[0]))[:k]

    def ids(self) -> set[str]:
        return set(self.vectors)

    def count(self) -> int:
        return len(self.vectors)

    def read_manifest(self) -> dict[str, Any] | None:
        return self.manifest

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        self.manifest = dict(manifest)

    def reset(self) -> None:
        self.vectors.clear()
        self.manifest = None

    def close(self) -> None:
        self.closed = True


def fake_embed_text(p: Passage) -> str:
    return p.header + "\n" + p.text


def install_dense_api_if_missing() -> None:
    """Until ``index_store.embedders`` / ``index_store.vectors`` land, give the knowledge base minimal ones.

    Each module is faked only when the real one cannot be imported, so no other test sees a fake.
    """
    import importlib

    def missing(name: str) -> bool:
        try:
            importlib.import_module(name)
        except ImportError:
            return True
        return False

    def embed_cached(store: Any, embedder: Any, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        keys = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
        cached = store.get_embeddings(embedder.name, keys)
        todo = [i for i, key in enumerate(keys) if key not in cached]
        if todo:
            fresh = embedder.embed_passages([texts[i] for i in todo])
            store.put_embeddings(embedder.name, {keys[i]: fresh[j].tobytes() for j, i in enumerate(todo)})
            cached.update({keys[i]: fresh[j].tobytes() for j, i in enumerate(todo)})
        return np.stack([np.frombuffer(cached[key], dtype=np.float32) for key in keys])

    def manifest_for(embedder: Any, dim: int, count: int, extra: dict[str, Any]) -> dict[str, Any]:
        return {**extra, "embedder": embedder.name, "dim": dim, "count": count}

    def open_vector_index(kind: str, kb_dir: Any, dim: int, *, url: str | None = None) -> Any:
        raise RuntimeError("tests inject a vector index")

    if missing("index_store.embedders"):
        embedders = types.ModuleType("index_store.embedders")
        embedders.embed_cached = embed_cached  # type: ignore[attr-defined]
        embedders.embed_text = fake_embed_text  # type: ignore[attr-defined]
        sys.modules["index_store.embedders"] = embedders
    if missing("index_store.vectors"):
        vectors = types.ModuleType("index_store.vectors")
        vectors.manifest_for = manifest_for  # type: ignore[attr-defined]
        vectors.open_vector_index = open_vector_index  # type: ignore[attr-defined]
        sys.modules["index_store.vectors"] = vectors
