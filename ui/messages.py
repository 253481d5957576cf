"""What the app says about a file it read, in Vietnamese: refusals by kind of error, warnings, what was read.

Ingestion's messages are English sentences for administrators (``planqa ingest``); a person uploading in
the app reads Vietnamese. Errors are told apart by their kind (``error_kind``, the ingestion exception's
name), warnings by their known shapes; a warning of a shape not listed here is shown as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

_EXTS = ".docx, .doc, .pdf, .xlsx, .xls, .html, .txt hoặc .md"


def _password(name: str, detail: str) -> str | None:
    if re.search(r"password|encrypt", detail, re.I):
        return f"{name}: tệp được đặt mật khẩu; hãy mở tệp bằng Word/Excel, lưu một bản không đặt mật khẩu rồi nạp lại"
    return None


def _scanned(name: str, detail: str) -> str:
    if "OCR read nothing" in detail:
        return (
            f"{name}: đây là bản quét nhưng không nhận dạng được chữ nào (trang trắng, ảnh chụp hoặc bản quét quá mờ); "
            "hãy quét lại ở độ phân giải 300 dpi hoặc nạp bản có chữ"
        )
    return (
        f"{name}: đây là bản quét, máy chủ chưa có bộ nhận dạng chữ (OCR) tiếng Việt; "
        "hãy nhờ quản trị viên cài tesseract-ocr-vie, hoặc nạp bản có chữ"
    )


def _empty(name: str, detail: str) -> str:
    if "menu" in detail or "navigation" in detail:
        return (
            f"{name}: trang web chỉ có thanh điều hướng, menu, không có nội dung kế hoạch; "
            "hãy lưu đúng trang của kế hoạch (hoặc tải tệp đính kèm) rồi nạp lại"
        )
    return f"{name}: không tìm thấy chữ nào trong tệp; hãy kiểm tra đã chọn đúng tệp"


def _unsupported(name: str, detail: str) -> str:
    if "LibreOffice" in detail:
        return f"{name}: máy chủ chưa cài LibreOffice để đọc tệp Word/Excel 97–2003; hãy lưu tệp thành .docx/.xlsx rồi nạp lại"
    if "FIFO" in detail or "device" in detail or "regular file" in detail or "link that leads out" in detail:
        return f"{name}: không phải một tệp văn bản thông thường; hãy chọn đúng tệp kế hoạch"
    return f"{name}: định dạng không được hỗ trợ; hãy lưu thành {_EXTS}"


# what a damaged file of each kind should be saved again from
_RESAVE: dict[str, str] = {".txt": "hãy lưu lại dạng văn bản (UTF-8) rồi nạp lại", ".md": "hãy lưu lại dạng văn bản (UTF-8) rồi nạp lại",
           ".pdf": "hãy xuất lại PDF từ bản gốc (hoặc tải lại tệp) rồi nạp lại",
           ".html": "hãy lưu lại trang web (Ctrl+S) rồi nạp lại", ".htm": "hãy lưu lại trang web (Ctrl+S) rồi nạp lại"}  # fmt: skip


_BY_KIND: dict[str, Callable[[str, str], str]] = {
    "UnsupportedFormat": _unsupported,
    "EmptyDocument": _empty,
    "CorruptDocument": lambda n, d: (
        _password(n, d)
        or f"{n}: tệp bị hỏng hoặc không đúng định dạng {Path(n).suffix}; "
        + _RESAVE.get(Path(n).suffix.lower(), "hãy mở tệp bằng Word/Excel, lưu lại rồi nạp lại")
    ),
    "ScannedPdf": _scanned,
    "TooLarge": lambda n, d: (
        f"{n}: tệp vượt giới hạn đọc (kích thước, số trang, thời gian hoặc bộ nhớ); "
        "hãy tách thành nhiều tệp nhỏ hơn rồi nạp lại"
    ),
    "EncodingError": lambda n, d: f"{n}: không nhận ra bảng mã của tệp văn bản; hãy lưu lại với bảng mã UTF-8",
}

_WARNINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"OCR confidence is low on pages? ([\d–, ]+)"), "Độ tin cậy nhận dạng chữ (OCR) thấp ở trang {0}: hãy đối chiếu với bản quét"),
    (re.compile(r"page (\d+), table row (\d+): OCR is unsure of the figures"), "Trang {0}, dòng {1} của bảng: chưa chắc các con số nhận dạng được, hãy đối chiếu với bản quét"),
    (re.compile(r"pages ([\d–, ]+) are scanned and were not read"), "Trang {0} là bản quét và chưa đọc được (máy chủ chưa có OCR)"),
    (re.compile(r"page (\d+) has no extractable text"), "Trang {0} không có chữ"),
    (re.compile(r"(.*): a table with no agency column and no agency in its title; its (\d+) rows"), "{0}: bảng không có cột cơ quan và tên phụ lục không nêu cơ quan; {1} dòng của bảng chưa gắn với cơ quan nào"),
    (re.compile(r"not recognised as a plan; ingested as plain passages"), "Không nhận ra đây là một kế hoạch (không có số hiệu, cơ quan ban hành, bảng nhiệm vụ): nội dung vẫn được tìm kiếm như các đoạn văn bản"),
    (re.compile(r"plain-text file with markdown headings or tables; read as markdown"), "Tệp .txt có tiêu đề hoặc bảng dạng markdown: đã đọc theo markdown"),
    (re.compile(r"decoded as ([\w-]+)"), "Tệp không ở bảng mã UTF-8: đã đọc theo bảng mã {0}; hãy kiểm tra dấu tiếng Việt"),
    (re.compile(r"sheet '(.*)' is hidden and was not read"), "Trang tính “{0}” đang ẩn nên chưa được đọc; hãy bỏ ẩn trong Excel nếu cần"),
    (re.compile(r"no main text found; read the page's tables"), "Trang web không có phần nội dung chính: chỉ đọc các bảng của trang"),
)  # fmt: skip


_SURROGATE = re.compile("[\ud800-\udfff]")
_KINDS = {str: "một chuỗi", dict: "một đối tượng", list: "một danh sách", tuple: "một danh sách", bool: "true/false",
          int: "một số", float: "một số", type(None): "null"}  # fmt: skip


def kind_vi(value: Any) -> str:
    """What a client sent, in the words of a message that asks for something else: "một chuỗi", "null"."""
    return _KINDS.get(type(value), type(value).__name__)


def sendable(text: str) -> str:
    """Text as UTF-8 can carry it: a lone surrogate (half of a character a client cut in two) becomes U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def error_vi(result: dict[str, Any]) -> str:
    """The Vietnamese sentence for a failed file's result (``file``, ``error_kind``, ``error``)."""
    name, detail = str(result.get("file") or result.get("source") or ""), str(result.get("error") or "")
    kind = str(result.get("error_kind") or "")
    if kind in _BY_KIND:
        return _BY_KIND[kind](name, detail)
    if not kind:  # the service's own refusals are Vietnamese already
        return detail
    return f"{name}: lỗi không mong đợi khi đọc tệp, tệp chưa được nạp; hãy báo quản trị viên"


def warning_vi(warning: str) -> str:
    """A reader's warning in Vietnamese (the file name dropped: the row names the file); one of a shape not
    listed here is shown as written after a Vietnamese lead-in."""
    for pattern, template in _WARNINGS:
        m = pattern.search(warning)
        if m:
            return template.format(*m.groups())
    return f"Lưu ý khi đọc tệp (chi tiết kỹ thuật): {warning}"


def read_vi(source: str, read: dict[str, Any]) -> str:
    """What was read from one file, as markdown lines a person can check (plan text escaped)."""
    from assistant.mdtext import md

    facts = [
        ("Số hiệu", read.get("doc_number")), ("Cơ quan ban hành", read.get("issuer")), ("Cấp", read.get("level")),
        ("Tỉnh", read.get("province")), ("Năm", read.get("year")), ("Người ký", read.get("signer")),
        ("Chỉ số", ", ".join(read.get("indices") or [])),
    ]  # fmt: skip
    head = " · ".join(f"{label}: {md(str(value))}" for label, value in facts if value)
    lines = [f"**{md(source)}** — {head or 'không đọc được số hiệu, cơ quan ban hành'}"]
    counts = f"{read['assignments']} nhiệm vụ, {read['scores']} dòng điểm số, {read['passages']} đoạn"
    if read.get("ocr_pages"):
        counts += f"; {len(read['ocr_pages'])} trang là văn bản quét, chữ được nhận dạng bằng OCR"
    if read.get("corrected"):
        counts += "; đã chỉnh tay: " + ", ".join(FIELDS_VI.get(f, f) for f in read["corrected"])
    lines.append(f"- {counts}")
    for row in read.get("first_rows") or []:
        who = "; ".join(row["lead"]) + (f" (phối hợp: {'; '.join(row['coop'])})" if row["coop"] else "")
        parts = [p for p in (row["location"], row["component"], who, row["deadline"]) if p]
        lines.append("- " + " — ".join(md(p) for p in parts))
    return "\n".join(lines)


FIELDS_VI = {"province": "tỉnh", "level": "cấp", "issuer": "cơ quan ban hành"}
