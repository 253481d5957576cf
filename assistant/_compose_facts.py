"""Composers for facts and precedents: figures as written, the plan's own number, date and signer, the parts
of an index, deadlines of named units, and the best sentences for anything else."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from assistant._compose_base import (
    Ctx,
    Draft,
    _evidence_lines,
    _pick,
    in_scope,
    matches_component,
    md,
    md_label,
    not_found,
    passage_item,
    row_item,
    row_line,
    topic_words,
)  # fmt: skip
from assistant._query_cues import load_cues
from assistant._view import unique
from assistant.evidence import ASKS, DOCREF_RE, Sentence, ask_of
from assistant.mdtext import item
from ingest.roles import COOP, LEAD
from ingest.textnorm import fold


def precedent(ctx: Ctx) -> Draft:
    """What the plans do about X: the best sentences of each plan, side by side, grouped by plan."""
    ev = [s for s in ctx.evidence("solutions") if s.passage.kind not in ("document", "signature")]
    if not ev:
        return not_found(ctx)
    lines = [ctx.label("solutions")]
    picked = _pick(ev, 12, per_passage=2, floor=0.25)
    for doc_id in unique([s.passage.doc_id for s in picked])[:5]:
        mine = [s for s in picked if s.passage.doc_id == doc_id][:3]
        lines.append(f"\n**{md_label(ctx.view.documents.get(doc_id), ctx.lang)}**")
        lines += _evidence_lines(ctx, mine, "solutions", source=False)
    return Draft("\n".join(lines), True, ())


def fact(ctx: Ctx) -> Draft:
    """A fact, or several asked at once ("ban hành ngày nào, ai ký và nhằm thực hiện văn bản nào?"): for
    each, the figures of the score rows as written when it is a score, target or rank that ingestion
    read, the signature block for a signer, otherwise the sentences that state it, the answer first."""
    plan = ctx.plan
    kinds = unique(list(plan.fact_kinds) or [plan.fact_kind or ""]) or [""]
    if "count" in kinds and plan.plan_index and not plan.component:
        parts = index_parts(ctx)
        if parts is not None:
            return parts
    sections: list[Draft] = []
    for kind in kinds[:3]:
        draft: Draft | None = None
        if kind in ("score", "target", "rank"):
            draft = score_fact(ctx)
        elif kind == "deadline" and plan.agencies:
            draft = deadline_rows(ctx)
        elif kind == "signer":
            draft = signer(ctx)
        elif kind in ("doc_number", "date") and _about_the_document(plan, kind):
            draft = document_facts(ctx)
            top = _ranked_docs(ctx)[:1]
            if draft is not None and kind == "date" and top and not top[0].issue_date:
                sections.append(draft)  # the header gives no date: the sentences may ("Ngày 31/3, UBND tỉnh …")
                draft = None
        if draft is None:
            ask = ask_of("fact", kind)
            # "điểm năm 2023 … mục tiêu 2024": a figure per year asked
            years = plan.years if ask == "figure" and len(plan.years) > 1 else (plan.year,)
            for year in years:
                one = general(ctx, ask, year)
                if one.found and one.text not in {d.text for d in sections}:
                    sections.append(one)
            continue
        if draft.found and draft.text not in {d.text for d in sections}:
            sections.append(draft)
    if not sections:
        return not_found(ctx)
    return Draft("\n\n".join(d.text for d in sections), True, tuple(unique([a for d in sections for a in d.agencies])))


def general(ctx: Ctx, ask: str | None = None, year: int | None = None) -> Draft:
    """The sentences that answer best, the direct answer (a date, a figure, documents) first."""
    ask = ask or ask_of(ctx.plan.intent, ctx.plan.fact_kind)
    ev = ctx.evidence(ask, year)
    if not ev:
        return not_found(ctx)
    picked = _pick(ev, 5, per_passage=2)
    lines = []
    direct = _direct(ctx, picked, ask)
    if direct:
        lines += [direct, f"\n**{ctx.label('evidence')}:**"]
    lines += _evidence_lines(ctx, picked, ask)
    names = unique([r.agency for s in picked[:1] for r in s.roles if r.role in (LEAD, COOP)])
    names = names or unique([a for s in picked[:1] for a in s.passage.agencies])
    return Draft("\n".join(lines), True, tuple(names))


def _direct(ctx: Ctx, picked: Sequence[Sentence], ask: str) -> str:
    """The one-line answer a fact question wants, taken from the best sentences."""
    if not picked:
        return ""
    if ask == "document":
        refs = unique([m.group(0).strip(" .,;") for s in picked[:3] for m in DOCREF_RE.finditer(s.text)])
        own = {fold(d.doc_number) for d in ctx.view.documents.values() if d.doc_number}
        refs = [r for r in refs if fold(r) not in own][:8]
        return f"**{ctx.label('documents')}:** " + "; ".join(md(r) for r in refs) if refs else ""
    pattern = ASKS.get(ask)
    if pattern is None:
        return ""
    found = unique([m.group(0).strip() for m in pattern.finditer(picked[0].text)])[:4]
    if not found:
        return ""
    key = {"when": "when", "figure": "figures", "frequency": "how_often"}.get(ask)
    return f"**{ctx.label(key)}:** " + "; ".join(md(x) for x in found) if key else ""


def _about_the_document(plan: Any, kind: str) -> bool:
    """ "số mấy", "ban hành ngày nào", "ký ngày nào": a fact of the plan itself, not of a task in it."""
    asked = " ".join(re.findall(r"\w+", fold(plan.question)))
    return kind == "doc_number" or any(
        w in asked for w in ("ban hanh", "ky ngay", "ngay ky", "issued", "dated", "signed")
    )


def _ranked_docs(ctx: Ctx) -> list[Any]:
    """The documents in scope, those the retrieved passages come from first."""
    order = unique([h.passage.doc_id for h in ctx.hits()])
    docs = [d for d in ctx.view.documents.values() if ctx.known(d.doc_id) or d.doc_id in order]
    docs.sort(key=lambda d: order.index(d.doc_id) if d.doc_id in order else len(order))
    return docs


def document_facts(ctx: Ctx) -> Draft | None:
    """The number, date and signer of the plan a question is about, as its header states them."""
    docs = [d for d in _ranked_docs(ctx) if d.doc_number or d.issue_date][:2]
    if not docs:
        return None
    lines = []
    for d in docs:
        card = next((p for p in ctx.view.doc_passages(d.doc_id) if p.kind == "document"), None)
        parts = [f"{ctx.label('number')} **{md(d.doc_number)}**" if any(c.isdigit() for c in d.doc_number) else ""]
        parts.append(f"{ctx.label('issued_on')} **{md(d.issue_date)}**" if d.issue_date else "")
        parts.append(f"{ctx.label('signed_by')} **{md(d.signer)}**" if d.signer else "")
        facts = ", ".join(p for p in parts if p)
        if facts:
            lines.append(f"- {md_label(d, ctx.lang)}: {facts} {ctx.cites.cite(card) if card else ''}".rstrip())
    return Draft("\n".join(lines), True, ()) if lines else None


def signer(ctx: Ctx) -> Draft:
    """Who signed a plan, with the title of the signature block, from the plans in scope."""
    docs = [d for d in _ranked_docs(ctx) if d.signer]
    if not docs:
        return general(ctx)
    lines = []
    for d in docs[:3]:
        sig = next((p for p in ctx.view.doc_passages(d.doc_id) if p.kind == "signature"), None)
        card = next((p for p in ctx.view.doc_passages(d.doc_id) if p.kind == "document"), None)
        shown = sig or card
        title = ""
        if sig is not None:
            title = " / ".join(x.strip() for x in sig.text.split("\n") if x.strip() and x.strip() != d.signer)
        cite = ctx.cites.cite(shown) if shown is not None else ""
        lines.append(
            f"- **{md(d.signer)}**"
            + (f" — {md(title)}" if title else "")
            + f" — {md_label(d, ctx.lang)} {cite}".rstrip()
        )
    return Draft(f"**{ctx.label('signers')}:**\n" + "\n".join(lines), True, ())


def score_fact(ctx: Ctx) -> Draft | None:
    """A figure as written (score, target, rank) with its labels, from the score records."""
    plan, view = ctx.plan, ctx.view
    docs = ctx.scope.docs
    scope = [
        s
        for s in view.scores
        if (docs is None or s["doc_id"] in docs)
        and (not plan.province or fold(s.get("province") or "") == fold(plan.province) or ctx.known(s["doc_id"]))
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
    if plan.year and picked and not any(str(plan.year) in label for s in picked for label, _ in s["values"]):
        picked = []  # the rows do not state that year: the sentences may ("Phấn đấu năm 2024 đạt …")
    if not picked:
        return None
    lines = []
    for s in picked[:10]:
        values = "; ".join(f"{md(label) or '—'}: **{md(value)}**" for label, value in s["values"] if value)
        name = " › ".join(md(x) for x in (s.get("plan_index"), s.get("component") or s.get("location")) if x)
        lines.append(row_item(ctx, f"**{name}**", [("", values)], ctx.cites.cite_record(s["record_id"])))
    # the goal sentence next to the figures ("nằm trong nhóm … trung bình cao")
    shown = {s["record_id"] for s in picked}
    extra = [h for h in ctx.hits() if h.passage.kind != "score" and h.passage.record_id not in shown][:2]
    if extra:
        lines.append(f"\n**{ctx.label('related')}:**")
        lines += [
            passage_item(ctx, h.passage, h.passage.text, ctx.cites.cite(h.passage, h.score), "figure", source=False)
            for h in extra
        ]
    return Draft("\n".join(lines), True, ())


def deadline_rows(ctx: Ctx) -> Draft | None:
    """When the units a question names must finish ("UBND cấp huyện … hoàn thành trước ngày nào?"): the
    deadlines of the rows that assign them, each row cited."""
    plan = ctx.plan
    keys = {fold(a) for a in plan.agencies}
    rows = [
        r for r in in_scope(ctx)
        if r.get("deadline") and keys & {fold(a) for a in (r.get("lead") or []) + (r.get("coop") or [])}
    ]  # fmt: skip
    if plan.component or plan.component_text:
        rows = [r for r in rows if matches_component(r, plan)] or rows
    if not rows:
        return None
    lines = [f"**{ctx.label('deadlines')}:** " + "; ".join(md(d) for d in unique([r["deadline"] for r in rows])[:6])]
    lines += [row_line(r, ctx, with_agency=True) for r in rows[:8]]
    return Draft("\n".join(lines), True, tuple(unique([a for r in rows for a in r["lead"]])))


def index_parts(ctx: Ctx) -> Draft | None:
    """How many parts an index has ("PAPI có mấy chỉ số nội dung?"): the first-level rows of its score
    table in a plan in scope, counted and each cited."""
    plan, view = ctx.plan, ctx.view
    asked = " " + " ".join(re.findall(r"\w+", fold(plan.question))) + " "
    said = next((w for w in load_cues().part_words if f" {w} " in asked), None)
    if said is None:
        return None
    name = next((m for m in re.findall(r"\w+(?:\s+\w+){0,3}", plan.question) if fold(m) == said), said)
    docs = ctx.scope.docs
    for doc_id in unique([s["doc_id"] for s in view.scores if docs is None or s["doc_id"] in docs]):
        rows = _top_rows([s for s in view.scores if s["doc_id"] == doc_id and s.get("plan_index") == plan.plan_index])
        rows = [s for s in rows if not fold(s.get("component") or "").startswith("tong")]
        if len(rows) < 2:
            continue
        label, index = md_label(view.documents.get(doc_id), ctx.lang), md(plan.plan_index)
        lines = [ctx.label("parts", index=index, count=len(rows), name=md(name), label=label)]
        lines += [f"- {item(s.get('component') or s.get('location') or '')} {ctx.cites.cite_record(s['record_id'])}"
                  for s in rows]  # fmt: skip
        return Draft("\n".join(lines), True, ())
    return None


def _top_rows(scores: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first-level rows of score tables ("1", "2", not "1.1", not the total)."""
    top = [s for s in scores if re.fullmatch(r"[0-9IVXLC]+", (s.get("location") or "").rpartition(" › ")[2])]
    return top or [s for s in scores if " › " not in (s.get("component") or "")]
