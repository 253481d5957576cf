"""The same plan content as flattened text, as a real Word table and as a real PDF gives the same records.

The rows are cut from the Đồng Nai plan's Phụ lục 11 (environment rows, a cell over several "- "
lines, a row whose tasks and deadline cells are merged with the row above).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pipeline import parse_file

HEAD = [
    "Số: 336/KH-UBND",
    "Đồng Nai, ngày 15 tháng 10 năm 2024",
    "KẾ HOẠCH",
    "Nâng cao các chỉ số PAPI, SIPAS của tỉnh",
]
APPENDIX = [
    "PHỤ LỤC 11",
    "CÁC NHIỆM VỤ, GIẢI PHÁP ĐỂ NÂNG CAO CÁC CHỈ SỐ (PAPI, SIPAS)",
    "THUỘC TRÁCH NHIỆM THEO DÕI, QUẢN LÝ CỦA SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG",
]
COLUMNS = ["STT", "Chỉ số/nội dung", "Chỉ tiêu/kết quả", "Nhiệm vụ/giải pháp", "Thời gian hoàn thành"]
TASKS_AIR = [
    "- Đẩy mạnh tuyên truyền, phổ biến rộng rãi Luật bảo vệ môi trường.",
    "- Thực hiện quan trắc chất lượng không khí định kỳ hàng năm.",
]
ROWS: list[list[object]] = [
    ["I", "Chỉ số PAPI", "", "", ""],
    [
        "4",
        "Nghiêm túc trong bảo vệ môi trường",
        "Nâng cao nhận thức về bảo vệ môi trường cho người dân",
        "Tăng cường công tác thanh tra, kiểm tra việc chấp hành pháp luật về bảo vệ môi trường",
        "Thường xuyên",
    ],
    ["5", "Chất lượng không khí", "Theo dõi diễn biến chất lượng không khí", TASKS_AIR, "Thường xuyên"],
    [
        "6",
        "Chất lượng nước",
        "Bảo đảm nguồn nước sinh hoạt cho người dân",
        None,
        None,
    ],  # None: merged with the row above
    ["II", "Chỉ số SIPAS", "", "", ""],
    [
        "1",
        "Tiếp cận dịch vụ",
        "Tăng tỷ lệ hài lòng của người dân",
        "Hướng dẫn việc triển khai các hình thức cung cấp thông tin về TTHC",
        "Trước ngày 30/11/2024",
    ],
]


def _cell_text(cell: object) -> str:
    if cell is None:
        return ""
    return "\n".join(cell) if isinstance(cell, list) else str(cell)


def _write_txt(path: Path) -> Path:
    lines = HEAD + APPENDIX + COLUMNS
    for row in ROWS:
        for cell in row:
            text = _cell_text(cell)
            if text:
                lines.extend(text.split("\n"))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _write_docx(path: Path) -> Path:
    docx = pytest.importorskip("docx")
    document = docx.Document()
    for line in HEAD + APPENDIX:
        document.add_paragraph(line)
    table = document.add_table(rows=1 + len(ROWS), cols=len(COLUMNS))
    for j, label in enumerate(COLUMNS):
        table.cell(0, j).text = label
    for i, row in enumerate(ROWS, start=1):
        for j, cell in enumerate(row):
            if cell is None:
                table.cell(i - 1, j).merge(table.cell(i, j))  # a real vertical merge
            else:
                table.cell(i, j).text = _cell_text(cell)
    document.save(str(path))
    return path


def _write_pdf(path: Path) -> Path:
    fpdf = pytest.importorskip("fpdf")
    font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not font.exists():
        pytest.skip(
            f"needs a Unicode TrueType font for Vietnamese text; {font} is missing (apt-get install fonts-dejavu-core)"
        )
    pdf = fpdf.FPDF(orientation="L")
    pdf.add_page()
    pdf.add_font("DejaVu", fname=str(font))
    pdf.add_font("DejaVu", style="B", fname=str(font))  # table headings are drawn bold
    pdf.set_font("DejaVu", size=8)
    for line in HEAD + APPENDIX:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    with pdf.table(col_widths=(10, 45, 60, 110, 30), first_row_as_headings=True) as table:
        table.row(COLUMNS)
        for row in ROWS:
            table.row([_cell_text(c) for c in row])
    pdf.output(str(path))
    return path


def _key(parsed):
    norm = lambda s: " ".join(s.split())  # noqa: E731 - PDF cells wrap lines where the page ends
    return [
        (a.plan_index, a.component, norm(a.target), norm(a.tasks), a.lead, a.coop, a.deadline, a.location)
        for a in parsed.assignments
        if a.source_kind == "table"
    ]


@pytest.fixture(scope="module")
def expected(tmp_path_factory) -> list[tuple]:
    parsed = parse_file(_write_txt(tmp_path_factory.mktemp("txt") / "plan.txt"))
    key = _key(parsed)
    assert len(key) == 4, key
    return key


def test_text_version_reads_the_rows(expected):
    water = [k for k in expected if "Chất lượng nước" in k[1]][0]
    assert water[4] == ("Sở Tài nguyên và Môi trường",)
    assert water[3] == " ".join(TASKS_AIR) and water[6] == "Thường xuyên"
    assert [k for k in expected if k[0] == "SIPAS"][0][6] == "Trước ngày 30/11/2024"


def test_docx_table_gives_the_same_records(tmp_path, expected):
    assert _key(parse_file(_write_docx(tmp_path / "plan.docx"))) == expected


def test_pdf_table_gives_the_same_records(tmp_path, expected):
    assert _key(parse_file(_write_pdf(tmp_path / "plan.pdf"))) == expected


def test_a_table_that_names_no_agency_is_reported(tmp_path):
    lines = HEAD + COLUMNS + [_cell_text(c) for c in ROWS[1]]  # no appendix title naming the agency
    path = tmp_path / "plan.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parsed = parse_file(path)
    assert [a.lead for a in parsed.assignments if a.source_kind == "table"] == [()]
    assert any(
        "a table with no agency column and no agency in its title; its 1 rows" in w for w in parsed.document.warnings
    )
    with_title = parse_file(_write_txt(tmp_path / "titled.txt"))  # the appendix title names it: the usual layout
    assert not any("agency column" in w for w in with_title.document.warnings)
