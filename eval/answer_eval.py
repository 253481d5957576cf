"""Answer quality on a gold question set, with the definitions of the gold scorer (score.py).

A question is answered correctly when ``found`` is right and the answer text (plus ``agencies``) names
every required agency and fact; evidence hit@k asks whether one of the first k citations contains the
evidence; citation precision is the share of citations from the right plan. Added here: not-found
precision and recall, and p50/p95 latency — overall, per kind and per style.
"""

from __future__ import annotations

import collections
from typing import Any

from eval.metrics import evidence_hit, percentile
from ingest.textnorm import fold


def _group_hit(groups: list[list[str]], text: str) -> list[bool]:
    return [any(fold(alias) in text for alias in g) for g in groups]


def score_row(q: dict[str, Any], r: dict[str, Any] | None, k: int = 5) -> dict[str, Any]:
    """One question's outcome."""
    row: dict[str, Any] = {"id": q["id"], "kind": q.get("kind", ""), "style": q.get("style", "")}
    if r is None:
        return {
            **row,
            "correct": False,
            "ev_hit": False if q.get("evidence") else None,
            "cite_ok": None,
            "ms": None,
            "found": None,
        }
    text = fold((r.get("answer") or "") + " " + " ".join(r.get("agencies") or []))
    cits = (r.get("citations") or [])[:k]
    if q.get("kind") == "not_found":
        correct = r.get("found") is False
    else:
        ag, mc = _group_hit(q.get("agencies") or [], text), _group_hit(q.get("must_contain") or [], text)
        correct = bool(r.get("found", True)) and all(ag) and all(mc)
        row["agencies_named"] = f"{sum(ag)}/{len(ag)}"
        row["facts_named"] = f"{sum(mc)}/{len(mc)}"
    ev_hit = None
    if q.get("evidence"):
        ev_hit = any(evidence_hit(e, c.get("text", "")) for e in q["evidence"] for c in cits)
    cite_ok = None
    if cits and q.get("source_docs"):
        cite_ok = sum(c.get("source", "") in q["source_docs"] for c in cits) / len(cits)
    return {
        **row,
        "correct": correct,
        "ev_hit": ev_hit,
        "cite_ok": cite_ok,
        "ms": r.get("elapsed_ms"),
        "found": r.get("found"),
    }


def _agg(rows: list[dict[str, Any]], gold_nf: dict[str, bool]) -> dict[str, Any]:
    n = len(rows)
    ev = [r["ev_hit"] for r in rows if r["ev_hit"] is not None]
    co = [r["cite_ok"] for r in rows if r["cite_ok"] is not None]
    ms = [r["ms"] for r in rows if isinstance(r.get("ms"), (int, float))]
    said_nf = [r for r in rows if r.get("found") is False]
    gold = [r for r in rows if gold_nf[r["id"]]]
    return {
        "n": n,
        "answer_acc": round(sum(r["correct"] for r in rows) / n, 3) if n else None,
        "evidence_hit@k": round(sum(ev) / len(ev), 3) if ev else None,
        "citation_doc_precision": round(sum(co) / len(co), 3) if co else None,
        "not_found_precision": round(sum(gold_nf[r["id"]] for r in said_nf) / len(said_nf), 3) if said_nf else None,
        "not_found_recall": round(sum(r.get("found") is False for r in gold) / len(gold), 3) if gold else None,
        "p50_ms": percentile(ms, 0.5),
        "p95_ms": percentile(ms, 0.95),
    }


def score(questions: list[dict[str, Any]], run: list[dict[str, Any]], k: int = 5) -> dict[str, Any]:
    """Rows and summary (all, per kind, per style) of a run against its questions."""
    by_id = {r.get("id"): r for r in run}
    rows = [score_row(q, by_id.get(q["id"]), k) for q in questions]
    gold_nf = {q["id"]: q.get("kind") == "not_found" for q in questions}
    summary: dict[str, Any] = {"all": _agg(rows, gold_nf)}
    for key in ("kind", "style"):
        groups: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
        for r in rows:
            groups[r[key]].append(r)
        summary[key] = {g: _agg(v, gold_nf) for g, v in sorted(groups.items())}
    return {"summary": summary, "rows": rows}


def print_report(report: dict[str, Any], failures: bool = False) -> None:
    """The metrics table, and the wrongly answered questions with ``failures``."""
    if failures:
        for r in report["rows"]:
            if not r["correct"] or r["ev_hit"] is False:
                print("FAIL", r)
    s = report["summary"]
    for key in ("kind", "style"):
        for group, values in s[key].items():
            print(f"{key:5} {group:18} {values}")
    print("ALL", s["all"])
