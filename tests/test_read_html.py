"""Saved web pages: the plan's text and tables without the portal's menus, in any charset, never as markup.

Pages are built here the way provincial portals lay them out: a header menu, a "Tin liên quan" sidebar,
the article (title, date, text, table) and a footer.
"""

from __future__ import annotations

import html
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from plan_factory import cp1258
from test_format_equivalence import APPENDIX, COLUMNS, HEAD, ROWS, _cell_text, _key
from test_format_equivalence import expected as expected  # the text version's records (its module fixture)

from ingest.errors import CorruptDocument, EmptyDocument
from ingest.limits import Limits
from ingest.model import Para, Table
from ingest.pipeline import parse_file
from ingest.readers import _html, read_document

TITLE = "Kế hoạch nâng cao các chỉ số PAPI, SIPAS của tỉnh"
MENU = ["Trang chủ", "Giới thiệu tỉnh", "Tin tức sự kiện", "Văn bản chỉ đạo điều hành"]
RELATED = ["Hội nghị tổng kết công tác cải cách hành chính", "Đồng Nai dẫn đầu về chỉ số chuyển đổi số"]
FOOTER = "Bản quyền thuộc Văn phòng Ủy ban nhân dân tỉnh"
NEWS = (
    "Ủy ban nhân dân tỉnh vừa ban hành kế hoạch nâng cao chỉ số hiệu quả quản trị và hành chính công cấp tỉnh, "
    "giao các sở, ban, ngành chủ trì triển khai các nhiệm vụ cải thiện chỉ số PAPI."
)


def _links(words: list[str]) -> str:
    return "".join(f'<li><a href="/muc-{i}.html">{html.escape(w)}</a></li>' for i, w in enumerate(words))


def _page(article: str, *, published: str = "2024-10-16", head: str = '<meta charset="utf-8">') -> str:
    """A portal page around ``article`` (HTML inside <article>, after the title)."""
    return f"""<!DOCTYPE html>
<html lang="vi"><head>{head}
<title>{TITLE} - Cổng thông tin điện tử tỉnh</title>
<meta property="article:published_time" content="{published}T08:00:00+07:00">
<script>var chuyenMuc = "{MENU[1]}";</script><style>.menu {{ color: #a00 }}</style>
</head><body>
<header><div class="logo">Cổng thông tin điện tử</div><nav class="menu"><ul>{_links(MENU)}</ul></nav></header>
<div class="container">
<aside class="sidebar"><h3>Tin liên quan</h3><ul>{_links(RELATED)}</ul></aside>
<main><article><h1>{TITLE}</h1>
{article}
</article></main></div>
<footer><p>{FOOTER}. Địa chỉ: số 2 đường Nguyễn Văn Trị.</p></footer>
</body></html>"""


def _cell_html(cell: object) -> str:
    return "<br>".join(html.escape(line) for line in _cell_text(cell).split("\n"))


def _plan_article() -> str:
    """HEAD and APPENDIX as paragraphs and the rows as a table; a None cell is covered by a rowspan above."""
    rows = ["<tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS) + "</tr>"]
    for i, row in enumerate(ROWS):
        below = ROWS[i + 1] if i + 1 < len(ROWS) else [""] * len(row)
        tds = [
            f"<td{' rowspan=2' if below[j] is None else ''}>{_cell_html(c)}</td>"
            for j, c in enumerate(row)
            if c is not None
        ]
        rows.append("<tr>" + "".join(tds) + "</tr>")
    paras = "".join(f"<p>{html.escape(line)}</p>\n" for line in HEAD + APPENDIX)
    date = '<p class="date"><time datetime="2024-10-16T08:00">16/10/2024 08:00</time></p>'
    return f'{date}\n{paras}<table border="1"><tbody>{"".join(rows)}</tbody></table>'


def _write(path: Path, page: str | bytes) -> Path:
    path.write_bytes(page.encode("utf-8") if isinstance(page, str) else page)
    return path


def test_saved_portal_page_gives_the_same_records(tmp_path, expected):
    assert _key(parse_file(_write(tmp_path / "ke-hoach.html", _page(_plan_article())))) == expected


def test_menus_sidebar_footer_and_scripts_are_not_text(tmp_path):
    doc = read_document(_write(tmp_path / "ke-hoach.html", _page(_plan_article())))
    for word in [*MENU, *RELATED, "Tin liên quan", FOOTER, "Cổng thông tin", "chuyenMuc", "color"]:
        assert word not in doc.text
    assert doc.blocks[0] == Para(TITLE, 0, len(TITLE), heading_level=1)
    assert doc.text.count(TITLE) == 1  # the <title> and the <h1> are the same title
    table = next(b for b in doc.blocks if isinstance(b, Table))
    assert table.rows[0] == tuple(COLUMNS) and table.rows[4][3:] == ("", "")  # the rowspan's covered slots
    assert table.rows[3][3] == _cell_text(ROWS[2][3])  # a <br> inside a cell is a line break of the cell
    assert unicodedata.is_normalized("NFC", doc.text)


def test_title_and_publication_date_are_read_by_metadata(tmp_path):
    page = _page(f"<p>{NEWS}</p>", published="2023-05-20")  # no dated header: the year is the page's
    parsed = parse_file(_write(tmp_path / "tin.html", page))
    assert parsed.text.splitlines()[:2] == [TITLE, "Ngày đăng: 20/05/2023"]
    assert parsed.document.year == 2023
    assert NEWS in parsed.text


@pytest.mark.parametrize(
    ("head", "encode", "warning"),
    [
        ('<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">', cp1258, "cp1258"),
        ('<meta charset="windows-1258">', cp1258, "cp1258"),
        ("", cp1258, "cp1258"),  # no declaration: not UTF-8, and reads as Vietnamese in Windows-1258
        ('<meta charset="iso-8859-1">', lambda s: s.encode("utf-8"), None),  # stale template, UTF-8 bytes
    ],
    ids=["http-equiv", "meta-charset", "undeclared", "stale-declaration"],
)
def test_charsets_are_decoded(tmp_path, head, encode, warning):
    doc = read_document(_write(tmp_path / "tin.html", encode(_page(f"<p>{NEWS}</p>", head=head))))
    assert NEWS in doc.text and TITLE in doc.text
    assert unicodedata.is_normalized("NFC", doc.text)
    assert [w for w in doc.warnings if "decoded as" in w] == ([f"tin.html: decoded as {warning}"] if warning else [])


def test_merged_cells_keep_their_text_in_the_top_left_slot(tmp_path):
    table = """<table><tr><th>STT</th><th>Nhiệm vụ</th><th>Cơ quan chủ trì</th><th>Thời gian</th></tr>
<tr><td rowspan="2">1</td><td>Rà soát thủ tục hành chính</td><td colspan="2">Văn phòng UBND tỉnh</td></tr>
<tr><td>Công khai thủ tục hành chính</td><td>Sở Tư pháp</td><td>Quý IV</td></tr></table>"""
    doc = read_document(_write(tmp_path / "ke-hoach.html", _page(f"<p>{NEWS}</p>{table}")))
    assert [b.rows for b in doc.blocks if isinstance(b, Table)] == [
        (
            ("STT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian"),
            ("1", "Rà soát thủ tục hành chính", "Văn phòng UBND tỉnh", ""),
            ("", "Công khai thủ tục hành chính", "Sở Tư pháp", "Quý IV"),
        )
    ]


def test_menu_only_page_is_refused_naming_the_file(tmp_path):
    page = _page("").replace(f"<h1>{TITLE}</h1>", "")  # a section's front page: menus and related news only
    with pytest.raises(EmptyDocument, match=r"chuyen-muc\.html: .*only navigation and menus.*save"):
        read_document(_write(tmp_path / "chuyen-muc.html", page))


def test_script_image_and_link_in_the_article_are_never_markup(tmp_path):
    article = f"""<p>{NEWS}</p>
<script>document.write("<b>CHÈN MÃ</b>");</script><style>p {{ margin: 0 }}</style>
<p>Xem toàn văn <a href="/files/kh-45.pdf" title="tải về">Kế hoạch số 45/KH-UBND</a> tại đây.
<img src="/anh/hoi-nghi.jpg" alt="Ảnh hội nghị"></p>
<p>Hỏi &amp; đáp: thẻ &amp;lt;b&amp;gt; không phải văn bản.</p>"""
    doc = read_document(_write(tmp_path / "tin.html", _page(article)))
    assert "Xem toàn văn Kế hoạch số 45/KH-UBND tại đây." in doc.text.splitlines()
    assert "Hỏi & đáp: thẻ &lt;b&gt; không phải văn bản." in doc.text.splitlines()  # entities decoded once
    for markup in ("CHÈN MÃ", "document.write", "margin", "href", "/files/", "<a", "<img", "hoi-nghi.jpg", "<b>"):
        assert markup not in doc.text


def test_portal_detail_page_keeps_its_property_table(tmp_path):
    rows = [("Số ký hiệu", "336/KH-UBND"), ("Ngày ban hành", "15/10/2024"), ("Người ký", "Võ Tấn Đức")]
    table = "".join(f"<tr><td>{a}</td><td>{b}</td></tr>" for a, b in rows)
    page = _page(f"<table>{table}<tr><td>Trích yếu</td><td>{TITLE}</td></tr></table>")
    parsed = parse_file(_write(tmp_path / "chi-tiet.html", page))
    assert parsed.document.doc_number == "336/KH-UBND" and parsed.document.signer == "Võ Tấn Đức"
    assert parsed.document.issue_date == "15/10/2024"
    assert "Số ký hiệu | 336/KH-UBND" in parsed.text.splitlines()


def test_page_tables_are_kept_when_no_main_text_is_found(monkeypatch):
    page = """<html><head><meta charset="utf-8"><title>Chi tiết văn bản</title></head><body>
<table class="menu"><tr><td><a href="/">Trang chủ</a></td><td><a href="/vb">Văn bản</a></td></tr></table>
<table><tr><th>Số ký hiệu</th><td>336/KH-UBND<script>var luotXem = 1;</script></td></tr>
<tr><td rowspan="2">Tệp đính kèm</td><td><a href="/f/kh336.pdf">kh336.pdf</a></td></tr><tr><td>phu-luc.docx</td></tr>
<tr><td colspan="2">Văn bản còn hiệu lực</td></tr></table></body></html>"""
    monkeypatch.setattr(_html.trafilatura, "bare_extraction", lambda *args, **kwargs: None)
    text, blocks, warnings = _html.read_html_here(page.encode("utf-8"), "chi-tiet.html", Limits())
    assert [b.rows for b in blocks if isinstance(b, Table)] == [
        (
            ("Số ký hiệu", "336/KH-UBND"),
            ("Tệp đính kèm", "kh336.pdf"),
            ("", "phu-luc.docx"),
            ("Văn bản còn hiệu lực", ""),
        )
    ]
    assert "Trang chủ" not in text and "luotXem" not in text  # the menu table, a script inside a cell
    assert warnings == ("chi-tiet.html: no main text found; read the page's tables",)


def test_layout_table_cells_become_paragraphs_without_the_menu_row(tmp_path):
    page = f"""<html><head><meta charset="utf-8"><title>Tin tức</title></head><body><table width="100%">
<tr><td class="top"><a href="/">Trang chủ</a> | <a href="/tt">Tin tức</a> | <a href="/vb">Văn bản</a></td></tr>
<tr><td><div class="noidung">{NEWS}<br>
1. Mục tiêu<br>Phấn đấu chỉ số cải cách hành chính tăng ít nhất 3 bậc.</div></td></tr></table></body></html>"""
    doc = read_document(_write(tmp_path / "tin.html", page))
    assert not any(isinstance(b, Table) for b in doc.blocks) and "Trang chủ" not in doc.text
    assert [b.text for b in doc.blocks][-3:] == [
        NEWS,
        "1. Mục tiêu",
        "Phấn đấu chỉ số cải cách hành chính tăng ít nhất 3 bậc.",
    ]


def test_a_text_file_named_html_is_refused(tmp_path):
    with pytest.raises(CorruptDocument, match=r"ghi-chu\.html: expected an HTML page"):
        read_document(_write(tmp_path / "ghi-chu.html", NEWS))


# -- the encoding sniffers read in one pass, finding what the old patterns found ------------------------------
_OLD_MARKUP = re.compile(rb"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.I | re.S)
_OLD_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.I)
_PIECES = st.lists(
    st.sampled_from([
        b"<", b">", b"<!--", b"-->", b"<script", b"</script", b"</SCRIPT >", b"<style>", b"</style\v>", b"<meta",
        b"<META ", b" charset", b"=", b"'", b'"', b"utf-8", b"windows-1258", b"a", b" ", b"\n", b"_", b"\xe9", b"x",
    ]),
    max_size=24,
).map(b"".join)  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(_PIECES)
def test_the_markup_and_charset_scanners_find_what_the_old_patterns_found(data: bytes) -> None:
    assert _html._without_markup(data) == _OLD_MARKUP.sub(b" ", data)
    old = _OLD_CHARSET.search(data)
    assert _html._charset_label(data) == (old.group(1) if old else None)


@pytest.mark.parametrize("piece", [b"<meta ", b"<!--", b"<script ", b"<style", b"</script", b"<"])
def test_an_unclosed_tag_repeated_costs_the_page_s_length(piece: bytes) -> None:
    """Each scanner reads a page once: 8 times the text takes about 8 times as long (quadratic: 64 times)."""
    import time

    def seconds(n: int) -> float:
        data = piece * n
        start = time.perf_counter()
        _html._without_markup(data)
        _html._charset_label(data)
        return time.perf_counter() - start

    seconds(1_000)
    small, large = min(seconds(20_000) for _ in range(3)), min(seconds(160_000) for _ in range(3))
    assert large < 24 * small + 0.05, f"{piece!r}: {small:.4f} s → {large:.4f} s at 8 times the length"
