"""The assistant: question (+ conversation) → query plan → records and passages → cited answer.

``Assistant.ask`` is what ``planqa ask``, the UI and the HTTP API call. It never invents an agency or a
figure: everything it says is a record or passage of the knowledge base, cited; when the plans do not
answer, it says "Không tìm thấy …" and shows what is closest.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from assistant import compose
from assistant._view import Cites, KbView
from assistant.answer import Answer
from assistant.conversation import Conversation, Turn
from assistant.evidence import mentions_year_figure, terms
from assistant.query import QueryPlan, understand
from assistant.scope import Scope, facets_of, scope_for
from index_store.protocols import Filters, Hit
from index_store.retriever import rrf
from ingest.textnorm import fold

MAX_QUESTION_CHARS = 2000
# a follow-up this short ("Còn cấp huyện?", "con muc tieu den 2025 thi sao?") is searched together with the
# turn it follows; a longer one carries its own words and only inherits the slots
_CONTEXT_TURNS = 2  # earlier questions a follow-up is searched with
_ELLIPTIC_TOPIC_WORDS = 2  # a follow-up with more topic words than this states its own topic


class Assistant:
    """Answers questions over one knowledge base.

    Args:
        store: the SQLite system of record (``index_store.Store``).
        vocab: the vocabulary (``ingest.vocab.load_vocabulary()``).
        search: hybrid retrieval, ``search(query, k=…, filters=Filters(...)) -> list[Hit]``.

    Example:
        >>> a = Assistant(kb.store, vocab, kb.search)  # doctest: +SKIP
        >>> a.ask("Cơ quan nào phụ trách chất lượng nước ở Đồng Nai?").agencies[0]
        'Sở Tài nguyên và Môi trường'
    """

    def __init__(self, store: Any, vocab: Any, search: Callable[..., Sequence[Any]]) -> None:
        self.store = store
        self.vocab = vocab
        self.search = search
        self._view: KbView | None = None
        self._lock = threading.Lock()

    def view(self) -> KbView:
        """The in-memory view of the knowledge base, reloaded after an ingest."""
        with self._lock:
            if self._view is None or self._view.signature != KbView.load_signature(self.store):
                self._view = KbView.load(self.store)
            return self._view

    def warm(self) -> None:
        """Load the knowledge base's view and run one question through every stage (segmenter, query
        embedder, evidence), so that the first question a user asks does not pay for loading."""
        self.view()
        self.ask("Cơ quan nào chủ trì cải thiện chỉ số PAPI?")

    def ask(
        self, question: str, conversation: Conversation | None = None, filters: Filters | None = None,
        qid: str | None = None,
    ) -> Answer:  # fmt: skip
        """Answer one question, as the next turn of ``conversation`` when given.

        Args:
            question: as typed: Vietnamese with or without diacritics, abbreviations, or English mixed with
                Vietnamese terms ("which agency handles PAPI Quản trị môi trường in Đồng Nai").
            conversation: earlier turns; a follow-up inherits the province, index and component.
            filters: filters chosen in the UI (province, index, agency); the question's own values win.
            qid: an id to echo in the answer (``--batch``).

        Returns:
            The cited answer; ``found`` is False when the knowledge base does not answer.
        """
        start = time.perf_counter()
        text = (question or "").strip()
        if not text:
            answer = Answer(question, "Hãy nhập một câu hỏi về các kế hoạch đã nạp.", False, "other", _filters(None))
            return _timed(answer, start, qid)
        if len(text) > MAX_QUESTION_CHARS:
            text = text[:MAX_QUESTION_CHARS]
        view = self.view()
        plan, earlier = self._understand(text, conversation, view)
        plan = _with_ui_filters(plan, filters)
        if conversation is not None:
            conversation.record(question, plan)
        answer = self._answer(plan, filters, view, earlier)
        if conversation is not None:
            conversation.cite([c.passage_id for c in answer.citations])
        return _timed(answer, start, qid)

    def retrieve(
        self, question: str, conversation: Conversation | None = None, k: int = 10, mode: str = "fused"
    ) -> list[Hit]:
        """The passages an answer to ``question`` (as the next turn of ``conversation``) is composed from,
        best first — what ``eval.retrieval_eval`` measures. The conversation is not changed."""
        view = self.view()
        plan, earlier = self._understand((question or "").strip()[:MAX_QUESTION_CHARS], conversation, view)
        retrieve = self._retriever(plan, None, scope_for(plan, view, self.vocab), view, earlier, mode)
        return retrieve(" ".join([plan.question, *plan.translations]), k)

    def _understand(
        self, text: str, conversation: Conversation | None, view: KbView
    ) -> tuple[QueryPlan, Sequence[Turn]]:
        """The question's plan as the next turn of ``conversation``, and the earlier turns it is searched
        with (none unless it is an elliptic follow-up)."""
        previous = conversation.last_plan() if conversation is not None else None
        plan = _resolve_in_kb(understand(text, self.vocab, previous), view)
        if conversation is None or previous is None:
            return plan, []
        elliptic = plan.elliptic and len(compose.topic_words(plan)) <= _ELLIPTIC_TOPIC_WORDS
        return plan, conversation.turns[-_CONTEXT_TURNS:] if elliptic else []

    def _answer(self, plan: QueryPlan, ui: Filters | None, view: KbView, earlier: Sequence[Turn]) -> Answer:
        lang = getattr(plan, "language", "vi")
        scope = scope_for(plan, view, self.vocab)
        ctx = compose.Ctx(
            plan, view, self.vocab, scope, self._retriever(plan, ui, scope, view, earlier), Cites(view), lang,
            tuple(t for turn in earlier for t in terms(turn.plan.keywords)),
            extra_weight=1.0 if len(terms(plan.keywords)) <= 2 else 0.5,
        )  # fmt: skip
        reason = self._unsupported(ctx)
        draft = compose.not_found(ctx, reason) if reason is not None else compose.compose(ctx)
        return Answer(
            plan.question, draft.text, draft.found, plan.intent, _filters(plan), draft.agencies,
            ctx.cites.as_tuple() if draft.found else (),
        )  # fmt: skip

    def _retriever(
        self, plan: QueryPlan, ui: Filters | None, scope: Scope, view: KbView, earlier: Sequence[Turn],
        mode: str = "fused",
    ) -> Callable[[str, int], list[Hit]]:  # fmt: skip
        """``retrieve(query, k)``: hybrid search within the user's filters and the question's scope,
        preferring what the question names. An elliptic follow-up ("Còn cấp huyện?", "Hạn khi nào?") is
        searched twice and fused: the question with the names the conversation gave (index, province,
        agency, component), and the conversation as one query; the passages the previous answer cited
        are fused in as a third ranking."""
        base = ui or Filters()
        flt = replace(base, docs=scope.docs) if scope.docs is not None else base
        prefer = facets_of(plan, self.vocab)

        def plain(query: str, k: int) -> list[Hit]:
            return list(self.search(query, k=k, filters=None if flt.is_empty() else flt, mode=mode, prefer=prefer))

        if not earlier:
            return plain

        names = [plan.plan_index, plan.province, plan.agency, (plan.component or "").replace(" › ", " ")]
        inherited = [n for slot, n in zip(("plan_index", "province", "agency", "component"), names, strict=True)
                     if n and slot in plan.inherited]  # fmt: skip
        previous = [pid for pid in earlier[-1].cited if pid in view.passages]

        def follow_up(query: str, k: int) -> list[Hit]:
            focused = plain(" ".join([query, *inherited]), 2 * k)
            broad = plain(" ".join([*(t.question for t in earlier), query]), 2 * k)
            hits = {h.passage.passage_id: h for h in broad} | {h.passage.passage_id: h for h in focused}
            rankings = {
                "focused": [h.passage.passage_id for h in focused],
                "broad": [h.passage.passage_id for h in broad],
            }
            if previous:
                rankings["previous"] = previous
            out = []
            for pid, score, ranks in rrf(rankings)[:k]:
                hit = hits.get(pid)
                out.append(Hit(hit.passage if hit else view.passages[pid], score, ranks))
            return out

        return follow_up

    def _unsupported(self, ctx: compose.Ctx) -> str | None:
        """Why no passage in scope can support the question, or ``None`` when some may.

        Said from the evidence, never from metadata alone: no document of the province (nor one whose
        text names it), no plan in scope that mentions the index (by any of its names), no figure stated
        for the year asked, only district plans for a question about the province's own figure.
        """
        plan, view, scope = ctx.plan, ctx.view, ctx.scope
        if not view.documents:
            return ctx.label("kb_empty")
        if scope.missing:
            return scope.missing
        known = [d for d in scope.known if d in view.documents] or (
            [] if scope.placeless else list(scope.docs or view.documents)
        )
        # a page that names no province at all ("… của tỉnh") may be about the one asked: it counts as evidence
        docs = known + [d for d in scope.placeless if d not in known]
        if plan.plan_index and plan.plan_indices and not any(self._covers(view, d, plan.plan_index) for d in docs):
            if plan.province:
                return ctx.label("no_index_of", province=plan.province, index=plan.plan_index)
            return ctx.label("no_index", index=plan.plan_index)
        figure = plan.fact_kind in ("score", "target", "rank")
        if (
            plan.intent == "fact"
            and figure
            and plan.years
            and not any(self._states_year(view, docs, plan, y) for y in plan.years)
        ):
            return ctx.label("no_year", year=plan.year)
        asks_province = "tinh " + fold(plan.province or "-") in fold(plan.question)
        levels = [view.documents[d].level for d in known]
        if asks_province and plan.fact_kind in ("rank", "score") and levels and all(lv == "huyện" for lv in levels):
            return ctx.label("district_only", province=plan.province)
        return None

    def _covers(self, view: KbView, doc_id: str, index: str) -> bool:
        """Whether a document is about ``index``: its metadata, its records, or any of its passages names it."""
        passages = view.doc_passages(doc_id)
        if index in view.documents[doc_id].indices or any(p.plan_index == index for p in passages):
            return True
        key = ("indices", doc_id)
        if key not in view.memo:  # read the text once per document
            view.memo[key] = set(self.vocab.find_indices("\n".join(p.text for p in passages)))
        return index in view.memo[key]

    def _named_indices(self, view: KbView, passage: Any) -> set[str]:
        """The indices a passage's header and text name (read once per passage and view)."""
        key = ("named", passage.passage_id)
        if key not in view.memo:
            view.memo[key] = set(self.vocab.find_indices(passage.header + " " + passage.text))
        return set(view.memo[key])

    def _states_year(self, view: KbView, docs: Sequence[str], plan: QueryPlan, year: int) -> bool:
        """Whether a plan in scope states a figure for ``year`` (a score label, or a sentence that names the
        year beside a figure — or beside a goal in words when the question asks a target, not a number —
        and is about the index asked, when one is named)."""
        wanted = set(docs)
        if any(str(year) in label for s in view.scores if s["doc_id"] in wanted for label, _ in s["values"]):
            return True
        texts = [
            p.text for d in docs for p in view.doc_passages(d)
            if not plan.plan_index or p.plan_index == plan.plan_index
            or (not p.plan_index and plan.plan_index in self._named_indices(view, p))
        ]  # fmt: skip
        words_count = "target" in plan.fact_kinds and not {"score", "rank", "count"} & set(plan.fact_kinds)
        return mentions_year_figure(texts, year, targets=words_count)


def _resolve_in_kb(plan: QueryPlan, view: KbView) -> QueryPlan:
    """Settle what the question leaves ambiguous with what the knowledge base holds.

    "tam duong" typed without diacritics names no province by itself (Tam Đường, Lai Châu or Tam Dương,
    Vĩnh Phúc); "ĐN" stands for several provinces; "KH 336" is a bare number. When exactly one reading
    matches a loaded plan, take it.
    """
    changes: dict[str, Any] = {}
    folded = f" {fold(plan.question)} "
    if not plan.province:
        held = {d.province for d in view.documents.values() if d.province}
        candidates = [p for p in getattr(plan, "province_candidates", ()) if p in held]
        if not candidates:
            names = {d.locality: d.province for d in view.documents.values() if d.locality}
            names.update({p: p for p in held})
            candidates = list(dict.fromkeys(v for k, v in names.items() if f" {fold(k)} " in folded))
        if len(candidates) == 1:
            changes["province"] = candidates[0]
    if plan.doc_number and "/" not in plan.doc_number:
        numbers = [d.doc_number for d in view.documents.values() if d.doc_number.startswith(plan.doc_number + "/")]
        if len(numbers) == 1:
            changes["doc_number"] = numbers[0]
    return replace(plan, **changes) if changes else plan


def _with_ui_filters(plan: QueryPlan, ui: Filters | None) -> QueryPlan:
    if ui is None:
        return plan
    return replace(
        plan,
        province=plan.province or ui.province,
        plan_index=plan.plan_index or ui.plan_index,
        agency=plan.agency or ui.agency,
    )


def _filters(plan: QueryPlan | None) -> dict[str, str | None]:
    if plan is None:
        return {"province": None, "plan_index": None, "component": None, "agency": None}
    return {
        "province": plan.province,
        "plan_index": plan.plan_index,
        "component": plan.component,
        "agency": plan.agency,
    }


def _timed(answer: Answer, start: float, qid: str | None) -> Answer:
    return replace(answer, elapsed_ms=(time.perf_counter() - start) * 1000, id=qid)
