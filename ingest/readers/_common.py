"""Shared pieces of the readers: a builder that lays blocks out in the text, and the text-level limits.

Every reader emits lines through :class:`TextBuilder`, so ``RawDocument.text`` is exactly the text the
blocks index into: a paragraph is its own line(s), a table is its rendering (one line per row).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..errors import EmptyDocument, TooLarge
from ..limits import Limits
from ..model import Block, Para, Table
from ..textnorm import clean_line

# How a table row is shown in the text (docx, pdf, markdown); TSV keeps its own tab-separated lines.
CELL_SEPARATOR = " | "


class TextBuilder:
    """Appends lines to the document text and records blocks with their offsets into it."""

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._length = 0  # length of "\n".join(self._lines)
        self.blocks: list[Block] = []

    def _append(self, line: str) -> tuple[int, int]:
        start = self._length + (1 if self._lines else 0)
        self._lines.append(line)
        self._length = start + len(line)
        return start, self._length

    def blank(self) -> None:
        """A blank separator line (kept so text files keep their paragraph breaks)."""
        self._append("")

    def para(self, text: str, heading_level: int | None = None) -> None:
        """A paragraph; ``text`` may hold inner line breaks (a Word soft break). Empty text is skipped."""
        if not text:
            return
        start, end = self._append(text)
        self.blocks.append(Para(text=text, start=start, end=end, heading_level=heading_level))

    def table(self, rows: list[list[str]], origin: str, lines: list[str] | None = None) -> None:
        """A table padded to a rectangle; ``lines`` is its rendering, by default one row per line.

        Tables with no text in any cell (layout grids, empty frames) are dropped.
        """
        width = max((len(r) for r in rows), default=0)
        grid = tuple(tuple(r) + ("",) * (width - len(r)) for r in rows)
        if not any(cell for row in grid for cell in row):
            return
        if lines is None:
            lines = [render_row(row) for row in grid]
        start = end = -1
        for line in lines:
            s, end = self._append(line)
            start = s if start < 0 else start
        self.blocks.append(Table(rows=grid, start=start, end=end, origin=origin))

    @property
    def text(self) -> str:
        """The document text built so far."""
        return "\n".join(self._lines)


def render_row(row: tuple[str, ...] | list[str]) -> str:
    """One table row on one line: cells joined by ``" | "``, inner line breaks turned into spaces."""
    return CELL_SEPARATOR.join(" ".join(cell.split("\n")) for cell in row)


def clean_cell(text: str | None) -> str:
    """A cell's text: each inner line cleaned (NFC, spaces), empty lines dropped, ``None`` → ``""``."""
    if not text:
        return ""
    return "\n".join(line for line in (clean_line(part) for part in text.splitlines()) if line)


def check_text(name: str, text: str, limits: Limits) -> None:
    """Refuse decoded text that is over ``limits.max_text_chars`` or has nothing but whitespace.

    Raises:
        TooLarge: the text is longer than the limit (we never truncate silently).
        EmptyDocument: the text is empty or only whitespace.
    """
    if len(text) > limits.max_text_chars:
        raise TooLarge(
            f"{name}: {len(text):,} characters of text, over the limit of {limits.max_text_chars:,}; "
            "split the document or raise Limits.max_text_chars"
        )
    if not text.strip():
        raise EmptyDocument(
            f"{name}: expected text, found none (the file is empty or only whitespace); "
            "check that the right file was given"
        )


def blocks_to_json(blocks: tuple[Block, ...]) -> list[dict[str, Any]]:
    """Blocks as JSON-able dicts (what a sandboxed reader sends back to its parent)."""
    return [{"kind": type(b).__name__, **dataclasses.asdict(b)} for b in blocks]


def blocks_from_json(items: list[dict[str, Any]]) -> tuple[Block, ...]:
    """The inverse of :func:`blocks_to_json`."""
    out: list[Block] = []
    for item in items:
        fields = {k: v for k, v in item.items() if k != "kind"}
        if item["kind"] == "Table":
            fields["rows"] = tuple(tuple(row) for row in fields["rows"])
            out.append(Table(**fields))
        else:
            out.append(Para(**fields))
    return tuple(out)


def page_ranges(numbers: list[int]) -> str:
    """Ascending page numbers as a person reads them: [3, 4, 5, 9] → "3–5, 9"."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(f"{a}–{b}" if b > a else str(a) for a, b in spans)
