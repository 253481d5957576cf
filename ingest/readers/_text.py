"""Plain-text and markdown plans: one paragraph per non-empty line, tab-separated and pipe tables.

The text of a ``.txt`` file is kept as :func:`~ingest.textnorm.normalize_text` gives it (blank lines
and tabs included), so offsets point into the file's own lines. Markdown is cleaned line by line:
heading marks and emphasis are dropped, pipe tables become one line per row, the ``|---|`` rule goes.
Tables flattened one cell per line are left as paragraphs: finding them is the structurer's job.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..limits import Limits
from ..model import Block
from ..textnorm import clean_line, nfc, normalize_text
from ._common import TextBuilder, check_text
from ._encoding import decode_bytes

_HEADING_OPEN_RE = re.compile(r"(#{1,6})(?:\s+|$)")
_PIPE_RULE_RE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|])")
_CELL_SPLIT_RE = re.compile(r"(?<!\\)\|")
_ATX_LINE_RE = re.compile(r"^#{1,6}\s+\S", re.MULTILINE)

# Emphasis is matched by scanning, not by a regular expression: "(\*\*)(?=\S)(.+?)(?<=\S)\1" tries every
# opening mark against the rest of the line, so a line of 32,000 unclosed " *a" took 31 s (quadratic).
# The scanner finds what that pattern found — the shortest closing mark after each opening one — in one pass.


def _heading(line: str) -> tuple[int, str] | None:
    """``(level, title)`` of an ATX heading ("## Tiêu đề ##"), else ``None``; closing hashes dropped."""
    m = _HEADING_OPEN_RE.match(line)
    if not m:
        return None
    title = line[m.end() :].rstrip()
    if title.endswith("#"):
        bare = title.rstrip("#")
        if bare and bare[-1].isspace():
            title = bare.rstrip()
    return len(m.group(1)), title


class _Next:
    """Where ``pattern`` next matches at or after a position (``-1``: nowhere), for positions asked in
    increasing order: an answer is kept while it stays ahead, so the line is searched once in all."""

    def __init__(self, pattern: re.Pattern[str], text: str) -> None:
        self.pattern, self.text = pattern, text
        self.found: int | None = None

    def at_or_after(self, pos: int) -> int:
        if self.found is None or 0 <= self.found < pos:
            m = self.pattern.search(self.text, pos)
            self.found = m.start() if m else -1
        return self.found


# an opening mark stands before a non-space, a closing one after a non-space; a single star also stands apart
# from words and other stars on its outer side ("2*3*4" is no emphasis)
_STRONG_OPEN = {"**": re.compile(r"\*\*(?=\S)"), "__": re.compile(r"__(?=\S)")}
_STRONG_CLOSE = {"**": re.compile(r"(?<=\S)\*\*"), "__": re.compile(r"(?<=\S)__")}
_EM_OPEN = re.compile(r"(?<![\w*])\*(?=\S)")
_EM_CLOSE = re.compile(r"(?<=\S)\*(?![\w*])")


def _by_line(strip: Callable[[str], str], text: str) -> str:
    # emphasis never spans a line break (no pattern of the kind matched one), so each line is its own job
    return "\n".join(strip(line) for line in text.split("\n")) if "\n" in text else strip(text)


def _strip_strong(text: str) -> str:
    """``**x**`` and ``__x__`` → ``x``: an opening mark, then the first closing mark of the same kind."""
    return _by_line(_strong_in_line, text)


def _strong_in_line(line: str) -> str:
    marks = [mark for mark in _STRONG_OPEN if mark in line]
    opening = {mark: _Next(_STRONG_OPEN[mark], line) for mark in marks}
    closing = {mark: _Next(_STRONG_CLOSE[mark], line) for mark in marks}
    out: list[str] = []
    pos = 0
    while marks:
        found = {mark: opening[mark].at_or_after(pos) for mark in marks}
        marks = [mark for mark in marks if found[mark] >= 0]
        if not marks:
            break
        mark = min(marks, key=found.__getitem__)
        i = found[mark]
        j = closing[mark].at_or_after(i + 3)
        if j < 0:
            marks.remove(mark)  # no closing left: none of this mark's later openings closes either
            continue
        out += [line[pos:i], line[i + 2 : j]]
        pos = j + 2
    out.append(line[pos:])
    return "".join(out)


def _strip_em(text: str) -> str:
    """``*x*`` → ``x``: an opening star, then the first closing one."""
    return _by_line(_em_in_line, text)


def _em_in_line(line: str) -> str:
    closing = _Next(_EM_CLOSE, line)
    out: list[str] = []
    pos = 0
    while (m := _EM_OPEN.search(line, pos)) and (j := closing.at_or_after(m.start() + 2)) >= 0:
        out += [line[pos : m.start()], line[m.end() : j]]
        pos = j + 1
    out.append(line[pos:])
    return "".join(out)


def _strip_edge_marks(line: str) -> str:
    """Emphasis opened on one line and closed on the next ("**KT.GIÁM ĐỐC" / "PHÓ GIÁM ĐỐC**") loses its
    marks; a "* " bullet is followed by a space and is left alone."""
    n = len(line)
    lead = n - len(line.lstrip("*"))
    start = lead if 0 < lead < n and not line[lead].isspace() else lead - 1 if lead >= 2 else 0
    tail = max(len(line.rstrip("*")), start, 1)
    if tail < n and not line[tail - 1].isspace():
        end = tail
    elif tail + 1 < n:
        end = tail + 1
    else:
        end = n
    return line[start:end]


def _unmark(line: str) -> str:
    """Markdown inline marks removed: emphasis, escapes, hard-break backslash."""
    line = _strip_strong(line)
    line = _strip_em(line)
    line = _strip_edge_marks(line.strip())
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
        if markdown and (head := _heading(line)):
            level, line = head
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
