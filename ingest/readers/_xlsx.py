"""Excel plans (.xlsx): each visible worksheet as one table, its title lines as paragraphs.

Plans attach their appendices as workbooks: a sheet per appendix, a few title rows merged across the
table ("PHỤ LỤC 11" / "… CỦA SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG"), then the table with a one- or two-level
header. We read each sheet so that it looks like the same appendix in a Word document:

- the sheet's name, unless it is a default one ("Sheet1", "Trang tính1") or the sheet's first title
  line already opens the appendix ("PHỤ LỤC …"), is a paragraph above it; a tab name cut short as
  "PL11 - …" (tab names hold 31 characters) is written out as "Phụ lục 11 - …";
- leading rows with a single filled cell, and trailing ones whose single cell is merged across several
  columns (a note, a signature), are paragraphs, one per line of the cell; the rest is one table;
- a merged range keeps its text in its top-left slot and ``""`` in the others (Word's gridSpan/vMerge);
- empty rows, and columns empty throughout the table, are dropped (spacer rows, margins, stray formatting);
- a value reads as Excel shows it: 4 not 4.0, the decimals and "%" of its number format, dates
  dd/mm/yyyy; a formula by its last computed value (none if no spreadsheet program has saved it since);
- hidden sheets are skipped with a warning: they hold drop-down lists and old drafts more often than
  plan content, and what a person sees on opening the file is what the plan says.

openpyxl's read-only mode does not report merged cells, so the workbook is loaded whole, in a child
process within ``Limits.pdf_timeout_s`` and ``Limits.pdf_memory_mb`` (:mod:`._sandbox`), after the zip
directory has passed the zip-bomb guard (:func:`._docx.check_zip`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from typing import Any

import openpyxl

from ..errors import CorruptDocument, IngestError, TooLarge
from ..limits import Limits
from ..model import Block
from ..textnorm import fold
from ._common import CELL_SEPARATOR, TextBuilder, blocks_from_json, blocks_to_json, check_text, clean_cell
from ._docx import check_zip
from ._sandbox import run_limited

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File: an encrypted .xlsx, or an old .xls
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")  # the stream an encrypted Office package carries
_DEFAULT_TITLE = re.compile(
    r"(?:sheet|trang[\s_]*tính|trang[\s_]*tinh|feuil|tabelle|hoja|foglio|planilha|blad|arkusz|лист)"
    r"[\s_]*\d*(?:\s*\(\d+\))?",
    re.IGNORECASE,
)
_SHORT_APPENDIX = re.compile(r"^P[Ll]\s*\.?\s*(\d{1,3}|[IVX]{1,5})(?=$|[\s.:,_)–-])")
_NUMBER_FORMAT = re.compile(r"[#,]*0*(?:\.(0+))?(%?)")  # "0", "#,##0", "0.00", "0.0%"


def _value_text(value: Any, number_format: str) -> str:
    """A cell's value as Excel shows it (see the module docstring)."""
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    fmt = (number_format or "").split(";")[0].strip()
    if isinstance(value, dt.datetime | dt.date):
        low = fmt.lower()
        pattern = "%d/%m/%Y" if "d" in low or "y" not in low else "%m/%Y" if "m" in low else "%Y"
        timed = isinstance(value, dt.datetime) and value.time() != dt.time()
        return value.strftime(pattern + (" %H:%M" if timed else ""))
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, int | float):
        found = _NUMBER_FORMAT.fullmatch(fmt) if "0" in fmt or "#" in fmt else None
        if found:
            places, percent = len(found.group(1) or ""), found.group(2)
            return f"{value * 100 if percent else value:.{places}f}{percent}"
        if isinstance(value, int) or (value.is_integer() and abs(value) < 1e15):
            return str(int(value))
        return f"{value:.15g}"  # what Excel shows: 15 significant digits, no binary noise
    return str(value)


def _sheet_title(title: str) -> str:
    """The sheet's name as a title line, or ``""`` for a default name."""
    title = clean_cell(title)
    if _DEFAULT_TITLE.fullmatch(title):
        return ""
    return _SHORT_APPENDIX.sub(r"Phụ lục \1", title)


def _read_sheet(sheet: Any, name: str, limits: Limits, out: TextBuilder) -> None:
    """One worksheet: its name, title rows, table and trailing notes, into ``out``."""
    cells: dict[tuple[int, int], str] = {}
    for (r, c), cell in sheet._cells.items():  # only the stored cells: iter_rows() would create every slot
        text = clean_cell(_value_text(cell.value, cell.number_format))  # a merge's other slots hold None
        if text:
            cells[r, c] = text
    by_row: dict[int, list[int]] = {}
    for r, c in sorted(cells):
        by_row.setdefault(r, []).append(c)
    rows = sorted(by_row)
    spans = {(m.min_row, m.min_col): m.max_col - m.min_col + 1 for m in sheet.merged_cells.ranges}

    def alone(r: int) -> int:  # the column of the row's only filled cell, 0 when it has several
        return by_row[r][0] if len(by_row[r]) == 1 else 0

    head = 0
    while head < len(rows) and alone(rows[head]):
        head += 1
    tail = len(rows)
    while tail > head and spans.get((rows[tail - 1], alone(rows[tail - 1])), 1) > 1:
        tail -= 1

    def lines(block: list[int]) -> list[str]:
        return [line for r in block for line in cells[r, alone(r)].split("\n")]

    titles = lines(rows[:head])
    title = _sheet_title(sheet.title)
    if title and not (titles and fold(titles[0]).startswith("phu luc")):
        out.para(title)
    for line in titles:
        out.para(line)
    body = rows[head:tail]
    columns = sorted({c for r in body for c in by_row[r]})
    # the rendering has at least " | " between slots: refuse a sheet whose far-apart stray cells would blow it up
    if len(body) * (len(CELL_SEPARATOR) * (len(columns) - 1) + 1) > limits.max_text_chars:
        raise TooLarge(
            f"{name}: sheet {sheet.title!r} spans {len(body):,} rows by {len(columns):,} columns, more than "
            f"the limit of {limits.max_text_chars:,} characters of text; delete stray cells far from the table "
            "in Excel or raise Limits.max_text_chars"
        )
    out.table([[cells.get((r, c), "") for c in columns] for r in body], origin="xlsx")
    for line in lines(rows[tail:]):
        out.para(line)


def _ole_error(data: bytes, name: str) -> CorruptDocument:
    """What to say about a Compound File named .xlsx: an encrypted workbook, or an Excel 97-2003 one."""
    try:
        import msoffcrypto  # knows a password-protected .xls too

        encrypted = bool(msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted())
    except Exception:  # not installed, or a Compound File it does not know: look for the encryption stream
        encrypted = _ENCRYPTION_INFO in data
    if encrypted:
        return CorruptDocument(
            f"{name}: expected a .xlsx workbook, got one protected with a password (encrypted, so it cannot "
            "be read); open it in Excel, save an unprotected copy (File › Info › Protect Workbook › Encrypt "
            "with Password, clear the password) and ingest that"
        )
    return CorruptDocument(
        f"{name}: expected a .xlsx workbook (a zip archive), got an Excel 97-2003 file (OLE2 Compound File); "
        "rename it to .xls, or open it in Excel and save it as .xlsx, and ingest it again"
    )


def read_xlsx(data: bytes, name: str, limits: Limits) -> tuple[str, tuple[Block, ...], tuple[str, ...]]:
    """Read a ``.xlsx`` file's bytes: per visible sheet, its title lines as paragraphs and one table.

    The parse runs in a child process, within ``limits.pdf_timeout_s`` and ``limits.pdf_memory_mb``.

    Args:
        data: the file's bytes.
        name: the file name, for messages.
        limits: reading limits (zip-bomb guard, ``max_text_chars``, ``pdf_timeout_s``, ``pdf_memory_mb``).

    Returns:
        ``(text, blocks, warnings)``: tables with ``origin="xlsx"``, rows as cells joined by " | "; a
        warning names each hidden sheet left out.

    Raises:
        CorruptDocument: not a zip, no ``xl/workbook.xml``, damaged, encrypted with a password (the
            message says "password"), or an Excel 97-2003 file named .xlsx.
        TooLarge: see :func:`._docx.check_zip`; more text than ``limits.max_text_chars``; or over the
            time or memory limit (a compression bomb that slips past the zip guard).
        EmptyDocument: no visible sheet has text.

    Example:
        >>> text, blocks, _ = read_xlsx(Path("phu-luc-11.xlsx").read_bytes(), "phu-luc-11.xlsx", Limits())  # doctest: +SKIP
        >>> text.splitlines()[:2]  # doctest: +SKIP
        ['PHỤ LỤC 11', 'CÁC NHIỆM VỤ, GIẢI PHÁP ĐỂ NÂNG CAO CÁC CHỈ SỐ (PAPI, SIPAS)']
    """
    if data.startswith(_OLE_MAGIC):
        raise _ole_error(data, name)
    check_zip(data, name, limits, required="xl/workbook.xml", kind=".xlsx", app="Excel")
    got = run_limited(
        __name__, "read_xlsx_json", data, {"name": name, "limits": dataclasses.asdict(limits)},
        name=name, what="the workbook", timeout_s=limits.pdf_timeout_s, memory_mb=limits.pdf_memory_mb,
        resave="re-save it from Excel as .xlsx (or split its sheets)",
    )  # fmt: skip
    return got["text"], blocks_from_json(got["blocks"]), tuple(got["warnings"])


def read_xlsx_json(data: bytes, name: str, limits: dict[str, Any]) -> dict[str, Any]:
    """What the sandboxed child runs: :func:`read_xlsx_here` with JSON in and out."""
    text, blocks, warnings = read_xlsx_here(data, name, Limits(**limits))
    return {"text": text, "blocks": blocks_to_json(blocks), "warnings": list(warnings)}


def read_xlsx_here(data: bytes, name: str, limits: Limits) -> tuple[str, tuple[Block, ...], tuple[str, ...]]:
    """:func:`read_xlsx` in this process, without the zip guard or the time and memory limits."""
    out = TextBuilder()
    warnings: list[str] = []
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True, keep_links=False, rich_text=False)
        for sheet in book.worksheets:
            if sheet.sheet_state != "visible":
                warnings.append(
                    f"{name}: sheet {sheet.title!r} is hidden and was not read; unhide it in Excel to include it"
                )
                continue
            _read_sheet(sheet, name, limits, out)
    except (IngestError, MemoryError):  # out of memory is the sandbox's to report, with its limit
        raise
    except Exception as err:  # openpyxl, zipfile and lxml raise many types on damaged parts
        raise CorruptDocument(
            f"{name}: expected a .xlsx workbook, found a damaged or malformed file ({type(err).__name__}: "
            f"{err}); open it in Excel, save it again as .xlsx and ingest it again"
        ) from err
    text = out.text
    check_text(name, text, limits)
    return text, tuple(out.blocks), tuple(warnings)
