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
from functools import partial
from typing import Any

from assistant import compose
from assistant._view import Cites, KbView
from assistant.answer import Answer
from assistant.conversation import Conversation
from assistant.query import QueryPlan, understand
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
        previous = conversation.last_plan() if conversation is not None else None
        view = self.view()
        plan = _resolve_in_kb(understand(text, self.vocab, previous), view)
        plan = _with_ui_filters(plan, filters)
        # an elliptic follow-up is searched with the turns it follows as context ("Còn cấp huyện?": the
        # question with the index, province and component the conversation named, fused with the whole
        # conversation); one that states its own topic is searched as it is, with the inherited filters
        search = self.search
        elliptic = len(compose.topic_words(plan)) <= _ELLIPTIC_TOPIC_WORDS
        if conversation is not None and previous is not None and plan.inherited and elliptic:
            earlier = conversation.turns[-_CONTEXT_TURNS:]
            search = _grounded(
                partial(self.search, context=tuple(t.question for t in earlier)), earlier[-1].cited, view
            )
        if conversation is not None:
            conversation.record(question, plan)
        answer = self._answer(plan, filters, view, search)
        if conversation is not None:
            conversation.cite([c.passage_id for c in answer.citations])
        return _timed(answer, start, qid)

    def _answer(self, plan: QueryPlan, ui: Filters | None, view: KbView, search: compose.Search) -> Answer:
        lang = getattr(plan, "language", "vi")
        cites = Cites(view)
        flt = Filters(
            province=plan.province, plan_index=plan.plan_index, doc=plan.doc_number,
            agency=ui.agency if ui else None, component=ui.component if ui else None,
        )  # fmt: skip
        draft = self._coverage(plan, view, lang)
        if draft is None:
            if plan.intent == "agency_lookup":
                draft = compose.agency_lookup(plan, view, search, cites, lang, flt)
            elif plan.intent == "unit_tasks" and plan.agency:
                draft = compose.unit_tasks(plan, view, search, cites, lang, flt)
            elif plan.intent == "precedent":
                draft = compose.precedent(plan, view, search, cites, lang, Filters(plan_index=plan.plan_index))
            elif plan.intent == "fact" and plan.fact_kind in ("score", "target", "rank"):
                draft = compose.score_fact(plan, view, cites, lang, search, flt) or compose.passages_answer(
                    plan, view, search, cites, lang, flt
                )
            else:
                draft = compose.passages_answer(plan, view, search, cites, lang, flt)
        return Answer(
            plan.question, draft.text, draft.found, plan.intent, _filters(plan), draft.agencies,
            cites.as_tuple() if draft.found else (),
        )  # fmt: skip

    def _coverage(self, plan: QueryPlan, view: KbView, lang: str) -> compose.Draft | None:
        """Say "not found" early when the knowledge base holds nothing for the province, index or year."""
        if not view.documents:
            return compose.not_found(plan, view, lang, "kho tài liệu trống" if lang == "vi" else "no plans loaded")
        if plan.province and not view.docs_in(plan.province):
            return compose.not_found(plan, view, lang, f"không có kế hoạch nào của {plan.province}")
        docs = view.docs_in(plan.province)
        if (
            plan.plan_index
            and not any(plan.plan_index in d.indices for d in docs)
            and not any(r.get("plan_index") == plan.plan_index for r in compose.in_scope(view, plan))
        ):
            where = f" của {plan.province}" if plan.province else ""
            return compose.not_found(plan, view, lang, f"các kế hoạch{where} không đề cập chỉ số {plan.plan_index}")
        figure = plan.fact_kind in ("score", "target", "rank")
        if plan.intent == "fact" and figure and plan.year and not compose.mentions_year(view, plan, plan.year):
            return compose.not_found(plan, view, lang, f"không có số liệu năm {plan.year}")
        asks_province = "tinh " + fold(plan.province or "-") in fold(plan.question)
        if asks_province and plan.fact_kind in ("rank", "score") and docs and all(d.level == "huyện" for d in docs):
            return compose.not_found(plan, view, lang, f"chỉ có kế hoạch cấp huyện của {plan.province}")
        return None


def _grounded(search: compose.Search, cited: Sequence[str], view: KbView) -> compose.Search:
    """``search`` with the passages the previous answer cited fused in by rank: "Chỉ tiêu là mấy cuộc, hạn
    khi nào?" after "Ai tổ chức đối thoại …?" is about the rows that answer cited."""
    previous = [pid for pid in cited if pid in view.passages]
    if not previous:
        return search

    def run(query: str, k: int = 10, **kwargs: Any) -> list[Hit]:
        hits = {h.passage.passage_id: h for h in search(query, k=k, **kwargs)}
        fused = rrf({"search": list(hits), "previous": previous})
        return [
            hits[pid] if pid in hits else Hit(view.passages[pid], score, {"previous": ranks["previous"]})
            for pid, score, ranks in fused[:k]
        ]

    return run


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
