"""The .xlsx reader: a workbook appendix reads like the same appendix in Word, and hostile files are refused.

Every workbook is built here with openpyxl (or zipfile, for the bomb), and every Word counterpart with
python-docx, so each comparison is between the two real formats of the same content.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest
from test_format_equivalence import APPENDIX, COLUMNS, HEAD, ROWS, _cell_text, _key, _write_docx, expected  # noqa: F401

from ingest.errors import CorruptDocument, TooLarge
from ingest.limits import Limits
from ingest.model import Para, Table
from ingest.pipeline import parse_file
from ingest.readers import _xlsx as xlsx_module
from ingest.readers import read_document

# (first row, first column, last row, last column), 0-based, inclusive: one merged range of a grid
Merge = tuple[int, int, int, int]


def _fill_sheet(sheet, paras: list[str], grid: list[list[str]], merges: Sequence[Merge] = ()) -> None:
    """``paras`` as title rows merged across the table's width, then the grid with its merged ranges."""
    width = len(grid[0])
    for r, line in enumerate(paras, start=1):
        sheet.cell(row=r, column=1, value=line)
        sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
    top = len(paras) + 1
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            if value != "":
                sheet.cell(row=top + i, column=j + 1, value=value)
    for r0, c0, r1, c1 in merges:
        sheet.merge_cells(start_row=top + r0, start_column=c0 + 1, end_row=top + r1, end_column=c1 + 1)


def _save(book: openpyxl.Workbook, path: Path) -> Path:
    book.save(str(path))
    return path


def _write_docx_tables(path: Path, parts: list[tuple[list[str], list[list[str]], list[Merge]]]) -> Path:
    """The Word counterpart: per part, its paragraphs then its table with the same merged ranges."""
    docx = pytest.importorskip("docx")
    document = docx.Document()
    for paras, grid, merges in parts:
        for line in paras:
            document.add_paragraph(line)
        table = document.add_table(rows=len(grid), cols=len(grid[0]))
        for i, row in enumerate(grid):
            for j, value in enumerate(row):
                if value:
                    table.cell(i, j).text = value
        for r0, c0, r1, c1 in merges:
            table.cell(r0, c0).merge(table.cell(r1, c1))
    document.save(str(path))
    return path


def _shape(blocks) -> list[tuple[str, object]]:
    return [("para", b.text) if isinstance(b, Para) else ("table", b.rows) for b in blocks]


# --- (1) the equivalence plan as a workbook ------------------------------------------------------------------


def _write_plan_xlsx(path: Path) -> Path:
    """HEAD and APPENDIX as title rows merged across the table, a None cell merged with the cell above."""
    book = openpyxl.Workbook()
    grid = [COLUMNS] + [[_cell_text(c) for c in row] for row in ROWS]
    merges = []
    for i, row in enumerate(ROWS, start=1):
        for j, cell in enumerate(row):
            if cell is None:
                merges.append((i - 1, j, i, j))
    _fill_sheet(book.active, HEAD + APPENDIX, grid, merges)
    return _save(book, path)


def test_plan_workbook_gives_the_same_records_as_text_and_word(tmp_path, expected):  # noqa: F811
    assert _key(parse_file(_write_plan_xlsx(tmp_path / "plan.xlsx"))) == expected


def test_plan_workbook_reads_block_for_block_like_word(tmp_path):
    from_xlsx = read_document(_write_plan_xlsx(tmp_path / "plan.xlsx"))
    from_docx = read_document(_write_docx(tmp_path / "plan.docx"))
    assert _shape(from_xlsx.blocks) == _shape(from_docx.blocks)
    assert [b.origin for b in from_xlsx.blocks if isinstance(b, Table)] == ["xlsx"]
    assert from_xlsx.text[from_xlsx.blocks[0].start : from_xlsx.blocks[0].end] == HEAD[0]


# --- (2) a two-level merged header ----------------------------------------------------------------------------


def _two_level(group: str) -> list[list[str]]:
    return [
        ["STT", "Nhiệm vụ", group, "", "Thời gian hoàn thành"],
        ["", "", "Chủ trì", "Phối hợp", ""],
        ["1", "Rà soát, đơn giản hóa thủ tục hành chính", "Sở Nội vụ", "Sở Tư pháp; Sở Tài chính", "Quý IV/2024"],
        ["2", "Công khai kết quả giải quyết hồ sơ", "", "Sở Thông tin và Truyền thông", "Thường xuyên"],
        ["3", "Khảo sát sự hài lòng của người dân", "Văn phòng UBND tỉnh", "Sở Nội vụ", "Tháng 12/2025"],
    ]


TWO_LEVEL = _two_level("Cơ quan thực hiện")
TWO_LEVEL_MERGES: list[Merge] = [(0, 0, 1, 0), (0, 1, 1, 1), (0, 2, 0, 3), (0, 4, 1, 4), (2, 2, 3, 2)]


@pytest.mark.parametrize(
    "group",
    [
        "Cơ quan",
        "Đơn vị",
        "Cơ quan thực hiện",  # "thực hiện" alone reads as lead: the sub-column must decide
    ],
)
def test_two_level_header_gives_lead_and_coop(tmp_path, group):
    book = openpyxl.Workbook()
    _fill_sheet(book.active, [], _two_level(group), TWO_LEVEL_MERGES)
    parsed = parse_file(_save(book, tmp_path / "two-level.xlsx"))
    assert [(a.lead, a.coop) for a in parsed.assignments if a.source_kind == "table"] == [
        (("Sở Nội vụ",), ("Sở Tư pháp", "Sở Tài chính")),
        (("Sở Nội vụ",), ("Sở Thông tin và Truyền thông",)),  # the lead cell is merged with the row above
        (("Văn phòng UBND tỉnh",), ("Sở Nội vụ",)),
    ]


@pytest.mark.parametrize("group", ["Cơ quan", "Cơ quan thực hiện"])
def test_two_level_header_reads_like_the_same_word_table(tmp_path, group):
    book = openpyxl.Workbook()
    _fill_sheet(book.active, [], _two_level(group), TWO_LEVEL_MERGES)
    from_xlsx = parse_file(_save(book, tmp_path / "two-level.xlsx"))
    from_docx = parse_file(_write_docx_tables(tmp_path / "two-level.docx", [([], _two_level(group), TWO_LEVEL_MERGES)]))
    assert len(_key(from_xlsx)) == 3
    assert _key(from_xlsx) == _key(from_docx)


def test_merged_slots_are_empty_except_the_top_left(tmp_path):
    book = openpyxl.Workbook()
    _fill_sheet(book.active, [], TWO_LEVEL, TWO_LEVEL_MERGES)
    (table,) = [b for b in read_document(_save(book, tmp_path / "m.xlsx")).blocks if isinstance(b, Table)]
    assert table.rows[0] == ("STT", "Nhiệm vụ", "Cơ quan thực hiện", "", "Thời gian hoàn thành")
    assert table.rows[1] == ("", "", "Chủ trì", "Phối hợp", "")
    assert table.rows[3][2] == ""


# --- (3) sheet names -----------------------------------------------------------------------------------------

LEAD_TABLE = [
    ["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian hoàn thành"],
    ["1", "Quan trắc chất lượng không khí định kỳ", "Sở Tài nguyên và Môi trường", "Hằng năm"],
]
OWNER_TABLE = [
    ["STT", "Nhiệm vụ/giải pháp", "Thời gian hoàn thành"],
    ["1", "Nâng cao chất lượng khám, chữa bệnh tại tuyến cơ sở", "Thường xuyên"],
    ["2", "Công khai giá dịch vụ khám bệnh", "Quý I/2025"],
]


def test_sheet_name_carries_over_as_the_appendix_title(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Phụ lục 11 - Sở TNMT"
    _fill_sheet(book.active, [], LEAD_TABLE)
    _fill_sheet(book.create_sheet("PL3 - Trách nhiệm của Sở Y tế"), [], OWNER_TABLE)  # a tab name cut short
    from_xlsx = parse_file(_save(book, tmp_path / "phu-luc.xlsx"))
    word = [(["Phụ lục 11 - Sở TNMT"], LEAD_TABLE, []), (["Phụ lục 3 - Trách nhiệm của Sở Y tế"], OWNER_TABLE, [])]
    from_docx = parse_file(_write_docx_tables(tmp_path / "phu-luc.docx", word))
    records = [a for a in from_xlsx.assignments if a.source_kind == "table"]
    assert [a.location.split(" › ")[0] for a in records] == ["Phụ lục 11", "Phụ lục 3", "Phụ lục 3"]
    assert [a.lead for a in records[1:]] == [("Sở Y tế",), ("Sở Y tế",)]  # the owner named by the sheet's name
    assert _key(from_xlsx) == _key(from_docx)


def test_default_sheet_names_are_not_titles_and_hidden_sheets_are_reported(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Trang tính1"
    _fill_sheet(book.active, [], LEAD_TABLE)
    _fill_sheet(book.create_sheet("Sheet2"), [], OWNER_TABLE)
    _fill_sheet(book.create_sheet("Tổng hợp"), [], OWNER_TABLE)
    hidden = book.create_sheet("Danh mục")
    _fill_sheet(hidden, [], [["Cơ quan", "Mã"], ["Sở Công Thương", "SCT"]])
    hidden.sheet_state = "hidden"
    doc = read_document(_save(book, tmp_path / "names.xlsx"))
    kinds = [kind for kind, _ in _shape(doc.blocks)]
    assert kinds == ["table", "table", "para", "table"]
    assert doc.blocks[2].text == "Tổng hợp"
    assert "Trang tính1" not in doc.text and "Sheet2" not in doc.text and "Sở Công Thương" not in doc.text
    assert doc.warnings == (
        "names.xlsx: sheet 'Danh mục' is hidden and was not read; unhide it in Excel to include it",
    )


def test_title_rows_and_a_trailing_note_are_paragraphs(tmp_path):
    book = openpyxl.Workbook()
    _fill_sheet(book.active, ["PHỤ LỤC 2\nCÁC NHIỆM VỤ THUỘC TRÁCH NHIỆM CỦA SỞ Y TẾ"], OWNER_TABLE)
    book.active.title = "PL2"  # the sheet's own title says it: the tab name adds nothing
    note = len(OWNER_TABLE) + 3
    book.active.cell(row=note, column=1, value="Ghi chú: số liệu đến ngày 30/9/2024")
    book.active.merge_cells(start_row=note, start_column=1, end_row=note, end_column=3)
    doc = read_document(_save(book, tmp_path / "pl2.xlsx"))
    assert [kind for kind, _ in _shape(doc.blocks)] == ["para", "para", "table", "para"]
    assert doc.text.splitlines()[:2] == ["PHỤ LỤC 2", "CÁC NHIỆM VỤ THUỘC TRÁCH NHIỆM CỦA SỞ Y TẾ"]
    assert doc.blocks[-1].text == "Ghi chú: số liệu đến ngày 30/9/2024"


# --- (6) values as written, edges dropped ---------------------------------------------------------------------


def test_values_read_as_excel_shows_them_and_empty_edges_are_dropped(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    header = ["STT", "Điểm", "Tổng", "Hạn", "Lúc", "Tỷ lệ", "Chỉ tiêu", "Ngày (chữ)", "Mã", "Tháng"]
    values = [
        4,
        4.0,
        0.1 + 0.2,
        dt.date(2024, 11, 30),
        dt.datetime(2024, 11, 30, 14, 30),
        0.85,
        7.5,
        "01/12/2024",
        "004",
        dt.date(2024, 12, 1),
    ]
    for j, (label, value) in enumerate(zip(header, values, strict=True), start=3):
        sheet.cell(row=4, column=j, value=label)
        sheet.cell(row=6, column=j, value=value)  # row 5 is left empty
    sheet.cell(row=6, column=8).number_format = "0%"
    sheet.cell(row=6, column=9).number_format = "0.00"
    sheet.cell(row=6, column=12).number_format = "mm/yyyy"
    sheet["Z40"].number_format = "0.00"  # a formatted empty cell far from the table
    (table,) = [b for b in read_document(_save(book, tmp_path / "values.xlsx")).blocks if isinstance(b, Table)]
    assert table.rows == (
        tuple(header),
        ("4", "4", "0.3", "30/11/2024", "30/11/2024 14:30", "85%", "7.50", "01/12/2024", "004", "12/2024"),
    )


def test_cell_text_is_nfc(tmp_path):
    decomposed = "Sở Tư pháp".replace("ở", "o\u031b\u0309")  # o + horn + hook above, as some exports write it
    book = openpyxl.Workbook()
    _fill_sheet(book.active, [], [["STT", "Cơ quan"], ["1", decomposed]])
    (table,) = [b for b in read_document(_save(book, tmp_path / "nfc.xlsx")).blocks if isinstance(b, Table)]
    assert table.rows[1][1] == "Sở Tư pháp"


# --- (4) bombs ------------------------------------------------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml."
_PARTS = {
    "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    f'<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
    f'ContentType="{_CT}sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}'
    f'worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}sharedStrings+xml"/></Types>',
    "_rels/.rels": f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_REL}/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets><sheet name="Sheet1" sheetId="1" '
    'r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_REL}/worksheet" '
    f'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{_REL}/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>',
    "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{_MAIN}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
    '<c r="B1" t="s"><v>1</v></c></row></sheetData></worksheet>',
}


def _minimal_workbook(strings: list[str], repeat: int = 1) -> bytes:
    """A valid workbook written by hand whose shared strings are ``strings`` written ``repeat`` times."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, xml in _PARTS.items():
            archive.writestr(part, xml)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as handle:
            handle.write(f'<sst xmlns="{_MAIN}">'.encode())
            chunk = "".join(f"<si><t>{s}</t></si>" for s in strings).encode()
            for _ in range(repeat):
                handle.write(chunk)
            handle.write(b"</sst>")
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """150 MB of shared strings in a 150 KB file."""
    return _minimal_workbook(["A" * (1024 * 1024)], repeat=150)


def test_the_minimal_workbook_reads(tmp_path):
    path = tmp_path / "minimal.xlsx"
    path.write_bytes(_minimal_workbook(["Kế hoạch", "Số 336/KH-UBND"]))
    assert read_document(path).text == "Kế hoạch | Số 336/KH-UBND"


def test_xlsx_bomb_is_refused_from_the_zip_directory(tmp_path, bomb, monkeypatch):
    def must_not_parse(*args, **kwargs):
        raise AssertionError("the bomb reached the parser")

    monkeypatch.setattr(xlsx_module, "run_limited", must_not_parse)
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb)
    assert len(bomb) < 1024 * 1024
    with pytest.raises(TooLarge, match=r"bomb\.xlsx: member xl/sharedStrings\.xml compresses .* zip bomb"):
        read_document(path)


def test_xlsx_bomb_past_the_zip_guard_is_stopped_by_the_memory_limit(tmp_path, bomb):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb)
    lax = Limits(max_compression_ratio=1e9, max_unpacked_bytes=10**9, max_part_bytes=10**9, pdf_memory_mb=64)
    with pytest.raises(TooLarge, match=r"bomb\.xlsx: reading the workbook needed more than 64 MB"):
        read_document(path, lax)


def test_far_apart_stray_cells_are_refused_before_the_grid_is_built(tmp_path):
    book = openpyxl.Workbook()
    for r in range(1, 2001):
        book.active.cell(row=r, column=1, value=r)
        book.active.cell(row=r, column=r + 1, value="x")
    with pytest.raises(TooLarge, match=r"stray\.xlsx: sheet 'Sheet' spans 2,000 rows by 2,001 columns.*stray cells"):
        read_document(_save(book, tmp_path / "stray.xlsx"))


# --- (5) damaged, not a zip, encrypted -------------------------------------------------------------------------


def test_not_a_zip_names_the_file_and_says_what_to_do(tmp_path):
    path = tmp_path / "phu-luc.xlsx"
    path.write_bytes("Kế hoạch số 336, không phải bảng tính".encode())
    with pytest.raises(CorruptDocument, match=r"phu-luc\.xlsx: is not a valid \.xlsx .*re-save it from Excel"):
        read_document(path)


def test_damaged_workbook_inside_a_valid_zip(tmp_path):
    data = _minimal_workbook(["Kế hoạch", "x"])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, b"<workbook" if item.filename == "xl/workbook.xml" else src.read(item))
    path = tmp_path / "hong.xlsx"
    path.write_bytes(out.getvalue())
    with pytest.raises(CorruptDocument, match=r"hong\.xlsx: expected a \.xlsx workbook, found a damaged"):
        read_document(path)


def _plan_book() -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    _fill_sheet(book.active, [], LEAD_TABLE)
    return book


def test_password_protected_workbook(tmp_path):
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    plain = _save(_plan_book(), tmp_path / "plain.xlsx")
    path = tmp_path / "mat-khau.xlsx"
    with plain.open("rb") as src, path.open("wb") as dst:
        ooxml.OOXMLFile(src).encrypt("123456", dst)
    assert path.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    with pytest.raises(CorruptDocument, match=r"mat-khau\.xlsx: .*password.*save an unprotected copy"):
        read_document(path)


@pytest.mark.parametrize(
    ("stream", "said"),
    [("EncryptionInfo", r"password"), ("Workbook", r"Excel 97-2003 .*rename it to \.xls")],
)
def test_compound_files_named_xlsx(tmp_path, stream, said):
    """Compound Files msoffcrypto cannot open: the encryption stream's name alone tells them apart."""
    path = tmp_path / "cu.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + stream.encode("utf-16-le") + bytes(512))
    with pytest.raises(CorruptDocument, match=rf"cu\.xlsx: expected a \.xlsx workbook.*{said}"):
        read_document(path)
