"""Hand-built ParsedDocuments from real plan text (336/KH-UBND, Đồng Nai; a Sở GTVT plan), for store and CLI tests."""

from __future__ import annotations

import unicodedata

from ingest.model import Assignment, Document, ParsedDocument, Passage, Score, stable_id

DN_TEXT = (
    "Số: 336/KH-UBND\nĐồng Nai, ngày 15 tháng 10 năm 2024\nKẾ HOẠCH\n"
    "7.3\nChất lượng nước\n0.39/3.33\n1.50/3.33\n"
    "Phụ lục 11 … THUỘC TRÁCH NHIỆM CỦA SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG\n"
    "Chất lượng nước\nCải thiện chất lượng nước sinh hoạt\n"
    "Tăng cường kiểm tra, giám sát chất lượng nước sạch\nThường xuyên\n"
)


def dn_plan(
    *, doc_id: str = "dn336", path: str = "/plans/001_e7ca3d72be110f1d.txt", content_hash: str = "h1",
    version: str = "v1", source: str | None = None,
) -> ParsedDocument:  # fmt: skip
    """Đồng Nai 336/KH-UBND: one PAPI assignment (Chất lượng nước, Sở TN&MT), one score, two passages.

    ``version`` changes the record and passage ids and texts, as a re-parse of an edited file would.
    """
    doc = Document(
        doc_id=doc_id, source=source or path.rsplit("/", 1)[-1], path=path, fmt="txt", content_hash=content_hash,
        title="Kế hoạch thực hiện Chỉ thị số 36-CT/TU", doc_number="336/KH-UBND", issuer="UBND tỉnh Đồng Nai",
        level="tỉnh", province="Đồng Nai", issue_date="15/10/2024", year=2024, indices=("PAPI", "PCI"),
        warnings=("bảng Phụ lục 2 thiếu cột thời gian",),
    )  # fmt: skip
    rid = stable_id(doc_id, version, "nuoc")
    assignment = Assignment(
        record_id=rid, doc_id=doc_id, plan_index="PAPI",
        component="7. Quản trị môi trường › 7.3 Chất lượng nước", target=f"Cải thiện chất lượng nước sinh hoạt {version}",
        tasks="Tăng cường kiểm tra, giám sát chất lượng nước sạch", lead=("Sở Tài nguyên và Môi trường",),
        coop=("UBND các huyện, thành phố", "Sở Y tế"), deadline="Thường xuyên",
        location="Phụ lục 11 › I. Chỉ số PAPI › 7.3", span=(120, 260),
    )  # fmt: skip
    score = Score(
        record_id=stable_id(doc_id, version, "score"), doc_id=doc_id, plan_index="PAPI",
        component="7. Quản trị môi trường › 7.3 Chất lượng nước",
        values=(("Năm 2023", "0.39/3.33"), ("Chỉ tiêu đến năm 2025", "1.50/3.33")),
        location="Phụ lục 1 › 7.3", span=(70, 110),
    )  # fmt: skip
    passages = tuple(
        Passage(
            passage_id=stable_id(doc_id, version, kind),
            doc_id=doc_id,
            kind=kind,
            header="Đồng Nai · 336/KH-UBND · Phụ lục 11 (Sở Tài nguyên và Môi trường) · PAPI › Quản trị môi trường",
            text=f"Chất lượng nước: tăng cường kiểm tra, giám sát chất lượng nước sạch ({kind}, {version})",
            location="Phụ lục 11 › I. Chỉ số PAPI › 7.3",
            span=(120, 260),
            province="Đồng Nai",
            plan_index="PAPI",
            component="Quản trị môi trường",
            agencies=("Sở Tài nguyên và Môi trường",),
            record_id=rid,
        )  # fmt: skip
        for kind in ("assignment", "score")
    )
    return ParsedDocument(doc, (assignment,), (score,), passages, DN_TEXT, (("Phụ lục 11", 100, 260),))


def gtvt_plan(*, doc_id: str = "gtvt", path: str = "/plans/002_83f94803ec7c9df2.txt") -> ParsedDocument:
    """A Sở Giao thông vận tải plan (number left blank) with one SIPAS assignment in another province."""
    doc = Document(
        doc_id=doc_id, source=path.rsplit("/", 1)[-1], path=path, fmt="txt", content_hash="g1",
        doc_number="/KH-SGTVT", issuer="Sở Giao thông vận tải", level="sở", province="Bình Phước",
        indices=("SIPAS",),
    )  # fmt: skip
    assignment = Assignment(
        record_id=stable_id(doc_id, "tthc"), doc_id=doc_id, plan_index="SIPAS", component="Tiếp cận dịch vụ",
        target="", tasks="Thường xuyên theo dõi, nắm bắt thông tin phản ánh của người dân, tổ chức về TTHC",
        lead=("Sở Giao thông vận tải",), coop=(), deadline="Năm 2025", location="II › 3", span=(0, 80),
        source_kind="prose",
    )  # fmt: skip
    return ParsedDocument(doc, (assignment,), (), (), "Số: /KH-SGTVT\n")


class FakeVocab:
    """The three look-ups the store uses, for the handful of names in these tests."""

    def canonical_agency(self, text: str) -> str | None:
        return {"so tnmt": "Sở Tài nguyên và Môi trường", "sở tn&mt": "Sở Tài nguyên và Môi trường"}.get(text.lower())

    def match_index(self, text: str) -> str | None:
        return "PAR INDEX" if text.lower() in ("par", "par index", "parindex") else None

    def find_provinces(self, text: str) -> tuple[str, ...]:
        return ("Đồng Nai",) if "nai" in text.lower() else ()


TONES = "\u0300\u0301\u0303\u0309\u0323"  # the five combining tone marks of Vietnamese


def cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: base letters precomposed, tone marks combining."""
    out = []
    for ch in text:
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
            out.append((base + "".join(c for c in parts if c in TONES)).encode("cp1258"))
    return b"".join(out)
