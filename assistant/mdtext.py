"""Plan text as markdown *text*: whatever a plan says is shown as written and never becomes markup.

An answer is markdown that the app's chat renders (GitHub-flavoured: raw HTML, links, images, autolinks,
bare URLs, ``$$`` LaTeX) and that a downloaded ``.md`` file carries. Plan text is data, so every character a
renderer could read as markup is backslash-escaped: ``<img src=…>``, ``[x](http://…)``, ``![x](…)``,
``<https://…>``, a reference ``[x][r]``, an entity ``&lt;img&gt;`` all come out as the characters the plan
has, and a URL stays readable but is not a link ("https\\://…", "www\\.…": GitHub-flavoured markdown links
only an unbroken ``https://`` or ``www.``).

Example:
    >>> print(md('Phòng Tư pháp <img src="https://203.0.113.5/a.png">'))
    Phòng Tư pháp \\<img src="https\\://203.0.113.5/a.png"\\>
    >>> plain(md("Sở TN&MT [xem](www.x.vn)"))
    'Sở TN&MT [xem](www.x.vn)'
"""

from __future__ import annotations

import re

__all__ = ["BULLETS", "dashes", "escape", "item", "md", "no_marker", "plain"]

_MARKUP = re.compile(
    r"[\\`*_\[\]<>#|~$@]"  # escapes, code, emphasis, links and images, HTML and autolinks, headings, tables,
    # strike-through, LaTeX, e-mail autolinks
    r"|&(?=#?\w+;)"  # an entity that a renderer would decode ("&lt;img&gt;"); "TN&MT" stays as it is
    r"|(?<=\w):(?=//)"  # "https://…": a bare URL is linked by GitHub-flavoured markdown
    r"|(?i:(?<=\bwww))\."  # "www.…": so is this
)
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
BULLETS = "-+*•◦▪▫‣⁃∙●○■□–"  # what a plan puts before an item of its own list (a dash, a Word glyph)
_GLYPH = re.compile(rf"^[ \t]*[{re.escape(BULLETS[3:])}][ \t]+", re.MULTILINE)  # a Word bullet glyph
_LEAD_BULLET = re.compile(rf"^(?:[{re.escape(BULLETS)}](?:\s+|$))+")
_LEAD_NUMBER = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")


def escape(text: str) -> str:
    """``text`` as markdown that renders as exactly this text (line breaks kept)."""
    return _MARKUP.sub(r"\\\g<0>", text)


def md(text: str) -> str:
    """Plan text as one line of markdown text: whitespace collapsed, markup characters escaped."""
    return escape(" ".join(text.split()))


def plain(markdown: str) -> str:
    """Markdown text with its backslash escapes undone (for a Word document, which shows text as written)."""
    return _ESCAPED.sub(r"\1", markdown)


def dashes(text: str) -> str:
    """Text with a Word bullet glyph that starts a line ("◦ ", "• ", "▪ ") written as the plans' own dash."""
    return _GLYPH.sub("- ", text)


def no_marker(markdown: str) -> str:
    """One line of markdown text that a renderer will not start a list with: a leading bullet ("- ", "+ ")
    is dropped (the answer's own list gives the bullet), a leading number ("1.", "2)") is escaped, so it
    stays the plan's text and does not become a second, nested list marker."""
    return _LEAD_NUMBER.sub(r"\1\\\2", _LEAD_BULLET.sub("", markdown, count=1))


def item(text: str) -> str:
    """Plan text as the text of one list item: :func:`md` without a list marker of its own (:func:`no_marker`),
    Word bullet glyphs read as the plan's dash (:func:`dashes`).

    Example:
        >>> print(item("2. Trưởng các phòng, ban có trách nhiệm …"))
        2\\. Trưởng các phòng, ban có trách nhiệm …
        >>> print(item("◦ Tuyên truyền\\n◦ Kiểm tra"))
        Tuyên truyền - Kiểm tra
    """
    return no_marker(md(dashes(text)))
