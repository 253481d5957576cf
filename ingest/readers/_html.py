"""Web pages (.html, .htm): the main text of a saved portal or news page, without its menus.

Provinces announce plans on portal and news pages; a saved page ("Save page as…, HTML only") carries the
plan amid menus, sidebars ("Tin liên quan") and footers. trafilatura finds the main text: its boilerplate
heuristics are tuned on large news and portal benchmarks, and it lays rowspan/colspan out as the Word
reader does (text in the top-left slot, "" elsewhere). Its whole-page rescue for short articles is off,
so a page of menus gives nothing rather than its menus. From its XML we emit the page title (a heading)
and publication date ("Ngày đăng: 16/10/2024", whose year metadata reads when the plan has no dated
header), then headings, paragraphs and list items one per line (``<br>`` starts a line) and tables. A
table of one row or one column lays the page out: its cells become paragraphs. A paragraph that is all
link text is a menu and is dropped. When nothing is found, a portal's document-detail page still has its
property table ("Số ký hiệu | 336/KH-UBND"): the page's content tables are kept. Scripts and styles are
never text, entities are decoded once (by the parser), link targets and images are dropped. The parse
runs in a child process with a time and a memory limit, as for PDFs (:mod:`ingest.readers._sandbox`).
"""

from __future__ import annotations

import codecs
import dataclasses
import re
from typing import Any

import trafilatura
from lxml import etree
from trafilatura.settings import Document as Extracted
from trafilatura.settings import use_config

from ..errors import CorruptDocument, EmptyDocument
from ..limits import Limits
from ..model import Block, Para
from ..textnorm import clean_line, fold
from ._common import TextBuilder, blocks_from_json, blocks_to_json, check_text, clean_cell
from ._encoding import decode_bytes
from ._sandbox import run_limited

_SAMPLE = 8192  # bytes looked at for NULs (UTF-16 without BOM), as _encoding does
_HEAD_SCAN = 65536  # bytes searched for a <meta> charset; heads of portal pages carry long inline scripts
_CHARSET_NAME = re.compile(rb"[\w.:-]+")
_SPACE = b" \t\r\n\f\v"  # what "\\s" matches in a bytes pattern
_AS_BROWSERS_READ = {"iso8859-1": "cp1252", "ascii": "cp1252"}  # WHATWG: these labels mean Windows-1252
_NOT_TEXT = ("script", "style", "noscript", "template", "svg", "iframe", "object")
# tags after which a new line starts: trafilatura's XML and, for the fallback tables, HTML's own
_BREAKS = frozenset(
    {"lb", "p", "head", "list", "item", "quote", "code", "row", "cell", "table"}
    | {"br", "div", "ul", "ol", "li", "dl", "dt", "dd", "tr", "td", "th", "pre", "h1", "h2", "h3", "h4", "h5", "h6"}
)
_SPACES_RE = re.compile(r"\s+")
# innermost tables outside the page's menus, for a page with no main text
_CONTENT_TABLES = etree.XPath(
    "//table[not(.//table) and not(ancestor::nav|ancestor::header|ancestor::footer|ancestor::aside)]"
)
_LINK_DENSE = 0.9  # share of a paragraph's letters inside links above which it is navigation

_CONFIG = use_config()
_CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", "0")  # no whole-page rescue: a menu-only page yields nothing
_CONFIG.set("DEFAULT", "EXTENSIVE_DATE_SEARCH", "off")  # the page's date from its markup, not a deadline in the text


class _Next:
    """The next place of ``needle`` in ``data`` at or after a position, for positions that only grow: each
    search starts where the last one stopped, so all of them together read ``data`` once."""

    def __init__(self, data: bytes, needle: bytes) -> None:
        self.data, self.needle, self.at = data, needle, -2  # -2: not searched yet; -1: none left

    def __call__(self, pos: int) -> int:
        if self.at == -2 or (self.at != -1 and self.at < pos):
            self.at = self.data.find(self.needle, pos)
        return self.at


def _skip_space(data: bytes, pos: int) -> int:
    while pos < len(data) and data[pos] in _SPACE:
        pos += 1
    return pos


def _charset_label(data: bytes) -> bytes | None:
    """The label of the first ``charset=`` inside a ``<meta …>`` tag (what ``<meta[^>]*?charset\\s*=…``
    finds), read in one pass: a page of ``<meta`` without ``>`` costs its length, not its length squared."""
    low = data.lower()
    meta, close, charset = _Next(low, b"<meta"), _Next(low, b">"), _Next(low, b"charset")
    pos = 0
    while (start := meta(pos)) != -1:
        end = close(start)
        end = len(low) if end == -1 else end
        found = charset(start)
        while found != -1 and found < end:
            at = _skip_space(low, found + len(b"charset"))
            if at < end and low[at : at + 1] == b"=":
                at = _skip_space(low, at + 1)
                if low[at : at + 1] in (b'"', b"'"):
                    at = _skip_space(low, at + 1)
                label = _CHARSET_NAME.match(data, at, end)
                if label:
                    return label.group(0)
            found = charset(found + 1)
        pos = end  # a "<meta" before this tag's ">" ends at the same ">" and was just read through
    return None


def _declared_charset(data: bytes) -> str | None:
    """The codec named by ``<meta charset>`` or ``http-equiv`` Content-Type, as a browser reads it."""
    label = _charset_label(data[:_HEAD_SCAN])
    try:
        codec = codecs.lookup(label.decode("ascii")).name if label else None
    except (LookupError, UnicodeDecodeError):
        return None
    if codec and codec.startswith(("utf-16", "utf-32")):
        return "utf-8"  # a UTF-16 label on bytes without NULs is a template error (WHATWG reads UTF-8)
    return _AS_BROWSERS_READ.get(codec or "", codec)


def _without_markup(data: bytes) -> bytes:
    """The page's bytes with scripts, styles, comments and tags each replaced by a space (what
    ``<(script|style)\\b.*?</\\1\\s*>|<!--.*?-->|<[^>]*>`` removes), in one pass: an unclosed ``<!--`` or
    ``<script`` falls back to its own tag, as that pattern does, without reading the rest of the page again."""
    low = data.lower()
    lt, gt, comment_end = _Next(low, b"<"), _Next(low, b">"), _Next(low, b"-->")
    ends = {b"script": _Next(low, b"</script"), b"style": _Next(low, b"</style")}
    out, pos = [], 0
    while (start := lt(pos)) != -1:
        end = -1
        for name, find in ends.items():
            after = start + 1 + len(name)
            follows = low[after : after + 1]  # "\\b" after the name, as a bytes pattern reads it (ASCII)
            if low.startswith(name, start + 1) and not (follows.isalnum() or follows == b"_"):
                closing = find(after)
                while closing != -1:
                    stop = _skip_space(low, closing + 2 + len(name))
                    if low[stop : stop + 1] == b">":
                        end = stop + 1
                        break
                    closing = find(closing + 1)
                break
        if end == -1 and low.startswith(b"<!--", start) and (stop := comment_end(start + 4)) != -1:
            end = stop + 3
        if end == -1 and (stop := gt(start + 1)) != -1:
            end = stop + 1
        if end == -1:  # a "<" that opens nothing: kept, as the pattern keeps it
            out.append(data[pos : start + 1])
            pos = start + 1
            continue
        out.append(data[pos:start] + b" ")
        pos = end
    out.append(data[pos:])
    return b"".join(out)


def _decode(data: bytes, name: str) -> tuple[str, list[str]]:
    """The page's text and warnings: BOM or UTF-16, valid UTF-8, the declared charset, else Windows-1258.

    Valid UTF-8 goes before the declared charset: a saved page keeps a stale ``<meta>`` whose server said
    UTF-8 in the (lost) HTTP header, and legacy Vietnamese bytes are never valid UTF-8 by chance.
    """
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\0" in data[:_SAMPLE]:
        text, encoding = decode_bytes(data, name)
    else:
        declared = _declared_charset(data)
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            # with no declaration, judge Windows-1258 on the page's words: markup would dilute them
            encoding = declared or decode_bytes(_without_markup(data), name)[1]
            text = data.decode(encoding, errors="replace")
            if encoding == "utf-8":
                return text, [f"{name}: not valid UTF-8 throughout; the bytes that are not were replaced by U+FFFD"]
    return text, ([] if encoding in ("utf-8", "utf-8-sig") else [f"{name}: decoded as {encoding}"])


def _flat(elem: Any, keep: bool = False) -> str:
    """An element's text, "\\n" where a line or a block starts, other whitespace one space (as HTML shows it)."""
    keep = keep or elem.tag in ("code", "pre")  # preformatted text keeps its own lines

    def spaced(text: str | None) -> str:
        return (text or "") if keep else _SPACES_RE.sub(" ", text or "")

    parts = [spaced(elem.text)]
    for child in elem:
        if isinstance(child.tag, str):  # not a comment or processing instruction
            brk = "\n" if child.tag in _BREAKS else ""
            parts += [brk, _flat(child, keep), brk]
        parts.append(spaced(child.tail))
    return "".join(parts)


def _lines(elem: Any) -> list[str]:
    return [line for line in (clean_line(part) for part in _flat(elem).split("\n")) if line]


def _link_share(elem: Any, link_tag: str) -> float:
    """Share of the element's letters and digits that sit inside links (1.0 when it has none)."""
    total = sum(ch.isalnum() for ch in "".join(elem.itertext()))
    linked = sum(ch.isalnum() for link in elem.iter(link_tag) for ch in "".join(link.itertext()))
    return linked / total if total else 1.0


def _paras(elem: Any, out: TextBuilder, level: int | None = None) -> None:
    """One paragraph per line of ``elem``, unless it is all links (navigation)."""
    if _link_share(elem, "ref") < _LINK_DENSE:
        for line in _lines(elem) if level is None else [" ".join(_lines(elem))]:
            out.para(line, heading_level=level)


def _main_text(body: Any, title: str, out: TextBuilder) -> None:
    """trafilatura's XML body as blocks: headings, paragraphs, list items, tables."""
    for elem in body:
        if elem.tag == "head":
            if fold(" ".join(_lines(elem))) != fold(title):  # the page's title is written once, first
                rend = re.fullmatch(r"h([1-6])", elem.get("rend", ""))
                _paras(elem, out, level=int(rend.group(1)) if rend else 2)
        elif elem.tag == "list":
            for item in elem.iterchildren("item"):
                _paras(item, out)
        elif elem.tag == "table":
            cells = [row.findall("cell") for row in elem.iterchildren("row")]
            if len(cells) >= 2 and max(len(row) for row in cells) >= 2:
                out.table([[clean_cell("\n".join(_lines(cell))) for cell in row] for row in cells], origin="html")
            else:  # a table of one row or one column lays the page out: its cells are text
                for cell in (cell for row in cells for cell in row):
                    _paras(cell, out)
        elif isinstance(elem.tag, str):
            _paras(elem, out)


def _span(cell: Any, attr: str) -> int:
    value = cell.get(attr, "1").strip()
    return min(int(value), 100) if value.isdecimal() and int(value) > 0 else 1


def _grid(table: Any) -> list[list[str]]:
    """An HTML table's rows; a merged cell's text in its top-left slot, "" in the slots it covers."""
    rows: list[list[str]] = []
    covered: dict[int, int] = {}  # column → rows still covered by a rowspan from above
    for tr in table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr"):
        row: list[str] = []
        for td in [*tr.xpath("./td|./th"), None]:  # None: the row's end, after the last covered slots
            while covered.get(len(row)):
                covered[len(row)] -= 1
                row.append("")
            if td is None:
                break
            colspan, rowspan = _span(td, "colspan"), _span(td, "rowspan")
            covered.update({col: rowspan - 1 for col in range(len(row), len(row) + colspan) if rowspan > 1})
            row += [clean_cell("\n".join(_lines(td)))] + [""] * (colspan - 1)
        rows.append(row)
    return rows


def _page_tables(tree: Any, out: TextBuilder) -> None:
    """The page's content tables (not mostly links), for a page with no main text."""
    for table in _CONTENT_TABLES(tree):
        rows = _grid(table)
        if _link_share(table, "a") < 0.5 and any(sum(bool(cell) for cell in row) >= 2 for row in rows):
            out.table(rows, origin="html")


def read_html_json(data: bytes, name: str, limits: dict[str, Any]) -> dict[str, Any]:
    """What the sandboxed child runs: :func:`read_html_here` with JSON in and out."""
    text, blocks, warnings = read_html_here(data, name, Limits(**limits))
    return {"text": text, "blocks": blocks_to_json(blocks), "warnings": list(warnings)}


def read_html(data: bytes, name: str, limits: Limits) -> tuple[str, tuple[Block, ...], tuple[str, ...]]:
    """Read a saved web page's bytes: its title, date and main text, without menus and footers.

    The parse runs in a child process, within ``limits.pdf_timeout_s`` and ``limits.pdf_memory_mb``.

    Args:
        data: the file's bytes.
        name: the file name, for messages.
        limits: reading limits (``max_text_chars``, ``pdf_timeout_s``, ``pdf_memory_mb``).

    Returns:
        ``(text, blocks, warnings)``; warnings note a charset other than UTF-8 or a page read from its tables.

    Raises:
        EmptyDocument: the page has only navigation and menus (no main text, no content table).
        CorruptDocument: not HTML at all, or the reader crashed on it.
        EncodingError: undeclared bytes that are neither UTF-8 nor Vietnamese in Windows-1258.
        TooLarge: more text than ``limits.max_text_chars``, or over the time or memory limit.

    Example:
        >>> text, blocks, _ = read_html(page_bytes, "ke-hoach-336.html", Limits())  # doctest: +SKIP
        >>> text.splitlines()[:2]  # doctest: +SKIP
        ['Kế hoạch nâng cao các chỉ số PAPI, SIPAS của tỉnh', 'Ngày đăng: 16/10/2024']
    """
    got = run_limited(
        __name__, "read_html_json", data, {"name": name, "limits": dataclasses.asdict(limits)},
        name=name, what="the web page", timeout_s=limits.pdf_timeout_s, memory_mb=limits.pdf_memory_mb,
        resave="save the plan's own page again (or its attached file)",
    )  # fmt: skip
    return got["text"], blocks_from_json(got["blocks"]), tuple(got["warnings"])


def read_html_here(data: bytes, name: str, limits: Limits) -> tuple[str, tuple[Block, ...], tuple[str, ...]]:
    """:func:`read_html` in this process, without the time and memory limits (what the child runs)."""
    page, warnings = _decode(data, name)
    tree = trafilatura.load_html(page)
    if tree is None:
        raise CorruptDocument(
            f"{name}: expected an HTML page, found no HTML markup; save the page again from the browser "
            "(Save page as…, HTML only), or name a plain-text plan .txt"
        )
    etree.strip_elements(tree, *_NOT_TEXT, with_tail=False)
    found = trafilatura.bare_extraction(
        tree, include_tables=True, include_links=True, include_images=False, include_comments=False,
        include_formatting=False, with_metadata=True, config=_CONFIG,
    )  # fmt: skip
    extracted = found if isinstance(found, Extracted) else Extracted()  # None: no main text found
    title, date = clean_line(extracted.title or ""), extracted.date or ""
    content = TextBuilder()
    _main_text(extracted.body if extracted.body is not None else [], title, content)
    if not content.blocks:
        _page_tables(tree, content)
        if content.blocks:
            warnings.append(f"{name}: no main text found; read the page's tables")
    if not content.blocks:
        raise EmptyDocument(
            f"{name}: expected a web page with a plan's text, found only navigation and menus (no main text, "
            "no content table); open the plan's own page and save that, or download its attached file "
            "(.docx, .pdf) and ingest it"
        )
    out = TextBuilder()
    out.para(title, heading_level=1)
    if re.fullmatch(r"\d{4}-\d\d-\d\d", date):  # htmldate's ISO date, written as plans write dates
        out.para("Ngày đăng: " + "/".join(reversed(date.split("-"))))
    for block in content.blocks:
        if isinstance(block, Para):
            out.para(block.text, heading_level=block.heading_level)
        else:
            out.table([list(row) for row in block.rows], origin=block.origin)
    text = out.text
    check_text(name, text, limits)
    return text, tuple(out.blocks), tuple(warnings)
