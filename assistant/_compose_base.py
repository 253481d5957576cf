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
from assistant._view import Cites, KbView, doc_label
from assistant.evidence import ASKS, Sentence, ask_of, rank_sentences, terms
from assistant.mdtext import escape, md
from assistant.scope import Scope
from ingest.roles import COOP, LEAD
from ingest.textnorm import fold

MAX_ROWS = 24
MIN_CITATIONS = 5  # an answer cites at least this many passages when retrieval found them


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
        lang: "vi" or "en" (labels only; quoted text stays as written).
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

    def t(self, vi: str, en: str) -> str:
        """A label in the question's language."""
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
def md_label(doc: Any) -> str:
    """A document's label (:func:`assistant._view.doc_label`) as markdown text."""
    return md(doc_label(doc))


def md_names(agencies: Sequence[str], sep: str = "; ") -> str:
    """Agency names as they were read, as markdown text."""
    return sep.join(md(a) for a in agencies)


def _flat(text: str, width: int = 1500) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _cut(text: str, width: int) -> str:
    return md(_flat(text, width))


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


def row_line(row: dict[str, Any], ctx: Ctx, with_agency: bool = False) -> str:
    """One record as a bullet: component — target — tasks — deadline [n]."""
    t = ctx.t
    parts = [f"**{md(row['component'])}**" if (row.get("component") or "").strip() else f"*{md(row['location'])}*"]
    if with_agency and row.get("lead"):
        parts.append(md_names(row["lead"], ", "))
    if row.get("target"):
        parts.append(t("Chỉ tiêu: ", "Target: ") + _cut(row["target"], 1500))
    if row.get("tasks"):
        parts.append(t("Nhiệm vụ: ", "Tasks: ") + _cut(row["tasks"], 1500))
    if row.get("coop"):
        parts.append(t("Phối hợp: ", "Coordinating: ") + md_names(row["coop"], ", "))
    if row.get("deadline"):
        parts.append(t("Thời hạn: ", "Deadline: ") + md(row["deadline"]))
    return "- " + " — ".join(parts) + " " + ctx.cites.cite_record(row["record_id"])


def _highlight(text: str, ask: str, agencies: Sequence[str] = ()) -> str:
    """A sentence as markdown with what answers the question in bold (figures, dates, documents, agencies);
    a bold span always covers whole words, so "31/12/2024" stays one word for a reader and a search."""
    body = _flat(text, 1000)
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


def _evidence_lines(ctx: Ctx, picked: Sequence[Sentence], ask: str) -> list[str]:
    lines = []
    for s in picked:
        names = [r.agency for r in s.roles if r.role in (LEAD, COOP)]
        lead = f"*{escape(_flat(s.lead_in, 200))}* … " if s.lead_in else ""
        source = doc_label(ctx.view.documents.get(s.passage.doc_id))
        cite = ctx.cites.cite(s.passage, s.hit.score)
        lines.append(f"- {lead}{_highlight(s.text, ask, names)} — *{escape(source)}* {cite}")
    return lines


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
        extra.append(
            f"{ctx.cites.cite(h.passage, h.score)} {md(h.passage.location or doc_label(ctx.view.documents.get(h.passage.doc_id)))}"
        )
    if not extra:
        return []
    return ["\n" + ctx.t("*Xem thêm:* ", "*See also:* ") + "; ".join(extra)]


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
        f"{md_label(d)}: {md_names(d.indices, ', ')}" if d.indices else md_label(d) for d in view.documents.values()
    )
    text = ctx.t("Không tìm thấy trong các kế hoạch đã nạp", "Not found in the loaded plans")
    if reason:
        text += f" ({md(reason)})"  # it names what the question or a filter named, as typed
    text += "."
    if have:
        text += ctx.t(f"\n\nCác kế hoạch hiện có: {have}.", f"\n\nPlans available: {have}.")
    return Draft(text, False, ())
