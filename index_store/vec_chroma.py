"""Chroma vector index: embedded (``PersistentClient``, the default) or a ``chroma run`` server (``HttpClient``).

One collection, ``planqa_passages``, in cosine space (``configuration={"hnsw": {"space": "cosine"}}``, the
Chroma 1.x way; the legacy ``hnsw:space`` metadata key is not used). Vectors are given by planqa, so the
collection has no embedding function. The manifest is a JSON string in the collection's metadata under
``planqa_manifest``, so every replica that shares a server sees what built the index.

Chroma's embedded store is not process-safe: only one process may write ``<kb_dir>/chroma`` (planqa's
writers hold the knowledge-base lock); several replicas share one index through a server instead.
A store that does not open, or whose HNSW files are damaged, raises :class:`VectorIndexError` when it is
opened, so the caller can rebuild it: the embedded store's files are first compared with the record of how
planqa last left them (:func:`index_store.integrity.check_files`; Chroma itself can crash the process on a
garbled HNSW file), then a one-vector probe query finds damage the record cannot (a server's segments).
The record is rewritten once the store is open, after each write and on close, each time under a lock
beside the folder (:func:`index_store.integrity.index_lock`) that the next opener waits for.
"""

from __future__ import annotations

import contextlib
import json
import struct
import threading
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from index_store.integrity import VectorIndexError, check_files, index_lock, record_files

COLLECTION = "planqa_passages"
MANIFEST_KEY = "planqa_manifest"
_CONFIGURATION = {"hnsw": {"space": "cosine"}}
# hnswlib's header.bin as Chroma writes it: version, offsetLevel0, max_elements, cur_element_count,
# size_data_per_element, label_offset, offsetData, maxlevel, enterpoint, maxM, maxM0, M, mult, ef_construction.
_HNSW_HEADER = struct.Struct("<iQQQQQQiIQQQdQ")


def _settings() -> Any:
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False)


def _check_hnsw_files(folder: Path) -> None:
    """Refuse HNSW segments whose files are shorter than their header says (a write cut short).

    Chroma 1.5's HNSW reader does not check this and can crash the whole process (SIGSEGV) on the first
    query, which no ``except`` can catch. The header is hnswlib's (format version 1, 100 bytes); segments
    in another format are left to Chroma.
    """
    for header in Path(folder).glob("*/header.bin"):
        raw = header.read_bytes()
        if len(raw) != _HNSW_HEADER.size or _HNSW_HEADER.unpack(raw)[0] != 1:
            continue
        _, _, _, count, per_element, *_ = _HNSW_HEADER.unpack(raw)
        want = {"data_level0.bin": count * per_element, "length.bin": count * 4}
        for name, size in want.items():
            path = header.with_name(name)
            have = path.stat().st_size if path.exists() else -1
            if have < size:
                raise VectorIndexError(
                    f"the Chroma store in {folder} is damaged: {path.parent.name}/{name} has {max(have, 0)} bytes, "
                    f"its header says {size}; rebuild it"
                )


OVERFETCH_MAX = 1000  # unrestricted candidates read at most before a restriction goes in as ``ids=``


def _overfetch(k: int, allowed: int, total: int) -> int:
    """How many unrestricted candidates to read for ``k`` hits among ``allowed`` of ``total`` vectors
    (twice what the allowed share predicts), or 0 when that is more than :data:`OVERFETCH_MAX`."""
    if total <= 0 or allowed <= 0:
        return 0
    want = max(k, -(-2 * k * total // allowed))
    return min(want, total) if want <= OVERFETCH_MAX else 0


def _forget_system(folder: Path) -> None:
    """Drop Chroma's per-path cached system after a client failed to start: Chroma keeps the broken one,
    and the client opened on the rebuilt folder in this process would get it back."""
    with contextlib.suppress(Exception):
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient._identifier_to_system.pop(str(folder), None)
        SharedSystemClient._identifier_to_refcount.pop(str(folder), None)


def _close(client: Any) -> None:
    close = getattr(client, "close", None)  # chromadb >= 1.1; earlier clients hold nothing to release
    if close is not None:
        close()


class ChromaIndex:
    """A :class:`~index_store.protocols.VectorIndex` over one Chroma collection.

    Args:
        client: a ``chromadb`` client (``PersistentClient``, ``HttpClient``, ``EphemeralClient``).
        collection: the collection's name (created when missing).
        kind: "chroma" (embedded) or "chroma-http" (a server), reported in messages and ``kind``.

    Raises:
        VectorIndexError: the collection cannot be opened or created, is not in cosine space,
            or does not answer a probe query.
    """

    def __init__(self, client: Any, collection: str = COLLECTION, kind: str = "chroma") -> None:
        self.client, self.name, self.kind = client, collection, kind
        self.folder: Path | None = None  # the embedded store's folder, whose files planqa records
        self._files_lock: Any = contextlib.nullcontext()  # index_lock(folder) for the embedded store
        self._lock = threading.RLock()
        try:
            self._col = self._open()
            self._probe()
        except VectorIndexError:
            raise
        except Exception as err:  # chromadb raises its own errors, sqlite's and HTTP ones; all mean "unusable"
            raise VectorIndexError(f"the {kind} collection {collection!r} does not open ({err}); rebuild it") from err

    @classmethod
    def embedded(cls, folder: Path) -> ChromaIndex:
        """The embedded store in ``folder`` (e.g. ``<kb_dir>/chroma``); one writing process at a time."""
        import chromadb

        lock = index_lock(folder)
        with lock:  # no other planqa process writes the files while they are checked, opened and recorded
            Path(folder).mkdir(parents=True, exist_ok=True)
            check_files(Path(folder), f"the Chroma store in {folder}")  # before Chroma reads a byte of it
            _check_hnsw_files(folder)
            try:
                client = chromadb.PersistentClient(path=str(folder), settings=_settings())
            except Exception as err:  # "file is not a database", "database disk image is malformed", …
                _forget_system(folder)
                raise VectorIndexError(f"the Chroma store in {folder} does not open ({err}); rebuild it") from err
            try:
                index = cls(client, kind="chroma")
            except VectorIndexError:
                _close(client)
                raise
            index.folder, index._files_lock = Path(folder), lock
            record_files(index.folder)  # opening rewrites chroma.sqlite3: record the store as it now is
        return index

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """One write: under the folder lock, the embedded store's files recorded once it is done."""
        with self._lock, self._files_lock:
            yield
            if self.folder is not None:
                record_files(self.folder)

    @classmethod
    def http(cls, url: str) -> ChromaIndex:
        """The collection on a ``chroma run`` server, e.g. ``http://127.0.0.1:8000`` (``PLANQA_CHROMA_URL``)."""
        import chromadb

        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
            raise ValueError(f"expected a Chroma server URL like http://127.0.0.1:8000, got {url!r}")
        ssl = parts.scheme == "https"
        port = parts.port or (443 if ssl else 8000)
        try:
            client = chromadb.HttpClient(host=parts.hostname, port=port, ssl=ssl, settings=_settings())
        except Exception as err:
            raise VectorIndexError(f"cannot reach the Chroma server at {url} ({err}); is `chroma run` up?") from err
        return cls(client, kind="chroma-http")

    def _open(self) -> Any:
        col = self.client.get_or_create_collection(self.name, configuration=_CONFIGURATION, embedding_function=None)
        space = ((col.configuration_json or {}).get("hnsw") or {}).get("space", "cosine")
        if space != "cosine":
            raise VectorIndexError(f"the {self.kind} collection {self.name!r} uses {space} distance, not cosine")
        return col

    def _probe(self) -> None:
        count = self._col.count()
        if count:  # the last record: a truncated HNSW file loses its tail first
            got = self._col.get(limit=1, offset=count - 1, include=["embeddings"])
            self._col.query(query_embeddings=[got["embeddings"][0]], n_results=1, include=["distances"])

    def _call(self, method: str, **kwargs: Any) -> Any:
        """Call a collection method; re-fetch the collection once when another replica recreated it."""
        from chromadb.errors import NotFoundError

        with self._lock:
            try:
                return getattr(self._col, method)(**kwargs)
            except NotFoundError:
                self._col = self._open()
                return getattr(self._col, method)(**kwargs)

    def add(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        """Upsert in batches of the client's maximum batch size (a repeated id keeps its last vector)."""
        arr = np.asarray(vectors, dtype=np.float32).reshape(len(ids), -1)
        last = {pid: row for row, pid in enumerate(ids)}
        keys, rows = list(last), list(last.values())
        step = max(1, int(self.client.get_max_batch_size()))
        with self._writing():
            for start in range(0, len(keys), step):
                self._call("upsert", ids=keys[start : start + step], embeddings=arr[rows[start : start + step]])

    def delete(self, ids: Sequence[str]) -> None:
        """Remove ``ids``; unknown ids are ignored."""
        keys = sorted(set(ids))
        step = max(1, int(self.client.get_max_batch_size()))
        with self._writing():
            for start in range(0, len(keys), step):
                self._call("delete", ids=keys[start : start + step])

    def search(self, vector: np.ndarray, k: int, allowed: Collection[str] | None = None) -> list[tuple[str, float]]:
        """The ``k`` most similar ids (similarity = 1 − cosine distance), restricted to ``allowed``.

        A restriction that keeps a large share of the index (a plan index, a big province) is served by
        one unrestricted query for more candidates, keeping the allowed ones when at least ``k`` of them
        come back: every allowed vector closer than the k-th one kept is among the candidates, so this
        is the restricted search, not a filter after a top-k cut. Chroma scans the vectors of an ``ids=``
        restriction one by one, which costs more the more ids are allowed (eval/bench_scale). A small
        restriction, or one the candidates do not satisfy, goes in as ``ids=``.
        """
        if k <= 0 or (allowed is not None and not allowed):
            return []
        query = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        if allowed is None:
            return self._query(query, int(k))
        wanted = allowed if isinstance(allowed, set | frozenset) else set(allowed)
        fetch = _overfetch(int(k), len(wanted), self.count())
        if fetch:
            found = [(pid, s) for pid, s in self._query(query, fetch) if pid in wanted]
            if len(found) >= k:
                return found[:k]
        return self._query_ids(query, int(k), sorted(wanted))

    def _query(self, query: np.ndarray, n: int, **restrict: Any) -> list[tuple[str, float]]:
        got = self._call("query", query_embeddings=query, n_results=n, include=["distances"], **restrict)
        return [(pid, 1.0 - float(d)) for pid, d in zip(got["ids"][0], got["distances"][0], strict=True)]

    def _query_ids(self, query: np.ndarray, k: int, ids: list[str]) -> list[tuple[str, float]]:
        try:
            return self._query(query, k, ids=ids)
        except Exception:
            # Chroma 1.5 fails the whole query ("Error finding id") when one allowed id is not stored
            # (deleted meanwhile, or never embedded): keep the stored ones and ask again.
            known = self._call("get", ids=ids, include=[])["ids"]
            if len(known) == len(ids):
                raise
            return self._query(query, k, ids=known) if known else []

    def ids(self) -> set[str]:
        """Every stored id (read page by page)."""
        out: set[str] = set()
        step = max(1, int(self.client.get_max_batch_size()))
        while True:
            page = self._call("get", include=[], limit=step, offset=len(out))["ids"]
            out.update(page)
            if len(page) < step:
                return out

    def count(self) -> int:
        """How many vectors are stored."""
        return int(self._call("count"))

    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest from the collection's metadata (fetched fresh: another replica may have rebuilt)."""
        with self._lock:
            try:
                self._col = self.client.get_collection(self.name, embedding_function=None)
            except Exception:  # noqa: BLE001 - gone since we opened it: no manifest
                return None
            raw = (self._col.metadata or {}).get(MANIFEST_KEY)
        try:
            manifest = json.loads(raw) if isinstance(raw, str) else None
        except ValueError:
            return None
        return manifest if isinstance(manifest, dict) else None

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Store the manifest as JSON in the collection's metadata."""
        with self._writing():
            self._call("modify", metadata={MANIFEST_KEY: json.dumps(manifest, ensure_ascii=False)})

    def reset(self) -> None:
        """Delete the collection and create it empty (manifest included)."""
        from chromadb.errors import NotFoundError

        with self._writing():
            with contextlib.suppress(NotFoundError):
                self.client.delete_collection(self.name)
            self._col = self._open()

    def close(self) -> None:
        """Release the client (for the embedded store: its SQLite connections) and record its files."""
        with self._writing():
            _close(self.client)
