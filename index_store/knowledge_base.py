"""The knowledge base: the SQLite system of record plus the derived indexes kept in step with it.

``<kb_dir>/planqa.sqlite3`` is the truth; ``<kb_dir>/bm25/`` (sparse) and the vector index (Chroma
embedded in ``<kb_dir>/chroma/``, a Chroma server, or FAISS in ``<kb_dir>/faiss/``) are rebuilt from it
whenever they are missing, stale or unreadable, with a message saying why. :meth:`KnowledgeBase.sync`
is cheap when nothing changed: it compares the store's version and a digest of the passages with
what the indexes' manifests recorded, and reads no vectors back.

A knowledge base this process cannot write (a read-only mount, another user's folder, a full disk) is
still read: the store is opened read-only, a derived index that is sound and up to date is used as it is,
and one that would have to be rebuilt is built in memory for the run and not saved (the vector index
always, from the embedding cache: Chroma writes its files even to open them); one line on stderr says
so. A save that fails on a full disk keeps the index built in memory, and the next run rebuilds it.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from index_store.facets import Facets, query_facets, rewrite
from index_store.filters import FilterIndex
from index_store.protocols import Embedder, Filters, Hit, VectorIndex
from index_store.retriever import FACET_WEIGHT, HybridRetriever
from index_store.segment import SCHEME, Segmenter, default_segmenter
from index_store.sparse import HEADER_WEIGHT, SparseIndex, SparseIndexError, content_digest, passage_text
from index_store.sqlite_store import DB_FILES, SPARSE_FOLDER, Store, StoreError
from index_store.writable import read_only_reason, write_problem
from ingest.model import Document, Passage

VECTOR_FOLDERS = {"chroma": "chroma", "faiss": "faiss"}  # embedded indexes' folders inside kb_dir


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def _sparse_staleness(index: SparseIndex, digest: str, count: int, segmenter: Segmenter) -> str | None:
    m = index.manifest
    if m.get("segmenter") != segmenter.name or m.get("scheme") != SCHEME or m.get("header_weight") != HEADER_WEIGHT:
        return f"stale (built with {m.get('segmenter')} scheme {m.get('scheme')}, now {segmenter.name} scheme {SCHEME})"
    if m.get("digest") != digest:
        return f"stale (the passages changed since it was built: {len(index.ids)} indexed, {count} in the store)"
    return None


class KnowledgeBase:
    """Search over one knowledge-base folder, with the derived indexes synchronised on demand.

    Args:
        kb_dir: the knowledge-base folder (``--kb``).
        embedder: embeds passages and queries; ``None`` disables dense retrieval.
        vector_kind: "chroma" (embedded, or a server with ``chroma_url``) or "faiss".
        chroma_url: a ``chroma run`` server's URL; ``None`` for the embedded store.
        vector_index: an already-open vector index (tests); replaces ``vector_kind``/``chroma_url``.
        log: where messages about rebuilds go (stderr by default).
        vocab: the vocabulary for filters; the bundled one when ``None``.
        segmenter: the word segmenter; the process-wide default when ``None``.
        facet_weight: how much a passage that fits what the query names is preferred in fused search
            (see :class:`~index_store.retriever.HybridRetriever`).

    Attributes:
        read_only: why this process may not write the knowledge base, or ``None``.
        unsaved: why derived indexes could not be saved in this run (read-only, a full disk), or ``None``.

    Raises:
        StoreError: the knowledge-base file cannot be used (see :class:`~index_store.sqlite_store.Store`).
        FileNotFoundError: the knowledge base cannot be written and holds no store yet.

    Example:
        >>> kb = KnowledgeBase(Path("kb"), embedder=None)  # doctest: +SKIP
        >>> [h.passage.location for h in kb.search("Sở TNMT Đồng Nai chất lượng nước", k=3)]  # doctest: +SKIP
    """

    def __init__(
        self, kb_dir: Path | str, *, embedder: Embedder | None, vector_kind: str = "chroma",
        chroma_url: str | None = None, vector_index: VectorIndex | None = None,
        log: Callable[[str], None] = _stderr, vocab: Any = None, segmenter: Segmenter | None = None,
        facet_weight: float = FACET_WEIGHT,
    ) -> None:  # fmt: skip
        if vector_kind not in VECTOR_FOLDERS:
            raise ValueError(f"vector_kind must be one of {', '.join(VECTOR_FOLDERS)}, got {vector_kind!r}")
        if not (isinstance(facet_weight, int | float) and 0 <= facet_weight < float("inf")):
            raise ValueError(f"facet_weight must be a finite number >= 0, got {facet_weight!r}")
        self.kb_dir = Path(kb_dir)
        self.read_only = read_only_reason(self.kb_dir, DB_FILES)
        self.unsaved: str | None = self.read_only
        self.store = self._open_store()
        self.embedder, self.vector_kind, self.chroma_url = embedder, vector_kind, chroma_url or None
        self.vectors: VectorIndex | None = vector_index
        self._own_vectors = vector_index is None  # one given by the caller is used as it is, whatever happens
        self.facet_weight = float(facet_weight)
        self._in_memory: list[str] = []  # indexes built in memory, not saved, by the current sync
        self.log = log
        self.segmenter = segmenter or default_segmenter()
        if vocab is None:
            from ingest.vocab import load_vocabulary

            vocab = load_vocabulary()
        self.vocab = vocab
        self.sparse: SparseIndex | None = None
        self.passages: dict[str, Passage] = {}
        self.documents: list[Document] = []  # metadata only, cached with the passages for filters
        self.filter_index = FilterIndex([], [])  # the passages' filterable fields, folded once per sync
        self.retriever: HybridRetriever | None = None
        self._synced: tuple[int, int] | None = None
        self._lock = threading.RLock()

    def _open_store(self) -> Store:
        """The store, writable when it can be; read-only when this process may not write it or the disk is full."""
        if self.read_only is not None:
            return Store(self.kb_dir, readonly=True)
        try:
            return Store(self.kb_dir)
        except StoreError as err:
            problem = write_problem(err, self.kb_dir)
            if problem is None or not (self.kb_dir / DB_FILES[0]).exists():
                raise
            self.unsaved = problem
            return Store(self.kb_dir, readonly=True)

    def _cannot_save(self, err: BaseException) -> None:
        """Note why a derived index could not be saved, or re-raise ``err`` when the disk is not the reason."""
        problem = write_problem(err, self.kb_dir)
        if problem is None:
            raise err
        self.unsaved = self.unsaved or problem

    def _say_built_in_memory(self) -> None:
        """One line on the log when this sync built indexes in memory that it could not save."""
        if not self._in_memory:
            return
        what = f"the {' and the '.join(self._in_memory)} {'are' if len(self._in_memory) > 1 else 'is'}"
        if self.read_only is not None:
            self.log(
                f"the knowledge base {self.kb_dir} is read-only ({self.read_only}): {what} built in memory for this "
                "run and not saved; copy the knowledge base to a writable folder to keep the indexes"
            )
        else:
            self.log(
                f"the documents in {self.kb_dir} are stored, but {what} not saved ({self.unsaved}): kept in memory "
                "for this run, and brought up to date by the next `planqa ask` or `planqa search` once there is space"
            )

    # -- sync ------------------------------------------------------------------------------------------
    def sync(self, progress: Callable[..., Any] | None = None) -> dict[str, Any]:
        """Make the sparse and vector indexes agree with the store.

        Args:
            progress: passed to ``embed_cached`` while new passages are embedded.

        Returns:
            ``{"passages": n, "sparse": "up to date" | "rebuilt: <why>" | "built in memory: <why>; not saved:
            <why not>", "dense": "off" | "up to date" | "rebuilt: <why>" | "added a, deleted d" | "built in
            memory: not saved: <why not>"}``. "Built in memory" happens when the knowledge base cannot be
            written (:attr:`read_only`) or a save failed for lack of space (:attr:`unsaved`); one line on the
            log says so.

        Raises:
            OSError: a derived index could not be written for another reason than the disk's state.
        """
        with self._lock:
            if self._synced is not None and self._synced == self.store.version():
                return {"passages": len(self.passages), "sparse": "up to date", "dense": "unchanged"}
            passages = self.store.passages()
            self.passages = {p.passage_id: p for p in passages}
            self.documents = self.store.documents()
            self.filter_index = FilterIndex(passages, self.documents, self.vocab)
            items = [(p.passage_id, passage_text(p.header, p.text)) for p in passages]
            digest = content_digest(items)
            self._in_memory = []
            if self.read_only is None and not self.store.readonly:
                self.unsaved = None  # the disk may have room again: try to save
            report: dict[str, Any] = {"passages": len(passages), "sparse": self._sync_sparse(items, digest)}
            report["dense"] = self._sync_dense(passages, digest, progress) if self.embedder else "off"
            self._say_built_in_memory()
            self.retriever = (
                HybridRetriever(self.sparse, self.vectors, self.embedder, self.passages, self.facet_weight)
                if self.sparse
                else None
            )
            self._synced = self.store.version()  # after our own cache writes
            return report

    def _sync_sparse(self, items: list[tuple[str, str]], digest: str) -> str:
        folder = self.kb_dir / SPARSE_FOLDER
        if not items:
            self.sparse = None
            return "empty"
        reason: str | None
        try:
            index = SparseIndex.load(folder, self.segmenter)
            reason = _sparse_staleness(index, digest, len(items), self.segmenter)
        except FileNotFoundError:
            reason = "there is none yet" if not folder.exists() else f"{folder} has no manifest"
        except SparseIndexError as err:
            reason = str(err)
        if reason is None:
            self.sparse = index
            return "up to date"
        if self.unsaved is None:
            self.log(f"{'building' if not folder.exists() else 'rebuilding'} the sparse index: {reason}")
        self.sparse = SparseIndex.build(items, self.segmenter)
        if self.unsaved is None:
            try:
                self.sparse.save(folder)
                return f"rebuilt: {reason}"
            except OSError as err:
                self._cannot_save(err)
        self._in_memory.append(f"sparse index ({reason})")
        return f"built in memory: {reason}; not saved: {self.unsaved}"

    def _open_vectors(self) -> VectorIndex:
        from index_store.vectors import open_vector_index

        assert self.embedder is not None
        if self.vectors is not None:
            return self.vectors
        try:
            return open_vector_index(self.vector_kind, self.kb_dir, self.embedder.dim, url=self.chroma_url)
        except Exception as err:  # noqa: BLE001 - a broken Chroma folder fails in many ways; it is derived data
            if self.chroma_url and self.vector_kind == "chroma":
                raise  # a server we cannot reach is not ours to wipe
            if write_problem(err, self.kb_dir) is not None:
                raise  # a full or read-only disk, not damage: the index stays, the caller builds one in memory
            self.log(f"rebuilding the vector index: it does not open ({type(err).__name__}: {err})")
            shutil.rmtree(self.kb_dir / VECTOR_FOLDERS[self.vector_kind], ignore_errors=True)
            return open_vector_index(self.vector_kind, self.kb_dir, self.embedder.dim, url=self.chroma_url)

    def _sync_dense(self, passages: list[Passage], digest: str, progress: Callable[..., Any] | None) -> str:
        on_disk = not self._own_vectors or (self.vector_kind == "chroma" and self.chroma_url is not None)
        if self.unsaved is None or on_disk:  # a server, or the caller's index, is not written on this disk
            try:
                return self._sync_dense_saved(passages, digest, progress)
            except Exception as err:  # noqa: BLE001 - Chroma, FAISS and SQLite each say "disk full" their own way
                if on_disk:
                    raise
                self._cannot_save(err)
                self._drop_vectors()
        return self._dense_in_memory(passages, progress)

    def _drop_vectors(self) -> None:
        """Let go of an index that failed to save (its files no longer match their record: the next run rebuilds)."""
        if self.vectors is not None:
            with contextlib.suppress(Exception):
                self.vectors.close()
            self.vectors = None

    def _dense_in_memory(self, passages: list[Passage], progress: Callable[..., Any] | None) -> str:
        """The vector index built in memory from the embedding cache (what is not cached is embedded, not cached)."""
        from index_store.embedders import TEXT_RECIPE, embed_cached, embed_text
        from index_store.vectors import manifest_for, memory_vector_index

        embedder = self.embedder
        assert embedder is not None
        self._drop_vectors()
        index = memory_vector_index(embedder.dim)
        vectors = embed_cached(self.store, embedder, [embed_text(p) for p in passages], progress=progress)
        index.add([p.passage_id for p in passages], vectors)
        index.write_manifest(manifest_for(embedder, embedder.dim, index.count(), {"text": TEXT_RECIPE}))
        self.vectors = index
        self._in_memory.append("vector index (from the embedding cache)")
        return f"built in memory: not saved: {self.unsaved}"

    def _sync_dense_saved(self, passages: list[Passage], digest: str, progress: Callable[..., Any] | None) -> str:
        from index_store.embedders import TEXT_RECIPE, embed_cached, embed_text
        from index_store.vectors import manifest_for

        embedder = self.embedder
        assert embedder is not None
        self.vectors = index = self._open_vectors()
        manifest = index.read_manifest() or {}
        status = "up to date"
        built = (manifest.get("embedder"), manifest.get("dim"), manifest.get("text"))
        if built != (embedder.name, embedder.dim, TEXT_RECIPE):  # another model, or other texts embedded
            if manifest or index.count():
                why = (
                    f"built with {built[0]} ({built[1]} dims) on texts {built[2]}, "
                    f"now {embedder.name} on texts {TEXT_RECIPE}"
                )
                self.log(f"rebuilding the vector index: {why}")
                status = f"rebuilt: {why}"
            index.reset()
            manifest = {}
        elif manifest.get("digest") == digest and index.count() == len(passages):
            return status
        have, want = index.ids(), {p.passage_id for p in passages}
        extra, new = sorted(have - want), [p for p in passages if p.passage_id not in have]
        if extra:
            index.delete(extra)
        if new:
            vectors = embed_cached(self.store, embedder, [embed_text(p) for p in new], progress=progress)
            index.add([p.passage_id for p in new], vectors)
        index.write_manifest(
            manifest_for(embedder, embedder.dim, index.count(), {"digest": digest, "text": TEXT_RECIPE})
        )
        return status if status != "up to date" else f"added {len(new)}, deleted {len(extra)}"

    # -- search ----------------------------------------------------------------------------------------
    def allowed(self, filters: Filters) -> set[str] | None:
        """The passage ids that pass ``filters`` (``None`` when no filter is set)."""
        self.sync()
        return self.filter_index.allowed(filters)

    def search(
        self,
        query: str,
        k: int = 10,
        filters: Filters | None = None,
        mode: str = "fused",
        prefer: Facets | None = None,
    ) -> list[Hit]:
        """The ``k`` best passages for ``query`` among those that pass ``filters``.

        Args:
            query: e.g. "co quan nao phu trach chat luong nuoc", "Sở TNMT Đồng Nai PAPI".
            k: how many hits at most.
            filters: province, plan index, component, agency, document(s) (aliases and unaccented
                spellings match); applied inside both retrievers.
            mode: "fused", "sparse" or "dense".
            prefer: what the question names (plan index, component, province, agency): passages that fit
                it rank higher, none is excluded. ``None`` reads it from ``query`` itself
                (:func:`index_store.facets.query_facets`); the assistant passes what it understood.

        Returns:
            Hits best first; [] for an empty query, an empty knowledge base or filters that match nothing.
        """
        self.sync()
        with self._lock:
            retriever = self.retriever
        if retriever is None:
            return []
        allowed = self.allowed(filters) if filters is not None else None
        facets = query_facets(query, self.vocab) if prefer is None else prefer
        return retriever.search(rewrite(query, facets), k=k, allowed=allowed, mode=mode, prefer=self._prefer(facets))

    def _prefer(self, facets: Facets) -> Callable[[Passage], float] | None:
        if not facets:
            return None
        issuers = {d.doc_id: d.issuer for d in self.documents}
        return lambda p: facets.match(p, issuers.get(p.doc_id, ""))

    def close(self) -> None:
        """Close the vector index and the store (idempotent)."""
        if self.vectors is not None:
            self.vectors.close()
            self.vectors = None
        self.store.close()

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
