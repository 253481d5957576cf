"""Plan text as markdown text: checked against a CommonMark renderer as the oracle."""

from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from assistant.mdtext import escape, md, plain

_ALPHABET = st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\\`*_[]<>#|~$@&;:/.!()wh")


@given(st.text(_ALPHABET, max_size=80))
def test_escaped_text_renders_as_exactly_that_text(text: str) -> None:
    """The oracle: a CommonMark renderer shows ``md(text)`` as the text itself (whitespace collapsed), with
    no tag of its own, and :func:`plain` gives the text back."""
    flat = " ".join(text.split())
    rendered = MarkdownIt("commonmark", {"html": True}).renderInline(f"x {md(text)} y")
    assert rendered == html.escape(f"x {flat} y", quote=True).replace("&#x27;", "'")
    assert plain(md(text)) == flat
    assert plain(escape(text)) == text


def test_a_url_stays_readable_but_is_no_link() -> None:
    from hostile_text_support import live_markup

    for url in ("https://203.0.113.5/a.png", "HTTP://203.0.113.5", "www.example.test", "lienhe@example.test"):
        assert live_markup(f"xem {md(url)}") == [] and plain(md(url)) == url
    assert md("Sở TN&MT, &lt;b&gt;") == "Sở TN&MT, \\&lt;b\\&gt;"  # an entity is not decoded; a bare & stays
