"""Compose an answer from records and retrieved passages, one function per intent.

Every statement in an answer comes from a record or passage and carries its citation number; when
nothing in the knowledge base answers, the composer says so ("Không tìm thấy …") and points at what is
closest instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from assistant._query_cues import load_cues
from assistant._view import Cites, KbView, doc_label, unique
from ingest.textnorm import fold

Search = Callable[..., Sequence[Any]]  # search(query, k=…, filters=Filters(...)) -> list[Hit]
MAX_ROWS = 24


@dataclass
class Draft:
    """What a composer returns: the markdown, whether the knowledge base answered, agencies named."""

    text: str
    found: bool
    agencies: tuple[str, ...] = ()


def _t(lang: str, vi: str, en: str) -> str:
    return en if lang == "en" else vi


def in_scope(view: KbView, plan: Any, rows: Sequence[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Records of the plan's province, index and document."""
    rows = view.assignments if rows is None else rows
    prov, idx = fold(plan.province or ""), plan.plan_index
    out = []
    for r in rows:
        if prov and fold(r.get("province") or "") != prov:
            continue
        if idx and r.get("plan_index") != idx:
            continue
        if plan.doc_number and fold(plan.doc_number) not in fold(r.get("doc_number") or ""):
            continue
        out.append(r)
    return out


def matches_component(row: dict[str, Any], plan: Any) -> bool:
    """Whether a record is about the plan's component (taxonomy path, or the user's own words)."""
    keys = []
    if plan.component:
        keys.append(fold(plan.component.split(" › ")[-1]))
    if plan.component_text:
        keys.append(fold(plan.component_text))
    hay = fold(" ".join(str(row.get(f) or "") for f in ("component", "target")))
    return any(k and k in hay for k in keys)


def row_line(row: dict[str, Any], cites: Cites, lang: str, with_agency: bool = False) -> str:
    """One record as a bullet: component — target — tasks — deadline [n]."""
    parts = [f"**{row['component'] or row['location']}**" if row.get("component") else f"*{row['location']}*"]
    if with_agency and row.get("lead"):
        parts.append(", ".join(row["lead"]))
    if row.get("target"):
        parts.append(_t(lang, "Chỉ tiêu: ", "Target: ") + _flat(row["target"]))
    if row.get("tasks"):
        parts.append(_t(lang, "Nhiệm vụ: ", "Tasks: ") + _flat(row["tasks"]))
    if row.get("coop"):
        parts.append(_t(lang, "Phối hợp: ", "Coordinating: ") + ", ".join(row["coop"]))
    if row.get("deadline"):
        parts.append(_t(lang, "Thời hạn: ", "Deadline: ") + row["deadline"])
    return "- " + " — ".join(parts) + " " + cites.cite_record(row["record_id"])


def _flat(text: str, width: int = 1500) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def agency_lookup(plan: Any, view: KbView, search: Search, cites: Cites, lang: str, filters: Any) -> Draft:
    """Who handles X: lead agencies first, then coordinating ones, each with the rows that assign them."""
    named = plan.component or plan.component_text
    rows = [r for r in in_scope(view, plan) if r.get("lead") and matches_component(r, plan)] if named else []
    hits = search(plan.question, k=8, filters=filters)
    if not rows:
        # no component to look up: the rows the best passages hold, when the best passage is a row
        rows = _rows_from_hits(hits[:3], view)[:3] if hits and _is_row(hits[0], view) else []
    if not rows:
        return passages_answer(plan, view, search, cites, lang, filters, hits=hits)
    rows = rows[:MAX_ROWS]
    leads = unique([a for r in rows for a in r["lead"]])
    coops = [a for a in unique([a for r in rows for a in r.get("coop") or []]) if a not in leads]
    lines = [_t(lang, "**Cơ quan chủ trì:** ", "**Lead agencies:** ") + "; ".join(leads)]
    if coops:
        lines.append(_t(lang, "**Cơ quan phối hợp:** ", "**Coordinating agencies:** ") + "; ".join(coops))
    for lead in leads:
        mine = [r for r in rows if lead in r["lead"]]
        doc = view.documents.get(mine[0]["doc_id"])
        where = mine[0]["location"].split(" › ")[0]
        lines.append(f"\n**{lead}** — {doc_label(doc)}, {where}:")
        lines.extend(row_line(r, cites, lang) for r in mine)
    if not named:
        lines.extend(_context(hits, rows, cites, lang))
    return Draft("\n".join(lines), True, tuple(leads + coops))


def _is_row(hit: Any, view: KbView) -> bool:
    return hit.passage.kind in ("assignment", "prose") and bool(_rows_from_hits([hit], view))


def _context(hits: Sequence[Any], rows: Sequence[dict[str, Any]], cites: Cites, lang: str, n: int = 2) -> list[str]:
    """The best passages not already cited through a row, quoted as written."""
    shown = {r["record_id"] for r in rows}
    extra = [h for h in hits if h.passage.record_id not in shown][:n]
    if not extra:
        return []
    lines = ["\n" + _t(lang, "**Đoạn liên quan:**", "**Related passages:**")]
    lines.extend(f"- {_flat(h.passage.text, 900)} {cites.cite(h.passage, h.score)}" for h in extra)
    return lines


def _rows_from_hits(hits: Sequence[Any], view: KbView) -> list[dict[str, Any]]:
    by_id = {r["record_id"]: r for r in view.assignments}
    out = []
    for h in hits:
        row = by_id.get(h.passage.record_id)
        if row and row.get("lead") and row not in out:
            out.append(row)
    return out


def unit_tasks(plan: Any, view: KbView, search: Search, cites: Cites, lang: str, filters: Any) -> Draft:
    """What unit Y is assigned: its records grouped by index and component, with deadlines."""
    key = fold(plan.agency or "")
    rows = [
        r for r in in_scope(view, plan) if any(fold(a) == key for a in (r.get("lead") or []) + (r.get("coop") or []))
    ]
    if plan.component or plan.component_text:
        rows = [r for r in rows if matches_component(r, plan)] or rows
    if not rows:
        return passages_answer(plan, view, search, cites, lang, filters)
    lines = [
        _t(
            lang,
            f"**{plan.agency}** được giao {len(rows)} nhiệm vụ:",
            f"**{plan.agency}** is assigned {len(rows)} rows:",
        )
    ]
    for index in unique([r.get("plan_index") or "" for r in rows]) or [""]:
        group = [r for r in rows if (r.get("plan_index") or "") == index]
        if group:
            lines.append(f"\n**{index or _t(lang, 'Chung', 'General')}**")
            lines.extend(row_line(r, cites, lang) for r in group[:MAX_ROWS])
    return Draft("\n".join(lines), True, (plan.agency,))


def precedent(plan: Any, view: KbView, search: Search, cites: Cites, lang: str, filters: Any) -> Draft:
    """What other places plan for X: passages grouped by province and document, side by side."""
    hits = search(plan.question, k=12, filters=filters)
    if not hits:
        return not_found(plan, view, lang)
    lines = [_t(lang, "Các giải pháp trong các kế hoạch đã nạp:", "Solutions in the loaded plans:")]
    for doc_id in unique([h.passage.doc_id for h in hits]):
        mine = [h for h in hits if h.passage.doc_id == doc_id][:3]
        lines.append(f"\n**{doc_label(view.documents.get(doc_id))}**")
        lines.extend(f"- {_flat(h.passage.text, 700)} {cites.cite(h.passage, h.score)}" for h in mine)
    return Draft("\n".join(lines), True, ())


def score_fact(
    plan: Any, view: KbView, cites: Cites, lang: str, search: Search | None = None, filters: Any = None
) -> Draft | None:
    """A figure as written (score, target, rank) with its labels, from the score records."""
    scope = [
        s
        for s in view.scores
        if (not plan.province or fold(s.get("province") or "") == fold(plan.province))
        and (not plan.plan_index or s.get("plan_index") == plan.plan_index)
    ]
    totals = [s for s in scope if fold(s.get("component") or "").startswith("tong")]
    if plan.component or plan.component_text:
        picked = [s for s in scope if matches_component(s, plan)]
    elif plan.plan_index and not topic_words(plan):  # the index as a whole: its total, else its top rows
        parts = any(f" {w} " in f" {fold(plan.question)} " for w in load_cues().component_words)
        picked = totals if totals and not parts else _top_rows(scope)
    elif re.search(r"\b(tong|total|overall)\b", fold(plan.question)):
        picked = totals
    else:
        picked = []
    if not picked:
        return None
    lines = []
    picked = picked[:10]
    for s in picked:
        values = "; ".join(f"{label or '—'}: **{value}**" for label, value in s["values"] if value)
        name = s.get("component") or s.get("location")
        lines.append(f"- {s.get('plan_index')} › {name}: {values} {cites.cite_record(s['record_id'])}")
    if search is not None:  # the goal sentence next to the figures ("nằm trong nhóm … trung bình cao")
        hits = [h for h in search(plan.question, k=8, filters=filters) if h.passage.kind != "score"]
        lines.extend(_context(hits, picked, cites, lang, n=2))
    return Draft("\n".join(lines), True, ())


def _top_rows(scores: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first-level rows of score tables ("1", "2", not "1.1", not the total)."""
    top = [s for s in scores if re.fullmatch(r"[0-9IVXLC]+", (s.get("location") or "").rpartition(" › ")[2])]
    return top or [s for s in scores if " › " not in (s.get("component") or "")]


def topic_words(plan: Any) -> list[str]:
    """The question's keywords that are not the province, the index, a year or a figure word
    ("tổng", "thành phần": see ``[figures]`` in intents.toml)."""
    named = set(fold(f"{plan.province or ''} {plan.plan_index or ''}").split())
    cues = load_cues()
    figure = {w for phrase in (*cues.figure_words, *cues.component_words) for w in phrase.split()}
    return [w for w in map(fold, plan.keywords) if w not in named and w not in figure and not w.isdigit()]


def passages_answer(
    plan: Any, view: KbView, search: Search, cites: Cites, lang: str, filters: Any, k: int = 3,
    hits: Sequence[Any] | None = None,
) -> Draft:  # fmt: skip
    """The passages that answer best, quoted as written, with the agencies the best one names."""
    hits = list(hits if hits is not None else search(plan.question, k=max(k, 5), filters=filters))[:k]
    if not hits:
        return not_found(plan, view, lang)
    lines = [f"- {_flat(h.passage.text)} {cites.cite(h.passage, h.score)}" for h in hits]
    agencies = unique([a for h in hits[:1] for a in h.passage.agencies])
    return Draft("\n".join(lines), True, tuple(agencies))


def not_found(plan: Any, view: KbView, lang: str, reason: str = "") -> Draft:
    """ "Không tìm thấy …" with what the knowledge base does hold."""
    have = "; ".join(f"{doc_label(d)}: {', '.join(d.indices)}" for d in view.documents.values())
    text = _t(lang, "Không tìm thấy trong các kế hoạch đã nạp", "Not found in the loaded plans")
    if reason:
        text += f" ({reason})"
    text += "." + _t(lang, f"\n\nCác kế hoạch hiện có: {have}.", f"\n\nPlans available: {have}.")
    return Draft(text, False, ())


def mentions_year(view: KbView, plan: Any, year: int) -> bool:
    """Whether any score label or passage in scope names the year."""
    pattern = re.compile(rf"\b{year}\b")
    docs = {d.doc_id for d in view.docs_in(plan.province)}
    if any(pattern.search(label) for s in view.scores if s["doc_id"] in docs for label, _ in s["values"]):
        return True
    return any(pattern.search(p.text) for p in view.passages.values() if p.doc_id in docs and p.kind == "score")
