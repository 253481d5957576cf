"""Benchmark: ingest a folder of plans into a fresh knowledge base (records, passages and the BM25 index;
no embeddings), then again unchanged.

Each run is a new ``planqa`` process (what a user waits for), timed from start to exit; the figure
reported is the median of ``--runs`` runs. Peak memory (max RSS) of the cold run is reported too.

Usage:
    .venv/bin/python -m eval.bench_ingest [--plans data/plans] [--runs 5] [--json]
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


def _run(args: list[str]) -> tuple[float, int]:
    """Seconds taken by one planqa process and the peak RSS (KiB) of the children so far."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "planqa", *args], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"planqa {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def bench(plans: Path, runs: int) -> dict[str, object]:
    """Median cold and warm (unchanged) ingest times over ``runs`` fresh knowledge bases."""
    cold, warm = [], []
    peak = 0
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="planqa-bench-") as kb:
            seconds, peak = _run(["--kb", kb, "ingest", "--json", "--no-embed", str(plans)])
            cold.append(seconds)
            seconds, _ = _run(["--kb", kb, "ingest", "--json", "--no-embed", str(plans)])
            warm.append(seconds)
    files = sum(1 for p in plans.rglob("*") if p.is_file() and p.suffix.lower() in (".txt", ".md", ".docx", ".pdf"))
    return {
        "plans": str(plans),
        "files": files,
        "runs": runs,
        "cold_ingest_s_median": round(statistics.median(cold), 3),
        "cold_ingest_s_all": [round(x, 3) for x in cold],
        "unchanged_reingest_s_median": round(statistics.median(warm), 3),
        "unchanged_reingest_s_all": [round(x, 3) for x in warm],
        "peak_rss_mib": round(peak / 1024, 1),
        "cpus": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures (a table, or one JSON object with ``--json``)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--plans", type=Path, default=Path("data/plans"), help="folder of plans to ingest")
    ap.add_argument("--runs", type=int, default=5, help="fresh knowledge bases to time (median reported)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error(f"--runs must be at least 1, got {args.runs}")
    result = bench(args.plans, args.runs)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for key, value in result.items():
            print(f"{key:30} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
