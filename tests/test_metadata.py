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


# -- metadata that survives real pages (the issuer header, decisions, letters, portal pages) -----------------
@pytest.mark.parametrize(
    ("header", "issuer", "level", "province", "locality"),
    [
        ("ỦY BAN NHÂN DÂN\nHUYỆN HẢI HẬU", "UBND huyện Hải Hậu", "huyện", "Nam Định", "Hải Hậu"),
        ("ỦY BAN NHÂN DÂN\nTHÀNH PHỐ TUY HÒA", "UBND thành phố Tuy Hòa", "thành phố", "Phú Yên", "Tuy Hòa"),
        ("ỦY BAN NHÂN DÂN\nTỈNH VĨNH LONG", "UBND tỉnh Vĩnh Long", "tỉnh", "Vĩnh Long", ""),
        ("UBND TỈNH LẠNG SƠN\nSỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG", "Sở Tài nguyên và Môi trường", "sở", "Lạng Sơn", ""),
        ("ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HÀ NỘI", "UBND thành phố Hà Nội", "tỉnh", "Hà Nội", ""),
    ],
)
def test_the_issuer_header_gives_issuer_level_and_place(vocab, header, issuer, level, province, locality) -> None:
    # the place line is broken over two lines, as converted PDFs do: the header decides
    text = f"{header}\nSố: 51/KH-UBND\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nVĩnh\nLong, ngày 12 tháng 7 năm 2023\nKẾ HOẠCH\nNâng cao Chỉ số PCI"
    doc = extract_metadata(raw_from_text(text), vocab)
    assert (doc.issuer, doc.level, doc.province, doc.locality) == (issuer, level, province, locality)


def test_a_decision_and_a_letter_are_plan_documents(vocab) -> None:
    decision = extract_metadata(
        raw_from_text(
            "ỦY BAN NHÂN DÂN\nTỈNH HÀ TĨNH\nSố: 786/QĐ-UBND\nHà Tĩnh, ngày 09 tháng 4 năm 2024\nQUYẾT ĐỊNH\n"
            "Về việc ban hành Kế hoạch nâng cao Chỉ số SIPAS năm 2024\nCăn cứ Luật Tổ chức chính quyền địa phương;\n"
            "Điều 1. Ban hành kèm theo Quyết định này Kế hoạch."
        ),
        vocab,
    )
    assert decision.is_plan and decision.doc_number == "786/QĐ-UBND" and decision.title.startswith("Về việc ban hành")
    letter = extract_metadata(
        raw_from_text(
            "ỦY BAN NHÂN DÂN\nTỈNH BẮC GIANG\nSố: 1875/UBND-KTTH\nV/v triển khai các giải pháp nâng cao Chỉ số PCI năm 2024\n"
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nBắc Giang, ngày 22 tháng 4 năm 2024\nKính gửi: Các sở, ban, ngành tỉnh"
        ),
        vocab,
    )
    assert (
        letter.is_plan
        and letter.issuer == "UBND tỉnh Bắc Giang"
        and letter.title.startswith("triển khai các giải pháp")
    )


def test_a_portal_page_gives_its_number_date_and_signer(vocab) -> None:
    page = extract_metadata(
        raw_from_text(
            "Quyết định 1606/QĐ-UBND về Kế hoạch khắc phục tồn tại, hạn chế năm 2025\n| Số hiệu | 1606/QĐ-UBND |\n"
            "| Ngày ban hành | 27/06/2025 |\n| Người ký | Nguyễn Hồng Lĩnh |\nQUYẾT ĐỊNH:\nĐiều 1. Ban hành kèm theo"
        ),
        vocab,
    )
    assert (page.doc_number, page.issue_date, page.year, page.signer) == (
        "1606/QĐ-UBND",
        "27/06/2025",
        2025,
        "Nguyễn Hồng Lĩnh",
    )
    news = extract_metadata(
        raw_from_text(
            "Tin tức\nNgày 31/3, UBND tỉnh Lai Châu đã ban hành Kế hoạch số 1331/KH-UBND về việc cải thiện chỉ số PAPI.\n"
            "Theo kế hoạch, tỉnh Lai Châu phấn đấu tăng ít nhất 01 bậc."
        ),
        vocab,
    )
    assert news.doc_number == "1331/KH-UBND" and news.province == "Lai Châu"
    assert news.issuer != "UBND các huyện, thành phố"


def test_what_a_plan_asks_of_groups_is_not_its_issuer(vocab) -> None:
    text = "Tin tức\nUBND các huyện, thành phố xây dựng kế hoạch cải thiện chỉ số PCI của địa phương trước ngày 30/6."
    assert extract_metadata(raw_from_text(text), vocab).issuer == ""
