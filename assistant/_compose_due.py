"""Composer for questions by time: "Sở Nội vụ có những việc nào đến hạn trong quý IV/2024?", "việc nào đã quá hạn?".

The rows of the plans in scope (and of the agency asked, when one is named) whose deadline, read by
:func:`ingest.deadlines.read_deadline`, falls due in the period asked — or, for "quá hạn", whose last due date
has passed (today, or the day the question names: "quá hạn tính đến 01/12/2024"). Each row shows its due date,
the deadline as written and its citation; ongoing work ("Thường xuyên") is never overdue and is listed apart
with a note; deadlines that could not be read are counted. With no row that carries a deadline, the answer
is the sentences of the retrieved passages, as for any other question.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from assistant._compose_base import (
    MAX_ROWS,
    Ctx,
    Draft,
    in_scope,
    matches_component,
    md,
    md_label,
    md_location,
    md_names,
    row_item,
)
from assistant._compose_facts import general
from assistant._view import unique
from assistant.mdtext import dashes
from ingest.deadlines import Deadline, dmy, read_deadline, read_period
from ingest.textnorm import fold

ONGOING_SHOWN = 5  # ongoing rows listed under their note (the rest are counted)


def _today() -> date:
    """Today, as the answers see it (a test replaces it)."""
    return date.today()


def _names_agency(row: dict[str, Any], key: str) -> bool:
    return any(key == fold(a) or key in fold(a) for a in (row.get("lead") or []) + (row.get("coop") or []))


def due(ctx: Ctx) -> Draft:
    """The rows due in the period asked, or overdue; soonest first, grouped by document."""
    plan, today = ctx.plan, _today()
    window = read_period(plan.period, today) if getattr(plan, "period", None) else None
    overdue = "overdue" in plan.fact_kinds
    on = today
    if overdue and window:  # "quá hạn tính đến 01/12/2024": as of that day
        day = read_deadline(plan.period, today.year)
        if day.kind == "date" and day.due and not day.others:
            on, window = day.due, None
    rows = [r for r in in_scope(ctx) if (r.get("deadline") or "").strip()]
    if plan.agency:
        key = fold(plan.agency)
        rows = [r for r in rows if _names_agency(r, key)]
    if plan.component or plan.component_text:
        rows = [r for r in rows if matches_component(r, plan)] or rows
    if not rows:
        return general(ctx, "when")
    docs = ctx.view.documents
    read = [(r, read_deadline(r["deadline"], getattr(docs.get(r["doc_id"]), "year", None))) for r in rows]
    dated: list[tuple[date, dict[str, Any], Deadline]] = []
    for r, d in read:
        if overdue:
            last = d.final_due()
            if d.overdue(on) and last and (window is None or window[0] <= last <= window[1]):
                dated.append((last, r, d))
        elif window:
            hits = d.occurrences(*window)
            if hits:
                dated.append((hits[0], r, d))
        else:
            nxt = d.next_due(today)
            if nxt:
                dated.append((nxt, r, d))
    dated.sort(key=lambda item: item[0])
    ongoing = [r for r, d in read if d.kind == "ongoing"]
    unread = [r for r, d in read if not d.read]
    lines = [_heading(ctx, len(dated), window, overdue, on)]
    lines += _dated_lines(ctx, dated, on)
    if not overdue and ongoing:
        cut = f", {min(len(ongoing), ONGOING_SHOWN)}/{len(ongoing)}" if len(ongoing) > ONGOING_SHOWN else ""
        lines.append(
            "\n"
            + ctx.t(
                f"**Thường xuyên** ({len(ongoing)} việc{cut}; không có hạn cố định, không bao giờ quá hạn):",
                f"**Ongoing** ({len(ongoing)} rows{cut}; no fixed date, never overdue):",
            )
        )
        lines += [_line(ctx, r, None, None) for r in ongoing[:ONGOING_SHOWN]]
    if unread:
        written = "; ".join(f"“{md(w)}”" for w in unique([r["deadline"] for r in unread])[:4])
        lines.append(
            "\n"
            + ctx.t(
                f"*{len(unread)} việc có thời hạn chưa đọc được thành ngày ({written}); xem văn bản.*",
                f"*{len(unread)} rows have a deadline that could not be read as a date ({written}).*",
            )
        )
    agencies = tuple(unique([a for _, r, _ in dated for a in r.get("lead") or []]))
    return Draft("\n".join(lines), True, agencies or ((plan.agency,) if plan.agency else ()))


def _heading(ctx: Ctx, n: int, window: tuple[date, date] | None, overdue: bool, on: date) -> str:
    plan = ctx.plan
    who = f"**{md(plan.agency)}**" if plan.agency else ctx.t("Các cơ quan", "The agencies")
    asked = f" ({md(plan.period)})" if window and plan.period else ""
    if overdue:
        tail = (
            ctx.t(
                f", có hạn từ {dmy(window[0])} đến {dmy(window[1])}{asked}",
                f", due {dmy(window[0])}–{dmy(window[1])}{asked}",
            )
            if window
            else ""
        )
        return ctx.t(
            f"{who}: {n} việc đã quá hạn tính đến {dmy(on)}{tail}.",
            f"{who}: {n} rows overdue as of {dmy(on)}{tail}.",
        )
    if window:
        return ctx.t(
            f"{who}: {n} việc đến hạn từ {dmy(window[0])} đến {dmy(window[1])}{asked}.",
            f"{who}: {n} rows due from {dmy(window[0])} to {dmy(window[1])}{asked}.",
        )
    return ctx.t(f"{who}: {n} việc có hạn từ {dmy(on)} trở đi.", f"{who}: {n} rows due from {dmy(on)} on.")


def _dated_lines(ctx: Ctx, dated: Sequence[tuple[date, dict[str, Any], Deadline]], on: date) -> list[str]:
    lines: list[str] = []
    shown = dated[:MAX_ROWS]
    for doc_id in unique([r["doc_id"] for _, r, _ in shown]):
        mine = [(when, r, d) for when, r, d in shown if r["doc_id"] == doc_id]
        lines.append(f"\n**{md_label(ctx.view.documents.get(doc_id))}**")
        lines += [_line(ctx, r, when, d, on) for when, r, d in mine]
    if len(dated) > len(shown):
        lines.append(
            ctx.t(f"\n*(hiển thị {len(shown)}/{len(dated)} việc)*", f"\n*(showing {len(shown)}/{len(dated)})*")
        )
    return lines


def _line(ctx: Ctx, row: dict[str, Any], when: date | None, d: Deadline | None, on: date | None = None) -> str:
    """One row as the other answers show rows: due date and component, then task, lead and deadline (as
    written, with its recurrence and "quá hạn" when it is past), cited."""
    title = (f"**{dmy(when)}** — " if when else "") + (
        f"**{md(row['component'])}**" if (row.get("component") or "").strip() else f"*{md_location(row['location'])}*"
    )
    deadline = md(row["deadline"])
    if d is not None and d.kind == "recurring":
        deadline += f" ({md(d.recurrence_words())})"
    if d is not None and on is not None and d.overdue(on):
        deadline += f" — *{ctx.label('overdue')}*"
    fields = [
        ("tasks", md(dashes(row.get("tasks") or row.get("target") or ""))),
        ("lead", md_names(row.get("lead") or [], ", ")),
        ("deadline", deadline),
    ]
    return row_item(ctx, title, fields, ctx.cites.cite_record(row["record_id"]))
