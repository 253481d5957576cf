"""Compose an answer from records and evidence sentences; one composer per intent, chosen from a table.

Records are the precise path when ingestion read the shape (an appendix row, a "Cơ quan chủ trì" column,
a prose assignment); evidence is the path every answer can take: the sentences of the retrieved passages
that answer what the question asks (:mod:`assistant.evidence`). An answer opens with the direct answer in
one line (the agencies, the date, the figure, the documents, the signer), then the cited sentences; the
whole passage is behind each citation. Every statement carries its citation number; when no passage in
scope supports the question, the answer says "Không tìm thấy …" and what is closest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant._query_cues import load_cues
from assistant._view import Cites, KbView, doc_label, unique
from assistant.evidence import ASKS, DOCREF_RE, Sentence, ask_of, rank_sentences, terms
from assistant.scope import Scope
from ingest.roles import COOP, LEAD
from ingest.textnorm import fold

Search = Callable[..., Sequence[Any]]  # search(query, k=…, filters=Filters(...)) -> list[Hit]
MAX_ROWS = 24
MIN_CITATIONS = 5  # an answer cites at least this many passages when retrieval found them
_MD_SPECIAL = re.compile(r"([*_`\[\]<>#|])")


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
def md(text: str) -> str:
    """Plan text as markdown text (never markup): one line, markdown characters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


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
        parts.append(", ".join(row["lead"]))
    if row.get("target"):
        parts.append(t("Chỉ tiêu: ", "Target: ") + _cut(row["target"], 1500))
    if row.get("tasks"):
        parts.append(t("Nhiệm vụ: ", "Tasks: ") + _cut(row["tasks"], 1500))
    if row.get("coop"):
        parts.append(t("Phối hợp: ", "Coordinating: ") + ", ".join(row["coop"]))
    if row.get("deadline"):
        parts.append(t("Thời hạn: ", "Deadline: ") + md(row["deadline"]))
    return "- " + " — ".join(parts) + " " + ctx.cites.cite_record(row["record_id"])


def _escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


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
        out += [_escape(body[last : s + lead]), "**", _escape(core), "**"]
        last = e - tail
    out.append(_escape(body[last:]))
    return "".join(out)


def _evidence_lines(ctx: Ctx, picked: Sequence[Sentence], ask: str) -> list[str]:
    lines = []
    for s in picked:
        names = [r.agency for r in s.roles if r.role in (LEAD, COOP)]
        lead = f"*{_escape(_flat(s.lead_in, 200))}* … " if s.lead_in else ""
        source = doc_label(ctx.view.documents.get(s.passage.doc_id))
        cite = ctx.cites.cite(s.passage, s.hit.score)
        lines.append(f"- {lead}{_highlight(s.text, ask, names)} — *{_escape(source)}* {cite}")
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


# -- composers -------------------------------------------------------------------------------------------
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
        lines.append(ctx.t("**Cơ quan chủ trì:** ", "**Lead agencies:** ") + "; ".join(leads))
    if coops:
        lines.append(ctx.t("**Cơ quan phối hợp:** ", "**Coordinating agencies:** ") + "; ".join(coops))
    lines.append("\n" + ctx.t("**Căn cứ:**", "**Evidence:**"))
    lines += _evidence_lines(ctx, picked, "who")
    others = [s for s in _pick(ev, 4) if s not in picked][:2]
    if others:
        lines.append("\n" + ctx.t("**Đoạn liên quan:**", "**Related passages:**"))
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
    lines = [ctx.t("**Cơ quan chủ trì:** ", "**Lead agencies:** ") + "; ".join(leads)]
    if coops:
        lines.append(ctx.t("**Cơ quan phối hợp:** ", "**Coordinating agencies:** ") + "; ".join(coops))
    for lead in leads:
        mine = [r for r in rows if lead in r["lead"]]
        for doc_id in unique([r["doc_id"] for r in mine]):
            of_doc = [r for r in mine if r["doc_id"] == doc_id]
            where = of_doc[0]["location"].split(" › ")[0]
            lines.append(f"\n**{lead}** — {doc_label(ctx.view.documents.get(doc_id))}, {md(where)}:")
            lines.extend(row_line(r, ctx) for r in of_doc)
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
        lines = [ctx.t(f"**{plan.agency}** được giao:", f"**{plan.agency}** is assigned:")]
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
    plan = ctx.plan
    docs = unique([r["doc_id"] for r in rows])
    places = unique([doc_label(ctx.view.documents.get(d)) for d in docs])
    lines: list[str] = []
    if len(docs) > 1 and not plan.province and not plan.doc_number:
        lines.append(
            ctx.t(
                f"**{plan.agency}** có nhiệm vụ trong {len(docs)} kế hoạch: {'; '.join(places)}. "
                "Hãy nói rõ nơi (tỉnh, huyện) để thu hẹp; dưới đây là từng kế hoạch.",
                f"**{plan.agency}** has tasks in {len(docs)} plans: {'; '.join(places)}. Name the place to narrow it.",
            )
        )
    for doc_id in docs:
        mine = [r for r in rows if r["doc_id"] == doc_id]
        shown = mine[:MAX_ROWS]
        cut = (
            ctx.t(f" (hiển thị {len(shown)}/{len(mine)})", f" (showing {len(shown)}/{len(mine)})")
            if len(mine) > len(shown)
            else ""
        )
        label = doc_label(ctx.view.documents.get(doc_id))
        lines.append(
            ctx.t(
                f"\n**{plan.agency}** — {label}: {len(mine)} nhiệm vụ{cut}",
                f"\n**{plan.agency}** — {label}: {len(mine)} rows{cut}",
            )
        )
        for index in dict.fromkeys(r.get("plan_index") or "" for r in shown):  # rows of no index too
            group = [r for r in shown if (r.get("plan_index") or "") == index]
            lines.append(f"\n**{index or ctx.t('Chung', 'General')}**")
            lines.extend(row_line(r, ctx) for r in group)
    # what the rows leave out: sentences elsewhere that give it a role
    held = {r["record_id"] for r in rows}
    extra = [s for s in more if s.passage.record_id not in held and s.passage.doc_id in docs]
    extra = _pick(extra, 3, per_passage=1, floor=0.3)
    if extra:
        lines.append(
            "\n" + ctx.t(f"**Các đoạn khác giao cho {plan.agency}:**", f"**Other passages assigning {plan.agency}:**")
        )
        lines += _evidence_lines(ctx, extra, "tasks")
    return Draft("\n".join(lines).lstrip("\n"), True, (plan.agency,))


def _no_task(ctx: Ctx) -> Draft:
    """ "Kế hoạch X không giao nhiệm vụ nào cho Y", then what is closest: Y in other plans, and who
    handles the question's topic in the plans in scope."""
    plan, view = ctx.plan, ctx.view
    docs = [view.documents[d] for d in (ctx.scope.docs or view.documents) if d in view.documents]
    known = [d for d in docs if ctx.known(d.doc_id)] or docs
    names = "; ".join(doc_label(d) for d in known[:4]) or ctx.t("các kế hoạch đã nạp", "the loaded plans")
    text = ctx.t(
        f"Không tìm thấy nhiệm vụ nào giao cho **{plan.agency}** trong {names}.",
        f"Not found: {names} assign no task to **{plan.agency}**.",
    )
    key = fold(plan.agency)
    elsewhere = unique(
        [doc_label(view.documents.get(r["doc_id"])) for r in view.assignments
         if any(fold(a) == key for a in (r.get("lead") or []) + (r.get("coop") or []))
         and r["doc_id"] not in {d.doc_id for d in known}]
    )  # fmt: skip
    if elsewhere:
        text += ctx.t(
            f"\n\nGần nhất: {plan.agency} có nhiệm vụ trong {'; '.join(elsewhere[:4])}.",
            f"\n\nClosest: {plan.agency} has tasks in {'; '.join(elsewhere[:4])}.",
        )
    topic = [
        r
        for r in in_scope(ctx)
        if r.get("lead") and (plan.component or plan.component_text) and matches_component(r, plan)
    ]
    if topic:
        leads = unique([a for r in topic for a in r["lead"]])
        where = "; ".join(unique([f"{doc_label(view.documents.get(r['doc_id']))}, {r['location']}" for r in topic[:3]]))
        text += ctx.t(
            f"\n\nNội dung này do {', '.join(leads)} chủ trì ({where}).",
            f"\n\nThis topic is led by {', '.join(leads)} ({where}).",
        )
    return Draft(text, False, ())


def precedent(ctx: Ctx) -> Draft:
    """What the plans do about X: the best sentences of each plan, side by side, grouped by plan."""
    ev = [s for s in ctx.evidence("solutions") if s.passage.kind not in ("document", "signature")]
    if not ev:
        return not_found(ctx)
    lines = [ctx.t("Các giải pháp trong các kế hoạch đã nạp:", "Solutions in the loaded plans:")]
    picked = _pick(ev, 12, per_passage=2, floor=0.25)
    for doc_id in unique([s.passage.doc_id for s in picked])[:5]:
        mine = [s for s in picked if s.passage.doc_id == doc_id][:3]
        lines.append(f"\n**{doc_label(ctx.view.documents.get(doc_id))}**")
        lines += [f"- {_cut(s.text, 700)} {ctx.cites.cite(s.passage, s.hit.score)}" for s in mine]
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
        lines += [direct, "\n" + ctx.t("**Căn cứ:**", "**Evidence:**")]
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
        return ctx.t("**Văn bản:** ", "**Documents:** ") + "; ".join(md(r) for r in refs) if refs else ""
    pattern = ASKS.get(ask)
    if pattern is None:
        return ""
    found = unique([m.group(0).strip() for m in pattern.finditer(picked[0].text)])[:4]
    if not found:
        return ""
    label = {"when": ctx.t("**Thời hạn:** ", "**When:** "), "figure": ctx.t("**Số liệu:** ", "**Figures:** "),
             "frequency": ctx.t("**Định kỳ:** ", "**How often:** ")}.get(ask, "")  # fmt: skip
    return label + "; ".join(md(x) for x in found) if label else ""


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
        parts = [
            ctx.t("Số hiệu ", "Number ") + f"**{md(d.doc_number)}**" if any(c.isdigit() for c in d.doc_number) else ""
        ]
        parts.append(ctx.t("ban hành ngày ", "issued on ") + f"**{md(d.issue_date)}**" if d.issue_date else "")
        parts.append(ctx.t("người ký ", "signed by ") + f"**{md(d.signer)}**" if d.signer else "")
        facts = ", ".join(p for p in parts if p)
        if facts:
            lines.append(f"- {doc_label(d)}: {facts} {ctx.cites.cite(card) if card else ''}".rstrip())
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
            f"- **{md(d.signer)}**" + (f" — {md(title)}" if title else "") + f" — {doc_label(d)} {cite}".rstrip()
        )
    return Draft(ctx.t("**Người ký:**\n", "**Signed by:**\n") + "\n".join(lines), True, ())


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
        name = md(s.get("component") or s.get("location") or "")
        lines.append(f"- {s.get('plan_index')} › {name}: {values} {ctx.cites.cite_record(s['record_id'])}")
    # the goal sentence next to the figures ("nằm trong nhóm … trung bình cao")
    shown = {s["record_id"] for s in picked}
    extra = [h for h in ctx.hits() if h.passage.kind != "score" and h.passage.record_id not in shown][:2]
    if extra:
        lines.append("\n" + ctx.t("**Đoạn liên quan:**", "**Related passages:**"))
        lines.extend(f"- {_cut(h.passage.text, 900)} {ctx.cites.cite(h.passage, h.score)}" for h in extra)
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
    lines = [
        ctx.t("**Thời hạn:** ", "**Deadlines:** ") + "; ".join(md(d) for d in unique([r["deadline"] for r in rows])[:6])
    ]
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
        label = doc_label(view.documents.get(doc_id))
        lines = [ctx.t(f"**{plan.plan_index}** có **{len(rows)}** {name} (theo bảng điểm của {label}):",
                       f"**{plan.plan_index}** has **{len(rows)}** parts (from the score table of {label}):")]  # fmt: skip
        lines += [f"{n}. {md(s.get('component') or s.get('location') or '')} {ctx.cites.cite_record(s['record_id'])}"
                  for n, s in enumerate(rows, start=1)]  # fmt: skip
        return Draft("\n".join(lines), True, ())
    return None


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
    added = set(map(fold, getattr(plan, "translations", ())))  # the glossary's words are no topic of the asker's
    return [
        w for w in map(fold, plan.keywords) if w not in named and w not in figure and w not in added and not w.isdigit()
    ]


def not_found(ctx: Ctx, reason: str = "") -> Draft:
    """ "Không tìm thấy …" with what the knowledge base does hold."""
    view = ctx.view
    have = "; ".join(
        f"{doc_label(d)}: {', '.join(d.indices)}" if d.indices else doc_label(d) for d in view.documents.values()
    )
    text = ctx.t("Không tìm thấy trong các kế hoạch đã nạp", "Not found in the loaded plans")
    if reason:
        text += f" ({reason})"
    text += "."
    if have:
        text += ctx.t(f"\n\nCác kế hoạch hiện có: {have}.", f"\n\nPlans available: {have}.")
    return Draft(text, False, ())


COMPOSERS: dict[str, Callable[[Ctx], Draft]] = {
    "agency_lookup": agency_lookup,
    "unit_tasks": unit_tasks,
    "precedent": precedent,
    "fact": fact,
    "other": general,
}


def compose(ctx: Ctx) -> Draft:
    """The answer for the question's intent, citing at least :data:`MIN_CITATIONS` passages when found."""
    draft = COMPOSERS.get(ctx.plan.intent, general)(ctx)
    if draft.found:
        cited = {c.doc_id for c in ctx.cites.items}
        if ctx.plan.province and cited and not cited & ctx.scope.known:
            draft.text += ctx.t(
                f"\n\n*Lưu ý: văn bản được trích không ghi rõ tỉnh, thành phố; chưa khẳng định là của {ctx.plan.province}.*",
                f"\n\n*Note: the cited text does not name its province; it is not confirmed to be {ctx.plan.province}'s.*",
            )
        draft.text += "\n".join(more_citations(ctx))
    return draft
