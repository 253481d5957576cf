"""What the app says about a file, in Vietnamese: refusals by kind, reader warnings, what was read (escaped)."""

from __future__ import annotations

import re

import pytest

from ui import messages


@pytest.mark.parametrize(
    ("kind", "detail", "says"),
    [
        ("CorruptDocument", "mat.doc: is protected with a password; …", "mat.doc: tệp được đặt mật khẩu"),
        ("CorruptDocument", "hong.xlsx: is not a valid .xlsx (truncated …)", "hong.xlsx: tệp bị hỏng hoặc không đúng định dạng .xlsx"),
        ("CorruptDocument", "nul.txt: expected text (UTF-8, UTF-16 or Windows-1258), found NUL bytes", "nul.txt: tệp bị hỏng hoặc không đúng định dạng .txt; hãy lưu lại dạng văn bản (UTF-8)"),
        ("ScannedPdf", "anh.pdf: no extractable text on 1 of 1 pages; OCR read nothing on it", "anh.pdf: đây là bản quét nhưng không nhận dạng được chữ nào"),
        ("ScannedPdf", "anh.pdf: … OCR cannot run here: the tesseract program is not installed", "anh.pdf: đây là bản quét, máy chủ chưa có bộ nhận dạng chữ"),
        ("EmptyDocument", "menu.html: the page has only navigation and menus …", "menu.html: trang web chỉ có thanh điều hướng, menu"),
        ("TooLarge", "bomb.xlsx: member xl/sharedStrings.xml compresses 1,000:1 …", "bomb.xlsx: tệp vượt giới hạn đọc"),
        ("unexpected", "x.docx: unexpected KeyError while ingesting: 'cột'", "x.docx: lỗi không mong đợi khi đọc tệp"),
    ],
)  # fmt: skip
def test_each_kind_of_refusal_gets_a_vietnamese_sentence_naming_the_file(kind, detail, says):
    name = detail.split(":")[0]
    told = messages.error_vi({"file": name, "error": detail, "error_kind": kind})
    assert told.startswith(says), told
    assert "unexpected" not in told and "password" not in told  # no English left


def test_the_service_s_own_refusals_pass_through():
    own = "a.exe: định dạng không được hỗ trợ; hãy lưu thành .docx"
    assert messages.error_vi({"file": "a.exe", "error": own, "error_kind": None}) == own


@pytest.mark.parametrize(
    ("warning", "says"),
    [
        ("scan.pdf: OCR confidence is low on pages 3–5, 9; check those pages against the scan", "Độ tin cậy nhận dạng chữ (OCR) thấp ở trang 3–5, 9"),
        ("scan.pdf: page 2, table row 7: OCR is unsure of the figures (4 | 2,99/10); check them", "Trang 2, dòng 7 của bảng: chưa chắc các con số"),
        ("Phụ lục 3: a table with no agency column and no agency in its title; its 12 rows name no agency", "Phụ lục 3: bảng không có cột cơ quan và tên phụ lục không nêu cơ quan; 12 dòng"),
        ("plan.txt: not recognised as a plan; ingested as plain passages", "Không nhận ra đây là một kế hoạch"),
        ("plan.txt: decoded as windows-1258", "Tệp không ở bảng mã UTF-8: đã đọc theo bảng mã windows-1258"),
        ("book.xlsx: sheet 'PL2' is hidden and was not read; unhide it in Excel to include it", "Trang tính “PL2” đang ẩn"),
        ("something new the reader says", "Lưu ý khi đọc tệp (chi tiết kỹ thuật): something new the reader says"),
    ],
)  # fmt: skip
def test_reader_warnings_are_said_in_vietnamese(warning, says):
    assert messages.warning_vi(warning).startswith(says)


def test_what_was_read_is_plan_text_never_markup():
    read = {
        "doc_number": "336/KH-UBND", "issuer": "UBND tỉnh [Đồng Nai](https://x.example)", "level": "tỉnh",
        "province": "Đồng Nai", "year": 2024, "signer": "", "indices": ["PAPI"], "assignments": 2, "scores": 0,
        "passages": 5, "ocr_pages": [1, 2], "corrected": ["province"],
        "first_rows": [{"location": "Phụ lục 11 › 4", "component": "<img src=x>", "lead": ["Sở Y tế"], "coop": [], "deadline": ""}],
    }  # fmt: skip
    text = messages.read_vi("ke-hoach.pdf", read)
    assert "2 trang là văn bản quét" in text and "đã chỉnh tay: tỉnh" in text and "Năm: 2024" in text
    # escaped: shown as text, never a link or an image
    assert re.search(r"(?<!\\)\]\(", text) is None and re.search(r"(?<!\\)<img", text) is None
    assert "\\[Đồng Nai\\](https\\://x.example)" in text  # the URL as text, not a bare link either
