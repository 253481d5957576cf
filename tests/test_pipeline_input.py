"""parse_file on awkward but valid input (other encodings, NFD, a non-plan) and on bad input.

Each bad file gets a domain error whose message names the file and says what to do.
"""

from __future__ import annotations

import io
import time
import unicodedata
import zipfile
from pathlib import Path

import pytest
from plan_factory import cp1258

from ingest.errors import CorruptDocument, EmptyDocument, ScannedPdf, TooLarge, UnsupportedFormat
from ingest.pipeline import parse_file

PLANS = Path(__file__).resolve().parent.parent / "data" / "plans"


def _tam_duong_text() -> str:
    for path in sorted(PLANS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        if "Tam Đường, ngày" in text:
            return text
    raise AssertionError("the Tam Đường plan is not bundled")


def _key(parsed):
    return (
        parsed.document.doc_number,
        parsed.document.province,
        [(a.plan_index, a.component, a.lead, a.coop, a.deadline, a.location) for a in parsed.assignments],
        sorted(p.text for p in parsed.passages),
    )


@pytest.mark.parametrize("variant", ["cp1258", "nfd", "utf-16", "legacy-tones"])
def test_encodings_and_forms_give_the_same_records(tmp_path, variant):
    text = _tam_duong_text()
    reference = tmp_path / "ref.txt"
    reference.write_text(text, encoding="utf-8")
    other = tmp_path / f"plan-{variant}.txt"
    if variant == "cp1258":
        other.write_bytes(cp1258(text))
    elif variant == "nfd":
        other.write_text(unicodedata.normalize("NFD", text), encoding="utf-8")
    elif variant == "utf-16":
        other.write_text(text, encoding="utf-16")
    else:
        other.write_text(text.replace("hóa", "hoá").replace("Ủy", "Uỷ"), encoding="utf-8")
    assert _key(parse_file(other)) == _key(parse_file(reference))


def test_non_plan_is_kept_as_plain_passages_with_a_warning(tmp_path):
    path = tmp_path / "tin-tuc.txt"
    path.write_text(
        "Thời tiết hôm nay\n\nHà Nội có mưa rào vào buổi chiều, nhiệt độ từ 24 đến 29 độ.\n\n"
        "Người dân nên mang theo áo mưa khi ra đường.\n",
        encoding="utf-8",
    )
    parsed = parse_file(path)
    assert parsed.document.is_plan is False
    assert any("plan" in w for w in parsed.document.warnings)
    assert parsed.assignments == () and parsed.scores == ()
    assert any("mưa rào" in p.text for p in parsed.passages)


def test_empty_file_names_the_file(tmp_path):
    path = tmp_path / "trong.txt"
    path.write_bytes(b"")
    with pytest.raises(EmptyDocument, match="trong.txt"):
        parse_file(path)


def test_unknown_extension_lists_supported(tmp_path):
    path = tmp_path / "ke-hoach.wpd"
    path.write_bytes(b"\xffWPC old WordPerfect")
    with pytest.raises(UnsupportedFormat, match=r"\.docx"):
        parse_file(path)


def test_truncated_docx(tmp_path):
    docx = pytest.importorskip("docx")
    full = tmp_path / "full.docx"
    document = docx.Document()
    document.add_paragraph("Số: 336/KH-UBND")
    document.save(str(full))
    cut = tmp_path / "cut.docx"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    with pytest.raises(CorruptDocument, match="cut.docx"):
        parse_file(cut)


def test_docx_zip_bomb_refused_fast(tmp_path):
    path = tmp_path / "bomb.docx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(300):  # 300 MB of zeros, about 300 KB compressed
                member.write(chunk)
    path.write_bytes(buf.getvalue())
    start = time.perf_counter()
    with pytest.raises(TooLarge, match="bomb.docx"):
        parse_file(path)
    assert time.perf_counter() - start < 1.0


def test_pdf_without_text_is_reported_as_scanned(tmp_path):
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    with pytest.raises(ScannedPdf, match="OCR"):
        parse_file(path)
