"""HTML for the app's read-only panels: the cited sources, the comparison columns, empty states.

Every piece of stored text goes through ``html.escape`` (or :func:`ui.highlight.highlight_html`, which
escapes); the only markup is ours. Class names start with ``pq-``; their style is in :mod:`ui.app`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ui.compare import Column
from ui.highlight import highlight_html

SHORT_TITLE_CHARS = 110
NO_SOURCES = "Nguồn trích dẫn của câu trả lời sẽ hiện ở đây."
# words an ALL-CAPS title keeps in capitals when it is shown in sentence case
_ACRONYMS = frozenset({"PAPI", "PAR", "INDEX", "SIPAS", "PCI", "UBND", "HĐND", "CCHC", "TW", "DDCI", "ICT"})


def _e(text: Any) -> str:
    return html.escape(str(text or ""))


def _title(title: str) -> str:
    """A plan's title as a short line (sentence case, cut at a word), the full title on hover."""
    return f'<div class="pq-title" title="{_e(title)}">{_e(short_title(title))}</div>'


def empty(message: str) -> str:
    """A muted one-line message for an empty panel."""
    return f'<div class="pq-empty">{_e(message)}</div>'


def short_title(title: str, limit: int = SHORT_TITLE_CHARS) -> str:
    """A plan's title as a card shows it: an ALL-CAPS title in sentence case (codes and acronyms such as
    "36-CT/TU", "PAPI", "UBND" kept), cut at a word to about ``limit`` characters."""
    title = " ".join(title.split())
    letters = [ch for ch in title if ch.isalpha()]
    if letters and sum(ch.isupper() for ch in letters) > 0.8 * len(letters):
        words = []
        for n, word in enumerate(title.split(" ")):
            core = word.strip("().,;:")
            keep = any(ch.isdigit() or ch in "/-" for ch in core) or core in _ACRONYMS
            words.append(word if keep else word.capitalize() if n == 0 else word.lower())
        title = " ".join(words)
    if len(title) <= limit:
        return title
    cut = title[:limit].rsplit(" ", 1)[0].rstrip(",;:–-")
    return cut + " …"


def _card_head(c: Mapping[str, Any], doc: Mapping[str, Any] | None) -> str:
    """ "336/KH-UBND · UBND tỉnh Đồng Nai · Đồng Nai · 2024": number, issuer, province, year (no file name
    unless the document has no number and no issuer)."""
    doc = doc or {}
    number = c.get("doc_number") or doc.get("doc_number") or ""
    issuer = doc.get("issuer") or ""
    parts = [number, issuer, c.get("province") or doc.get("province") or "", str(doc.get("year") or "")]
    if not number and not issuer:
        parts[0] = c.get("source") or ""
    return " · ".join(_e(p) for p in parts if p)


def _card(c: Mapping[str, Any], turn: int, doc: Mapping[str, Any] | None, body: str, ctx: Any) -> str:
    more = ""
    if ctx is not None and (ctx.before.strip() or ctx.after.strip()):
        around = f"{_e(ctx.before)}<span class='pq-here'>{_e(ctx.passage)}</span>{_e(ctx.after)}"
        more = (
            '<details class="pq-context"><summary>Xem đoạn này trong văn bản</summary>'
            f'<div class="pq-context-text">{around}</div></details>'
        )
    title = c.get("title") or (doc or {}).get("title") or ""
    short = short_title(title)
    return (
        f'<div class="pq-source" id="pq-src-{turn}-{c["n"]}" data-n="{c["n"]}">'
        f'<div class="pq-source-head"><span class="pq-n">{c["n"]}</span><b>{_card_head(c, doc)}</b></div>'
        + (f'<div class="pq-title" title="{_e(title)}">{_e(short)}</div>' if title else "")
        + f'<div class="pq-loc">{_e(c.get("location"))}{SCANNED if c.get("scanned") else ""}</div>'
        f'<div class="pq-text">{body}</div>{more}</div>'
    )


def sources_html(
    answer: Mapping[str, Any], contexts: Mapping[str, Any], question: str, *, turn: int = 1,
    documents: Mapping[str, Mapping[str, Any]] | None = None,
) -> str:  # fmt: skip
    """The sources of one answer: one card per citation, matching words marked, each openable in its
    surrounding text.

    Args:
        answer: the ``planqa ask --json`` object (or a saved turn with its ``citations``).
        contexts: passage id → :class:`ui.service.Context` (``before``, ``passage``, ``after``).
        question: the question as typed (its words are marked in the passages).
        turn: the answer's number in its conversation (card ids are ``pq-src-<turn>-<n>``).
        documents: doc id → ``planqa docs --json`` object (issuer and year for the card's head).
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
    docs = documents or {}
    cards = [
        _card(c, turn, docs.get(c.get("doc_id", "")), highlight_html(c["text"], question, agencies),
              contexts.get(c.get("passage_id", "")))
        for c in citations
    ]  # fmt: skip
    return "".join(cards)


def conversation_sources_html(
    turns: Sequence[Mapping[str, Any]], contexts: Mapping[str, Any],
    documents: Mapping[str, Mapping[str, Any]] | None = None, *, active: int | None = None,
) -> str:  # fmt: skip
    """The sources panel of a whole conversation: one section per answer, the ``active`` one shown (the last
    by default). A click on an answer or on one of its [n] shows that answer's section (script in
    :mod:`ui.style`); at phone width the panel is a drawer whose handle says how many sources it holds.

    Args:
        turns: the conversation's turns, oldest first (each with ``question``, ``found``, ``agencies``,
            ``citations``).
        contexts: passage id → surrounding text, for every cited passage still in the knowledge base.
        documents: doc id → document (issuer, year).
        active: the turn shown (1-based); the last when ``None``.
    """
    if not turns:
        return empty(NO_SOURCES)
    shown = active or len(turns)
    sections = []
    for k, t in enumerate(turns, 1):
        n = len(t.get("citations") or [])
        head = (
            f'<div class="pq-sources-head">Nguồn của câu hỏi {k}/{len(turns)} ({n}): '
            f'<span class="pq-asked">{_e(short_title(t.get("question") or "", 90))}</span></div>'
        )
        body = sources_html(t, contexts, t.get("question") or "", turn=k, documents=documents)
        active_class = " pq-active" if k == shown else ""
        sections.append(
            f'<section class="pq-turn{active_class}" data-turn="{k}" data-count="{n}">{head}{body}</section>'
        )
    handle = (
        '<button type="button" class="pq-drawer-handle" aria-controls="pq-sources-col">'
        f"Nguồn trích dẫn ({len(turns[shown - 1].get('citations') or [])})</button>"
    )
    return handle + "".join(sections)


_CITE = re.compile(r"(?<![\\\[])\[(\d{1,3})\](?!\()")


def cite_links(answer_md: str, turn: int) -> str:
    """The answer's own [n] markers as links to their source cards (``#pq-src-<turn>-<n>``).

    Plan text in an answer has its brackets escaped (``\\[``), so only the assistant's markers match.
    """
    return _CITE.sub(lambda m: f"[\\[{m.group(1)}\\]](#pq-src-{turn}-{m.group(1)})", answer_md)


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
