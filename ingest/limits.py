"""Limits applied while reading files, so one hostile or huge file cannot exhaust the machine."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Reading limits. Defaults suit plans (a few hundred KB); every one can be raised by the caller.

    Args:
        max_file_bytes: size of the file on disk.
        max_unpacked_bytes: total uncompressed size of a .docx/.xlsx's zip members (zip-bomb guard).
        max_part_bytes: uncompressed size of any one zip member (a document.xml of a long plan is a few MB).
        max_zip_members: members in one .docx/.xlsx (Word writes a few dozen).
        max_compression_ratio: uncompressed/compressed ratio above which the archive, or a member over
            1 MB, is refused.
        max_pdf_pages: pages read from a PDF.
        max_text_chars: characters of decoded text kept from one file.
        pdf_timeout_s: wall-clock seconds a PDF may take to read (it is read in a child process,
            killed when over; a 500-page plan reads in well under a minute).
        pdf_memory_mb: memory the child reading a PDF may add to what it holds when it starts
            (its address space is capped at that; a content stream that inflates past it is refused).
            The same cap applies to every sandboxed reader (OCR, workbooks, web pages).
        max_ocr_pages: scanned pages read by OCR from one PDF (about 2 s a page on two cores).
        ocr_page_timeout_s: wall-clock seconds one scanned page may take (render, find tables, OCR).
        ocr_dpi: resolution scanned pages are rendered at for OCR (300 is what Tesseract is trained for).
    """

    max_file_bytes: int = 50 * 1024 * 1024
    max_unpacked_bytes: int = 200 * 1024 * 1024
    max_part_bytes: int = 64 * 1024 * 1024
    max_zip_members: int = 2000
    max_compression_ratio: float = 200.0
    max_pdf_pages: int = 500
    max_text_chars: int = 5_000_000
    pdf_timeout_s: float = 120.0
    pdf_memory_mb: int = 1024
    max_ocr_pages: int = 200
    ocr_page_timeout_s: float = 120.0
    ocr_dpi: int = 300

    def __post_init__(self) -> None:
        for name in (
            "max_file_bytes", "max_unpacked_bytes", "max_part_bytes", "max_zip_members", "max_pdf_pages",
            "max_text_chars", "pdf_timeout_s",
            "max_ocr_pages", "ocr_page_timeout_s", "ocr_dpi",
        ):  # fmt: skip
            if getattr(self, name) <= 0:
                raise ValueError(f"Limits.{name} must be a positive number, got {getattr(self, name)!r}")
        if not isinstance(self.pdf_memory_mb, int) or self.pdf_memory_mb < 1:
            raise ValueError(
                f"Limits.pdf_memory_mb must be a whole number of MB, at least 1, got {self.pdf_memory_mb!r}"
            )
        if self.max_compression_ratio <= 1:
            raise ValueError(f"Limits.max_compression_ratio must be above 1, got {self.max_compression_ratio!r}")
