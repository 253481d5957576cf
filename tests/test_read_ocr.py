"""Scanned plans: the same content as text, as a scanned PDF and as a mixed PDF gives the same records.

The scans are made here: the Đồng Nai environment rows of ``test_format_equivalence`` are laid out as a
real PDF (DejaVu, which has the Vietnamese glyphs), each page rendered to an image and the images saved
as a PDF with no text layer, exactly what a scanner's "save as PDF" gives.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import pytest
from test_format_equivalence import _key, _write_pdf, _write_txt

from ingest.errors import ScannedPdf, TooLarge
from ingest.limits import Limits
from ingest.pipeline import parse_file
from ingest.readers import _ocr
from ingest.vocab import load_vocabulary

_WHY = _ocr.missing()
needs_ocr = pytest.mark.skipif(_WHY is not None, reason=f"OCR cannot run here: {_WHY}")


def _images(pdf: Path, dpi: int = 200) -> list:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return [doc[i].render(scale=dpi / 72).to_pil().convert("L") for i in range(len(doc))]
    finally:
        doc.close()


def _scan(images: list, path: Path, dpi: int = 200) -> Path:
    images[0].save(path, save_all=True, append_images=images[1:], resolution=dpi)
    return path


@pytest.fixture(scope="module")
def expected(tmp_path_factory) -> list[tuple]:
    return _key(parse_file(_write_txt(tmp_path_factory.mktemp("txt") / "plan.txt")))


@pytest.fixture(scope="module")
def typeset(tmp_path_factory) -> Path:
    return _write_pdf(tmp_path_factory.mktemp("pdf") / "plan.pdf")


@needs_ocr
def test_a_scanned_plan_gives_the_records_of_its_text(tmp_path, typeset, expected):
    told: list[tuple[str, int, int]] = []
    parsed = parse_file(_scan(_images(typeset), tmp_path / "scan.pdf"), progress=lambda *a: told.append(a))
    assert _key(parsed) == expected  # agencies, components, tasks, deadlines, locations
    doc = parsed.document
    assert doc.ocr_pages == (1,)
    assert (doc.doc_number, doc.province, doc.issuer, doc.year) == (
        "336/KH-UBND",
        "Đồng Nai",
        "UBND tỉnh Đồng Nai",
        2024,
    )
    assert told == [("OCR", 0, 1), ("OCR", 1, 1)]


@needs_ocr
def test_a_mixed_pdf_reads_only_its_scanned_page_by_ocr(tmp_path, expected):
    fpdf = pytest.importorskip("fpdf")
    table_page = _images(_write_pdf(tmp_path / "table.pdf"))[0]
    # the plan's own table page scanned, after a typed cover page with its own text layer
    pdf = fpdf.FPDF(orientation="L")
    pdf.add_font("DejaVu", fname="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    pdf.set_font("DejaVu", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 8, "Trên đây là Kế hoạch nâng cao các chỉ số PAPI, SIPAS; các sở, ngành thực hiện nghiêm túc.")
    pdf.add_page()
    buffer = io.BytesIO()
    table_page.save(buffer, format="PNG")
    pdf.image(buffer, x=0, y=0, w=pdf.w, h=pdf.h)
    path = tmp_path / "mixed.pdf"
    pdf.output(str(path))

    parsed = parse_file(path)
    assert parsed.document.ocr_pages == (2,)
    assert "các sở, ngành thực hiện nghiêm túc" in parsed.text  # page 1 from its text layer
    assert _key(parsed) == expected


@needs_ocr
def test_a_page_ocr_cannot_read_is_refused_with_a_reason(tmp_path):
    from PIL import Image, ImageDraw

    page = Image.new("L", (1654, 2339), 255)
    ImageDraw.Draw(page).rectangle((200, 300, 1400, 1900), fill=90)  # a grey photo, no letters
    with pytest.raises(ScannedPdf, match=r"anh\.pdf: no extractable text on 1 of 1 pages; OCR read nothing"):
        parse_file(_scan([page], tmp_path / "anh.pdf"))


def test_too_many_scanned_pages_are_refused_before_any_ocr(tmp_path, typeset):
    path = _scan(_images(typeset, dpi=50) * 3, tmp_path / "dai.pdf", dpi=50)
    start = time.perf_counter()
    with pytest.raises(TooLarge, match=r"dai\.pdf: 3 scanned pages.*max_ocr_pages"):
        parse_file(path, limits=Limits(max_ocr_pages=2))
    assert time.perf_counter() - start < 10  # refused from the text layer alone, no page was read


def test_without_tesseract_a_scan_says_what_to_install(tmp_path, typeset, monkeypatch):
    monkeypatch.setattr(_ocr, "missing", lambda: "the tesseract program is not installed (apt-get install …)")
    with pytest.raises(
        ScannedPdf, match=r"scan\.pdf: no extractable text.*OCR cannot run here: the tesseract program is not installed"
    ):
        parse_file(_scan(_images(typeset, dpi=50), tmp_path / "scan.pdf", dpi=50))


def _grid_page(merge_below_first: bool) -> np.ndarray:
    """A 3×3 ruled grid as ink; optionally the rule under the first cell of column 0 is missing."""
    ink = np.zeros((400, 800), dtype=bool)
    ys, xs = [50, 150, 250, 350], [100, 300, 500, 700]
    for y in ys:
        ink[y - 1 : y + 2, 100:701] = True
    for x in xs:
        ink[50:351, x - 1 : x + 2] = True
    if merge_below_first:
        ink[149:152, 103:298] = False  # rows 0 and 1 of column 0 are one cell
    return ink


def test_rules_give_the_grid_and_a_missing_rule_is_a_merge():
    [grid] = _ocr.find_grids(_grid_page(merge_below_first=False))
    assert (grid.ys, grid.xs) == ([50, 150, 250, 350], [100, 300, 500, 700])
    assert all(owner == cell for cell, owner in grid.owner.items())
    [merged] = _ocr.find_grids(_grid_page(merge_below_first=True))
    assert merged.owner[(1, 0)] == (0, 0) and merged.owner[(1, 1)] == (1, 1)


def test_text_lines_are_not_taken_for_rules():
    ink = np.zeros((400, 800), dtype=bool)
    for y in (60, 120, 180):  # three lines of "text": short dark runs with gaps
        for x in range(100, 700, 14):
            ink[y : y + 12, x : x + 9] = True
    assert _ocr.find_grids(ink) == []


@pytest.mark.parametrize(
    ("read", "meant"),
    [("|", "I"), ("lI", "II"), ("|V. Chỉ số PCI", "IV. Chỉ số PCI"), ("1", "1"), ("Lâm", "Lâm"), ("l", "I")],
)
def test_roman_item_numbers_read_as_strokes_are_mended(read, meant):
    assert _ocr._numbering(read) == meant


def test_ocr_diacritics_of_known_names_are_put_right_and_nothing_else():
    vocab = load_vocabulary()
    read = "SỞ TÀI NGUYÊN VÀ MÔI TRUỜNG chủ trì; Sở Nội vu phối hợp; Quản trị môi trưòng; bảo vệ môi truòng"
    fixed = vocab.repair_accents(read)
    assert fixed.startswith("SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG chủ trì; Sở Nội vụ phối hợp; Quản trị môi trường")
    assert fixed.endswith("bảo vệ môi truòng")  # not a known name: left as read
    assert len(fixed) == len(read)


PAR_HEAD = [
    "Số: 336/KH-UBND",
    "Đồng Nai, ngày 15 tháng 10 năm 2024",
    "KẾ HOẠCH",
    "Nâng cao các chỉ số PAPI, SIPAS, PAR INDEX của tỉnh",
    "4. Đối với Chỉ số cải cách hành chính (PAR INDEX)",
]
PAR_COLUMNS = [
    "STT",
    "Lĩnh vực",
    "Năm 2023 Điểm số",
    "Năm 2023 Tỷ lệ (%)",
    "Chỉ tiêu đến năm 2025 Điểm số",
    "Vị trí xếp hạng",
]
PAR_ROWS = [  # cut from the Đồng Nai plan's PAR INDEX table
    ["1", "Công tác chỉ đạo điều hành cải cách hành chính", "9.07/9.5", "95.47", "9.30/9.5", "15"],
    ["2", "Cải cách thể chế", "9.513/10", "95.13", "9.70/10", "10"],
    ["3", "Cải cách thủ tục hành chính", "10.81/13", "83.15", "11.50/13", "20"],
    ["4", "Cải cách tổ chức bộ máy hành chính", "9.74/10.5", "92.74", "9.80/10.5", "10"],
    ["5", "Cải cách chế độ công vụ", "12.82/15", "85.47", "13.50/15", "12"],
    ["6", "Cải cách tài chính công", "11.04/12", "92", "11.60/12", "8"],
    ["7", "Xây dựng và phát triển chính quyền điện tử, chính quyền số", "10.59/13.5", "78.44", "12.50/13.5", "20"],
]


@needs_ocr
def test_figures_of_a_scanned_score_table_are_right_or_their_row_is_flagged(tmp_path):
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF(orientation="L")
    pdf.add_font("DejaVu", fname="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    pdf.add_font("DejaVu", style="B", fname="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    pdf.set_font("DejaVu", size=9)
    pdf.add_page()
    for line in PAR_HEAD:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    with pdf.table(col_widths=(10, 90, 30, 30, 40, 30), first_row_as_headings=True) as table:
        for row in [PAR_COLUMNS, *PAR_ROWS]:
            table.row(row)
    typeset = tmp_path / "typeset.pdf"
    pdf.output(str(typeset))

    def scores(parsed):
        return {s.component: dict(s.values) for s in parsed.scores}

    text = parse_file(typeset)
    scanned = parse_file(_scan(_images(typeset), tmp_path / "scan.pdf"))
    want, got = scores(text), scores(scanned)
    assert len(want) == len(PAR_ROWS) and set(got) == set(want)  # every component name right
    flagged = " ".join(scanned.document.warnings)
    for n, (component, values) in enumerate(want.items(), start=1):
        assert got[component] == values or f"table row {n + 1}" in flagged, (component, got[component], values)
