"""From a read document to records and passages: ``structure(raw, doc, vocab) -> ParsedDocument``.

Steps: rebuild flattened tables → section tree → table records (with the appendix agency, index,
component) → prose records → passages (one per record row, per paragraph group, per footnote, and
one document card), each with a one-line context header.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ingest.model import Block, Document, Para, ParsedDocument, Passage, RawDocument, Table
from ingest.structure._cues import load_cues
from ingest.structure._flat import find_flat_tables
from ingest.structure._passages import PassageBuilder
from ingest.structure._prose import ProseUnit, prose_assignments
from ingest.structure._records import Context, appendix_owner, table_records
from ingest.structure._sections import Heading, Segment, segment
from ingest.structure._tables import read_table

__all__ = ["structure", "rebuild_flat_tables"]

_HEADING_WORDS = 25


def rebuild_flat_tables(blocks: tuple[Block, ...], vocab: Any) -> list[Block]:
    """Replace runs of one-cell-per-line paragraphs by the tables they were flattened from."""
    cues = load_cues()
    out: list[Block] = []
    run: list[Para] = []

    def is_agency(text: str) -> bool:
        return bool(vocab.split_agencies(text)) and vocab.canonical_agency(text) is not None

    def flush() -> None:
        pos = 0
        for first, last, table in find_flat_tables(run, cues, is_agency):
            out.extend(run[pos:first])
            out.append(table)
            pos = last
        out.extend(run[pos:])
        run.clear()

    for block in blocks:
        if isinstance(block, Para):
            run.append(block)
        else:
            flush()
            out.append(block)
    flush()
    return out


def _section_index(vocab: Any, path: tuple[Heading, ...], doc: Document) -> str:
    for head in reversed(path):
        if len(head.title.split()) > _HEADING_WORDS:
            continue  # a numbered paragraph, not a heading: its words do not name the section's index
        found = vocab.find_indices(head.title)
        if len(found) == 1:
            return str(found[0])
    return doc.indices[0] if len(doc.indices) == 1 else ""


def _location(path: tuple[Heading, ...]) -> str:
    if path and path[0].kind == "appendix":
        return path[0].label
    return " › ".join(h.display() for h in path)


def structure(raw: RawDocument, doc: Document, vocab: Any) -> ParsedDocument:
    """Extract records and passages from a read plan.

    Args:
        raw: the reader's output (normalised text and blocks).
        doc: the document's metadata (``ingest.metadata.extract_metadata``).
        vocab: the vocabulary (``ingest.vocab.load_vocabulary()``).

    Returns:
        The document with its assignments, scores and passages.

    Example:
        >>> parsed = structure(raw, doc, vocab)  # doctest: +SKIP
        >>> parsed.assignments[0].lead
        ('Sở Nội vụ',)
    """
    cues = load_cues()
    segments = segment(rebuild_flat_tables(raw.blocks, vocab))
    builder = PassageBuilder(doc, vocab)
    assignments, scores = [], []
    warnings: list[str] = []
    units: list[ProseUnit] = []
    for seg in segments:
        if isinstance(seg.block, Table):
            reading = read_table(seg.block, cues)
            in_appendix = bool(seg.path) and seg.path[0].kind == "appendix"
            owner = appendix_owner(seg.appendix_title, vocab, cues) if in_appendix else ()
            index = _section_index(vocab, seg.path, doc)
            if in_appendix and len(vocab.find_indices(seg.appendix_title)) == 1:
                index = str(vocab.find_indices(seg.appendix_title)[0])
            ctx = Context(doc.doc_id, _location(seg.path), owner, index, (seg.block.start, seg.block.end))
            if reading is None:
                builder.table(seg.block, ctx.location, index)
                continue
            recs, scs, rows = table_records(reading, ctx, vocab)
            if reading.kind == "assignment" and not reading.agency_column and not owner and recs:
                # (a table under an appendix titled with its agency is the usual layout: its rows take that agency)
                warnings.append(
                    f"{ctx.location or 'a table'}: a table with no agency column and no agency in its title; "
                    f"its {len(recs)} rows name no agency"
                )
            assignments.extend(recs)
            scores.extend(scs)
            builder.rows(rows, ctx, owner)
    units = _prose_units(segments, vocab, doc)
    prose = prose_assignments(units, doc, vocab, cues)
    assignments.extend(prose)
    builder.prose(units, prose)
    builder.totals(cues)
    builder.footnotes([s for s in segments if s.role == "footnote"])
    builder.signatures(segments)
    builder.document_card(raw, segments)
    passages = _unique(builder.passages)
    sections = tuple((_location(s.path), s.block.start, s.block.end) for s in segments if s.role == "heading")
    doc = replace(doc, warnings=(*doc.warnings, *warnings)) if warnings else replace(doc)
    return ParsedDocument(doc, tuple(_dedupe(assignments)), tuple(_dedupe(scores)), passages, raw.text, sections)


def _prose_units(segments: list[Segment], vocab: Any, doc: Document) -> list[ProseUnit]:
    """Group body paragraphs by the heading they stand under (a numbered paragraph opens its unit)."""
    units: list[ProseUnit] = []
    current: list[Segment] = []

    def flush() -> None:
        if current and all(_bare_heading(s) for s in current):
            current.clear()  # a heading with nothing under it but a table: its words are in the rows' location
        if current:
            path = current[-1].path
            text = "\n".join(s.block.text for s in current if isinstance(s.block, Para))
            span = (current[0].block.start, current[-1].block.end)
            units.append(ProseUnit(path, text, span, _location(path), _section_index(vocab, path, doc)))
            current.clear()

    for seg in segments:
        if seg.role == "footnote":
            continue  # a footnote printed mid-section does not end the paragraph group around it
        if isinstance(seg.block, Table) or seg.role in ("closing", "appendix-title"):
            flush()
            continue
        if seg.role == "heading" or (current and current[-1].path != seg.path):
            # headings with no text of their own ("II. MỤC TIÊU" → "1. Đối với Chỉ số PAPI") open the next unit
            carry = (
                seg.role == "heading"
                and current
                and all(_bare_heading(s) for s in current)
                and seg.path[: len(current[-1].path)] == current[-1].path
                and len(seg.path) > len(current[-1].path)
            )
            if not carry:
                flush()
        current.append(seg)
    flush()
    return units


def _bare_heading(seg: Segment) -> bool:
    return seg.role == "heading" and isinstance(seg.block, Para) and len(seg.block.text.split()) <= _HEADING_WORDS // 2


def _dedupe(items: list[Any]) -> list[Any]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item.record_id not in seen:
            seen.add(item.record_id)
            out.append(item)
    return out


def _unique(passages: list[Passage]) -> tuple[Passage, ...]:
    seen: set[str] = set()
    out = []
    for p in passages:
        if p.passage_id not in seen and p.text.strip():
            seen.add(p.passage_id)
            out.append(p)
    return tuple(out)
