"""Readers on real plan text: encodings, TSV and markdown plans, Word and PDF files built here, hostile files."""

from __future__ import annotations

import tempfile
import time
import unicodedata
import zipfile
from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.errors import CorruptDocument, EmptyDocument, EncodingError, ScannedPdf, TooLarge, UnsupportedFormat
from ingest.limits import Limits
from ingest.model import Para, RawDocument, Table
from ingest.readers import SUPPORTED_EXTENSIONS, read_document

PLANS = Path(__file__).parent.parent / "data" / "plans"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
TONES = "\u0300\u0301\u0303\u0309\u0323"


def _plan(containing: str) -> str:
    """The text of the sample plan that contains ``containing`` (file names are not stable)."""
    for path in sorted(PLANS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        if containing in text:
            return text
    raise LookupError(f"no plan under {PLANS} contains {containing!r}")


def _line(containing: str) -> str:
    return next(line for line in _plan(containing).splitlines() if containing in line)


def _check_offsets(doc: RawDocument) -> None:
    """Every block's span is inside the text, in order, and a Para's span is exactly its text."""
    last = -1
    for block in doc.blocks:
        assert last < block.start <= block.end <= len(doc.text)
        if isinstance(block, Para):
            assert doc.text[block.start : block.end] == block.text
        else:  # a table is rendered one row per line
            assert doc.text[block.start : block.end].count("\n") + 1 == len(block.rows)
            assert len({len(row) for row in block.rows}) == 1
        last = block.end
    assert unicodedata.is_normalized("NFC", doc.text)


def _paras(doc: RawDocument) -> list[Para]:
    return [b for b in doc.blocks if isinstance(b, Para)]


def _tables(doc: RawDocument) -> list[Table]:
    return [b for b in doc.blocks if isinstance(b, Table)]


# --- text files: encodings -------------------------------------------------------------------------------------

# A real sentence with "Biên Hòa" and "Ủy ban", the two spellings that have a legacy tone placement.
SENTENCE = _line("Ủy ban Mặt trận Tổ quốc Việt Nam cùng cấp")


def _cp1258_form(text: str) -> str:
    """Windows-1258 style: precomposed base letters (ư, ơ, â …) followed by a combining tone mark."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in parts if c in TONES)
        out.append(unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES)) + tones)
    return "".join(out)


ENCODINGS = {
    "utf-8": lambda s: s.encode("utf-8"),
    "utf-8-bom": lambda s: s.encode("utf-8-sig"),
    "utf-16-le-bom": lambda s: b"\xff\xfe" + s.encode("utf-16-le"),
    "utf-16-be-bom": lambda s: b"\xfe\xff" + s.encode("utf-16-be"),
    "utf-16-le-no-bom": lambda s: s.encode("utf-16-le"),
    "cp1258": lambda s: _cp1258_form(s).encode("cp1258"),
    "nfd-utf-8": lambda s: unicodedata.normalize("NFD", s).encode("utf-8"),
    "legacy-tones": lambda s: s.replace("Hòa", "Hoà").replace("Ủy", "Uỷ").encode("utf-8"),
}


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_encoding_gives_the_same_nfc_text(tmp_path: Path, encoding: str) -> None:
    assert "Biên Hòa" in SENTENCE
    path = tmp_path / "plan.txt"
    path.write_bytes(ENCODINGS[encoding](SENTENCE + "\r\n\r\nPhòng Văn hóa và Thông tin\r\n"))
    doc = read_document(path)
    assert [p.text for p in _paras(doc)] == [SENTENCE, "Phòng Văn hóa và Thông tin"]
    assert doc.text == SENTENCE + "\n\nPhòng Văn hóa và Thông tin\n"
    assert (doc.source, doc.fmt) == ("plan.txt", "txt")
    _check_offsets(doc)


def test_cp1258_fixture_really_uses_combining_tones() -> None:
    data = _cp1258_form(SENTENCE).encode("cp1258")
    assert b"\xd2" in data or b"\xde" in data  # 0xD2 = combining grave, 0xDE = combining acute in cp1258
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


def test_latin1_text_that_is_not_vietnamese_is_an_encoding_error(tmp_path: Path) -> None:
    path = tmp_path / "francais.txt"
    path.write_bytes("Le comité a élaboré un règlement très détaillé pour l'année.\n".encode("cp1252"))
    with pytest.raises(EncodingError, match=r"francais\.txt.*UTF-8"):
        read_document(path)


def test_content_hash_is_sha256_of_the_bytes(tmp_path: Path) -> None:
    import hashlib

    path = tmp_path / "a.txt"
    path.write_bytes(SENTENCE.encode("utf-16"))
    assert read_document(path).content_hash == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "junk",
    [
        bytes(range(256)) * 40,  # every byte value: NULs and controls
        b"\x89PNG\r\n\x1a\n" + bytes((i * 37) % 256 for i in range(5000)),  # an image renamed .txt
        b"PK\x03\x04" + bytes((i * 91 + 7) % 251 for i in range(3000)).replace(b"\0", b"\x01"),  # zip, no NULs
    ],
    ids=["all-bytes", "png", "zip-no-nul"],
)
def test_binary_junk_named_txt_is_corrupt(tmp_path: Path, junk: bytes) -> None:
    path = tmp_path / "bao-cao.txt"
    path.write_bytes(junk)
    with pytest.raises(CorruptDocument, match="bao-cao.txt"):
        read_document(path)


@pytest.mark.parametrize("content", [b"", b"  \r\n\t\n   \n", "\ufeff \n".encode()])
def test_empty_or_blank_file_is_empty(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "rong.txt"
    path.write_bytes(content)
    with pytest.raises(EmptyDocument, match="rong.txt"):
        read_document(path)


def test_unknown_extension_lists_the_supported_ones(tmp_path: Path) -> None:
    path = tmp_path / "ke-hoach.odt"
    path.write_bytes(SENTENCE.encode())
    with pytest.raises(UnsupportedFormat, match=r"ke-hoach\.odt.*\.docx") as err:
        read_document(path)
    assert all(ext in str(err.value) for ext in SUPPORTED_EXTENSIONS)


def test_limits_refuse_rather_than_truncate(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(SENTENCE * 20, encoding="utf-8")
    with pytest.raises(TooLarge, match="max_file_bytes"):
        read_document(path, Limits(max_file_bytes=1000))
    with pytest.raises(TooLarge, match="max_text_chars"):
        read_document(path, Limits(max_text_chars=1000))


# --- text files: real plan shapes ------------------------------------------------------------------------------


def test_tsv_plan_tables(tmp_path: Path) -> None:
    path = tmp_path / "tam-duong.txt"
    path.write_text(_plan("Tam Đường"), encoding="utf-8")
    doc = read_document(path)
    _check_offsets(doc)
    tables = _tables(doc)
    assert tables and all(t.origin == "tsv" for t in tables)
    targets = tables[0]
    assert {len(row) for row in targets.rows} == {7}  # padded to the width of the widest row
    assert targets.rows[1][:4] == ("", "", "Chỉ số", "Thứ hạng")  # second header level, empty leading cells
    row = next(r for t in tables for r in t.rows if r[1] == "Cải cách thể chế")
    assert row[-1] == "Phòng Tư pháp"
    assert doc.text[targets.start : targets.end].split("\n")[0].startswith("STT\tChỉ số thành phần")
    # The appendix row headed "I" ends in empty cells that the text drops; the table keeps them.
    appendix = next(t for t in tables if t.rows[0][0] == "TT")
    assert ("I", "CHỈ SỐ PAR INDEX", "", "", "") in appendix.rows
    # Prose lines around the tables stay paragraphs.
    assert any(p.text.startswith("1. Mục tiêu chung") for p in _paras(doc))


def test_markdown_plan_headings(tmp_path: Path) -> None:
    path = tmp_path / "sgtvt.md"
    path.write_text(_plan("## KẾ HOẠCH"), encoding="utf-8")
    doc = read_document(path)
    _check_offsets(doc)
    headings = [(p.heading_level, p.text) for p in _paras(doc) if p.heading_level]
    assert (2, "KẾ HOẠCH") in headings
    assert (6, "1.2. Cải cách thể chế") in headings
    assert (4, "1.4. Cải cách tổ chức bộ máy hành chính") in headings  # "#### *1.4. …*": emphasis dropped
    assert not any(ch in doc.text for ch in "#*")
    assert [p.text for p in _paras(doc)][-3:] == ["KT.GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Hoàng Khánh Dư"]


def test_markdown_written_as_txt_is_read_as_markdown(tmp_path: Path) -> None:
    path = tmp_path / "sgtvt.txt"
    path.write_text(_plan("## KẾ HOẠCH"), encoding="utf-8")
    doc = read_document(path)
    assert any(p.heading_level == 2 and p.text == "KẾ HOẠCH" for p in _paras(doc))
    assert any("read as markdown" in w for w in doc.warnings)


def test_markdown_pipe_table(tmp_path: Path) -> None:
    path = tmp_path / "bang.md"
    path.write_text(
        "# Phụ lục\n\nTrước bảng\n| TT | Nhiệm vụ | Cơ quan chủ trì |\n|---|:---|---|\n"
        "| 2 | Cải cách **thể chế** | Phòng Tư pháp |\n| 3 | Cải cách TTHC | |\nSau bảng\n",
        encoding="utf-8",
    )
    doc = read_document(path)
    _check_offsets(doc)
    kinds = [type(b).__name__ for b in doc.blocks]
    assert kinds == ["Para", "Para", "Table", "Para"]
    table = _tables(doc)[0]
    assert table.origin == "markdown"
    assert table.rows == (
        ("TT", "Nhiệm vụ", "Cơ quan chủ trì"),
        ("2", "Cải cách thể chế", "Phòng Tư pháp"),
        ("3", "Cải cách TTHC", ""),
    )
    assert "---" not in doc.text
    assert doc.text[table.start : table.end].split("\n")[1] == "2 | Cải cách thể chế | Phòng Tư pháp"


def test_flattened_tables_stay_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "dong-nai.txt"
    path.write_text(_plan("336/KH-UBND"), encoding="utf-8")
    doc = read_document(path)
    _check_offsets(doc)
    assert not _tables(doc)
    assert len(_paras(doc)) == len([line for line in doc.text.split("\n") if line])


@pytest.mark.parametrize("plan", sorted(p.name for p in PLANS.glob("*.txt")))
def test_every_sample_plan_reads_with_consistent_offsets(plan: str) -> None:
    doc = read_document(PLANS / plan)
    _check_offsets(doc)
    assert doc.source == plan and len(_paras(doc)) > 20


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(st.text(alphabet="aăơưđ Ủyhoà\t#|*-_:12", max_size=25), max_size=12),
    suffix=st.sampled_from([".txt", ".md"]),
)
def test_offsets_hold_for_any_lines(lines: list[str], suffix: str) -> None:
    body = "Kế hoạch cải cách hành chính\n" + "\n".join(lines)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"x{suffix}"
        path.write_text(body, encoding="utf-8")
        _check_offsets(read_document(path))


# --- Word -------------------------------------------------------------------------------------------------------


def _word_plan(path: Path) -> Path:
    """A small plan: title, heading, paragraph, a table with merged cells, a closing paragraph."""
    document = docx.Document()
    document.add_heading("KẾ HOẠCH Cải thiện và nâng cao Chỉ số Cải cách hành chính (PAR INDEX)", level=0)
    document.add_heading("PHỤ LỤC PHÂN CÔNG NHIỆM VỤ", level=1)
    document.add_paragraph("Thực hiện Kế hoạch số 2205/KH-UBND ngày 11/6/2024 của UBND tỉnh Lai Châu.")
    table = document.add_table(rows=4, cols=4)
    for i, text in enumerate(["TT", "Nhiệm vụ trọng tâm", "Cơ quan chủ trì", "Thời gian thực hiện"]):
        table.cell(0, i).text = text
    title = table.cell(1, 0).merge(table.cell(1, 3))  # horizontal: a section row across the whole grid
    title.text = "I. CHỈ SỐ PAR INDEX"
    table.cell(2, 0).text, table.cell(3, 0).text = "1", "2"
    table.cell(2, 1).text = "Tham mưu thực hiện các nội dung thuộc Chỉ số thành phần cải cách thể chế"
    table.cell(3, 1).text = "Tham mưu thực hiện các nội dung thuộc Chỉ số thành phần cải cách tài chính công"
    table.cell(2, 2).text, table.cell(3, 2).text = "Phòng Tư pháp", "Phòng Tài chính – Kế hoạch"
    lead = table.cell(2, 3).merge(table.cell(3, 3))  # vertical: one deadline for two rows
    lead.text = "Cả năm"
    document.add_paragraph("Trên đây là Kế hoạch cải thiện Chỉ số PAR INDEX của UBND huyện Tam Đường.")
    document.save(str(path))
    return path


def test_docx_order_headings_and_merged_cells(tmp_path: Path) -> None:
    doc = read_document(_word_plan(tmp_path / "tam-duong.docx"))
    _check_offsets(doc)
    assert doc.fmt == "docx"
    assert [type(b).__name__ for b in doc.blocks] == ["Para", "Para", "Para", "Table", "Para"]
    title, heading, intro, table, closing = doc.blocks
    assert isinstance(title, Para) and title.heading_level == 1 and title.text.startswith("KẾ HOẠCH")
    assert isinstance(heading, Para) and heading.heading_level == 1
    assert isinstance(intro, Para) and intro.heading_level is None
    assert isinstance(table, Table) and table.origin == "word"
    assert table.rows == (
        ("TT", "Nhiệm vụ trọng tâm", "Cơ quan chủ trì", "Thời gian thực hiện"),
        ("I. CHỈ SỐ PAR INDEX", "", "", ""),
        ("1", "Tham mưu thực hiện các nội dung thuộc Chỉ số thành phần cải cách thể chế", "Phòng Tư pháp", "Cả năm"),
        (
            "2",
            "Tham mưu thực hiện các nội dung thuộc Chỉ số thành phần cải cách tài chính công",
            "Phòng Tài chính – Kế hoạch",
            "",
        ),
    )
    rendered = doc.text[table.start : table.end].split("\n")
    assert rendered[0] == "TT | Nhiệm vụ trọng tâm | Cơ quan chủ trì | Thời gian thực hiện"
    assert doc.text.count("Cả năm") == 1 and doc.text.count("I. CHỈ SỐ PAR INDEX") == 1
    assert isinstance(closing, Para) and closing.text.endswith("huyện Tam Đường.")


def test_docx_nested_table_is_flattened_into_its_cell(tmp_path: Path) -> None:
    document = docx.Document()
    outer = document.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "Phòng Nội vụ"
    inner = outer.cell(0, 1).add_table(rows=2, cols=2)
    inner.cell(0, 0).text, inner.cell(0, 1).text = "Năm 2023", "70,52%"
    inner.cell(1, 0).text, inner.cell(1, 1).text = "Năm 2024", "Trên 75%"
    document.save(str(tmp_path / "nested.docx"))
    doc = read_document(tmp_path / "nested.docx")
    assert _tables(doc)[0].rows == (("Phòng Nội vụ", "Năm 2023 | 70,52%\nNăm 2024 | Trên 75%"),)


def test_truncated_docx_is_corrupt(tmp_path: Path) -> None:
    data = _word_plan(tmp_path / "full.docx").read_bytes()
    path = tmp_path / "cut.docx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptDocument, match=r"cut\.docx.*not a valid \.docx.*re-save"):
        read_document(path)


def test_zip_without_document_xml_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "not-word.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "xin chào")
    with pytest.raises(CorruptDocument, match="word/document.xml"):
        read_document(path)


def _zip_bomb(path: Path, zeros: int) -> Path:
    """A .docx-shaped zip whose extra member is ``zeros`` bytes of zeros, written in chunks (small on disk)."""
    chunk = bytes(1024 * 1024)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        with archive.open("word/media/image1.bin", "w", force_zip64=True) as member:
            for _ in range(zeros // len(chunk)):
                member.write(chunk)
    return path


def test_zip_bomb_over_unpacked_limit(tmp_path: Path) -> None:
    path = _zip_bomb(tmp_path / "bomb.docx", 8 * 1024 * 1024)
    started = time.perf_counter()
    with pytest.raises(TooLarge, match=r"bomb\.docx: unpacks to"):
        read_document(path, Limits(max_unpacked_bytes=4 * 1024 * 1024, max_compression_ratio=10**9))
    assert time.perf_counter() - started < 1.0


def test_zip_bomb_by_compression_ratio(tmp_path: Path) -> None:
    path = _zip_bomb(tmp_path / "ratio.docx", 16 * 1024 * 1024)
    assert path.stat().st_size < 200_000
    started = time.perf_counter()
    with pytest.raises(TooLarge, match=r"compresses .*:1"):
        read_document(path)  # default limits: 16 MB is under the unpacked limit, the ratio is what trips
    assert time.perf_counter() - started < 1.0


def test_real_size_zip_bomb_with_default_limits(tmp_path: Path) -> None:
    path = _zip_bomb(tmp_path / "bomb300.docx", 300 * 1024 * 1024)  # ~1.3 MB on disk, ~0.4 s to build
    started = time.perf_counter()
    with pytest.raises(TooLarge, match=r"bomb300\.docx: unpacks to 314,57"):
        read_document(path)
    assert time.perf_counter() - started < 1.0


def test_docx_with_damaged_xml_is_corrupt(tmp_path: Path) -> None:
    source = _word_plan(tmp_path / "full.docx")
    path = tmp_path / "hong.docx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = b"<w:document><w:body>" if item.filename == "word/document.xml" else src.read(item)
            dst.writestr(item, data)
    with pytest.raises(CorruptDocument, match=r"hong\.docx: is not a valid \.docx"):
        read_document(path)


# --- PDF --------------------------------------------------------------------------------------------------------

needs_font = pytest.mark.skipif(not FONT.exists(), reason=f"{FONT} missing: fpdf2 needs a Unicode TTF for Vietnamese")


def _pdf(owner_password: str | None = None, user_password: str = ""):
    from fpdf import FPDF

    pdf = FPDF()
    if owner_password:
        pdf.set_encryption(owner_password=owner_password, user_password=user_password)
    pdf.add_page()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.add_font("DejaVu", style="B", fname=str(FONT))  # table headings are bold; the regular face will do
    pdf.set_font("DejaVu", size=10)
    return pdf


PDF_LINES = [
    "KẾ HOẠCH",
    "Cải thiện và nâng cao Chỉ số Cải cách hành chính (PAR INDEX) trên địa bàn huyện năm 2024",
]
PDF_ROWS = [
    ("TT", "Nhiệm vụ trọng tâm", "Cơ quan chủ trì"),
    ("2", "Cải cách thể chế", "Phòng Tư pháp"),
    ("6", "Cải cách tài chính công", "Phòng Tài chính"),
]


@needs_font
def test_pdf_lines_and_table(tmp_path: Path) -> None:
    pdf = _pdf()
    for line in PDF_LINES:
        pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    with pdf.table() as table:
        for row in PDF_ROWS:
            table.row(row)
    pdf.ln(4)
    pdf.cell(text="Trên đây là Kế hoạch của UBND huyện Tam Đường.")
    pdf.output(str(tmp_path / "plan.pdf"))

    doc = read_document(tmp_path / "plan.pdf")
    _check_offsets(doc)
    assert doc.fmt == "pdf"
    assert [type(b).__name__ for b in doc.blocks] == ["Para", "Para", "Table", "Para"]
    assert [p.text for p in _paras(doc)] == [*PDF_LINES, "Trên đây là Kế hoạch của UBND huyện Tam Đường."]
    table = _tables(doc)[0]
    assert table.origin == "pdf" and table.rows == tuple(PDF_ROWS)
    assert doc.text.count("Phòng Tư pháp") == 1  # table text is not repeated as lines


def test_pdf_without_text_is_scanned(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 150, style="F")
    pdf.output(str(tmp_path / "scan.pdf"))
    with pytest.raises(ScannedPdf, match=r"scan\.pdf: no extractable text.*OCR"):
        read_document(tmp_path / "scan.pdf")


def test_malformed_pdf_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "hong.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes((i * 53) % 256 for i in range(4000)))
    with pytest.raises(CorruptDocument, match=r"hong\.pdf"):
        read_document(path)


@needs_font
def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    pdf = _pdf(owner_password="owner", user_password="secret")
    pdf.cell(text=PDF_LINES[1])
    pdf.output(str(tmp_path / "mat.pdf"))
    with pytest.raises(CorruptDocument, match=r"mat\.pdf.*encrypted"):
        read_document(tmp_path / "mat.pdf")


@needs_font
def test_pdf_with_owner_password_only_opens(tmp_path: Path) -> None:
    pdf = _pdf(owner_password="owner")
    pdf.cell(text=PDF_LINES[1])
    pdf.output(str(tmp_path / "owner.pdf"))
    assert [p.text for p in _paras(read_document(tmp_path / "owner.pdf"))] == [PDF_LINES[1]]


@needs_font
def test_pdf_page_limit(tmp_path: Path) -> None:
    pdf = _pdf()
    for _ in range(3):
        pdf.cell(text=PDF_LINES[1])
        pdf.add_page()
    pdf.output(str(tmp_path / "dai.pdf"))
    with pytest.raises(TooLarge, match="4 pages"):
        read_document(tmp_path / "dai.pdf", Limits(max_pdf_pages=2))
