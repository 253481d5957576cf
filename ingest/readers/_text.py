"""Plain-text and markdown plans: one paragraph per non-empty line, tab-separated and pipe tables.

The text of a ``.txt`` file is kept as :func:`~ingest.textnorm.normalize_text` gives it (blank lines
and tabs included), so offsets point into the file's own lines. Markdown is cleaned line by line:
heading marks and emphasis are dropped, pipe tables become one line per row, the ``|---|`` rule goes.
Tables flattened one cell per line are left as paragraphs: finding them is the structurer's job.
"""

from __future__ import annotations

import re

from ..limits import Limits
from ..model import Block
from ..textnorm import clean_line, nfc, normalize_text
from ._common import TextBuilder, check_text
from ._encoding import decode_bytes

_HEADING_RE = re.compile(r"^(#{1,6})(?:\s+|$)(.*?)(?:\s+#+)?\s*$")
_PIPE_RULE_RE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|])")
_STRONG_RE = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EM_RE = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])")
# Emphasis opened on one line and closed on the next ("**KT.GIÁM ĐỐC" / "PHÓ GIÁM ĐỐC**"); a "* " bullet
# is followed by a space and is left alone.
_EDGE_RE = re.compile(r"^\*+(?=\S)|(?<=\S)\*+$")
_CELL_SPLIT_RE = re.compile(r"(?<!\\)\|")
_ATX_LINE_RE = re.compile(r"^#{1,6}\s+\S", re.MULTILINE)


def _unmark(line: str) -> str:
    """Markdown inline marks removed: emphasis, escapes, hard-break backslash."""
    line = _STRONG_RE.sub(r"\2", line)
    line = _EM_RE.sub(r"\1", line)
    line = _EDGE_RE.sub("", line.strip())
    line = line.removesuffix("\\")
    return clean_line(_ESCAPE_RE.sub(r"\1", line))


def _pipe_cells(line: str) -> list[str]:
    inner = line.strip().removeprefix("|").removesuffix("|")
    return [_unmark(cell) for cell in _CELL_SPLIT_RE.split(inner)]


def _is_pipe_row(line: str) -> bool:
    return "|" in line and not _PIPE_RULE_RE.match(line.strip())


def _layout(lines: list[str], tabbed: list[bool], markdown: bool) -> TextBuilder:
    """Walk the normalised lines and emit paragraphs and tables in order."""
    out = TextBuilder()
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if markdown and "|" in line and i + 1 < n and _PIPE_RULE_RE.match(lines[i + 1]):
            j = i + 2
            while j < n and _is_pipe_row(lines[j]):
                j += 1
            rows = [_pipe_cells(lines[i])] + [_pipe_cells(row) for row in lines[i + 2 : j]]
            out.table(rows, origin="markdown")
            i = j
            continue
        if tabbed[i]:
            j = i
            while j < n and tabbed[j]:
                j += 1
            if j - i >= 2:  # one tabbed line alone is a layout line (e.g. "Số: …\tHà Nội, ngày …"), not a table
                block = lines[i:j]
                out.table([row.split("\t") for row in block], origin="tsv", lines=block)
                i = j
                continue
            line = clean_line(line)  # tabs inside a paragraph are only spacing
        level = None
        if markdown and (m := _HEADING_RE.match(line)):
            level, line = len(m.group(1)), m.group(2)
        text = _unmark(line) if markdown else line
        if text:
            out.para(text, heading_level=level)
        else:
            out.blank()
        i += 1
    return out


def read_text(data: bytes, name: str, limits: Limits, markdown: bool) -> tuple[str, tuple[Block, ...], tuple[str, ...]]:
    """Read a ``.txt`` or ``.md`` file's bytes.

    Args:
        data: the file's bytes.
        name: the file name, for messages.
        limits: reading limits (``max_text_chars`` applies to the decoded text).
        markdown: parse markdown headings, emphasis and pipe tables.

    Returns:
        ``(text, blocks, warnings)``; ``warnings`` notes a non-UTF-8 encoding.

    Raises:
        CorruptDocument, EncodingError, EmptyDocument, TooLarge: see :func:`decode_bytes`/``check_text``.
    """
    decoded, encoding = decode_bytes(data, name)
    check_text(name, decoded, limits)
    normalised = normalize_text(decoded)
    # normalize_text drops trailing tabs, so "X\t\t" would lose its tab; table membership uses the raw line.
    raw = nfc(decoded).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = normalised.split("\n")
    tabbed = [("\t" in r) and bool(n) for r, n in zip(raw, lines, strict=True)]
    warnings = [] if encoding in ("utf-8", "utf-8-sig") else [f"{name}: decoded as {encoding}"]
    if not markdown and looks_like_markdown(lines):
        markdown = True
        warnings.append(f"{name}: plain-text file with markdown headings or tables; read as markdown")
    out = _layout(lines, tabbed, markdown)
    text = out.text
    check_text(name, text, limits)
    return text, tuple(out.blocks), tuple(warnings)


def looks_like_markdown(lines: list[str]) -> bool:
    """A .txt written as markdown (converters often save .txt so): 3+ ``#`` headings, or a pipe table rule.

    Plan prose never starts a line with "# ", so three such lines are a safe sign.
    """
    headings = sum(1 for line in lines if _ATX_LINE_RE.match(line))
    return headings >= 3 or any("|" in line and "-" in line and _PIPE_RULE_RE.match(line) for line in lines)
