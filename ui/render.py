"""HTML for the app's read-only panels: the cited sources, the comparison columns, empty states.

Every piece of stored text goes through ``html.escape`` (or :func:`ui.highlight.highlight_html`, which
escapes); the only markup is ours. Class names start with ``pq-``; their style is in :mod:`ui.app`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from ui.compare import Column
from ui.highlight import highlight_html

TITLE_CHARS = 160


def _e(text: Any) -> str:
    return html.escape(str(text or ""))


def _title(title: str) -> str:
    short = title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1].rstrip() + "…"
    return f'<div class="pq-title" title="{_e(title)}">{_e(short)}</div>'


def empty(message: str) -> str:
    """A muted one-line message for an empty panel."""
    return f'<div class="pq-empty">{_e(message)}</div>'


def sources_html(answer: Mapping[str, Any], contexts: Mapping[str, Any], question: str) -> str:
    """The sources panel: one card per citation, matching words marked, each openable in its surrounding text.

    Args:
        answer: the ``planqa ask --json`` object.
        contexts: passage id → :class:`ui.service.Context` (``before``, ``passage``, ``after``).
        question: the question as typed (its words are marked in the passages).
    """
    citations = answer.get("citations") or []
    if not citations:
        note = (
            "Câu trả lời không trích dẫn đoạn nào."
            if answer.get("found")
            else "Không có nguồn: kho chưa có nội dung phù hợp."
        )
        return empty(note)
    agencies = list(answer.get("agencies") or [])
    cards = [f'<div class="pq-sources-head">Nguồn trích dẫn ({len(citations)})</div>']
    for c in citations:
        where = " · ".join(_e(p) for p in (c.get("doc_number") or c.get("source"), c.get("province")) if p)
        body = highlight_html(c["text"], question, agencies)
        ctx = contexts.get(c.get("passage_id", ""))
        more = ""
        if ctx is not None and (ctx.before.strip() or ctx.after.strip()):
            around = f"{_e(ctx.before)}<span class='pq-here'>{_e(ctx.passage)}</span>{_e(ctx.after)}"
            more = (
                f'<details class="pq-context"><summary>Xem trong văn bản ({_e(c.get("source"))})</summary>'
                f'<div class="pq-context-text">{around}</div></details>'
            )
        cards.append(
            f'<div class="pq-source" id="pq-source-{c["n"]}">'
            f'<div class="pq-source-head"><span class="pq-n">{c["n"]}</span><b>{where}</b></div>'
            f"{_title(c.get('title') or '')}"
            f'<div class="pq-loc">{_e(c.get("location"))}{SCANNED if c.get("scanned") else ""}</div>'
            f'<div class="pq-text">{body}</div>{more}</div>'
        )
    return "".join(cards)


SCANNED = ' <span class="pq-scan" title="Chữ được nhận dạng tự động từ bản quét; hãy đối chiếu với bản gốc">· văn bản quét, nhận dạng OCR</span>'


def compare_html(columns: Sequence[Column], index: str, component: str) -> str:
    """The comparison: one column per document, each finding numbered and located."""
    if not columns:
        return empty(f"Chưa có văn bản nào trong kho đề cập “{component}” ({index}).")
    head = (
        f'<div class="pq-compare-head">{_e(index)} › {_e(component)} — {len(columns)} văn bản; '
        "[số] là trích dẫn, dòng in nghiêng là vị trí trong văn bản.</div>"
    )
    cells = []
    for col in columns:
        doc = col.document
        name = " · ".join(_e(p) for p in (doc.get("doc_number"), doc.get("province"), doc.get("issuer")) if p)
        items = []
        for f in col.findings:
            note = ' <span class="pq-related">(nhắc đến, chưa có nhiệm vụ riêng)</span>' if f.related else ""
            lead = f'<div class="pq-agencies">{_e("; ".join(f.agencies))}</div>' if f.agencies else ""
            items.append(
                f'<li><span class="pq-n">{f.n}</span>{note}<div class="pq-text">{_e(f.text)}</div>{lead}'
                f'<div class="pq-loc">{_e(f.location)}</div></li>'
            )
        more = f'<div class="pq-more">… và {col.more} đoạn khác</div>' if col.more else ""
        cells.append(
            f'<div class="pq-column"><div class="pq-column-head">{name or _e(doc.get("source"))}</div>'
            f"{_title(doc.get('title') or '')}<ol>{''.join(items)}</ol>{more}</div>"
        )
    return head + f'<div class="pq-compare">{"".join(cells)}</div>'
