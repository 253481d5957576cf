"""A read-only, in-memory view of the knowledge base for answering: documents, records, passages.

Loaded once from the SQLite system of record and reloaded when it changes (a new ingest), so one
question costs dictionary look-ups, not queries.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.answer import Citation
from ingest.model import Document, Passage
from ingest.textnorm import fold


@dataclass
class KbView:
    """Documents, assignment and score records and passages of a knowledge base."""

    documents: dict[str, Document]
    assignments: list[dict[str, Any]]
    scores: list[dict[str, Any]]
    passages: dict[str, Passage]
    by_record: dict[str, Passage]
    signature: tuple[Any, ...] = ()
    # a record stated in a paragraph group cut into several passages: all of them, in document order
    record_chunks: dict[str, list[Passage]] = field(default_factory=dict)
    memo: dict[Any, Any] = field(default_factory=dict)  # per-view caches (folded document texts, …)

    @classmethod
    def load(cls, store: Any) -> KbView:
        """Read everything answering needs from a ``Store``."""
        docs = {d.doc_id: d for d in store.documents()}
        passages = {p.passage_id: p for p in store.passages()}
        by_record: dict[str, Passage] = {}
        chunks: dict[str, list[Passage]] = {}
        for p in passages.values():
            if p.record_id and (p.record_id not in by_record or p.kind in ("assignment", "score")):
                by_record[p.record_id] = p
            if p.record_id and p.kind == "prose":
                chunks.setdefault(p.record_id, []).append(p)
        chunks = {rid: sorted(ps, key=lambda p: p.span) for rid, ps in chunks.items() if len(ps) > 1}
        signature = cls.load_signature(store)
        return cls(docs, store.assignments(), store.scores(), passages, by_record, signature, chunks)

    @staticmethod
    def load_signature(store: Any) -> tuple[Any, ...]:
        """What changes when the knowledge base changes (see ``Store.version``)."""
        return tuple(store.version())

    def doc_passages(self, doc_id: str) -> list[Passage]:
        """The passages of one document, in document order."""
        by_doc = self.memo.get("by_doc")
        if by_doc is None:
            by_doc = {}
            for p in self.passages.values():
                by_doc.setdefault(p.doc_id, []).append(p)
            for ps in by_doc.values():
                ps.sort(key=lambda p: (p.span, p.location))
            self.memo["by_doc"] = by_doc
        return list(by_doc.get(doc_id, ()))

    def doc_text(self, doc_id: str) -> str:
        """The folded text of a document's passages (headers included), with spaces around, cached."""
        key = ("text", doc_id)
        if key not in self.memo:
            body = " ".join(f"{p.header} {p.text}" for p in self.doc_passages(doc_id))
            self.memo[key] = " " + " ".join(re.findall(r"\w+", fold(body))) + " "
        return str(self.memo[key])

    def record(self, record_id: str) -> dict[str, Any] | None:
        """The assignment or score record with this id (``None`` when there is none)."""
        by_id = self.memo.get("records")
        if by_id is None:
            by_id = {r["record_id"]: r for r in (*self.scores, *self.assignments)}
            self.memo["records"] = by_id
        found = by_id.get(record_id)
        return dict(found) if found is not None else None

    def record_passages(self, record_id: str) -> list[Passage]:
        """The passages that hold a record: its own, else (a record read from a paragraph group that holds
        several) the passage of its document at its location that states it (else the first there)."""
        own = self.record_chunks.get(record_id)
        if own and self.by_record.get(record_id) in own:
            return list(own)
        if record_id in self.by_record:
            return [self.by_record[record_id]]
        rec = self.record(record_id)
        if rec is None or not rec.get("location"):
            return []
        at = [p for p in self.doc_passages(rec["doc_id"]) if p.location == rec["location"]]
        said = " ".join(fold(rec.get("tasks") or rec.get("target") or "").split()[:8])
        holding = [p for p in at if said and said in " ".join(fold(p.text).split())]
        return holding[:1] or at[:1]

    def doc_mentions(self, doc_id: str, name: str) -> bool:
        """Whether a document's text names ``name`` (a province, an agency), case- and accent-insensitively."""
        words = " ".join(re.findall(r"\w+", fold(name)))
        return bool(words) and f" {words} " in self.doc_text(doc_id)


@dataclass
class Cites:
    """Numbers cited passages in order of first use; citing the same passage twice reuses its number."""

    view: KbView
    items: list[Citation] = field(default_factory=list)
    _index: dict[str, int] = field(default_factory=dict)

    def cite(self, passage: Passage | None, score: float = 1.0) -> str:
        """ "[n]" for the passage (an empty string when there is none)."""
        if passage is None:
            return ""
        if passage.passage_id not in self._index:
            doc = self.view.documents.get(passage.doc_id)
            n = len(self.items) + 1
            self._index[passage.passage_id] = n
            self.items.append(
                Citation(
                    n,
                    passage.doc_id,
                    doc.source if doc else "",
                    doc.title if doc else "",
                    passage.province,
                    passage.location,
                    passage.text,
                    score,
                    doc.doc_number if doc else "",
                    passage.header,
                    passage.passage_id,
                    bool(doc and doc.ocr_pages),
                )
            )
        return f"[{self._index[passage.passage_id]}]"

    def cite_record(self, record_id: str, score: float = 1.0) -> str:
        """Cite the passages that hold a record (:meth:`KbView.record_passages`)."""
        return "".join(self.cite(p, score) for p in self.view.record_passages(record_id))

    def as_tuple(self) -> tuple[Citation, ...]:
        """The citations in number order."""
        return tuple(self.items)


# Every word an answer adds around the plans' text, once per language: an answer takes one of these
# (chosen from the question's language) and never mixes them. Plan text stays as written.
LABELS: dict[str, dict[str, str]] = {
    "vi": {
        "lead_agencies": "Cơ quan chủ trì",
        "coop_agencies": "Cơ quan phối hợp",
        "evidence": "Căn cứ",
        "related": "Đoạn liên quan",
        "see_also": "Xem thêm",
        "target": "Chỉ tiêu/kết quả",
        "tasks": "Nhiệm vụ/giải pháp",
        "deadline": "Thời gian",
        "lead": "Chủ trì",
        "coop": "Phối hợp",
        "general": "Chung",
        "rows_one": "{n} nhiệm vụ",
        "rows_other": "{n} nhiệm vụ",
        "showing": "hiển thị {shown}/{total}",
        "assigned": "**{agency}** được giao:",
        "in_plans": "**{agency}** có nhiệm vụ trong {count} kế hoạch: {places}. "
        "Hãy nói rõ nơi (tỉnh, huyện) để thu hẹp; dưới đây là từng kế hoạch.",
        "other_passages": "Các đoạn khác giao cho {agency}",
        "loaded_plans": "các kế hoạch đã nạp",
        "no_task": "Không tìm thấy nhiệm vụ nào giao cho **{agency}** trong {names}.",
        "closest_tasks": "Gần nhất: {agency} có nhiệm vụ trong {places}.",
        "topic_led_by": "Nội dung này do {leads} chủ trì ({where}).",
        "not_found": "Không tìm thấy trong các kế hoạch đã nạp",
        "available": "Các kế hoạch hiện có: {have}.",
        "unconfirmed_province": "Lưu ý: văn bản được trích không ghi rõ tỉnh, thành phố; chưa khẳng định là của "
        "{province}.",
        "solutions": "Các giải pháp trong các kế hoạch đã nạp:",
        "documents": "Văn bản",
        "when": "Thời hạn",
        "deadlines": "Thời hạn",
        "figures": "Số liệu",
        "how_often": "Định kỳ",
        "number": "Số hiệu",
        "issued_on": "ban hành ngày",
        "signed_by": "người ký",
        "signers": "Người ký",
        "parts": "**{index}** có **{count}** {name} (theo bảng điểm của {label}):",
        "plan_of": "Kế hoạch của {issuer}",
        "document_card": "Thông tin văn bản",
        "signature": "Chữ ký",
        "footnote": "Chú thích",
        "overdue": "quá hạn",
        # why nothing in the knowledge base can answer (``Assistant._unsupported``, ``scope_for``)
        "kb_empty": "kho tài liệu trống",
        "no_plan_of": "không có kế hoạch nào của {province}",
        "no_index": "các kế hoạch không đề cập chỉ số {index}",
        "no_index_of": "các kế hoạch của {province} không đề cập chỉ số {index}",
        "no_year": "không có số liệu năm {year}",
        "district_only": "chỉ có kế hoạch cấp huyện của {province}",
    },
    "en": {
        "lead_agencies": "Lead agencies",
        "coop_agencies": "Coordinating agencies",
        "evidence": "Evidence",
        "related": "Related passages",
        "see_also": "See also",
        "target": "Target/result",
        "tasks": "Tasks/solutions",
        "deadline": "Deadline",
        "lead": "Lead",
        "coop": "Coordinating",
        "general": "General",
        "rows_one": "{n} row",
        "rows_other": "{n} rows",
        "showing": "showing {shown}/{total}",
        "assigned": "**{agency}** is assigned:",
        "in_plans": "**{agency}** has tasks in {count} plans: {places}. Name the place (province, district) to "
        "narrow it; each plan follows.",
        "other_passages": "Other passages assigning {agency}",
        "loaded_plans": "the loaded plans",
        "no_task": "Not found: {names} assign no task to **{agency}**.",
        "closest_tasks": "Closest: {agency} has tasks in {places}.",
        "topic_led_by": "This topic is led by {leads} ({where}).",
        "not_found": "Not found in the loaded plans",
        "available": "Plans available: {have}.",
        "unconfirmed_province": "Note: the cited text does not name its province; it is not confirmed to be "
        "{province}'s.",
        "solutions": "Solutions in the loaded plans:",
        "documents": "Documents",
        "when": "When",
        "deadlines": "Deadlines",
        "figures": "Figures",
        "how_often": "How often",
        "number": "Number",
        "issued_on": "issued on",
        "signed_by": "signed by",
        "signers": "Signed by",
        "parts": "**{index}** has **{count}** parts (from the score table of {label}):",
        "plan_of": "Plan of {issuer}",
        "document_card": "Document details",
        "signature": "Signature",
        "footnote": "Footnote",
        "overdue": "overdue",
        "kb_empty": "no plans loaded",
        "no_plan_of": "no plan of {province} is loaded",
        "no_index": "the plans do not mention the {index} index",
        "no_index_of": "the plans of {province} do not mention the {index} index",
        "no_year": "no figures for {year}",
        "district_only": "only district plans of {province} are loaded",
    },
}


def label(lang: str, key: str, n: int | None = None, **values: object) -> str:
    """The words ``key`` in language ``lang`` ("vi", else "en"), filled with ``values``; with ``n``, the
    form for that count ("1 row", "2 rows").

    Example:
        >>> label("en", "rows", n=1), label("en", "rows", n=2), label("vi", "rows", n=2)
        ('1 row', '2 rows', '2 nhiệm vụ')
    """
    words = LABELS["en" if lang == "en" else "vi"]
    if n is not None:
        key = f"{key}_one" if n == 1 else f"{key}_other"
        values["n"] = n
    return words[key].format(**values)


def doc_label(doc: Document | None, lang: str = "vi") -> str:
    """ "336/KH-UBND (Đồng Nai)" or "Kế hoạch của Sở Giao thông vận tải (Lạng Sơn)"."""
    if doc is None:
        return ""
    name = (
        doc.doc_number
        if re.search(r"\d", doc.doc_number)
        else label(lang, "plan_of", issuer=doc.issuer)
        if doc.issuer
        else doc.source
    )
    place = ", ".join(p for p in (doc.locality, doc.province) if p)
    return f"{name} ({place})" if place else name


def unique(items: Sequence[str]) -> list[str]:
    """Items without repeats, first occurrence kept."""
    return list(dict.fromkeys(i for i in items if i))
