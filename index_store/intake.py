"""Add one plan file to the store: hash → skip or parse → upsert, described as a plain result dict.

Shared by ``planqa ingest`` (a loop with a progress bar) and the web app's upload (a loop with a
progress callback). A bad file never raises: its result says ``failed`` and why, and nothing of it is
stored (``Store.upsert`` writes one document in one transaction).
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from index_store.sqlite_store import Store
from ingest.errors import IngestError
from ingest.limits import Limits
from ingest.model import ParsedDocument

STATUSES = ("added", "replaced", "unchanged", "failed")


def _result(path: Path) -> dict[str, Any]:
    return {
        "file": str(path), "source": unicodedata.normalize("NFC", path.name), "status": "failed", "doc_id": None, "doc_number": None,
        "province": None, "assignments": 0, "scores": 0, "passages": 0, "warnings": [], "error": None, "error_kind": None,
    }  # fmt: skip


def refusal(path: Path, reason: str, kind: str = "UnsupportedFormat") -> dict[str, Any]:
    """The result of a file refused before it was opened (a link out of its folder)."""
    return {**_result(path), "error": reason, "error_kind": kind}


def what_was_read(parsed: ParsedDocument, rows: int = 3) -> dict[str, Any]:
    """What a person checks after a file is read: the metadata, the counts, the first rows as read.

    ``{"doc_number", "issuer", "level", "province", "year", "signer", "indices", "fmt", "ocr_pages",
    "corrected", "assignments", "scores", "passages", "first_rows": [{"location", "component", "lead",
    "coop", "deadline"}, …]}``.
    """
    doc = parsed.document
    first = [
        {"location": a.location, "component": a.component, "lead": list(a.lead), "coop": list(a.coop),
         "deadline": a.deadline}
        for a in parsed.assignments[:rows]
    ]  # fmt: skip
    return {
        "doc_number": doc.doc_number, "issuer": doc.issuer, "level": doc.level, "province": doc.province,
        "year": doc.year, "signer": doc.signer, "indices": list(doc.indices), "fmt": doc.fmt,
        "ocr_pages": list(doc.ocr_pages), "corrected": list(doc.corrected), "assignments": len(parsed.assignments),
        "scores": len(parsed.scores), "passages": len(parsed.passages), "first_rows": first,
    }  # fmt: skip


def _named(path: Path, message: str) -> str:
    name = unicodedata.normalize("NFC", path.name)
    return message if name in message else f"{name}: {message}"


def ingest_file(
    store: Store, path: Path, vocab: Callable[[], Any], *,
    stored_path: Path | Callable[[ParsedDocument], Path] | None = None,
    limits: Limits | None = None, on_stored: Callable[[ParsedDocument], Any] | None = None,
    progress: Callable[[str, int, int], None] | None = None, force: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """Ingest one file and describe what happened; never raises for a bad file.

    The stored identity of a file is its absolute path, so the next run finds it with
    ``find_unchanged`` and skips it without parsing.

    Args:
        store: an open, writable store (the caller holds the knowledge-base lock).
        path: the file to read, e.g. ``data/plans/ke-hoach-336.docx``.
        vocab: returns the vocabulary (called only when the file has to be parsed).
        stored_path: the path recorded as the document's identity when it differs from ``path``; or a
            function that chooses it once the file is parsed (an upload is read from a staging folder and
            kept under a name chosen for the plan it turned out to be). A function also makes the file's
            identity its content: the same bytes under any name are "unchanged", and a plan without a
            number is told apart by its content, never by its file name.
        limits: reading limits (file size, zip-bomb guard, PDF pages); the ingestion defaults when ``None``.
        on_stored: called with the parsed document once it is stored (added or replaced).
        progress: told about long steps inside the file (``("OCR", page, pages)``).
        force: parse and store even an unchanged file (after a person corrected its metadata).

    The corrections a person made to this file's metadata (kept by content hash) are applied.

    Returns:
        ``{"file", "source", "status": "added" | "replaced" | "unchanged" | "failed", "doc_id", "doc_number",
        "province", "assignments", "scores", "passages", "warnings", "error", "error_kind"}`` (the kind: the
        ingestion error's class name, "OSError" or "unexpected"), and ``read`` (:func:`what_was_read`) for a
        file added or replaced.
    """
    from ingest import pipeline  # heavy (docx, pdf readers): imported only when there is work to do

    by_content = callable(stored_path)
    res = _result(path)
    try:
        pipeline.check_regular(path)  # before anything opens it: a FIFO would block for ever
        digest = pipeline.file_hash(path)
        known = None if by_content else str(stored_path or path)
        doc_id = None if force else store.find_unchanged(known, digest)
        if doc_id:
            row = store.document_rows(doc_id)[0]
            res.update({k: row[k] for k in ("doc_id", "doc_number", "province", "warnings")}, **row["counts"])
            res["status"] = "unchanged"
            return res
        options = {} if limits is None else {"limits": limits}  # None: the pipeline's own defaults
        parsed = pipeline.parse_file(
            path, vocab=vocab(), progress=progress, corrections=store.corrections(digest),
            identity=digest if by_content else None, **options,
        )  # fmt: skip
        identity = stored_path(parsed) if callable(stored_path) else stored_path or path
        if parsed.document.path != str(identity):
            parsed = dataclasses.replace(parsed, document=dataclasses.replace(parsed.document, path=str(identity)))
        res["status"] = store.upsert(parsed, force=force)
        doc = parsed.document
        res.update(doc_id=doc.doc_id, doc_number=doc.doc_number, province=doc.province, warnings=list(doc.warnings))
        res["stored_as"] = str(identity)
        res.update(assignments=len(parsed.assignments), scores=len(parsed.scores), passages=len(parsed.passages))
        res["read"] = what_was_read(parsed)
    except IngestError as err:
        res["error"], res["error_kind"] = _named(path, str(err)), type(err).__name__
    except OSError as err:
        res["error"] = f"{path}: cannot read the file ({err.strerror or err}); check the path and its permissions"
        res["error_kind"] = "OSError"
    except Exception as err:  # noqa: BLE001 - one broken file (or parser bug) must not stop the others
        res["error"] = f"{path.name}: unexpected {type(err).__name__} while ingesting: {err}"
        res["error_kind"] = "unexpected"
    else:
        if on_stored is not None:  # outside the try: the document is stored whatever the callback does
            on_stored(parsed)
    return res
