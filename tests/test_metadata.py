"""Document metadata read from the sample plans' text (found by content, never by file name)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ingest.metadata import NOT_A_PLAN, extract_metadata
from ingest.model import Para, RawDocument, stable_id
from ingest.textnorm import normalize_text
from ingest.vocab import load_vocabulary

PLANS = Path(__file__).resolve().parents[1] / "data" / "plans"


def raw_from_text(text: str, source: str = "plan.txt") -> RawDocument:
    """A minimal RawDocument: one Para per non-empty line, offsets into the normalised text."""
    text = normalize_text(text)
    blocks, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            lead = len(line) - len(line.lstrip())
            blocks.append(Para(line.strip(), pos + lead, pos + lead + len(line.strip())))
        pos += len(line) + 1
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return RawDocument(source, f"/in/{source}", text, tuple(blocks), "txt", digest)


def _plan_containing(marker: str) -> RawDocument:
    for path in sorted(PLANS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        if marker in text:
            return raw_from_text(text, source=path.name)
    pytest.skip(f"no sample plan contains {marker!r}")


@pytest.fixture(scope="module")
def vocab():
    return load_vocabulary()


EXPECTED = [
    (
        "Số: 336/KH-UBND",
        dict(
            doc_number="336/KH-UBND",
            issuer="UBND tỉnh Đồng Nai",
            level="tỉnh",
            province="Đồng Nai",
            locality="",
            issue_date="15/10/2024",
            year=2024,
            signer="Võ Tấn Đức",
            indices=("PAR INDEX", "PAPI", "SIPAS", "PCI"),
        ),
        "THỰC HIỆN CHỈ THỊ SỐ 36-CT/TU",
    ),
    (
        "Số: /KH-STNMT",
        dict(
            doc_number="/KH-STNMT",
            issuer="Sở Tài nguyên và Môi trường",
            level="sở",
            province="Lạng Sơn",
            locality="",
            issue_date="…/6/2024",
            year=2024,
            signer="Nguyễn Ngọc Thiều",
            indices=("SIPAS", "PAR INDEX", "PAPI"),
        ),
        "Về việc nâng cao Chỉ số hài lòng",
    ),
    (
        "Số: /KH-SGTVT",
        dict(
            doc_number="/KH-SGTVT",
            issuer="Sở Giao thông vận tải",
            level="sở",
            province="Lạng Sơn",
            locality="",
            issue_date="…/6/2024",
            year=2024,
            signer="Hoàng Khánh Dư",
            indices=("PAR INDEX", "SIPAS"),
        ),
        "Triển khai nâng cao Chỉ số cải cách hành chính (PAR INDEX)",
    ),
    (
        "Tam Đường, ngày",
        dict(
            doc_number="/KH-UBND",
            issuer="UBND huyện Tam Đường",
            level="huyện",
            province="Lai Châu",
            locality="Tam Đường",
            issue_date="…/7/2024",
            year=2024,
            signer="Sùng Lữ Páo",
            indices=("PAR INDEX", "SIPAS"),
        ),
        "Cải thiện và nâng cao Chỉ số Cải cách hành chính (PAR INDEX)",
    ),
]


@pytest.mark.parametrize(("marker", "fields", "title_start"), EXPECTED, ids=lambda x: str(x)[:20])
def test_sample_plans(vocab, marker, fields, title_start):
    raw = _plan_containing(marker)
    doc = extract_metadata(raw, vocab)
    assert {k: getattr(doc, k) for k in fields} == fields
    assert doc.title.startswith(title_start)
    assert "Thực hiện" not in doc.title[5:] and "Căn cứ" not in doc.title
    assert doc.is_plan and doc.warnings == ()
    assert (doc.source, doc.path, doc.fmt, doc.content_hash) == (raw.source, raw.path, raw.fmt, raw.content_hash)
    if any(c.isdigit() for c in doc.doc_number):
        assert doc.doc_id == stable_id("doc", doc.doc_number, doc.issuer)
    else:
        assert doc.doc_id == stable_id("src", raw.source)


def test_file_name_is_not_used(vocab):
    raw = _plan_containing("Số: 336/KH-UBND")
    renamed = RawDocument("renamed.docx", "/x/renamed.docx", raw.text, raw.blocks, "docx", raw.content_hash)
    a, b = extract_metadata(raw, vocab), extract_metadata(renamed, vocab)
    assert (a.doc_id, a.title, a.issuer, a.signer) == (b.doc_id, b.title, b.issuer, b.signer)


SYNTHETIC = """
ỦY BAN NHÂN DÂN THỊ XÃ PHƯỚC LONG
Số: 12/KH-UBND
Phước Long, ngày 05 tháng 3 năm 2024
## KẾ HOẠCH
Nâng cao Chỉ số hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính nhà nước
năm 2024 trên địa bàn thị xã
Căn cứ Kế hoạch số 40/KH-UBND của UBND tỉnh Bình Phước;
I. MỤC ĐÍCH, YÊU CẦU
Nâng cao Chỉ số SIPAS.
Nơi nhận:
- UBND tỉnh;
- Lưu: VT.
**TM. ỦY BAN NHÂN DÂN**
**KT. CHỦ TỊCH**
**PHÓ CHỦ TỊCH**
**Trần Văn Minh**
"""


def test_synthetic_town_plan(vocab):
    doc = extract_metadata(raw_from_text(SYNTHETIC), vocab)
    assert doc.doc_number == "12/KH-UBND"
    assert (doc.issuer, doc.level, doc.province, doc.locality) == (
        "UBND thị xã Phước Long",
        "thị xã",
        "Bình Phước",
        "Phước Long",
    )
    assert (doc.issue_date, doc.year) == ("05/3/2024", 2024)
    assert doc.title == (
        "Nâng cao Chỉ số hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành "
        "chính nhà nước năm 2024 trên địa bàn thị xã"
    )
    assert doc.signer == "Trần Văn Minh"
    assert doc.indices == ("SIPAS",)


def test_not_a_plan(vocab):
    text = "Báo cáo tình hình\nHà Nội, ngày 1 tháng 2 năm 2023\nNội dung bình thường về thời tiết."
    doc = extract_metadata(raw_from_text(text, "note.txt"), vocab)
    assert not doc.is_plan
    assert NOT_A_PLAN in doc.warnings
    assert doc.doc_id == stable_id("src", "note.txt")
    assert (doc.province, doc.year) == ("Hà Nội", 2023)


def test_nfd_text_gives_the_same_metadata(vocab):
    import unicodedata

    raw = _plan_containing("Số: /KH-SGTVT")
    decomposed = raw_from_text(unicodedata.normalize("NFD", raw.text), raw.source)
    a, b = extract_metadata(raw, vocab), extract_metadata(decomposed, vocab)
    assert (a.doc_number, a.issuer, a.signer, a.province, a.title) == (
        b.doc_number,
        b.issuer,
        b.signer,
        b.province,
        b.title,
    )
