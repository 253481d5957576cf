"""Composers for agencies: who handles X (lead, then coordinating), and what unit Y is assigned."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from assistant._compose_base import (
    MAX_ROWS,
    Ctx,
    Draft,
    _evidence_lines,
    _pick,
    in_scope,
    matches_component,
    md,
    md_label,
    md_location,
    md_names,
    row_line,
)  # fmt: skip
from assistant._compose_facts import general
from assistant._view import unique
from assistant.evidence import Sentence
from ingest.roles import COOP, LEAD
from ingest.textnorm import fold


def agency_lookup(ctx: Ctx) -> Draft:
    """Who handles X: the rows that assign it when ingestion read them, else the sentences that name
    agencies with their role; lead agencies first, then coordinating ones."""
    plan = ctx.plan
    named = plan.component or plan.component_text
    rows = [r for r in in_scope(ctx) if r.get("lead") and matches_component(r, plan)] if named else []
    keys = {fold(a) for a in plan.agencies}
    rows = [r for r in rows if keys & {fold(a) for a in r["lead"] + (r.get("coop") or [])}] or rows
    if rows:
        return _rows_answer(ctx, rows[:MAX_ROWS])
    ev = ctx.evidence("who")
    best = max((s.coverage for s in ev[:8]), default=0.0)
    # a sentence that names who does it, about what the question asks (not any sentence with an agency)
    with_roles = [s for s in ev if s.has_role(LEAD, COOP) and s.coverage >= 0.5 * best]
    if not with_roles:
        return general(ctx)
    top = with_roles[0].score
    picked = [s for s in with_roles[:6] if s.score >= 0.6 * top][:3]
    roles = [r for s in picked for r in _asked_roles(s, ctx.query_terms())]
    leads = _specific_first(unique([r.agency for r in roles if r.role == LEAD]))
    coops = [a for a in _specific_first(unique([r.agency for r in roles if r.role == COOP])) if a not in leads]
    lines = []
    if leads:
        lines.append(f"**{ctx.label('lead_agencies')}:** " + md_names(leads))
    if coops:
        lines.append(f"**{ctx.label('coop_agencies')}:** " + md_names(coops))
    lines.append(f"\n**{ctx.label('evidence')}:**")
    lines += _evidence_lines(ctx, picked, "who")
    others = [s for s in _pick(ev, 4) if s not in picked][:2]
    if others:
        lines.append(f"\n**{ctx.label('related')}:**")
        lines += _evidence_lines(ctx, others, "who")
    return Draft("\n".join(lines), True, tuple(leads + coops))


def _asked_roles(sentence: Sentence, query_terms: Sequence[str]) -> list[Any]:
    """The roles of the part of a sentence the question is about: in a one-paragraph list ("Phòng Nội vụ về
    nội dung A; Phòng Tư pháp về nội dung B") the clause that holds most of the question's words."""
    text = sentence.text
    if sentence.lead_in or text.count(";") == 0 or sum(1 for r in sentence.roles if r.role == LEAD) < 2:
        return list(sentence.roles)
    best, best_held, pos = (0, len(text)), -1, 0
    for clause in text.split(";"):
        words = set(re.findall(r"\w+", fold(clause)))
        held = sum(1 for t in query_terms if t in words)
        if held > best_held:
            best, best_held = (pos, pos + len(clause)), held
        pos += len(clause) + 1
    inside = [r for r in sentence.roles if best[0] <= r.start < best[1]]
    return inside if any(r.role == LEAD for r in inside) else list(sentence.roles)


def _specific_first(names: Sequence[str]) -> list[str]:
    """Named units before groups ("Phòng Nội vụ" before "Các cơ quan")."""
    return sorted(names, key=lambda n: fold(n).startswith(("cac ", "ubnd cac", "nguoi dung dau", "thu truong")))


def _rows_answer(ctx: Ctx, rows: Sequence[dict[str, Any]]) -> Draft:
    """The agencies of assignment rows, lead first, each with its rows grouped by document."""
    leads = unique([a for r in rows for a in r["lead"]])
    coops = [a for a in unique([a for r in rows for a in r.get("coop") or []]) if a not in leads]
    lines = [f"**{ctx.label('lead_agencies')}:** " + md_names(leads)]
    if coops:
        lines.append(f"**{ctx.label('coop_agencies')}:** " + md_names(coops))
    for lead in leads:
        mine = [r for r in rows if lead in r["lead"]]
        for doc_id in unique([r["doc_id"] for r in mine]):
            of_doc = [r for r in mine if r["doc_id"] == doc_id]
            where = md_location(of_doc[0]["location"].split(" › ")[0])
            lines.append(f"\n**{md(lead)}** — {md_label(ctx.view.documents.get(doc_id), ctx.lang)}, {where}:")
            lines.extend(row_line(r, ctx, but=lead) for r in of_doc)
    return Draft("\n".join(lines), True, tuple(leads + coops))


def unit_tasks(ctx: Ctx) -> Draft:
    """What unit Y is assigned: its rows grouped by document (same-named offices of different places stay
    apart) and index; else the sentences that give it a role; else that no plan in scope assigns it any."""
    plan = ctx.plan
    if not plan.agency:
        return general(ctx)
    key = fold(plan.agency)
    scoped = in_scope(ctx, by_index=False)
    rows = [r for r in scoped if any(fold(a) == key for a in (r.get("lead") or []) + (r.get("coop") or []))]
    if plan.plan_index:
        rows = [r for r in rows if r.get("plan_index") == plan.plan_index] or rows
    named = [r for r in rows if matches_component(r, plan)] if plan.component or plan.component_text else rows
    ev = _unit_sentences(ctx, key)
    if named:
        return _unit_rows(ctx, named, ev)
    if ev:
        picked = _pick(ev, 5, per_passage=2, floor=0.2)
        agency = md(plan.agency)  # from the question or a filter: may be text as typed, or a plan's agency cell
        lines = [ctx.label("assigned", agency=agency)]
        lines += _evidence_lines(ctx, picked, "tasks")
        return Draft("\n".join(lines), True, (plan.agency,))
    if rows:  # nothing on the component asked: all its rows
        return _unit_rows(ctx, rows, ev)
    return _no_task(ctx)


def _unit_sentences(ctx: Ctx, key: str) -> list[Sentence]:
    """Sentences that give the unit a role, read from every passage in scope that names it (a unit's tasks
    are spread over a plan: retrieval alone would see only some) and from the retrieved ones."""
    from index_store.protocols import Hit

    docs = ctx.scope.docs
    naming = [
        p for p in ctx.view.passages.values()
        if (docs is None or p.doc_id in docs) and any(fold(a) == key for a in p.agencies)
    ]  # fmt: skip
    seen = {h.passage.passage_id for h in ctx.hits()}
    hits = list(ctx.hits()) + [Hit(p, 0.0, {}) for p in naming if p.passage_id not in seen]
    ev = ctx.evidence_of(hits, "tasks", limit=len(hits))
    return [s for s in ev if any(fold(r.agency) == key and r.role in (LEAD, COOP) for r in s.roles)]


def _unit_rows(ctx: Ctx, rows: Sequence[dict[str, Any]], more: Sequence[Sentence] = ()) -> Draft:
    plan, agency = ctx.plan, md(ctx.plan.agency)
    docs = unique([r["doc_id"] for r in rows])
    places = unique([md_label(ctx.view.documents.get(d), ctx.lang) for d in docs])
    lines: list[str] = []
    if len(docs) > 1 and not plan.province and not plan.doc_number:
        lines.append(ctx.label("in_plans", agency=agency, count=len(docs), places="; ".join(places)))
    for doc_id in docs:
        mine = [r for r in rows if r["doc_id"] == doc_id]
        shown = mine[:MAX_ROWS]
        cut = f" ({ctx.label('showing', shown=len(shown), total=len(mine))})" if len(mine) > len(shown) else ""
        label = md_label(ctx.view.documents.get(doc_id), ctx.lang)
        lines.append(f"\n**{agency}** — {label}: {ctx.label('rows', n=len(mine))}{cut}")
        for index in dict.fromkeys(r.get("plan_index") or "" for r in shown):  # rows of no index too
            group = [r for r in shown if (r.get("plan_index") or "") == index]
            lines.append(f"\n**{md(index) or ctx.label('general')}**")
            lines.extend(row_line(r, ctx, but=plan.agency) for r in group)
    # what the rows leave out: sentences elsewhere that give it a role
    held = {r["record_id"] for r in rows}
    extra = [s for s in more if s.passage.record_id not in held and s.passage.doc_id in docs]
    extra = _pick(extra, 3, per_passage=1, floor=0.3)
    if extra:
        lines.append(f"\n**{ctx.label('other_passages', agency=agency)}:**")
        lines += _evidence_lines(ctx, extra, "tasks")
    return Draft("\n".join(lines).lstrip("\n"), True, (plan.agency,))


def _no_task(ctx: Ctx) -> Draft:
    """ "Kế hoạch X không giao nhiệm vụ nào cho Y", then what is closest: Y in other plans, and who
    handles the question's topic in the plans in scope."""
    plan, view, agency = ctx.plan, ctx.view, md(ctx.plan.agency)
    docs = [view.documents[d] for d in (ctx.scope.docs or view.documents) if d in view.documents]
    known = [d for d in docs if ctx.known(d.doc_id)] or docs
    names = "; ".join(md_label(d, ctx.lang) for d in known[:4]) or ctx.label("loaded_plans")
    text = ctx.label("no_task", agency=agency, names=names)
    key = fold(plan.agency)
    elsewhere = unique(
        [md_label(view.documents.get(r["doc_id"]), ctx.lang) for r in view.assignments
         if any(fold(a) == key for a in (r.get("lead") or []) + (r.get("coop") or []))
         and r["doc_id"] not in {d.doc_id for d in known}]
    )  # fmt: skip
    if elsewhere:
        text += "\n\n" + ctx.label("closest_tasks", agency=agency, places="; ".join(elsewhere[:4]))
    topic = [
        r
        for r in in_scope(ctx)
        if r.get("lead") and (plan.component or plan.component_text) and matches_component(r, plan)
    ]
    if topic:
        leads = md_names(unique([a for r in topic for a in r["lead"]]), ", ")
        where = "; ".join(
            unique(
                [
                    f"{md_label(view.documents.get(r['doc_id']), ctx.lang)}, {md_location(r['location'])}"
                    for r in topic[:3]
                ]
            )
        )
        text += "\n\n" + ctx.label("topic_led_by", leads=leads, where=where)
    return Draft(text, False, ())
