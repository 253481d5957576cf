"""The ingestion pipeline for one file: read → metadata → structure, plus the file helpers the CLI needs.

``parse_file`` is pure (it writes nothing); storing the result is ``index_store.Store.upsert``'s job.
``file_hash`` lets a caller skip a file whose bytes are already in the store without parsing it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.errors import UnsupportedFormat
from ingest.limits import Limits
from ingest.metadata import extract_metadata
from ingest.model import CORRECTABLE, ParsedDocument, RawDocument, Table, stable_id
from ingest.readers import SUPPORTED_EXTENSIONS, Progress, read_document
from ingest.structure import structure
from ingest.vocab import load_vocabulary

if TYPE_CHECKING:
    from ingest.vocab import Vocabulary

SUPPORTED_SUFFIXES = SUPPORTED_EXTENSIONS
_DEFAULT_LIMITS = Limits()


def parse_file(
    path: Path | str, *, vocab: Vocabulary | None = None, limits: Limits = _DEFAULT_LIMITS,
    progress: Progress | None = None, corrections: Mapping[str, str] | None = None, identity: str | None = None,
) -> ParsedDocument:  # fmt: skip
    """Read one plan and extract its metadata, assignment and score records and passages.

    Args:
        path: a .txt, .md, .docx or .pdf file, e.g. ``data/plans/ke-hoach-336.txt``
            ("Số: 336/KH-UBND … Đồng Nai, ngày 15 tháng 10 năm 2024 …").
        vocab: the vocabulary; loaded once per call when not given (pass it when parsing many files).
        limits: reading limits (file size, zip-bomb guard, PDF pages).
        progress: told about long steps inside the file (OCR of scanned pages, page by page).
        corrections: a person's corrections of the metadata (``{"province": "Đồng Nai"}``), applied
            before the records and passages are built, so they carry the corrected province.
        identity: what tells this document apart when its text gives no number (an upload: its content
            hash); by default its file name.

    Returns:
        The parsed document, ready for ``Store.upsert``.

    Raises:
        UnsupportedFormat: the extension is not one planqa reads.
        IngestError: any other reason the file cannot be ingested (empty, corrupt, scanned PDF, too large).
    """
    path = Path(path)
    check_supported(path)
    raw = read_document(path, limits, progress)
    vocab = vocab if vocab is not None else load_vocabulary()
    if raw.ocr_pages:
        raw = _repaired(raw, vocab)
    doc = extract_metadata(raw, vocab)
    if identity and not any(ch.isdigit() for ch in doc.doc_number):
        doc = dataclasses.replace(doc, doc_id=stable_id("src", identity))
    fixes: dict[str, Any] = {k: v for k, v in (corrections or {}).items() if k in CORRECTABLE and v}
    if fixes:
        doc = dataclasses.replace(doc, **fixes, corrected=tuple(sorted(fixes)))
    return structure(raw, doc, vocab)


def _repaired(raw: RawDocument, vocab: Vocabulary) -> RawDocument:
    """A document read by OCR with the diacritics of known names put right (lengths, so offsets, unchanged)."""
    fix = vocab.repair_accents
    blocks = tuple(
        dataclasses.replace(b, rows=tuple(tuple(fix(c) for c in row) for row in b.rows))
        if isinstance(b, Table)
        else dataclasses.replace(b, text=fix(b.text))
        for b in raw.blocks
    )
    return dataclasses.replace(raw, text=fix(raw.text), blocks=blocks)


def check_supported(path: Path) -> None:
    """Raise :class:`UnsupportedFormat` unless ``path`` has an extension planqa reads."""
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        got = f"'{path.suffix}'" if path.suffix else "no extension"
        raise UnsupportedFormat(
            f"{path.name}: planqa reads {', '.join(SUPPORTED_SUFFIXES)} files, got {got}; "
            "save it in one of those formats or leave it out"
        )


def file_hash(path: Path | str, *, chunk_size: int = 1 << 20) -> str:
    """The sha256 of a file's bytes, read in chunks (the same value readers put in ``content_hash``).

    Raises:
        OSError: the file cannot be read.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def _hidden(name: str) -> bool:
    # "~$Kế hoạch.docx" is the lock file Word leaves next to an open document (hidden on Windows).
    return name.startswith((".", "~$"))


def iter_plan_files(paths: Iterable[Path | str], refused: list[tuple[Path, str]] | None = None) -> list[Path]:
    """Expand files and folders into the files to ingest, as absolute paths.

    Folders are walked recursively in sorted order, keeping only regular files with supported extensions
    and skipping hidden files and folders (and Word's ``~$`` lock files). A symbolic link inside a folder
    that leads out of it (to ``/etc/passwd``, another user's files) is not followed: it goes to ``refused``
    with the reason. A file named explicitly is always kept, whatever its extension or kind, so the caller
    reports it (``parse_file`` raises :class:`UnsupportedFormat` for a FIFO or a device too) instead of
    silently ignoring it; a path that does not exist is kept for the same reason. Duplicates are dropped,
    first occurrence wins.

    Args:
        paths: files and folders, e.g. ``[Path("data/plans")]``.
        refused: given, collects ``(path, reason)`` for each file found in a folder and not taken.

    Returns:
        The files, in argument order, each folder's files sorted.
    """
    out: dict[Path, None] = {}
    for given in paths:
        path = Path(given).expanduser().absolute()
        if not path.is_dir():
            out.setdefault(path.resolve() if path.exists() else path, None)
            continue
        root = path.resolve()
        for found in sorted(path.rglob("*")):
            rel = found.relative_to(path)
            if any(_hidden(part) for part in rel.parts) or found.suffix.lower() not in SUPPORTED_SUFFIXES:
                continue
            target = found.resolve()
            if not target.is_relative_to(root):
                if refused is not None:
                    refused.append((found, f"{found.name}: a link that leads out of {path} (to {target}); "
                                           "copy the file into the folder to ingest it"))  # fmt: skip
                continue
            if found.is_file():  # FIFOs, devices and sockets are not plans
                out.setdefault(target, None)
    return list(out)


def check_regular(path: Path) -> None:
    """Refuse anything but a regular file before it is opened: a FIFO would block the reader for ever,
    ``/dev/zero`` never ends.

    Raises:
        UnsupportedFormat: a FIFO, device, socket or folder.
        OSError: the path cannot be examined (missing, no permission).
    """
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):
        kind = "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) \
            else "a folder" if stat.S_ISDIR(mode) else "not a regular file"  # fmt: skip
        raise UnsupportedFormat(f"{path.name}: {kind}, not a plan file; name a .docx, .pdf, .txt … file instead")
