"""FAISS in-process vector index: exact cosine search, persisted as plain files in one folder.

Files: ``index.faiss`` (``faiss.write_index`` of an ``IndexIDMap2`` over ``IndexFlatIP``), ``ids.json``
(the passage id of each int64 label, ``null`` for a deleted slot) and ``manifest.json``. No pickle.
Each write goes to a temporary file first and is moved into place with ``os.replace``, so a killed
process leaves either the old or the new file; index and ids that disagree are detected on open, and
both files are compared with the record of what planqa last wrote (:func:`index_store.integrity.check_files`)
before FAISS reads them: garbled vectors would otherwise load without an error and answer wrongly.

Exact search on normalised vectors is one scan: about 12 ms per query at 100k × 384 on one core
(eval/bench_scale), so no approximate index is needed at the size of a province's plans.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index_store.integrity import VectorIndexError, check_files, index_lock, record_files

INDEX_FILE, IDS_FILE, MANIFEST_FILE = "index.faiss", "ids.json", "manifest.json"


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:  # a full disk: leave the old file, not half a new one
        tmp.unlink(missing_ok=True)
        raise


def _normalised(vectors: np.ndarray, dim: int) -> np.ndarray:
    arr = np.ascontiguousarray(np.atleast_2d(np.asarray(vectors, dtype=np.float32))).copy()
    if arr.shape[1] != dim:
        raise ValueError(f"expected vectors of dimension {dim}, got shape {arr.shape}")
    faiss.normalize_L2(arr)  # cosine = inner product of unit vectors, as Chroma's cosine space
    return arr


class FaissIndex:
    """A :class:`~index_store.protocols.VectorIndex` in ``folder`` (created when missing), or in memory.

    Thread-safe: one lock guards the index. Every ``add``/``delete``/``reset`` rewrites the index files.

    Args:
        folder: where the three files live, e.g. ``<kb_dir>/faiss``; ``None`` keeps the index in memory only
            (nothing is read or written: a knowledge base this process may not write, or a full disk).
        dim: the embedder's dimension. An index stored with another dimension still opens (its manifest
            tells the caller it is stale) but refuses ``add`` until :meth:`reset`.

    Raises:
        VectorIndexError: the files exist but do not open (truncated, garbled, index and ids disagree).
    """

    kind = "faiss"

    def __init__(self, folder: Path | None, dim: int) -> None:
        if dim <= 0:
            raise ValueError(f"dim must be a positive int, got {dim!r}")
        self.dim = int(dim)
        self._lock = threading.RLock()
        self._index: Any = self._empty()
        self._labels: list[str | None] = []  # int64 label → passage id
        self._slot: dict[str, int] = {}  # passage id → int64 label
        self._manifest: dict[str, Any] | None = None  # the in-memory index's manifest
        if folder is None:
            self.folder: Path | None = None
            return
        self.folder = Path(folder)
        self._files_lock = index_lock(self.folder)  # no process reads the files while another writes them
        with self._files_lock:
            if (self.folder / INDEX_FILE).exists() or (self.folder / IDS_FILE).exists():
                check_files(self.folder, f"the FAISS index in {self.folder}", (INDEX_FILE, IDS_FILE))
                self._load()

    def _empty(self) -> Any:
        return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))

    def _load(self) -> None:
        assert self.folder is not None
        where = self.folder / INDEX_FILE
        try:
            index = faiss.read_index(str(where))
            labels = json.loads((self.folder / IDS_FILE).read_text(encoding="utf-8"))
            stored = faiss.vector_to_array(index.id_map) if hasattr(index, "id_map") else None
        except (RuntimeError, OSError, ValueError) as err:
            raise VectorIndexError(f"the FAISS index in {self.folder} does not open ({err}); rebuild it") from err
        live = [i for i, pid in enumerate(labels) if pid is not None] if isinstance(labels, list) else None
        if stored is None or live is None or sorted(stored.tolist()) != live:
            raise VectorIndexError(
                f"the FAISS index in {self.folder} does not match its {IDS_FILE} "
                f"({index.ntotal} vectors, {len(live or [])} ids); rebuild it"
            )
        self._index, self._labels = index, labels
        self._slot = {pid: i for i, pid in enumerate(labels) if pid is not None}

    def _save(self) -> None:
        if len(self._labels) > 2 * max(len(self._slot), 512):
            self._compact()  # deleted slots are never reused; renumber once they dominate
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._files_lock:
            _atomic_write(self.folder / INDEX_FILE, faiss.serialize_index(self._index).tobytes())
            _atomic_write(self.folder / IDS_FILE, json.dumps(self._labels, ensure_ascii=False).encode("utf-8"))
            record_files(self.folder, (INDEX_FILE, IDS_FILE))

    def _compact(self) -> None:
        order = sorted(self._slot.items(), key=lambda item: item[1])
        vectors = np.stack([self._index.reconstruct(slot) for _, slot in order]) if order else None
        pids = [pid for pid, _ in order]
        self._index, self._labels, self._slot = self._empty(), list(pids), {pid: i for i, pid in enumerate(pids)}
        if vectors is not None:
            self._index.add_with_ids(vectors, np.arange(len(order), dtype=np.int64))

    def _check_dim(self) -> None:
        if self._index.d != self.dim:
            raise VectorIndexError(
                f"the FAISS index in {self.folder} holds {self._index.d}-dim vectors, this run uses {self.dim}; reset it"
            )

    def add(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        """Insert or overwrite ``ids`` (a repeated id keeps its last vector); saved before returning."""
        arr = _normalised(vectors, self.dim) if len(ids) else np.zeros((0, self.dim), np.float32)
        if len(ids) != len(arr):
            raise ValueError(f"got {len(ids)} ids for {len(arr)} vectors")
        with self._lock:
            self._check_dim()
            last = {pid: row for row, pid in enumerate(ids)}
            old = [self._slot[pid] for pid in last if pid in self._slot]
            if old:
                self._index.remove_ids(np.asarray(old, dtype=np.int64))
            labels = np.arange(len(self._labels), len(self._labels) + len(last), dtype=np.int64)
            for pid, label in zip(last, labels.tolist(), strict=True):
                if pid in self._slot:
                    self._labels[self._slot[pid]] = None
                self._slot[pid] = label
                self._labels.append(pid)
            if len(last):
                self._index.add_with_ids(arr[list(last.values())], labels)
            self._save()

    def delete(self, ids: Sequence[str]) -> None:
        """Remove ``ids``; unknown ids are ignored."""
        with self._lock:
            gone = [self._slot.pop(pid) for pid in set(ids) if pid in self._slot]
            if not gone:
                return
            self._index.remove_ids(np.asarray(gone, dtype=np.int64))
            for slot in gone:
                self._labels[slot] = None
            self._save()

    def search(self, vector: np.ndarray, k: int, allowed: Collection[str] | None = None) -> list[tuple[str, float]]:
        """The ``k`` most similar ids, best first; ``allowed`` is applied inside the scan (a bitmap of labels).

        One query runs on one thread: FAISS's OpenMP team for a single vector cost 4–5× the single-threaded
        time at 100k vectors on two busy cores (eval/bench_scale), and concurrent requests already have a
        thread each. The thread count is restored afterwards; it belongs to FAISS's own OpenMP runtime.
        """
        with self._lock:
            params, limit = None, self._index.ntotal
            if allowed is not None:
                slot = self._slot
                slots = np.fromiter((slot[pid] for pid in allowed if pid in slot), dtype=np.int64)
                bits = np.zeros(len(self._labels), dtype=bool)
                bits[slots] = True
                bitmap = np.packbits(bits, bitorder="little")  # kept alive by this frame during the search
                params, limit = faiss.SearchParameters(), len(slots)
                params.sel = faiss.IDSelectorBitmap(len(bits), faiss.swig_ptr(bitmap))
            k = min(int(k), limit)
            if k <= 0 or self._index.d != self.dim:
                return []
            query = _normalised(vector, self.dim)
            threads = faiss.omp_get_max_threads()
            faiss.omp_set_num_threads(1)
            try:
                scores, labels = self._index.search(query, k, params=params)
            finally:
                faiss.omp_set_num_threads(threads)
            return [(str(self._labels[lab]), float(s)) for s, lab in zip(scores[0], labels[0], strict=True) if lab >= 0]

    def ids(self) -> set[str]:
        """Every stored id."""
        with self._lock:
            return set(self._slot)

    def count(self) -> int:
        """How many vectors are stored."""
        with self._lock:
            return int(self._index.ntotal)

    def read_manifest(self) -> dict[str, Any] | None:
        """``manifest.json``, or None when missing or unreadable (the caller then rebuilds)."""
        if self.folder is None:
            return self._manifest
        try:
            manifest = json.loads((self.folder / MANIFEST_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return manifest if isinstance(manifest, dict) else None

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Write ``manifest.json`` atomically."""
        with self._lock:
            if self.folder is None:
                self._manifest = dict(manifest)
                return
            self.folder.mkdir(parents=True, exist_ok=True)
            _atomic_write(self.folder / MANIFEST_FILE, json.dumps(manifest, ensure_ascii=False, indent=1).encode())

    def reset(self) -> None:
        """Drop every vector and the manifest; the index is recreated with this run's ``dim``."""
        with self._lock:
            self._index, self._labels, self._slot, self._manifest = self._empty(), [], {}, None
            if self.folder is not None:
                (self.folder / MANIFEST_FILE).unlink(missing_ok=True)
            self._save()

    def close(self) -> None:
        """Release the in-memory index (everything is already on disk)."""
        with self._lock:
            self._index, self._labels, self._slot = self._empty(), [], {}
