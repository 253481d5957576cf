"""The section tree of a plan, from Vietnamese heading conventions.

Roman numerals ("II. NHIỆM VỤ, GIẢI PHÁP"), capital letters ("B. Nội dung cụ thể"), arabic numbers
("1.", "1.1", "1.1.1"), "(1)", small letters ("a)"), "PHỤ LỤC N" with its title lines, and footnotes
("¹ Tại Kế hoạch …"). Bullets ("-", "+") are content, not headings. A numbered paragraph is both a
heading (its first words name the section) and content.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.model import Block, Para, Table
from ingest.textnorm import fold

_ROMAN = re.compile(r"^([IVX]{1,4})\.\s*(\S.*)$")
_LETTER = re.compile(r"^([A-ZĐ])\.\s+(\S.*)$")
_ARABIC = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.(?!\d)\s*(\S.*)$|^(\d{1,2}(?:\.\d{1,2})+)\s+(\S.*)$")
_PAREN = re.compile(r"^\((\d{1,2})\)\s*(\S.*)$")
_SMALL = re.compile(r"^([a-zđ])[\.\)]\s+(\S.*)$")
# (?>…): the spaces around the number are read once; trying each split of a long run before a line break
# that "(.*)$" cannot cross was quadratic, and every split ends in the same place
_APPENDIX = re.compile(r"^ph[uụ] l[uụ]c(?>\s*([0-9IVX]+)?\b\.?\s*)(.*)$", re.IGNORECASE)
_FOOTNOTE = re.compile(r"^[¹²³⁴⁵⁶⁷⁸⁹⁰]+\s*\S")
_END_OF_BODY = ("noi nhan", "nguon tra cuu")
# A heading's title is its first clause, kept to 500 characters: every block under it carries it (a section's
# index, the agency an item names), so a "title" of megabytes would be read again for each of them. Titles
# that long read as paragraphs anyway (over 25 words); an appendix title (the lines after "PHỤ LỤC N") is
# kept to 1,000 characters for the same reason.
TITLE_CHARS = 500
APPENDIX_TITLE_CHARS = 1000
# after a decision's or letter's signature, an attached document starts with its own title
_ATTACHED = re.compile(r"^(?:ke hoach|quy dinh|quy che|chuong trinh|phuong an|de an)$|^\(?ban hanh kem theo")


@dataclass(frozen=True)
class Heading:
    """One node of the section tree: its numbering label, a short title and its depth."""

    level: int
    label: str  # "II", "1.3", "(4)", "Phụ lục 11"
    title: str  # the heading's text (for a numbered paragraph, its first clause)
    kind: str  # roman, letter, arabic, paren, small, appendix

    def display(self, width: int = 70) -> str:
        """ "II. NHIỆM VỤ, GIẢI PHÁP", cut to ``width`` characters."""
        title = self.title if len(self.title) <= width else self.title[: width - 1].rstrip() + "…"
        if self.kind == "appendix":
            return self.label
        sep = " " if self.kind == "paren" else ". "
        return f"{self.label}{sep}{title}" if title else self.label


@dataclass
class Segment:
    """A block with the headings above it, outermost first."""

    block: Block
    path: tuple[Heading, ...]
    role: str = "body"  # body, heading, appendix-title, footnote, closing
    appendix_title: str = ""


def join_broken_lines(paras: Sequence[Block]) -> list[Block]:
    """Join a paragraph cut by a page break: no closing punctuation, next one starts in lower case.

    A run of such paragraphs is joined once at its end (joining them one by one would copy the growing
    text again for each: quadratic in a file of thousands of one-word lines).
    """
    out: list[Block] = []
    joined: list[str] = []  # the texts of out[-1] while it is a paragraph that may take the next one
    head = ""  # the start of their joined text (enough to tell a footnote)
    end = 0

    def close() -> None:
        first = out[-1] if out else None
        if len(joined) > 1 and isinstance(first, Para):
            out[-1] = Para(" ".join(joined), first.start, end, first.heading_level)
        joined.clear()

    for block in paras:
        if (
            isinstance(block, Para)
            and joined
            and block.text[:1].islower()
            and not _last_text(joined).endswith((".", ";", ":", "!", "?", "”", '"', ")"))
            and not _FOOTNOTE.match(head)
        ):
            joined.append(block.text)
            end = block.end
            if len(head) < _HEAD_CHARS:
                head = f"{head} {block.text}"[:_HEAD_CHARS]
            continue
        close()
        out.append(block)
        if isinstance(block, Para):
            joined.append(block.text)
            head, end = block.text[:_HEAD_CHARS], block.end
    close()
    return out


_HEAD_CHARS = 200


def _last_text(texts: list[str]) -> str:
    """The end of ``" ".join(texts).rstrip()``, without joining."""
    return next((t.rstrip() for t in reversed(texts) if t.rstrip()), "")


def heading_of(text: str) -> Heading | None:
    """The heading a paragraph opens, if any."""
    for kind, rx, level in (("roman", _ROMAN, 1), ("letter", _LETTER, 2), ("paren", _PAREN, 8), ("small", _SMALL, 9)):
        m = rx.match(text)
        if m:
            return Heading(level, m.group(1), _first_clause(m.group(2)), kind)
    m = _ARABIC.match(text)
    if m:
        label = m.group(1) or m.group(3)
        title = m.group(2) or m.group(4)
        return Heading(2 + label.count(".") + 1, label, _first_clause(title), "arabic")
    return None


def _first_clause(text: str) -> str:
    text = text.strip().strip("*_ ")
    cut = re.split(r"(?<=[.:;])\s", text, maxsplit=1)[0]
    return cut.rstrip(".:; ")[:TITLE_CHARS]


def segment(blocks: Sequence[Block]) -> list[Segment]:
    """Walk the blocks in order, keeping the stack of open headings.

    Returns one Segment per block. Appendix title lines (upper-case lines after "PHỤ LỤC N" and the
    "(Kèm theo …)" line) get role ``appendix-title``; the recipients/signature block after
    "Nơi nhận:" gets role ``closing`` until the next appendix or the document a decision issues ("KẾ
    HOẠCH" after the signature).
    """
    out: list[Segment] = []
    stack: list[Heading] = []
    appendix_title = ""  # every block of an appendix carries it: one string, not a list joined for each
    in_title = False
    closing = False
    for block in join_broken_lines(blocks):
        if isinstance(block, Table):
            in_title = False
            out.append(Segment(block, tuple(stack), "body", appendix_title))
            continue
        text = block.text.strip()
        m = _APPENDIX.match(text)
        if m and (m.group(1) or not m.group(2)):
            label = "Phụ lục" + (f" {m.group(1)}" if m.group(1) else "")
            stack = [Heading(0, label, m.group(2).strip()[:TITLE_CHARS], "appendix")]
            appendix_title = m.group(2).strip()[:APPENDIX_TITLE_CHARS]
            in_title, closing = True, False
            out.append(Segment(block, tuple(stack), "heading", appendix_title))
            continue
        if in_title and (text.isupper() or fold(text).startswith("(kem theo")) and heading_of(text) is None:
            if not fold(text).startswith("(kem theo") and len(appendix_title) < APPENDIX_TITLE_CHARS:
                appendix_title = f"{appendix_title} {text}".strip()[:APPENDIX_TITLE_CHARS]
            out.append(Segment(block, tuple(stack), "appendix-title", appendix_title))
            continue
        in_title = False
        if _FOOTNOTE.match(text):
            out.append(Segment(block, tuple(stack), "footnote", appendix_title))
            continue
        if fold(text).startswith(_END_OF_BODY):
            closing = True
        elif (
            closing
            and _ATTACHED.match(fold(text.strip("*_# ")).strip())
            and (text.isupper() or fold(text).startswith(("(", "ban hanh")))
        ):
            closing, stack = False, []  # "KẾ HOẠCH" after "Nơi nhận" and the signature: the plan a decision issues
        if closing:
            out.append(Segment(block, tuple(stack), "closing", appendix_title))
            continue
        head = heading_of(text)
        if head is not None:
            while stack and stack[-1].level >= head.level and stack[-1].kind != "appendix":
                stack.pop()
            stack.append(head)
        out.append(Segment(block, tuple(stack), "heading" if head else "body", appendix_title))
    return out
