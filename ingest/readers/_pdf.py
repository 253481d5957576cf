"""PDF plans: text lines and ruled tables per page, in vertical order; scanned pages through OCR.

Each page's tables are found first (``find_tables``: ruled cells); text lines whose characters fall
inside a table's box are left to the table so nothing appears twice. A page with (almost) no text, or
one covered by an image with little text on it (a scan with a digital-signature stamp), is a scanned
page: it is read again with OCR (:mod:`ingest.readers._ocr`), and only such pages are, so a plan whose
body is text and whose appendix is a scan is read in full.

Every step runs in a child process with a time and a memory limit (:mod:`ingest.readers._sandbox`):
the text layer within ``Limits.pdf_timeout_s`` / ``Limits.pdf_memory_mb``, then each scanned page in its
own child within ``Limits.ocr_page_timeout_s``, so a hostile or broken PDF costs that file, never the
process that ingests, and progress can be told page by page.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from typing import Any

import pdfplumber

from ..errors import CorruptDocument, IngestError, ScannedPdf, TooLarge
from ..limits import Limits
from ..model import Block
from ..textnorm import clean_line
from . import _ocr
from ._common import TextBuilder, check_text, clean_cell, page_ranges
from ._sandbox import run_limited

_MIN_TEXT_CHARS = 20  # fewer non-space characters than this on a page: a scanned (or blank) page
_STAMP_CHARS = 200  # a page covered by an image with fewer characters than this is a scan with a stamp
_IMAGE_SHARE = 0.5  # … "covered": images over this share of the page's area


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


def _page_json(page: Any) -> dict[str, Any]:
    """One page for the parent: its items, how much text it has and how much of it images cover."""
    items = _page_items(page)
    chars = sum(
        not ch.isspace()
        for _, kind, payload in items
        for ch in (payload if kind == "line" else "".join(cell for row in payload for cell in row))
    )
    area = float(page.width * page.height) or 1.0
    covered = sum(max(img["x1"] - img["x0"], 0) * max(img["bottom"] - img["top"], 0) for img in page.images)
    return {"items": [[top, kind, payload] for top, kind, payload in items], "chars": chars,
            "image_share": min(covered / area, 1.0)}  # fmt: skip


def read_pdf_pages_json(data: bytes, name: str, limits: dict[str, Any]) -> list[dict[str, Any]]:
    """What the sandboxed child runs: every page's text layer (:func:`_page_json`)."""
    return read_pages(data, name, Limits(**limits))


def read_pages(data: bytes, name: str, limits: Limits) -> list[dict[str, Any]]:
    """Every page's text layer, in this process, without the time and memory limits (what the child runs)."""
    try:
        with pdfplumber.open(io.BytesIO(data), password="") as pdf:
            pages = pdf.pages
            if len(pages) > limits.max_pdf_pages:
                raise TooLarge(
                    f"{name}: {len(pages)} pages, over the limit of {limits.max_pdf_pages}; "
                    "split the PDF or raise Limits.max_pdf_pages"
                )
            out = []
            for page in pages:
                out.append(_page_json(page))
                page.close()  # frees the page's parsed objects; plans can run to hundreds of pages
            return out
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


def _scanned(page: dict[str, Any]) -> bool:
    return page["chars"] < _MIN_TEXT_CHARS or (page["image_share"] > _IMAGE_SHARE and page["chars"] < _STAMP_CHARS)


def read_pdf(
    data: bytes, name: str, limits: Limits, progress: Callable[[str, int, int], None] | None = None
) -> tuple[str, tuple[Block, ...], tuple[str, ...], tuple[int, ...]]:
    """Read a ``.pdf`` file's bytes: one paragraph per visual line, ruled tables as tables, scans by OCR.

    Args:
        data: the file's bytes.
        name: the file name, for messages.
        limits: reading limits (``max_pdf_pages``, ``max_text_chars``, ``pdf_timeout_s``, ``pdf_memory_mb``,
            ``max_ocr_pages``, ``ocr_page_timeout_s``, ``ocr_dpi``).
        progress: called as ``progress("OCR", done, total)`` before each scanned page and once at the end.

    Returns:
        ``(text, blocks, warnings, ocr_pages)``; warnings name pages without text, pages whose OCR
        confidence is low and table rows whose figures OCR read uncertainly; ``ocr_pages`` the pages read by OCR.

    Raises:
        CorruptDocument: malformed, encrypted with a password (message says "encrypted"), or it crashed
            the reader.
        TooLarge: more pages than ``limits.max_pdf_pages``, more scanned pages than ``limits.max_ocr_pages``,
            more text than ``limits.max_text_chars``, or over a time or memory limit (the message names it).
        ScannedPdf: no text, and OCR cannot run here or read nothing.
    """
    pages = run_limited(
        __name__, "read_pdf_pages_json", data, {"name": name, "limits": dataclasses.asdict(limits)},
        name=name, what="the PDF", timeout_s=limits.pdf_timeout_s, memory_mb=limits.pdf_memory_mb,
    )  # fmt: skip
    scanned = [n for n, page in enumerate(pages, start=1) if _scanned(page)]
    warnings: list[str] = []
    ocr_pages = _ocr_pages(data, name, limits, pages, scanned, warnings, progress)
    out = TextBuilder()
    for page in pages:
        for _, kind, payload in page["items"]:
            if kind == "table":
                out.table(payload, origin="pdf")
            else:
                out.para(payload)
    text = out.text
    if sum(not ch.isspace() for ch in text) < _MIN_TEXT_CHARS:
        what = f"{name}: no extractable text on {len(scanned)} of {len(pages)} pages"
        if ocr_pages:
            raise ScannedPdf(
                f"{what}; OCR read nothing on {'them' if len(scanned) > 1 else 'it'} (a blank page, a photo, "
                "or a scan too faint to read); rescan it at 300 dpi or ingest the text"
            )
        raise ScannedPdf(
            f"{what} — it looks scanned, and OCR cannot run here: {_ocr.missing() or 'unknown reason'}; "
            "install it, or run OCR elsewhere (e.g. `ocrmypdf in.pdf out.pdf`) and ingest the result"
        )
    check_text(name, text, limits)
    return text, tuple(out.blocks), tuple(warnings), tuple(ocr_pages)


def _ocr_pages(
    data: bytes, name: str, limits: Limits, pages: list[dict[str, Any]], scanned: list[int],
    warnings: list[str], progress: Callable[[str, int, int], None] | None,
) -> list[int]:  # fmt: skip
    """OCR the scanned pages in place (their items replaced), warnings added; the pages read, or []."""
    if not scanned:
        return []
    why = _ocr.missing()
    if why is not None:
        if len(scanned) < len(pages):
            warnings.append(f"{name}: pages {page_ranges(scanned)} are scanned and were not read: {why}")
        return []
    if len(scanned) > limits.max_ocr_pages:
        raise TooLarge(
            f"{name}: {len(scanned)} scanned pages to read by OCR, over the limit of {limits.max_ocr_pages} "
            f"(about {limits.max_ocr_pages * 3 // 60 + 1} min of OCR); split the PDF or raise Limits.max_ocr_pages"
        )
    low: list[int] = []
    for done, number in enumerate(scanned):
        if progress is not None:
            progress("OCR", done, len(scanned))
        got = run_limited(
            _ocr.__name__, "ocr_page_json", data,
            {"name": name, "page": number, "dpi": limits.ocr_dpi, "timeout": limits.ocr_page_timeout_s},
            name=name, what=f"page {number} by OCR", timeout_s=limits.ocr_page_timeout_s,
            resave="rescan the page at 300 dpi", time_limit="Limits.ocr_page_timeout_s",
            memory_mb=limits.pdf_memory_mb,
        )  # fmt: skip
        pages[number - 1]["items"] = got["items"]
        if 0 <= got["confidence"] < _ocr.LOW_PAGE:
            low.append(number)
        warnings.extend(
            f"{name}: page {number}, table row {row}: OCR is unsure of the figures ({text[:80]}); check them on the scan"
            for row, text in got["unsure_rows"]
        )
    if progress is not None:
        progress("OCR", len(scanned), len(scanned))
    if low:
        warnings.append(
            f"{name}: OCR confidence is low on pages {page_ranges(low)}; check those pages against the scan"
        )
    return scanned
