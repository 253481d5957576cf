"""What every composer shares: the context of one question, the draft it returns, and how evidence and
records are written as markdown (plan text is data: every piece of it goes through :func:`assistant.mdtext.md`
or :func:`assistant.mdtext.escape`, so no plan reaches the page as HTML, a link or an image; bold spans on
whole words).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant._query_cues import load_cues
from assistant._view import Cites, KbView, doc_label, label
from assistant.evidence import ASKS, ROW_KINDS, Sentence, ask_of, rank_sentences, terms
from assistant.mdtext import dashes, escape, md, no_marker
from assistant.scope import Scope
from ingest.model import ROW_LABELS
from ingest.roles import COOP, LEAD
from ingest.textnorm import fold

MAX_ROWS = 24
MIN_CITATIONS = 5  # an answer cites at least this many passages when retrieval found them
SENTENCE_WIDTH = 1200  # a quoted sentence longer than this is shortened at a sentence or word boundary


@dataclass
class Draft:
    """What a composer returns: the markdown, whether the knowledge base answered, agencies named."""

    text: str
    found: bool
    agencies: tuple[str, ...] = ()


@dataclass
class Ctx:
    """Everything a composer needs for one question.

    Attributes:
        plan: the question as understood (``assistant.query.QueryPlan``).
        view: the knowledge base in memory.
        vocab: the vocabulary.
        scope: the documents the question may be answered from.
        retrieve: ``retrieve(query, k) -> list[Hit]`` within the scope and the user's filters, preferring
            what the question names, with the conversation for an elliptic follow-up.
        cites: the citations of this answer.
        lang: "vi" or "en", chosen once from the question: every label of the answer comes from
            :data:`assistant._view.LABELS` in this language (quoted text stays as written).
        extra_terms: words of the earlier turns an elliptic follow-up leans on.
        extra_weight: their weight beside the question's own words (1 when the question has almost none).
    """

    plan: Any
    view: KbView
    vocab: Any
    scope: Scope
    retrieve: Callable[[str, int], Sequence[Any]]
    cites: Cites
    lang: str = "vi"
    extra_terms: tuple[str, ...] = ()
    extra_weight: float = 0.5
    _hits: list[Any] | None = field(default=None, repr=False)
    _evidence: dict[tuple[str, int | None], list[Sentence]] = field(default_factory=dict, repr=False)

    def label(self, key: str, n: int | None = None, **values: object) -> str:
        """The words ``key`` of :data:`assistant._view.LABELS` in the answer's language (see
        :func:`assistant._view.label`)."""
        return label(self.lang, key, n, **values)

    def t(self, vi: str, en: str) -> str:
        """One of two texts by the answer's language (prefer :meth:`label`, which keeps the words in one place)."""
        return en if self.lang == "en" else vi

    def hits(self) -> list[Any]:
        """The passages retrieved for the question (once)."""
        if self._hits is None:
            query = " ".join([self.plan.question, *self.plan.translations])
            self._hits = list(self.retrieve(query, 12))
        return self._hits

    def evidence(self, ask: str | None = None, year: int | None = None) -> list[Sentence]:
        """The sentences of the retrieved passages, best first, for what the question asks (about ``year``,
        by default the first year the question names)."""
        ask = ask or ask_of(self.plan.intent, self.plan.fact_kind)
        year = year or self.plan.year
        if (ask, year) not in self._evidence:
            self._evidence[(ask, year)] = rank_sentences(
                self.hits(), self.query_terms(), ask, self.vocab, extra_terms=self.extra_terms,
                extra_weight=self.extra_weight, year=year, named=self.named_documents(),
            )  # fmt: skip
        return self._evidence[(ask, year)]

    def named_documents(self) -> list[str]:
        """Document numbers the question names ("Thông báo 277/TB-UBND")."""
        return [m.group(0) for m in re.finditer(r"\b\d{1,5}/(?:(?:19|20)\d\d/)?[A-ZĐ][\w&-]*", self.plan.question)]

    def query_terms(self) -> list[str]:
        """The question's words that choose sentences: its content words without the place it names (the
        place decides the scope; as words it would favour any sentence that repeats it)."""
        place = set(terms([self.plan.province or "", self.plan.locality or ""]))
        return [t for t in terms(self.plan.keywords) if t not in place]

    def evidence_of(self, hits: Sequence[Any], ask: str, limit: int = 40) -> list[Sentence]:
        """The sentences of these passages (not the retrieved ones), best first."""
        return rank_sentences(
            hits, self.query_terms(), ask, self.vocab, extra_terms=self.extra_terms,
            extra_weight=self.extra_weight, year=self.plan.year, limit=limit, named=self.named_documents(),
        )  # fmt: skip

    def known(self, doc_id: str) -> bool:
        """Whether a document is known to be about what the question names."""
        return doc_id in self.scope.known


# -- small helpers ---------------------------------------------------------------------------------------
def md_label(doc: Any, lang: str = "vi") -> str:
    """A document's label (:func:`assistant._view.doc_label`) as markdown text."""
    return md(doc_label(doc, lang))


def md_names(agencies: Sequence[str], sep: str = "; ") -> str:
    """Agency names as they were read, as markdown text."""
    return sep.join(md(a) for a in agencies)


def shorten(text: str, width: int) -> str:
    """``text`` on one line, at most about ``width`` characters: cut after the last sentence (". ", "; ")
    in the second half of the room, else at the last space, and ended with " …"; never inside a word (a
    text with no space to cut at stays whole).

    Example:
        >>> shorten("Tăng cường kiểm tra. Xử lý nghiêm các trường hợp vi phạm", 30)
        'Tăng cường kiểm tra. …'
    """
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    room = flat[: max(1, width - 2)]
    end = max(room.rfind(". "), room.rfind("; "))
    if end >= width // 2:
        return room[: end + 1] + " …"
    space = room.rfind(" ")
    if space <= 0:
        return flat
    return room[:space].rstrip(" ,;:-–") + " …"


_CUT_WORD = re.compile(r"\s*[^\s.…]+…$")  # "… được giao, tạ…": a word cut where ingestion shortened a heading


def md_location(location: str) -> str:
    """A location ("Phụ lục 11 › I. Chỉ số PAPI › 4") as markdown text; a heading that ingestion shortened
    in the middle of a word ("… các nhiệm vụ được giao, tạ…") loses the partial word: "… được giao …"."""
    parts = [_CUT_WORD.sub("", p).rstrip(" ,;:-–") + " …" if _CUT_WORD.search(p) else p for p in location.split(" › ")]
    return md(" › ".join(parts))


def place(ctx: Ctx, passage: Any) -> str:
    """Where a passage stands, as markdown: its location, or the name of the plan's part it is in the
    answer's language (the document card, the signature block, a footnote)."""
    if passage.kind in ("document", "signature", "footnote"):
        return ctx.label({"document": "document_card"}.get(passage.kind, passage.kind))
    return md_location(passage.location) if passage.location else md_label(doc_of(ctx, passage), ctx.lang)


def doc_of(ctx: Ctx, passage: Any) -> Any:
    """The document a passage is from (``None`` when the view no longer holds it)."""
    return ctx.view.documents.get(passage.doc_id)


def in_scope(ctx: Ctx, rows: Sequence[dict[str, Any]] | None = None, by_index: bool = True) -> list[dict[str, Any]]:
    """Records of the documents in scope (and of the plan index the question names, when ``by_index``)."""
    rows = ctx.view.assignments if rows is None else rows
    docs, idx = ctx.scope.docs, ctx.plan.plan_index
    return [
        r
        for r in rows
        if (docs is None or r["doc_id"] in docs) and (not by_index or not idx or r.get("plan_index") == idx)
    ]


def matches_component(row: dict[str, Any], plan: Any) -> bool:
    """Whether a record is about the plan's component (taxonomy path, or the user's own words)."""
    keys = []
    if plan.component:
        keys.append(fold(plan.component.split(" › ")[-1]))
    if plan.component_text:
        keys.append(fold(plan.component_text))
    hay = fold(" ".join(str(row.get(f) or "") for f in ("component", "target")))
    return any(k and k in hay for k in keys)


# -- rows -------------------------------------------------------------------------------------------------
# A row (an assignment, a score) is shown the same way wherever an answer shows one: a list item with its
# title, then each field on a line of its own inside the item, the agencies and the deadline last:
#
#   - **Cung ứng dịch vụ hành chính công › Tiếp cận dịch vụ** [3]
#     Chỉ tiêu/kết quả: Tăng tỷ lệ hài lòng …
#     Nhiệm vụ/giải pháp: Đầu tư cơ sở vật chất …
#     Chủ trì: Văn phòng UBND tỉnh · Phối hợp: … · Thời gian: Thường xuyên
#
# Lines end with a hard break ("  "), so every renderer keeps them apart; the labels are plain text, so
# a Word export (which reads only **bold**) shows them as they are.
_FIELD_OF = {text: key for key, text in ROW_LABELS.items()}
_FIELD_RE = re.compile("^(" + "|".join(map(re.escape, ROW_LABELS.values())) + r")\s*:\s*")
_OWN_LABEL_RE = re.compile(r"^[^\W\d_][^:\n]{0,40}:\s")  # a table's own label line ("Năm 2023: …")
_TAIL = ("lead", "coop", "deadline")


def row_item(ctx: Ctx, title: str, fields: Sequence[tuple[str, str]], cite: str, source: str = "") -> str:
    """One row as a list item: ``title`` (markdown) with its ``source`` and citation, then its fields.

    Args:
        ctx: the question (the answer's language gives the field labels).
        title: the row's title as markdown ("**Quản trị môi trường › Chất lượng nước**").
        fields: ``(key, markdown)`` pairs: "target", "tasks" each get a line, "lead", "coop", "deadline"
            share the last line; a key "" is a line of the table's own ("Năm 2023: 2.99/10.00"), shown as is.
        cite: the citation ("[3]").
        source: the document (markdown), when the row is shown apart from its document's heading.
    """
    head = f"- {title}" + (f" — *{source}*" if source else "") + (f" {cite}" if cite else "")
    lines = [head]
    body = [(k, v) for k, v in fields if v and k not in _TAIL]
    lines += [f"  {ctx.label(k)}: {v}" if k else f"  {no_marker(v)}" for k, v in body]
    tail = [f"{ctx.label(k)}: {v}" for key in _TAIL for k, v in fields if k == key and v]
    if tail:
        lines.append("  " + " · ".join(tail))
    return "  \n".join(lines)


def row_line(row: dict[str, Any], ctx: Ctx, with_agency: bool = False, but: str = "") -> str:
    """An assignment record as a row item (:func:`row_item`), cited.

    Args:
        row: the record (``Store.assignments()``).
        ctx: the question.
        with_agency: name its lead agencies (when the answer does not group rows by them).
        but: the agency the rows are grouped under; its rows name their lead only when it is another.
    """
    title = (
        f"**{md(row['component'])}**" if (row.get("component") or "").strip() else f"*{md_location(row['location'])}*"
    )
    lead = row.get("lead") or []
    show_lead = with_agency or (but and [fold(a) for a in lead] != [fold(but)])
    fields = [
        ("target", md(row.get("target") or "")),
        ("tasks", md(dashes(row.get("tasks") or ""))),
        ("lead", md_names(lead, ", ") if show_lead else ""),
        ("coop", md_names(row.get("coop") or [], ", ")),
        ("deadline", md(row.get("deadline") or "")),
    ]
    return row_item(ctx, title, fields, ctx.cites.cite_record(row["record_id"]))


def row_fields(text: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The title lines and the fields of a table row's passage (one field a line, "Chỉ tiêu/kết quả: …",
    see ``ingest.model.ROW_LABELS``): ``(title_lines, [(key, text)])`` with the key of each labelled field
    and "" for a line of the table's own ("Năm 2023: …"); a line that starts no field continues the last.

    Example:
        >>> row_fields("2. Y tế công lập\\nNhiệm vụ/giải pháp: - Đầu tư\\n- Chỉ đạo\\nThời gian: Thường xuyên")
        (['2. Y tế công lập'], [('tasks', '- Đầu tư - Chỉ đạo'), ('deadline', 'Thường xuyên')])
    """
    title: list[str] = []
    fields: list[tuple[str, str]] = []
    for n, line in enumerate(x.strip() for x in text.split("\n")):
        if not line:
            continue
        m = _FIELD_RE.match(line)
        if m:
            fields.append((_FIELD_OF[m.group(1)], line[m.end() :]))
        elif _OWN_LABEL_RE.match(line) and n > 0:
            fields.append(("", line))
        elif not fields:
            title.append(line)
        else:
            key, said = fields[-1]
            fields[-1] = (key, f"{said} {line}")
    return title, fields


def passage_item(
    ctx: Ctx, passage: Any, text: str, cite: str, ask: str = "other", names: Sequence[str] = (),
    source: bool = True, lead_in: str = "", width: int = SENTENCE_WIDTH,
) -> str:  # fmt: skip
    """A piece of evidence as one list item: a whole table row as a row (:func:`row_item`), any other
    sentence as a line with what answers in bold, shortened at a word boundary when longer than ``width``.

    Args:
        ctx: the question.
        passage: the passage the text is from.
        text: the sentence (the whole passage text for a row).
        cite: its citation ("[2]").
        ask: what the question asks (:func:`assistant.evidence.ask_of`): what to set in bold.
        names: agencies to set in bold.
        source: name the document after it.
        lead_in: the line that governs the sentence ("14. Báo Đồng Nai"), shown before it.
        width: the longest sentence shown whole.
    """
    where = escape(doc_label(doc_of(ctx, passage), ctx.lang)) if source else ""
    if passage.kind in ROW_KINDS and text.strip() == passage.text.strip():
        lines, fields = row_fields(text)
        title = f"**{md(passage.component)}**" if passage.component else f"**{md(' › '.join(lines))}**"
        if not lines and not passage.component:
            title = f"*{place(ctx, passage)}*"
        shown = [(k, _highlight(v, ask, names, width=0)) for k, v in fields]
        return row_item(ctx, title, shown, cite, where)
    lead = f"*{escape(shorten(lead_in, 200))}* … " if lead_in else ""
    body = no_marker(_highlight(text, ask, names, width))
    return f"- {lead}{body}" + (f" — *{where}*" if where else "") + f" {cite}"


def _highlight(text: str, ask: str, agencies: Sequence[str] = (), width: int = SENTENCE_WIDTH) -> str:
    """A sentence as markdown with what answers the question in bold (figures, dates, documents, agencies);
    a bold span always covers whole words, so "31/12/2024" stays one word for a reader and a search. A
    sentence longer than ``width`` (0: no limit) is shortened at a word boundary (:func:`shorten`)."""
    body = shorten(dashes(text), width) if width else " ".join(dashes(text).split())
    spans: list[tuple[int, int]] = []
    pattern = ASKS.get(ask)
    if pattern is not None:
        spans += [m.span() for m in pattern.finditer(body)]
    folded = fold(body)
    for name in agencies:
        pos = folded.find(fold(name))
        if pos >= 0 and len(fold(name)) == len(name):
            spans.append((pos, pos + len(name)))
    out, last = [], 0
    for s, e in sorted(spans):
        while s > 0 and not body[s - 1].isspace():
            s -= 1
        while e < len(body) and not body[e].isspace():
            e += 1
        if s < last or e <= s:
            continue
        word = body[s:e]
        lead = len(word) - len(word.lstrip("([“\"'"))
        tail = len(word) - len(word.rstrip(".,;:)]”\"'"))
        core = word[lead : len(word) - tail]
        if not core:
            continue
        out += [escape(body[last : s + lead]), "**", escape(core), "**"]
        last = e - tail
    out.append(escape(body[last:]))
    return "".join(out)


def _evidence_lines(ctx: Ctx, picked: Sequence[Sentence], ask: str, source: bool = True) -> list[str]:
    """The sentences as list items (:func:`passage_item`), each cited, agencies with a role in bold."""
    return [
        passage_item(
            ctx,
            s.passage,
            s.text,
            ctx.cites.cite(s.passage, s.hit.score),
            ask,
            [r.agency for r in s.roles if r.role in (LEAD, COOP)],
            source,
            s.lead_in,
        )  # fmt: skip
        for s in picked
    ]


def _pick(sentences: Sequence[Sentence], n: int, per_passage: int = 1, floor: float = 0.35) -> list[Sentence]:
    """The best ``n`` sentences, at most ``per_passage`` from one passage, none far below the best."""
    if not sentences:
        return []
    best = sentences[0].score
    out: list[Sentence] = []
    used: dict[str, int] = {}
    said: set[str] = set()
    for s in sentences:
        if len(out) >= n or s.score < floor * best:
            break
        pid, key = s.passage.passage_id, fold(s.text)
        if used.get(pid, 0) >= per_passage or key in said:
            continue
        said.add(key)
        used[pid] = used.get(pid, 0) + 1
        out.append(s)
    return out


def more_citations(ctx: Ctx, n: int = MIN_CITATIONS) -> list[str]:
    """Cite the next best retrieved passages until the answer cites ``n`` (the rest of the evidence)."""
    extra = []
    for h in ctx.hits():
        if len(ctx.cites.items) >= n:
            break
        if h.passage.passage_id in {c.passage_id for c in ctx.cites.items}:
            continue
        extra.append(f"{ctx.cites.cite(h.passage, h.score)} {place(ctx, h.passage)}")
    if not extra:
        return []
    return ["\n\n" + f"*{ctx.label('see_also')}:* " + "; ".join(extra)]  # a paragraph, not the last item's line


def topic_words(plan: Any) -> list[str]:
    """The question's keywords that are not the province, the index, a year or a figure word
    ("tổng", "thành phần": see ``[figures]`` in intents.toml)."""
    named = set(fold(f"{plan.province or ''} {plan.plan_index or ''}").split())
    cues = load_cues()
    figure = {w for phrase in (*cues.figure_words, *cues.component_words) for w in phrase.split()}
    added = set(map(fold, getattr(plan, "translations", ())))  # the glossary's words are no topic of the asker's
    return [
        w for w in map(fold, plan.keywords) if w not in named and w not in figure and w not in added and not w.isdigit()
    ]


def not_found(ctx: Ctx, reason: str = "") -> Draft:
    """ "Không tìm thấy …" with what the knowledge base does hold."""
    view = ctx.view
    have = "; ".join(
        f"{md_label(d, ctx.lang)}: {md_names(d.indices, ', ')}" if d.indices else md_label(d, ctx.lang)
        for d in view.documents.values()
    )
    text = ctx.label("not_found")
    if reason:
        text += f" ({md(reason)})"  # it names what the question or a filter named, as typed
    text += "."
    if have:
        text += "\n\n" + ctx.label("available", have=have)
    return Draft(text, False, ())
