"""Readers: one function turns a plan file into a :class:`~ingest.model.RawDocument`.

Each format has its own module (``_text``, ``_docx``, ``_pdf`` with ``_ocr`` for scanned pages, ``_xlsx``,
``_html``, ``_office`` for the legacy .doc/.xls through LibreOffice); this one checks the extension and
the size, reads the bytes once (so the hash and the parse see the same bytes) and dispatches. A format's
module is imported when a file of that format is read.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import stat
import unicodedata
from collections.abc import Callable
from pathlib import Path

from ..errors import EmptyDocument, TooLarge, UnsupportedFormat
from ..limits import Limits
from ..model import RawDocument
from ._text import read_text

# extension → (module, function): ``function(data, name, limits)`` returns ``(text, blocks, warnings)``
_READERS: dict[str, tuple[str, str]] = {
    ".docx": ("._docx", "read_docx"),
    ".doc": ("._office", "read_doc"),
    ".xlsx": ("._xlsx", "read_xlsx"),
    ".xls": ("._office", "read_xls"),
    ".html": ("._html", "read_html"),
    ".htm": ("._html", "read_html"),
}
SUPPORTED_EXTENSIONS: tuple[str, ...] = (".txt", ".md", ".docx", ".pdf", *(s for s in _READERS if s != ".docx"))

# (what is being done, done so far, total), e.g. ("OCR", 3, 10) while the third of ten scanned pages is read
Progress = Callable[[str, int, int], None]

_DEFAULT_LIMITS = Limits()


def read_document(
    path: str | os.PathLike[str], limits: Limits = _DEFAULT_LIMITS, progress: Progress | None = None
) -> RawDocument:
    """Read one plan file into normalised (NFC) text and blocks (paragraphs, tables) in reading order.

    Args:
        path: a ``.txt``, ``.md``, ``.docx`` or ``.pdf`` file (extension case does not matter).
        limits: size limits; the defaults suit plans of a few hundred KB.
        progress: told about long steps inside one file (OCR page by page).

    Returns:
        The document: ``text`` with ``blocks`` whose ``start``/``end`` index into it, ``source`` the
        file's own name, ``content_hash`` the sha256 of its bytes.

    Raises:
        UnsupportedFormat: the extension is not one of :data:`SUPPORTED_EXTENSIONS`.
        TooLarge: over a limit (file size, unpacked size, pages, text length).
        EmptyDocument: no text.
        CorruptDocument: damaged, encrypted, or not what the extension says.
        EncodingError: a text file in an encoding that is not UTF-8, UTF-16 or Windows-1258.
        ScannedPdf: a PDF without a text layer.
        OSError: the file cannot be opened.

    Example:
        >>> doc = read_document("ke-hoach-336.docx")  # doctest: +SKIP
        >>> [b.text for b in doc.blocks if getattr(b, "heading_level", None)][:1]  # doctest: +SKIP
        ['KẾ HOẠCH Thực hiện Chỉ thị số 36-CT/TU']
    """
    file = Path(path)
    name = unicodedata.normalize("NFC", file.name)  # a macOS or zip "decomposed" name is stored as typed
    suffix = file.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise UnsupportedFormat(
            f"{name}: expected one of {', '.join(SUPPORTED_EXTENSIONS)}, got {suffix or 'no extension'}; "
            "save the plan in one of these formats (.doc → .docx from Word)"
        )
    info = file.stat()
    if not stat.S_ISREG(info.st_mode):  # a FIFO blocks the open for ever, /dev/zero never ends
        raise UnsupportedFormat(f"{name}: not a regular file (a FIFO, device or folder); name a plan file instead")
    size = info.st_size
    with file.open("rb") as handle:
        # Read at most one byte past the limit, so a file that grew after stat() cannot slip through.
        data = handle.read(limits.max_file_bytes + 1)
    if max(size, len(data)) > limits.max_file_bytes:
        raise TooLarge(
            f"{name}: {max(size, len(data)):,} bytes, over the limit of {limits.max_file_bytes:,}; "
            "split the document or raise Limits.max_file_bytes"
        )
    if not data:
        raise EmptyDocument(
            f"{name}: expected a {suffix} plan, got an empty file (0 bytes); check that the right file was given"
        )
    ocr_pages: tuple[int, ...] = ()
    if suffix == ".pdf":
        from ._pdf import read_pdf

        text, blocks, warnings, ocr_pages = read_pdf(data, name, limits, progress)
    elif suffix in _READERS:
        module, function = _READERS[suffix]
        reader = getattr(importlib.import_module(module, __name__), function)
        text, blocks, warnings = reader(data, name, limits)
    else:
        text, blocks, warnings = read_text(data, name, limits, markdown=suffix == ".md")
    return RawDocument(
        source=name,
        path=str(file),
        text=text,
        blocks=blocks,
        fmt=suffix[1:],
        content_hash=hashlib.sha256(data).hexdigest(),
        warnings=warnings,
        ocr_pages=ocr_pages,
    )


__all__ = ["SUPPORTED_EXTENSIONS", "read_document"]
