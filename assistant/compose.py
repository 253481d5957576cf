"""Compose an answer from records and evidence sentences; one composer per intent, chosen from a table.

Records are the precise path when ingestion read the shape (an appendix row, a "Cơ quan chủ trì" column,
a prose assignment); evidence is the path every answer can take: the sentences of the retrieved passages
that answer what the question asks (:mod:`assistant.evidence`). An answer opens with the direct answer in
one line (the agencies, the date, the figure, the documents, the signer), then the cited sentences; the
whole passage is behind each citation. Every statement carries its citation number; when no passage in
scope supports the question, the answer says "Không tìm thấy …" and what is closest.
"""

from __future__ import annotations

from collections.abc import Callable

from assistant._compose_base import MAX_ROWS, MIN_CITATIONS, Ctx, Draft, md, more_citations, not_found, topic_words
from assistant._compose_due import due  # deadlines (issue 16): questions by time
from assistant._compose_facts import fact, general, precedent
from assistant._compose_who import agency_lookup, unit_tasks

__all__ = ["MAX_ROWS", "MIN_CITATIONS", "COMPOSERS", "Ctx", "Draft", "compose", "not_found", "topic_words"]

COMPOSERS: dict[str, Callable[[Ctx], Draft]] = {
    "agency_lookup": agency_lookup,
    "unit_tasks": unit_tasks,
    "precedent": precedent,
    "fact": fact,
    "due": due,  # deadlines (issue 16): "việc nào đến hạn trong quý IV/2024?", "việc nào đã quá hạn?"
    "other": general,
}


def compose(ctx: Ctx) -> Draft:
    """The answer for the question's intent, citing at least :data:`MIN_CITATIONS` passages when found."""
    draft = COMPOSERS.get(ctx.plan.intent, general)(ctx)
    if draft.found:
        cited = {c.doc_id for c in ctx.cites.items}
        if ctx.plan.province and cited and not cited & ctx.scope.known:
            province = md(ctx.plan.province)  # a filter's value may be typed text
            draft.text += "\n\n*" + ctx.label("unconfirmed_province", province=province) + "*"
        draft.text += "\n".join(more_citations(ctx))
    return draft
