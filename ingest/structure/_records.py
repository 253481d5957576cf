"""Turn table rows into Assignment and Score records that carry their inherited context.

The agency responsible for a row is often stated once, far from it: in the appendix title
("… THUỘC TRÁCH NHIỆM THEO DÕI, QUẢN LÝ CỦA SỞ Y TẾ") or a column ("Cơ quan chủ trì"). Every record
gets it, with the plan index from the group row or the section, and its component path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ingest.model import Assignment, Score, stable_id
from ingest.structure._cues import Cues
from ingest.structure._tables import Row, TableReading
from ingest.textnorm import fold, fold_words


@dataclass(frozen=True)
class Context:
    """What a table inherits from where it stands."""

    doc_id: str
    location: str  # "Phụ lục 11" or "II. MỤC TIÊU … › 2. Mục tiêu các chỉ số thành phần"
    owner: tuple[str, ...]  # agencies named by the appendix title
    plan_index: str  # index named by the section, "" when none
    span: tuple[int, int]


def appendix_owner(title: str, vocab: Any, cues: Cues) -> tuple[str, ...]:
    """The agency an appendix title makes responsible: the words after its last "của"."""
    f = fold(title)
    if not any(k in f for k in cues.prose["appendix_owner"]):
        return ()
    parts = re.split(r"\b(?:của|CỦA|Của)\s+", title)
    if len(parts) < 2:
        return ()
    tail = parts[-1].strip(" .,;:()")
    tail = re.split(r"(?<!\s)\s*\((?:kèm|Kèm|KÈM)", tail)[0]  # (?<!\s): each run of spaces tried once
    name = vocab.canonical_agency(tail)
    return (name,) if name else ()


def _component(vocab: Any, name: str, parent: str, index: str, named: bool = True) -> tuple[str, str]:
    """The component path (taxonomy when it matches, the plan's own words otherwise) and the index."""
    clean = re.sub(r"^[\d.\s]+", "", name).strip()
    comp = vocab.match_component(clean, index or None) if clean else None
    if (
        comp is not None
        and comp.sub is None
        and named
        and not (_same_words(clean, comp.dimension) or _same_words(comp.dimension, clean))
    ):
        comp = None  # a loose match ("Công tác kiểm tra CCHC" is no "Cải cách tài chính công"): keep the plan's words
    if comp is None and parent:
        comp = vocab.match_component(re.sub(r"^[\d.\s]+", "", parent), index or None)
        if comp is not None:
            return f"{comp.path} › {clean}" if clean and fold(clean) not in fold(comp.path) else comp.path, comp.index
    if comp is None:
        path = f"{parent} › {clean}" if parent and clean else (clean or parent)
        return path, index
    if comp.sub is None and clean and named and not _same_words(clean, comp.dimension):
        return f"{comp.path} › {clean}", comp.index  # a criterion of a field: "Cải cách thể chế › Công tác kiểm tra …"
    return comp.path, comp.index


def _same_words(text: str, name: str) -> bool:
    """Whether ``text`` is ``name`` in other words (nearly all of its words are the name's)."""
    words, known = fold_words(text).split(), set(fold_words(name).split())
    return sum(w in known for w in words) >= 0.75 * len(words)


def _row_index(vocab: Any, row: Row, ctx: Context) -> str:
    for text in (row.group, row.cells.get("component", "")):
        idx = vocab.match_index(text) if text else None
        if idx:
            return str(idx)
    return ctx.plan_index


def _agencies(vocab: Any, text: str) -> tuple[str, ...]:
    """Agencies of a lead/coop cell; "(Phòng Nội vụ theo dõi)" names the one that follows up."""
    if not text:
        return ()
    for inside in re.finditer(r"\(([^()]*)\)", text):
        body = inside.group(1)
        if body.endswith("theo dõi") and body[: -len("theo dõi")][-1:].isspace():
            name = vocab.canonical_agency(body[: -len("theo dõi")].rstrip())
            if name:
                return (name,)
            break
    return tuple(vocab.split_agencies(text))


RowRecord = tuple[Row, str, str, str, Assignment | None, Score | None]


def table_records(
    reading: TableReading, ctx: Context, vocab: Any
) -> tuple[list[Assignment], list[Score], list[RowRecord]]:
    """Records of one table.

    Returns:
        assignments, scores, and for every body row (row, plan index, component path, location,
        its assignment, its score) so that passages can be cut per row.
    """
    assignments: list[Assignment] = []
    scores: list[Score] = []
    rows_out = []
    group_label = ""
    for n, row in enumerate(reading.rows):
        if row.is_group and not row.values and row.stt and not row.stt[0].isdigit():
            group_label = f"{row.stt}. {row.group}".strip(". ")
            continue
        index = _row_index(vocab, row, ctx)
        name = row.cells["component"] if "component" in row.cells else row.cells.get("tasks", "")[:120]
        component, index = _component(vocab, name, row.parent, index, named="component" in row.cells)
        loc_parts = [ctx.location, group_label, row.stt or _short(name) or f"dòng {n + 1}"]
        location = " › ".join(p for p in loc_parts if p)
        rid = stable_id(ctx.doc_id, location, component, row.cells.get("tasks", ""), row.values)
        lead = _agencies(vocab, row.cells.get("lead", "")) or ctx.owner
        coop = tuple(a for a in _agencies(vocab, row.cells.get("coop", "")) if a not in lead)
        score = rec = None
        if row.values:
            score = Score(rid, ctx.doc_id, index, component, row.values, location, ctx.span, ", ".join(lead))
            scores.append(score)
        has_work = any(row.cells.get(k) for k in ("tasks", "target", "deadline"))
        if (
            reading.kind == "assignment"
            and (has_work or not row.is_group)
            or (reading.kind == "score" and lead and "lead" in row.cells)
        ):
            target, tasks = row.cells.get("target", ""), row.cells.get("tasks", "")
            if reading.kind == "score" and row.values:
                target = "; ".join(f"{label}: {value}" for label, value in row.values if value)
                tasks = tasks or row.cells.get("lead", "")  # "Đối tượng điều tra XHH … (Phòng Nội vụ theo dõi)"
            rec = Assignment(
                rid,
                ctx.doc_id,
                index,
                component,
                target,
                tasks,
                lead,
                coop,
                row.cells.get("deadline", ""),
                location,
                ctx.span,
                "table",
            )
            assignments.append(rec)
        rows_out.append((row, index, component, location, rec, score))
    return assignments, scores, rows_out


def _short(name: str, width: int = 40) -> str:
    name = " ".join(name.split())
    return name if len(name) <= width else name[: width - 1].rstrip() + "…"
