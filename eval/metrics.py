"""Metric definitions shared by planqa's evaluations — the same as the gold scorer's (score.py).

Matching is case- and diacritic-insensitive; an evidence string is found in a passage when it is a
substring of it, or when at least 90 % of its words occur in it.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ingest.textnorm import fold


def tokens(text: str) -> list[str]:
    """Word tokens of the folded text."""
    return re.findall(r"\w+", fold(text))


def evidence_hit(evidence: str, passage: str) -> bool:
    """Whether ``passage`` contains ``evidence`` (substring, or ≥ 90 % of its words)."""
    ev, ps = tokens(evidence), set(tokens(passage))
    if not ev:
        return False
    if fold(evidence) in fold(passage):
        return True
    return sum(t in ps for t in ev) / len(ev) >= 0.9


def first_hit_rank(evidence: Sequence[str], passages: Sequence[str]) -> int | None:
    """1-based rank of the first passage that contains any of the evidence strings, else None."""
    for rank, text in enumerate(passages, start=1):
        if any(evidence_hit(e, text) for e in evidence):
            return rank
    return None


def load_questions(path: Path) -> list[dict[str, Any]]:
    """A gold question file (JSON Lines)."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile (0..1) by the nearest-rank rule, as score.py computes p50/p95."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def summarize_ranks(ranks: Iterable[int | None], k: int = 5) -> dict[str, float | int]:
    """hit@k and MRR (reciprocal rank of the first hit, 0 when none) over a set of questions."""
    ranks = list(ranks)
    if not ranks:
        return {"n": 0, f"hit@{k}": 0.0, "mrr": 0.0}
    hits = sum(1 for r in ranks if r is not None and r <= k)
    mrr = statistics.fmean(1.0 / r if r else 0.0 for r in ranks)
    return {"n": len(ranks), f"hit@{k}": round(hits / len(ranks), 3), "mrr": round(mrr, 3)}
