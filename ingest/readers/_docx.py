"""Word plans: body paragraphs and tables in document order, merged cells kept once.

python-docx's ``Table.rows[i].cells`` repeats a merged cell's text in every grid slot it covers, so a
lead agency spanning three rows would be counted three times; we walk the ``w:tbl`` XML instead and
put the text only in the top-left slot of a merge, ``""`` in the rest. Headers and footers are skipped.
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

import docx
from docx.oxml.ns import qn

from ..errors import CorruptDocument, TooLarge
from ..limits import Limits
from ..model import Block
from ..textnorm import clean_line
from ._common import TextBuilder, blocks_from_json, blocks_to_json, check_text, clean_cell, render_row
from ._sandbox import run_limited

_RATIO_MIN_SIZE = 1024 * 1024  # small members compress absurdly well legitimately (XML of spaces)
_P, _TBL, _SDT, _TR, _TC = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:tr"), qn("w:tc")


def _corrupt(name: str, detail: str, kind: str = ".docx", app: str = "Word") -> CorruptDocument:
    return CorruptDocument(
        f"{name}: is not a valid {kind} (truncated or damaged: {detail}); "
        f"re-save it from {app} as {kind} and ingest it again"
    )


def check_zip(
    data: bytes,
    name: str,
    limits: Limits,
    *,
    required: str = "word/document.xml",
    kind: str = ".docx",
    app: str = "Word",
) -> None:
    """Refuse a zip bomb by reading only the zip directory (no decompression).

    Args:
        data: the file's bytes; name: the file name, for messages; limits: the zip limits.
        required: the member an Office file of this kind must have ("xl/workbook.xml" for .xlsx).
        kind, app: the format and the program that saves it, for messages (".xlsx", "Excel").

    Raises:
        CorruptDocument: not a zip, or no ``required`` member.
        TooLarge: more members than ``limits.max_zip_members``; one member unpacking past
            ``limits.max_part_bytes``, or all of them past ``limits.max_unpacked_bytes``; the whole archive, or
            one member over 1 MB, compressing better than ``limits.max_compression_ratio`` (so 190 parts of
            just under 1 MB each are caught by the archive's ratio).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as err:
        raise _corrupt(name, f"not a zip archive: {err}", kind, app) from err
    if not any(m.filename == required for m in members):
        raise _corrupt(name, f"no {required} inside", kind, app)
    if len(members) > limits.max_zip_members:
        raise TooLarge(
            f"{name}: {len(members):,} parts inside, over the limit of {limits.max_zip_members:,} (a {kind} "
            f"holds a few dozen); re-save the document from {app} or raise Limits.max_zip_members"
        )
    total = sum(m.file_size for m in members)
    if total > limits.max_unpacked_bytes:
        raise TooLarge(
            f"{name}: unpacks to {total:,} bytes, over the limit of {limits.max_unpacked_bytes:,} "
            "(a zip bomb, or a document full of images); remove embedded media or raise Limits.max_unpacked_bytes"
        )
    for m in members:
        ratio = m.file_size / max(m.compress_size, 1)
        if m.file_size > _RATIO_MIN_SIZE and ratio > limits.max_compression_ratio:
            raise TooLarge(
                f"{name}: member {m.filename} compresses {ratio:,.0f}:1, over the limit of "
                f"{limits.max_compression_ratio:,.0f}:1 (looks like a zip bomb); re-save the document from {app}"
            )
    biggest = max(members, key=lambda m: m.file_size)
    if biggest.file_size > limits.max_part_bytes:
        raise TooLarge(
            f"{name}: part {biggest.filename} unpacks to {biggest.file_size:,} bytes, over the limit of "
            f"{limits.max_part_bytes:,}; split the document or raise Limits.max_part_bytes"
        )
    packed = sum(m.compress_size for m in members)
    if total > _RATIO_MIN_SIZE and total / max(packed, 1) > limits.max_compression_ratio:
        raise TooLarge(
            f"{name}: unpacks {total / max(packed, 1):,.0f}:1 ({total:,} bytes from {packed:,}), over the limit of "
            f"{limits.max_compression_ratio:,.0f}:1 (looks like a zip bomb); re-save the document from {app}"
        )


def _heading_level(style_name: str) -> int | None:
    """ "Title" → 1, "Heading N" → N (any case: files from other editors write "heading 1")."""
    style_name = style_name.lower()
    if style_name == "title":
        return 1
    head, _, number = style_name.partition(" ")
    if head == "heading" and number.isdigit():
        return int(number)
    return None


def _block_children(parent: Any) -> Iterator[Any]:
    """Direct ``w:p``/``w:tbl`` children, looking through content controls (``w:sdt``)."""
    for child in parent.iterchildren():
        if child.tag == _SDT:
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _block_children(content)
        elif child.tag in (_P, _TBL):
            yield child


def _cell_text(tc: Any) -> str:
    """A cell's paragraphs one per line; a nested table flattened to one line per row."""
    lines = []
    for child in _block_children(tc):
        if child.tag == _P:
            lines.append(child.text)
        else:
            lines.extend(render_row(row) for row in _table_rows(child))
    return clean_cell("\n".join(lines))


def _int_attr(parent: Any, path: str, default: int) -> int:
    found = parent.find(path)
    value = found.get(qn("w:val")) if found is not None else None
    return int(value) if value and value.isdigit() else default


def _table_rows(tbl: Any) -> list[list[str]]:
    """Rows of the grid: a gridSpan cell fills its extra columns with "", a vMerge continuation is ""."""
    rows: list[list[str]] = []
    for tr in tbl.iterchildren(_TR):
        row = [""] * _int_attr(tr, f"{qn('w:trPr')}/{qn('w:gridBefore')}", 0)
        for tc in tr.iterchildren(_TC):
            span = max(_int_attr(tc, f"{qn('w:tcPr')}/{qn('w:gridSpan')}", 1), 1)
            vmerge = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
            continued = vmerge is not None and vmerge.get(qn("w:val"), "continue") != "restart"
            row.append("" if continued else _cell_text(tc))
            row.extend([""] * (span - 1))
        rows.append(row)
    return rows


def read_docx_json(data: bytes, name: str, limits: dict[str, Any]) -> dict[str, Any]:
    """What the sandboxed child runs: :func:`read_docx_here` with JSON in and out."""
    text, blocks, warnings = read_docx_here(data, name, Limits(**limits))
    return {"text": text, "blocks": blocks_to_json(blocks), "warnings": list(warnings)}


def read_docx(data: bytes, name: str, limits: Limits) -> tuple[str, tuple[Block, ...], tuple[str, ...]]:
    """Read a ``.docx`` file's bytes: heading styles, paragraphs and tables in body order.

    The zip directory is checked here (no decompression); python-docx then runs in a child process within
    ``limits.pdf_timeout_s`` and ``limits.pdf_memory_mb`` (:mod:`ingest.readers._sandbox`), so a document
    that unpacks into gigabytes of XML costs that file, never the process that ingests.

    Args:
        data: the file's bytes.
        name: the file name, for messages.
        limits: reading limits (zip-bomb guard and ``max_text_chars``).

    Returns:
        ``(text, blocks, warnings)``: paragraphs one per line, each table row as cells joined by " | ".

    Raises:
        CorruptDocument: not a zip, truncated, damaged XML, no ``word/document.xml``.
        TooLarge: see :func:`check_zip`; or more text than ``limits.max_text_chars``.
        EmptyDocument: the body has no text.
    """
    check_zip(data, name, limits)
    got = run_limited(
        __name__, "read_docx_json", data, {"name": name, "limits": dataclasses.asdict(limits)},
        name=name, what="the Word document", timeout_s=limits.pdf_timeout_s, memory_mb=limits.pdf_memory_mb,
        resave="re-save it from Word as .docx (or split it)",
    )  # fmt: skip
    return got["text"], blocks_from_json(got["blocks"]), tuple(got["warnings"])


def read_docx_here(data: bytes, name: str, limits: Limits) -> tuple[str, tuple[Block, ...], tuple[str, ...]]:
    """:func:`read_docx` in this process, without the time and memory limits (what the child runs)."""
    check_zip(data, name, limits)
    try:
        document = docx.Document(io.BytesIO(data))
        style_names = {s.style_id: s.name for s in document.styles}
        out = TextBuilder()
        for child in _block_children(document.element.body):
            if child.tag == _P:
                lines = [clean_line(part) for part in child.text.splitlines()]
                text = "\n".join(line for line in lines if line)  # a soft line break stays inside the Para
                out.para(text, heading_level=_heading_level(style_names.get(child.style or "", "") or ""))
            else:
                out.table(_table_rows(child), origin="word")
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError, zlib.error) as err:
        raise _corrupt(name, f"{type(err).__name__}: {err}") from err
    except Exception as err:  # python-docx/lxml raise their own types on damaged parts
        lxml = type(err).__module__.split(".")[0] == "lxml"
        if lxml and ("unknown error" in str(err) or "Memory" in str(err)):
            # libxml2 out of memory under the sandbox's cap reports itself this way, not as MemoryError
            raise MemoryError(str(err)) from err
        if "Text node too long" in str(err) or "huge" in str(err).lower():
            raise TooLarge(
                f"{name}: one paragraph holds more than 10 MB of text, over what the XML reader takes; "
                "a plan's paragraph is a few KB: split the paragraph (or the document) and ingest it again"
            ) from err
        if type(err).__module__.split(".")[0] in ("docx", "lxml"):
            raise _corrupt(name, f"{type(err).__name__}: {err}") from err
        raise
    text = out.text
    check_text(name, text, limits)
    return text, tuple(out.blocks), ()
