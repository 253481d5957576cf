"""Domain errors raised by ingestion. The CLI and UI turn them into one sentence for a person."""

from __future__ import annotations


class IngestError(ValueError):
    """A file that cannot be ingested. ``str(err)`` names the file, what was wrong and what to do."""


class UnsupportedFormat(IngestError):
    """The file's extension is not one planqa reads."""


class EmptyDocument(IngestError):
    """The file has no text at all."""


class CorruptDocument(IngestError):
    """The file is damaged or is not what its extension says (a truncated .docx, junk named .txt)."""


class ScannedPdf(IngestError):
    """A PDF whose pages carry no extractable text: it is a scan and needs OCR first."""


class TooLarge(IngestError):
    """Over a size limit: the file, its unpacked size (zip bomb guard), or its page count."""


class EncodingError(IngestError):
    """Text in an encoding planqa cannot recognise."""
