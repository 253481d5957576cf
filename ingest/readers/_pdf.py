"""PDF plans: text lines and ruled tables per page, in vertical order.

Each page's tables are found first (``find_tables``: ruled cells); text lines whose characters fall
inside a table's box are left to the table so nothing appears twice. A PDF with (almost) no text at
all is a scan: we say so and point to OCR rather than ingest an empty document.

The parse runs in a child process with a time and a memory limit (:mod:`ingest.readers._sandbox`,
``Limits.pdf_timeout_s`` / ``Limits.pdf_memory_mb``): a hostile or broken PDF costs that file, never the
process that ingests.
"""

from __future__ import annotations

import dataclasses
import io
from typing import Any

import pdfplumber

from ..errors import CorruptDocument, IngestError, ScannedPdf, TooLarge
from ..limits import Limits
from ..model import Block
from ..textnorm import clean_line
from ._common import TextBuilder, blocks_from_json, blocks_to_json, check_text, clean_cell
from ._sandbox import run_limited

_MIN_TEXT_CHARS = 20  # fewer non-space characters than this in the whole file: a scan (or a blank page)


def _inside(obj: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    """Whether an object's centre lies in one of the boxes (x0, top, x1, bottom)."""
    x = (obj["x0"] + obj["x1"]) / 2
    y = (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)


def _page_items(page: Any) -> list[tuple[float, str, Any]]:
    """The page's lines and tables as ``(top, kind, payload)``, sorted top to bottom."""
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]
    items: list[tuple[float, str, Any]] = []
    for table in tables:
        rows = [[clean_cell(cell) for cell in row] for row in table.extract()]
        items.append((table.bbox[1], "table", rows))
    text_page = page.filter(lambda obj: obj.get("object_type") != "char" or not _inside(obj, boxes)) if boxes else page
    for line in text_page.extract_text_lines(return_chars=False):
        text = clean_line(line["text"])
        if text:
            items.append((line["top"], "line", text))
    # Tables sort before a line at the same height: the line is then below the table's top edge.
    items.sort(key=lambda item: (item[0], item[1] != "table"))
    return items


def _in_chain(err: BaseException, kinds: set[str]) -> bool:
    """pdfplumber wraps pdfminer's errors (and a ``MemoryError``); look through the chain for one of ``kinds``."""
    seen: BaseException | None = err
    while seen is not None:
        names = {
            *(k.__name__ for k in type(seen).__mro__),
            *(type(a).__name__ for a in getattr(seen, "args", ()) if isinstance(a, BaseException)),
        }
        if names & kinds:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _is_encryption_error(err: BaseException) -> bool:
    return _in_chain(err, {"PDFPasswordIncorrect", "PDFEncryptionError", "PDFEncryptionWarning"})


def read_pdf_json(data: bytes, name: str, limits: dict[str, Any]) -> dict[str, Any]:
    """What the sandboxed child runs: :func:`read_pdf_here` with JSON in and out."""
    text, blocks, warnings = read_pdf_here(data, name, Limits(**limits))
    return {"text": text, "blocks": blocks_to_json(blocks), "warnings": list(warnings)}


def read_pdf(data: bytes, name: str, limits: Limits) -> tuple[str, tuple[Block, ...], tuple[str, ...]]:
    """Read a ``.pdf`` file's bytes: one paragraph per visual line, ruled tables as tables.

    The parse runs in a child process, within ``limits.pdf_timeout_s`` and ``limits.pdf_memory_mb``.

    Args:
        data: the file's bytes.
        name: the file name, for messages.
        limits: reading limits (``max_pdf_pages``, ``max_text_chars``, ``pdf_timeout_s``, ``pdf_memory_mb``).

    Returns:
        ``(text, blocks, warnings)``; a warning names each page without text.

    Raises:
        CorruptDocument: malformed, encrypted with a password (message says "encrypted"), or it crashed
            the reader.
        TooLarge: more pages than ``limits.max_pdf_pages``, more text than ``limits.max_text_chars``, or
            over the time or memory limit (the message names the limit).
        ScannedPdf: no extractable text (a scan): run OCR first.
    """
    got = run_limited(
        __name__, "read_pdf_json", data, {"name": name, "limits": dataclasses.asdict(limits)},
        name=name, what="the PDF", timeout_s=limits.pdf_timeout_s, memory_mb=limits.pdf_memory_mb,
    )  # fmt: skip
    return got["text"], blocks_from_json(got["blocks"]), tuple(got["warnings"])


def read_pdf_here(data: bytes, name: str, limits: Limits) -> tuple[str, tuple[Block, ...], tuple[str, ...]]:
    """:func:`read_pdf` in this process, without the time and memory limits (what the child runs)."""
    out = TextBuilder()
    warnings: list[str] = []
    try:
        with pdfplumber.open(io.BytesIO(data), password="") as pdf:
            pages = pdf.pages
            if len(pages) > limits.max_pdf_pages:
                raise TooLarge(
                    f"{name}: {len(pages)} pages, over the limit of {limits.max_pdf_pages}; "
                    "split the PDF or raise Limits.max_pdf_pages"
                )
            empty_pages = []
            for number, page in enumerate(pages, start=1):
                items = _page_items(page)
                if not items:
                    empty_pages.append(number)
                    warnings.append(f"{name}: page {number} has no extractable text")
                for _, kind, payload in items:
                    if kind == "table":
                        out.table(payload, origin="pdf")
                    else:
                        out.para(payload)
                page.close()  # frees the page's parsed objects; plans can run to hundreds of pages
    except (IngestError, MemoryError):  # out of memory is the sandbox's to report, with its limit
        raise
    except Exception as err:  # pdfminer raises many types (and builtins) on damaged files
        if _in_chain(err, {"MemoryError"}):
            raise MemoryError(str(err)) from err
        if _is_encryption_error(err):
            raise CorruptDocument(
                f"{name}: the PDF is encrypted and needs a password to open; "
                "save an unencrypted copy (print to PDF, or `qpdf --decrypt`) and ingest that"
            ) from err
        raise CorruptDocument(
            f"{name}: expected a PDF, found a damaged or malformed file ({type(err).__name__}: {err}); "
            "re-export it as PDF and ingest it again"
        ) from err
    text = out.text
    if sum(not ch.isspace() for ch in text) < _MIN_TEXT_CHARS:
        raise ScannedPdf(
            f"{name}: no extractable text on {len(empty_pages)} of {len(pages)} pages — it looks scanned; "
            "run OCR (e.g. `ocrmypdf in.pdf out.pdf`) and ingest the result"
        )
    check_text(name, text, limits)
    return text, tuple(out.blocks), tuple(warnings)
