"""Plain, frozen data that crosses package boundaries.

Readers produce a :class:`RawDocument` (normalised text cut into blocks: paragraphs and tables);
the structurer turns it into a :class:`ParsedDocument` (metadata, assignment and score records,
passages). Ids are derived from content, so re-ingesting the same file gives the same ids.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


def stable_id(*parts: object, length: int = 16) -> str:
    """A deterministic id: the first ``length`` hex digits of the sha256 of the joined parts."""
    joined = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:length]


# What the parser makes of the same bytes: bump it when a change to ingest/ alters the records or passages
# of an unchanged file, so that the store re-parses files it would otherwise skip by content hash.
PARSER_VERSION = "12"


@dataclass(frozen=True)
class Para:
    """One paragraph (one line of a text file, one Word paragraph, one PDF text line group).

    ``start``/``end`` are offsets into :attr:`RawDocument.text`. ``heading_level`` is set when the
    source marks the paragraph as a heading (markdown ``#``, a Word heading style), else ``None``.
    """

    text: str
    start: int
    end: int
    heading_level: int | None = None


@dataclass(frozen=True)
class Table:
    """A table as rows of cell texts. A cell that is merged with the cell above or to the left is ``""``.

    ``origin`` says how the table was found: ``word``, ``pdf``, ``tsv``, ``markdown`` or ``flat``
    (a Word table flattened to one cell per line). Cell texts keep their inner line breaks.
    """

    rows: tuple[tuple[str, ...], ...]
    start: int
    end: int
    origin: str


Block = Para | Table


@dataclass(frozen=True)
class RawDocument:
    """What a reader returns: the whole normalised (NFC) text and its blocks in reading order."""

    source: str  # the file's own name, e.g. "ke-hoach-336.docx"
    path: str
    text: str
    blocks: tuple[Block, ...]
    fmt: str  # "txt", "md", "docx", "pdf"
    content_hash: str  # sha256 of the file's bytes
    warnings: tuple[str, ...] = ()
    ocr_pages: tuple[int, ...] = ()  # pages (1-based) whose text was read by OCR from a scanned image


@dataclass(frozen=True)
class Document:
    """One ingested plan and its metadata, read from the text (not the file name)."""

    doc_id: str
    source: str
    path: str
    fmt: str
    content_hash: str
    title: str = ""
    doc_number: str = ""  # "336/KH-UBND", or "/KH-STNMT" when the number is left blank
    issuer: str = ""  # canonical agency name, e.g. "UBND tỉnh Đồng Nai", "Sở Giao thông vận tải"
    level: str = ""  # "tỉnh", "sở", "huyện", "thị xã", "thành phố", "xã", ""
    province: str = ""
    locality: str = ""
    issue_date: str = ""  # as written, normalised to "15/10/2024" or "…/6/2024" when the day is blank
    year: int | None = None
    signer: str = ""
    indices: tuple[str, ...] = ()  # canonical index names: "PAPI", "PAR INDEX", "SIPAS", "PCI"
    is_plan: bool = True
    warnings: tuple[str, ...] = ()
    ocr_pages: tuple[int, ...] = ()  # pages read by OCR from a scan (citations say "văn bản quét, nhận dạng OCR")
    corrected: tuple[str, ...] = ()  # fields a person corrected by hand ("province", "level", "issuer")


# The metadata a person may correct by hand (the app's Kho tài liệu tab); kept by the file's content hash.
CORRECTABLE = ("province", "level", "issuer")


@dataclass(frozen=True)
class Assignment:
    """One row (or prose clause) that assigns work: who leads, who coordinates, what and by when."""

    record_id: str
    doc_id: str
    plan_index: str  # "PAPI", "PAR INDEX", "SIPAS", "PCI" or "" when the plan does not say
    component: str  # path, e.g. "7. Quản trị môi trường › 7.1 Nghiêm túc trong bảo vệ môi trường"
    target: str
    tasks: str
    lead: tuple[str, ...]
    coop: tuple[str, ...]
    deadline: str
    location: str  # "Phụ lục 11 › I. Chỉ số PAPI › 4"
    span: tuple[int, int]
    source_kind: str = "table"  # "table", "appendix-title", "prose"


@dataclass(frozen=True)
class Score:
    """One score/target row: figures as written with their column labels (year, role, rank)."""

    record_id: str
    doc_id: str
    plan_index: str
    component: str
    values: tuple[tuple[str, str], ...]  # (("Năm 2023", "2.99/10.00"), ("Chỉ tiêu đến năm 2025", "5.10/10.00"))
    location: str
    span: tuple[int, int]
    unit: str = ""  # agency in charge when the table names one ("Đơn vị thực hiện/theo dõi")


# The field labels a table row's passage text puts before each cell ("Cơ quan chủ trì: Sở Y tế"), one
# field per line; ``index_store.embedders.embed_text`` leaves them out of the text it embeds.
ROW_LABELS = {
    "target": "Chỉ tiêu/kết quả",
    "tasks": "Nhiệm vụ/giải pháp",
    "deadline": "Thời gian",
    "lead": "Cơ quan chủ trì",
    "coop": "Cơ quan phối hợp",
}


@dataclass(frozen=True)
class Passage:
    """What retrieval returns and a citation shows: text plus its one-line context header."""

    passage_id: str
    doc_id: str
    kind: str  # "assignment", "score", "prose", "table"
    header: str  # "Đồng Nai · 336/KH-UBND · Phụ lục 11 (Sở Tài nguyên và Môi trường) · PAPI › Quản trị môi trường"
    text: str
    location: str
    span: tuple[int, int]
    province: str = ""
    plan_index: str = ""
    component: str = ""
    agencies: tuple[str, ...] = ()
    record_id: str = ""


@dataclass(frozen=True)
class ParsedDocument:
    """Everything ingestion extracts from one file; written to the store in one transaction."""

    document: Document
    assignments: tuple[Assignment, ...] = ()
    scores: tuple[Score, ...] = ()
    passages: tuple[Passage, ...] = ()
    text: str = ""
    sections: tuple[tuple[str, int, int], ...] = field(default=())  # (path, start, end)
