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
        """Cite the passage that holds a record (every passage, when its paragraphs were cut into several)."""
        held = self.view.record_chunks.get(record_id)
        if held and self.view.by_record.get(record_id) in held:
            return "".join(self.cite(p, score) for p in held)
        return self.cite(self.view.by_record.get(record_id), score)

    def as_tuple(self) -> tuple[Citation, ...]:
        """The citations in number order."""
        return tuple(self.items)


def doc_label(doc: Document | None) -> str:
    """ "336/KH-UBND (Đồng Nai)" or "Kế hoạch của Sở Giao thông vận tải (Lạng Sơn)"."""
    if doc is None:
        return ""
    name = (
        doc.doc_number
        if re.search(r"\d", doc.doc_number)
        else f"Kế hoạch của {doc.issuer}"
        if doc.issuer
        else doc.source
    )
    place = ", ".join(p for p in (doc.locality, doc.province) if p)
    return f"{name} ({place})" if place else name


def unique(items: Sequence[str]) -> list[str]:
    """Items without repeats, first occurrence kept."""
    return list(dict.fromkeys(i for i in items if i))
