"""The answer a user reads and tools read: markdown text, the agencies it names, numbered citations.

``Answer.to_json()`` is the ``planqa ask --json`` contract of DESIGN.md (fields may be added, never
removed or renamed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Citation:
    """One cited passage: where it stands and its text as written."""

    n: int
    doc_id: str
    source: str
    title: str
    province: str
    location: str
    text: str
    score: float
    doc_number: str = ""
    header: str = ""
    passage_id: str = ""
    scanned: bool = False  # its document was read by OCR from a scan: "văn bản quét, nhận dạng OCR"

    def to_json(self) -> dict[str, Any]:
        """The citation object of the JSON contract."""
        return {
            "n": self.n,
            "doc_id": self.doc_id,
            "source": self.source,
            "title": self.title,
            "province": self.province,
            "location": self.location,
            "text": self.text,
            "score": round(self.score, 4),
            "doc_number": self.doc_number,
            "header": self.header,
            "passage_id": self.passage_id,
            "scanned": self.scanned,
        }


@dataclass(frozen=True)
class Answer:
    """An answer to one question."""

    question: str
    answer: str
    found: bool
    intent: str
    filters: dict[str, str | None]
    agencies: tuple[str, ...] = ()
    citations: tuple[Citation, ...] = ()
    elapsed_ms: float = 0.0
    id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """One line of ``planqa ask --json``."""
        out = {
            "id": self.id,
            "question": self.question,
            "answer": self.answer,
            "found": self.found,
            "intent": self.intent,
            "filters": dict(self.filters),
            "agencies": list(self.agencies),
            "citations": [c.to_json() for c in self.citations],
            "elapsed_ms": round(self.elapsed_ms, 1),
        }
        out.update(self.extra)
        return out
