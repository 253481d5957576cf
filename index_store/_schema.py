"""The SQLite schema of the system of record, and the conversions between its rows and the dataclasses.

Lists (indices, warnings, lead/coop agencies, score values) are stored as JSON text, never pickled, so
the file stays readable with the ``sqlite3`` shell. Columns ending in ``_key`` hold :func:`fold`-ed text
(lower-case, no diacritics) so filters can compare "dong nai" with "Đồng Nai" in SQL.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from ingest.model import PARSER_VERSION, Assignment, Document, ParsedDocument, Passage, Score
from ingest.textnorm import fold

SCHEMA_VERSION = 4
# statements that bring a store of the key's version to the next one (run in one transaction at open)
MIGRATIONS: dict[str, tuple[str, ...]] = {
    "1": ("ALTER TABLE documents ADD COLUMN parser TEXT NOT NULL DEFAULT ''",),
    "2": (
        "ALTER TABLE documents ADD COLUMN ocr_pages TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE documents ADD COLUMN corrected TEXT NOT NULL DEFAULT '[]'",
        # a store of version 2 runs the DDL (corrections included) before its migrations
    ),
    "3": (),  # version 4 adds the feedback table, which the DDL creates before the migrations run
}
# older versions a read-only store reads as they are (it cannot migrate): their tables are those of this
# version minus tables added since, which read as empty (version 3 has no feedback yet)
READ_AS_IS = frozenset({"3"})

DDL = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    doc_id       TEXT PRIMARY KEY,
    source       TEXT NOT NULL,
    path         TEXT NOT NULL UNIQUE,
    fmt          TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    parser       TEXT NOT NULL DEFAULT '',
    title        TEXT NOT NULL DEFAULT '',
    doc_number   TEXT NOT NULL DEFAULT '',
    issuer       TEXT NOT NULL DEFAULT '',
    level        TEXT NOT NULL DEFAULT '',
    province     TEXT NOT NULL DEFAULT '',
    locality     TEXT NOT NULL DEFAULT '',
    issue_date   TEXT NOT NULL DEFAULT '',
    year         INTEGER,
    signer       TEXT NOT NULL DEFAULT '',
    indices      TEXT NOT NULL DEFAULT '[]',
    is_plan      INTEGER NOT NULL DEFAULT 1,
    warnings     TEXT NOT NULL DEFAULT '[]',
    ocr_pages    TEXT NOT NULL DEFAULT '[]',
    corrected    TEXT NOT NULL DEFAULT '[]',
    text         TEXT NOT NULL DEFAULT '',
    sections     TEXT NOT NULL DEFAULT '[]',
    province_key TEXT NOT NULL DEFAULT '',
    ingested_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS assignments (
    record_id      TEXT PRIMARY KEY,
    doc_id         TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    plan_index     TEXT NOT NULL DEFAULT '',
    component      TEXT NOT NULL DEFAULT '',
    target         TEXT NOT NULL DEFAULT '',
    tasks          TEXT NOT NULL DEFAULT '',
    lead           TEXT NOT NULL DEFAULT '[]',
    coop           TEXT NOT NULL DEFAULT '[]',
    deadline       TEXT NOT NULL DEFAULT '',
    location       TEXT NOT NULL DEFAULT '',
    span_start     INTEGER NOT NULL,
    span_end       INTEGER NOT NULL,
    source_kind    TEXT NOT NULL DEFAULT 'table',
    plan_index_key TEXT NOT NULL DEFAULT '',
    agencies_key   TEXT NOT NULL DEFAULT '',
    search_text    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS assignments_doc ON assignments(doc_id);
CREATE TABLE IF NOT EXISTS scores (
    record_id      TEXT PRIMARY KEY,
    doc_id         TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    plan_index     TEXT NOT NULL DEFAULT '',
    component      TEXT NOT NULL DEFAULT '',
    "values"       TEXT NOT NULL DEFAULT '[]',
    location       TEXT NOT NULL DEFAULT '',
    span_start     INTEGER NOT NULL,
    span_end       INTEGER NOT NULL,
    unit           TEXT NOT NULL DEFAULT '',
    plan_index_key TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS scores_doc ON scores(doc_id);
CREATE TABLE IF NOT EXISTS passages (
    passage_id TEXT PRIMARY KEY,
    doc_id     TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    header     TEXT NOT NULL DEFAULT '',
    text       TEXT NOT NULL,
    location   TEXT NOT NULL DEFAULT '',
    span_start INTEGER NOT NULL,
    span_end   INTEGER NOT NULL,
    province   TEXT NOT NULL DEFAULT '',
    plan_index TEXT NOT NULL DEFAULT '',
    component  TEXT NOT NULL DEFAULT '',
    agencies   TEXT NOT NULL DEFAULT '[]',
    record_id  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id);
CREATE TABLE IF NOT EXISTS corrections (
    content_hash TEXT PRIMARY KEY,
    fields       TEXT NOT NULL,
    corrected_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
    id             INTEGER PRIMARY KEY,
    created_at     TEXT NOT NULL,
    rating         INTEGER NOT NULL CHECK (rating IN (1, -1)),
    comment        TEXT NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
    question       TEXT NOT NULL,
    conversation   TEXT NOT NULL DEFAULT '[]',
    answer         TEXT NOT NULL,
    found          INTEGER,
    agencies       TEXT NOT NULL DEFAULT '[]',
    citations      TEXT NOT NULL DEFAULT '[]',
    filters        TEXT NOT NULL DEFAULT '{}',
    app_version    TEXT NOT NULL DEFAULT '',
    parser_version TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS embedding_cache (
    model     TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    dim       INTEGER NOT NULL,
    vector    BLOB NOT NULL,
    PRIMARY KEY (model, text_hash)
);
"""

DOCUMENT_FIELDS = (
    "doc_id", "source", "path", "fmt", "content_hash", "title", "doc_number", "issuer", "level",
    "province", "locality", "issue_date", "year", "signer", "indices", "is_plan", "warnings", "ocr_pages",
    "corrected",
)  # fmt: skip


def _json(value: Any) -> str:
    return json.dumps(list(value), ensure_ascii=False)


def document_params(doc: Document, text: str, sections: Any, ingested_at: str) -> dict[str, Any]:
    """Column values for one ``documents`` row."""
    row: dict[str, Any] = {name: getattr(doc, name) for name in DOCUMENT_FIELDS}
    row.update(
        indices=_json(doc.indices),
        warnings=_json(doc.warnings),
        ocr_pages=_json(doc.ocr_pages),
        corrected=_json(doc.corrected),
        is_plan=int(doc.is_plan),
        text=text,
        sections=json.dumps([list(s) for s in sections], ensure_ascii=False),
        province_key=fold(doc.province),
        ingested_at=ingested_at,
        parser=PARSER_VERSION,
    )
    return row


def document_from_row(row: sqlite3.Row) -> Document:
    """Rebuild a :class:`Document` from a ``documents`` row."""
    values = {name: row[name] for name in DOCUMENT_FIELDS}
    values.update(
        indices=tuple(json.loads(row["indices"])),
        warnings=tuple(json.loads(row["warnings"])),
        ocr_pages=tuple(json.loads(row["ocr_pages"])),
        corrected=tuple(json.loads(row["corrected"])),
        is_plan=bool(row["is_plan"]),
    )
    return Document(**values)


def assignment_params(a: Assignment, province: str) -> dict[str, Any]:
    """Column values for one ``assignments`` row; ``search_text`` folds every field a filter may look at."""
    agencies = " | ".join(a.lead + a.coop)
    words = (province, a.plan_index, a.component, a.target, a.tasks, agencies, a.deadline, a.location)
    return {
        "record_id": a.record_id, "doc_id": a.doc_id, "plan_index": a.plan_index, "component": a.component,
        "target": a.target, "tasks": a.tasks, "lead": _json(a.lead), "coop": _json(a.coop),
        "deadline": a.deadline, "location": a.location, "span_start": a.span[0], "span_end": a.span[1],
        "source_kind": a.source_kind, "plan_index_key": fold(a.plan_index), "agencies_key": fold(agencies),
        "search_text": fold(" \n ".join(words)),
    }  # fmt: skip


def score_params(s: Score) -> dict[str, Any]:
    """Column values for one ``scores`` row."""
    return {
        "record_id": s.record_id, "doc_id": s.doc_id, "plan_index": s.plan_index, "component": s.component,
        "values": json.dumps([list(v) for v in s.values], ensure_ascii=False), "location": s.location,
        "span_start": s.span[0], "span_end": s.span[1], "unit": s.unit, "plan_index_key": fold(s.plan_index),
    }  # fmt: skip


def passage_params(p: Passage) -> dict[str, Any]:
    """Column values for one ``passages`` row."""
    return {
        "passage_id": p.passage_id, "doc_id": p.doc_id, "kind": p.kind, "header": p.header, "text": p.text,
        "location": p.location, "span_start": p.span[0], "span_end": p.span[1], "province": p.province,
        "plan_index": p.plan_index, "component": p.component, "agencies": _json(p.agencies),
        "record_id": p.record_id,
    }  # fmt: skip


def passage_from_row(row: sqlite3.Row) -> Passage:
    """Rebuild a :class:`Passage` from a ``passages`` row."""
    return Passage(
        passage_id=row["passage_id"], doc_id=row["doc_id"], kind=row["kind"], header=row["header"],
        text=row["text"], location=row["location"], span=(row["span_start"], row["span_end"]),
        province=row["province"], plan_index=row["plan_index"], component=row["component"],
        agencies=tuple(json.loads(row["agencies"])), record_id=row["record_id"],
    )  # fmt: skip


MAX_COMMENT_CHARS = 2000  # as the feedback table's CHECK says
RATINGS = {1: "up", -1: "down"}  # the stored rating and how an export spells it
_SURROGATE = re.compile("[\ud800-\udfff]")


def _nfc(value: Any) -> Any:
    """Every string inside a JSON value in NFC, a lone surrogate (half a character) as U+FFFD."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", _SURROGATE.sub("\ufffd", value))
    if isinstance(value, Mapping):
        return {_nfc(str(k)): _nfc(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nfc(v) for v in value]
    return value


def _dump(value: Any, what: str) -> str:
    try:
        return json.dumps(_nfc(value), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise ValueError(f"feedback {what} must be plain JSON (strings, numbers, lists, objects): {err}") from None


def feedback_params(
    *, rating: int, question: str, answer: str, citations: Sequence[Mapping[str, Any]], comment: str,
    conversation: Sequence[str], filters: Mapping[str, Any] | None, found: bool | None, agencies: Sequence[str],
    created_at: str, app_version: str,
) -> dict[str, Any]:  # fmt: skip
    """Column values for one ``feedback`` row, every text in NFC; checked before anything is written.

    Raises:
        ValueError: a rating other than +1/-1, an empty question or answer, a comment over
            :data:`MAX_COMMENT_CHARS` characters, a value that is not plain JSON.
    """
    if isinstance(rating, bool) or rating not in RATINGS:
        raise ValueError(f"rating must be 1 (up) or -1 (down), got {rating!r}")
    text = {name: _nfc(value).strip() for name, value in (("question", question), ("answer", answer))}
    for name, value in text.items():
        if not value:
            raise ValueError(f"feedback needs the {name} it is about; got an empty {name}")
    note = _nfc(comment or "").strip()
    if len(note) > MAX_COMMENT_CHARS:
        raise ValueError(f"a feedback comment has at most {MAX_COMMENT_CHARS} characters, got {len(note)}")
    if isinstance(conversation, str) or not all(isinstance(t, str) for t in conversation):
        raise ValueError(f"conversation must be a list of the earlier questions, got {conversation!r:.80}")
    return {
        "created_at": created_at, "rating": rating, "comment": note, **text,
        "conversation": _dump(list(conversation), "conversation"),
        "found": None if found is None else int(bool(found)), "agencies": _dump(list(agencies), "agencies"),
        "citations": _dump(list(citations), "citations"), "filters": _dump(dict(filters or {}), "filters"),
        "app_version": app_version, "parser_version": PARSER_VERSION,
    }  # fmt: skip


def feedback_dict(row: sqlite3.Row) -> dict[str, Any]:
    """One ``planqa feedback --json`` object: the rating as "up"/"down", the JSON columns parsed."""
    return {
        "id": row["id"], "created_at": row["created_at"], "rating": RATINGS[row["rating"]],
        "comment": row["comment"], "question": row["question"], "conversation": json.loads(row["conversation"]),
        "answer": row["answer"], "found": None if row["found"] is None else bool(row["found"]),
        "agencies": json.loads(row["agencies"]), "citations": json.loads(row["citations"]),
        "filters": json.loads(row["filters"]), "app_version": row["app_version"],
        "parser_version": row["parser_version"],
    }  # fmt: skip


def insert_sql(table: str, params: dict[str, Any]) -> str:
    """``INSERT INTO table (cols) VALUES (:cols)`` for a params dict (column names are ours, not user input)."""
    cols = ", ".join(f'"{c}"' for c in params)
    return f"INSERT INTO {table} ({cols}) VALUES ({', '.join(':' + c for c in params)})"


def validate(parsed: ParsedDocument) -> None:
    """Refuse a document without id or path, or records that belong to another document.

    Raises:
        ValueError: what is wrong, naming the file.
    """
    doc = parsed.document
    if not doc.doc_id or not doc.path:
        raise ValueError(f"a document needs a doc_id and a path, got doc_id={doc.doc_id!r} path={doc.path!r}")
    records: tuple[Assignment | Score | Passage, ...] = (*parsed.assignments, *parsed.scores, *parsed.passages)
    for rec in records:
        if rec.doc_id != doc.doc_id:
            raise ValueError(f"{type(rec).__name__} of {doc.source} has doc_id {rec.doc_id!r}, expected {doc.doc_id!r}")
