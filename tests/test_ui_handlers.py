"""The web app's handlers, called as plain functions on a knowledge base built from the bundled plans."""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ui_support import FLAGSHIP, HELD_BACK, PLANS, TNMT, build_kb, plan_docx

from index_store import Store
from ingest.vocab import load_vocabulary
from ui import export, handlers
from ui.highlight import highlight_html
from ui.launch import parse_auth
from ui.render import sources_html
from ui.service import PlanqaService

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def base_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_kb(tmp_path_factory.mktemp("ui-kb") / "kb")


@pytest.fixture(scope="module")
def service(base_kb: Path) -> Iterator[PlanqaService]:
    svc = PlanqaService(base_kb, embedder="none")
    yield svc
    svc.close()


@pytest.fixture
def writable(base_kb: Path, tmp_path: Path) -> Iterator[PlanqaService]:
    """A service over a private copy of the knowledge base, for tests that upload or remove."""
    kb = tmp_path / "kb"
    shutil.copytree(base_kb, kb)
    svc = PlanqaService(kb, embedder="none")
    yield svc
    svc.close()


# -- Hỏi đáp --------------------------------------------------------------------------------------------
def test_flagship_chat_names_the_agency_and_shows_highlighted_sources(service: PlanqaService, tmp_path: Path) -> None:
    view = handlers.chat(service, FLAGSHIP, None, "", "", "", tmp_path)
    messages, sources, md, docx = view.messages, view.sources, view.md, view.docx
    assert [t["question"] for t in view.conversation["turns"]] == [FLAGSHIP] and view.box == "" and not view.notice
    assert messages[0] == {"role": "user", "content": FLAGSHIP}
    assert TNMT in messages[1]["content"] and "[\\[1\\]](#pq-src-1-1)" in messages[1]["content"]  # [1], a link
    assert 'id="pq-src-1-1"' in sources  # … to its card
    assert sources.count('class="pq-source"') >= 2
    assert f'<mark class="pq-agency">{TNMT}</mark>' in sources  # the agency the answer names
    assert "<mark>Quản trị môi trường</mark>" in sources or "<mark>môi trường</mark>" in sources
    assert "Phụ lục 11" in sources and "Xem đoạn này trong văn bản" in sources  # openable in its surrounding text
    assert "UBND tỉnh Đồng Nai" in sources and ".txt" not in sources  # number · issuer · province · year, no file
    assert md is not None and docx is not None
    handout = Path(md).read_text(encoding="utf-8")
    assert FLAGSHIP in handout and "## Nguồn trích dẫn" in handout and "**[1]** 336/KH-UBND · Đồng Nai" in handout
    from docx import Document

    text = "\n".join(p.text for p in Document(docx).paragraphs)
    assert TNMT in text and "[1] 336/KH-UBND" in text


def test_a_follow_up_inherits_the_conversation(service: PlanqaService, tmp_path: Path) -> None:
    alone = handlers.api_ask(service, "Còn chất lượng nước?")
    follow = handlers.api_ask(service, "Còn chất lượng nước ở đâu?", [FLAGSHIP])
    assert alone["filters"]["province"] is None
    assert follow["filters"]["province"] == "Đồng Nai"
    assert follow["filters"]["component"].endswith("Chất lượng nước")
    assert follow["agencies"][0] == TNMT

    first = handlers.chat(service, FLAGSHIP, None, "", "", "", tmp_path)
    view = handlers.chat(service, "Còn chất lượng nước?", first.conversation, "", "", "", tmp_path)
    messages = view.messages
    assert len(messages) == 4 and [t["question"] for t in view.conversation["turns"]] == [
        FLAGSHIP,
        "Còn chất lượng nước?",
    ]
    assert view.conversation["id"] == first.conversation["id"]
    assert "Chất lượng nước" in messages[3]["content"] and TNMT in messages[3]["content"]


def test_filters_narrow_the_question_and_accept_unaccented_text(service: PlanqaService) -> None:
    question = "Cơ quan nào phụ trách chất lượng nước?"
    for typed, province in (("dong nai", "Đồng Nai"), ("lang son", "Lạng Sơn")):
        answer = handlers.api_ask(service, question, [], {"province": typed})
        assert answer["filters"]["province"] == province
        assert answer["citations"] and {c["province"] for c in answer["citations"]} == {province}


def test_the_ask_endpoint_returns_the_cli_contract_and_refuses_bad_input(service: PlanqaService) -> None:
    answer = handlers.api_ask(service, FLAGSHIP)
    assert answer.keys() >= {"id", "question", "answer", "found", "intent", "filters", "agencies", "citations"}
    assert answer["found"] and answer["agencies"][0] == TNMT
    with pytest.raises(ValueError, match=r"conversation\[0\] phải là một chuỗi"):
        handlers.api_ask(service, FLAGSHIP, [1])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="không có khoá 'year'"):
        handlers.api_ask(service, FLAGSHIP, [], {"year": "2023"})


# -- Nhiệm vụ -------------------------------------------------------------------------------------------
def test_assignments_table_and_downloads_hold_the_records(
    service: PlanqaService, base_kb: Path, tmp_path: Path
) -> None:
    agency, summary, rows, csv_path, xlsx_path = handlers.assignments(service, "so tnmt", "dong nai", "papi", tmp_path)
    assert agency == TNMT
    with Store(base_kb, readonly=True) as store:
        records = store.assignments(agency=TNMT, province="Đồng Nai", plan_index="PAPI", vocab=load_vocabulary())
    assert records and len(rows) == len(records)
    assert [r[5] for r in rows] == [r["tasks"] for r in records]
    assert all(r[7] == ("chủ trì" if TNMT in rec["lead"] else "phối hợp") for r, rec in zip(rows, records, strict=True))
    assert f"{len(records)} nhiệm vụ" in summary
    assert csv_path and xlsx_path
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    assert table[0] == list(export.TABLE_HEADERS) and table[1:] == rows
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx_path).active
    assert sheet is not None
    assert [[c or "" for c in row] for row in sheet.iter_rows(min_row=2, values_only=True)] == rows


def test_no_assignment_gives_a_sentence_and_no_files(service: PlanqaService, tmp_path: Path) -> None:
    _, summary, rows, csv_path, _ = handlers.assignments(service, "Sở Y tế", "Lai Châu", "PCI", tmp_path)
    assert rows == [] and csv_path is None and summary.startswith("Không có nhiệm vụ nào")


# -- So sánh --------------------------------------------------------------------------------------------
def test_comparison_puts_each_document_side_by_side(service: PlanqaService) -> None:
    html = handlers.compare(service, "tiep can dich vu")
    assert "SIPAS › Cung ứng dịch vụ hành chính công › Tiếp cận dịch vụ" in html
    assert html.count('class="pq-column"') >= 2
    assert "336/KH-UBND · Đồng Nai" in html and "Phụ lục 3 › II. Chỉ số SIPAS › 1" in html
    assert "/KH-STNMT · Lạng Sơn" in html  # names the component without a plan of its own
    assert "chưa có nhiệm vụ riêng" in html
    picked = handlers.component_choices(service.catalog())
    assert ("SIPAS · 2. Cung ứng dịch vụ hành chính công › Tiếp cận dịch vụ (1 văn bản)",
            "SIPAS|Cung ứng dịch vụ hành chính công › Tiếp cận dịch vụ") in picked  # fmt: skip
    assert len(picked) < 80 and not [label for label, _ in picked if "TỔNG" in label]  # taxonomy nodes, merged


# -- Kho tài liệu ---------------------------------------------------------------------------------------
def test_uploading_a_docx_plan_adds_it_and_it_is_answered(writable: PlanqaService, tmp_path: Path) -> None:
    question = "Sở Giao thông vận tải Lạng Sơn có giải pháp gì cho tiếp cận dịch vụ SIPAS?"
    before = handlers.api_ask(writable, question)
    assert "ke-hoach-sgtvt.docx" not in {c["source"] for c in before["citations"]}
    plan = plan_docx(PLANS / HELD_BACK, tmp_path / "ke-hoach-sgtvt.docx")
    seen: list[str] = []
    rows, summary = handlers.upload(writable, [str(plan)], lambda _f, message: seen.append(message))
    assert rows[0][:4] == ["ke-hoach-sgtvt.docx", "Đã thêm", "/KH-SGTVT", "Lạng Sơn"] and rows[0][4] == "14 / 19"
    assert summary.startswith("Đã thêm 1\n\n#### Đã đọc được") and seen[0] == "Đang đọc ke-hoach-sgtvt.docx"
    assert "**ke-hoach-sgtvt.docx** — Số hiệu: /KH-SGTVT" in summary and "Tỉnh: Lạng Sơn" in summary
    assert "- 14 nhiệm vụ, 0 dòng điểm số, 19 đoạn" in summary
    after = handlers.api_ask(writable, question)
    assert after["citations"][0]["source"] == "ke-hoach-sgtvt.docx"
    assert "Tiếp cận dịch vụ" in after["answer"]
    assert (writable.kb_dir / "uploads" / "ke-hoach-sgtvt.docx").is_file()
    assert handlers.upload(writable, [str(plan)])[0][0][1] == "Không đổi"

    doc_id = next(d["doc_id"] for d in writable.catalog().documents if d["source"] == "ke-hoach-sgtvt.docx")
    assert handlers.remove(writable, doc_id).startswith("Đã xoá /KH-SGTVT")
    assert not (writable.kb_dir / "uploads" / "ke-hoach-sgtvt.docx").exists()
    gone = handlers.api_ask(writable, question)
    assert "ke-hoach-sgtvt.docx" not in {c["source"] for c in gone["citations"]}


def test_a_wrong_province_is_corrected_by_hand_and_survives_a_re_ingest(
    writable: PlanqaService, tmp_path: Path
) -> None:
    plan = plan_docx(PLANS / HELD_BACK, tmp_path / "ke-hoach-sgtvt.docx")
    handlers.upload(writable, [str(plan)])
    doc_id = next(d["doc_id"] for d in writable.catalog().documents if d["source"] == "ke-hoach-sgtvt.docx")
    assert handlers.correct(writable, doc_id, "Tinh Xu Mo", None, "").startswith("Không nhận ra tỉnh “Tinh Xu Mo”")
    assert handlers.correct(writable, doc_id, "", "phường hội", "").startswith("Cấp “phường hội” không hợp lệ")
    said = handlers.correct(writable, doc_id, "lai chau", None, "")  # typed without diacritics
    assert said.startswith("Đã sửa /KH-SGTVT (tỉnh: Lai Châu)")
    row = next(r for r in handlers.document_rows(writable.catalog()) if r[0] == "ke-hoach-sgtvt.docx")
    assert row[4] == "Lai Châu (đã sửa)"
    question = "Sở Giao thông vận tải Lai Châu có giải pháp gì cho tiếp cận dịch vụ SIPAS?"
    assert handlers.api_ask(writable, question)["citations"][0]["province"] == "Lai Châu"  # records carry it

    handlers.remove(writable, doc_id)
    rows, summary = handlers.upload(writable, [str(plan)])  # the same file again: the correction holds
    assert rows[0][1] == "Đã thêm" and rows[0][3] == "Lai Châu" and "đã chỉnh tay: tỉnh" in summary


@pytest.mark.skipif(__import__("ingest.readers._ocr", fromlist=["x"]).missing() is not None, reason="no Vietnamese OCR")
def test_a_scanned_upload_is_read_by_ocr_and_its_citations_say_so(writable: PlanqaService, tmp_path: Path) -> None:
    from test_format_equivalence import _write_pdf
    from test_read_ocr import _images, _scan

    scan = _scan(_images(_write_pdf(tmp_path / "typeset.pdf")), tmp_path / "ke-hoach-quet.pdf")
    seen: list[str] = []
    rows, summary = handlers.upload(writable, [str(scan)], lambda _f, message: seen.append(message))
    # the scan's header reads "Số: 336/KH-UBND" of UBND tỉnh Đồng Nai: the same plan, so it takes that plan's place
    assert rows[0][1] == "Đã thay thế" and "1 trang là văn bản quét, chữ được nhận dạng bằng OCR" in summary
    assert "Đang nhận dạng chữ (OCR) ke-hoach-quet.pdf: trang 1/1" in seen
    answer = handlers.api_ask(writable, "Đồng Nai: cơ quan nào chủ trì chất lượng không khí?")
    scanned = [c for c in answer["citations"] if c["source"] == "ke-hoach-quet.pdf"]
    assert scanned and all(c["scanned"] for c in scanned)
    assert "văn bản quét, nhận dạng OCR" in sources_html(answer, {}, answer["question"])


def _without_timing(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k != "elapsed_ms"}


def test_a_corrupt_upload_is_reported_and_changes_nothing(writable: PlanqaService, tmp_path: Path) -> None:
    documents, answer = writable.catalog().documents, _without_timing(handlers.api_ask(writable, FLAGSHIP))
    broken = tmp_path / "ke-hoach-hong.docx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 64)  # a zip header and nothing else
    wrong = tmp_path / "chi-tieu.ods"
    wrong.write_bytes(b"not a plan")
    rows, summary = handlers.upload(writable, [str(broken), str(wrong)])
    assert [r[1] for r in rows] == ["Lỗi", "Lỗi"]
    assert rows[0][5] == (
        "ke-hoach-hong.docx: tệp bị hỏng hoặc không đúng định dạng .docx; hãy mở tệp bằng Word/Excel, lưu lại rồi nạp lại"
    )
    assert "định dạng không được hỗ trợ" in rows[1][5]
    assert str(writable.kb_dir) not in rows[0][5]  # never a server path
    assert summary == "Lỗi 2 — tệp lỗi không làm thay đổi kho tài liệu."
    assert writable.catalog().documents == documents
    assert _without_timing(handlers.api_ask(writable, FLAGSHIP)) == answer
    assert not list((writable.kb_dir / "uploads").rglob("*.*"))


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files the ingestion pipeline hashes or parses from now on."""
    from ingest import pipeline

    seen: list[str] = []
    for name in ("file_hash", "parse_file"):
        real = getattr(pipeline, name)

        def spy(path: Path | str, *args: Any, _real: Any = real, **kwargs: Any) -> Any:
            seen.append(Path(path).name)
            return _real(path, *args, **kwargs)

        monkeypatch.setattr(pipeline, name, spy)
    return seen


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_an_upload_over_the_size_limit_is_refused_before_parsing(
    base_kb: Path, tmp_path: Path, reads: list[str]
) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(base_kb, kb)
    svc = PlanqaService(kb, embedder="none", upload_max_mb=0.01)
    try:
        plan = plan_docx(PLANS / HELD_BACK, tmp_path / "lon.docx")
        small = tmp_path / "nho.txt"
        small.write_text((PLANS / HELD_BACK).read_text(encoding="utf-8")[:2000], encoding="utf-8")
        rows, _ = handlers.upload(svc, [str(plan), str(small)])
        assert rows[0][1] == "Lỗi" and rows[0][5].endswith("KB, vượt giới hạn 0.01 MB của một tệp tải lên")
        assert rows[1][1] == "Đã thêm"
        assert "lon.docx" not in reads and "nho.txt" in reads  # refused on its size alone, never read
        assert {p.name for p in _files(kb / "uploads")} == {"nho.txt"}
        assert len(svc.catalog().documents) == 4
    finally:
        svc.close()


def test_unsafe_upload_names_are_refused_and_nothing_is_written(
    writable: PlanqaService, tmp_path: Path, reads: list[str]
) -> None:
    plan = plan_docx(PLANS / HELD_BACK, tmp_path / "plan.docx")
    sources = tmp_path / "uploaded"
    sources.mkdir()
    (sources / "sub").mkdir()
    names = {  # name as given → what the refusal says
        "..\\..\\evil.docx": "..\\..\\evil.docx: tên tệp chứa dấu phân cách thư mục (/ hoặc \\)",
        "ke\x1bhoach.docx": "ke\\x1bhoach.docx: tên tệp chứa ký tự điều khiển",
        "ke\nhoach.txt": "ke\\x0ahoach.txt: tên tệp chứa ký tự điều khiển",
        "ke-hoach\u202excod.docx": "ke-hoach\\u202excod.docx: tên tệp chứa ký tự điều khiển",  # shown reversed
        ".evil.docx": ".evil.docx: tên tệp bắt đầu bằng dấu chấm (tệp ẩn)",
    }
    files = []
    for name in names:
        shutil.copyfile(plan, sources / name)  # real files: each name is possible on Linux
        files.append(sources / name)
    undecodable = os.path.join(os.fsencode(sources), b"ke-ho\xe1ch.docx")  # a Windows-1258 name, not UTF-8
    shutil.copyfile(plan, undecodable)
    files.append(Path(os.fsdecode(undecodable)))
    long_name = "ke-hoach-" + "a" * 286 + ".docx"  # 300 characters: no file system keeps it
    files += [
        Path("ke\x00hoach.docx"), sources / "sub" / "..", Path(""), sources / long_name, Path("/etc/passwd.txt")
    ]  # fmt: skip
    documents, answer = writable.catalog().documents, _without_timing(handlers.api_ask(writable, FLAGSHIP))
    before = _files(tmp_path)

    rows, summary = handlers.upload(writable, [str(f) for f in files])
    said = dict(zip([r[0] for r in rows], [r[5] for r in rows], strict=True))
    assert [r[1] for r in rows] == ["Lỗi"] * len(files), rows
    for name, start in names.items():
        assert any(reason.startswith(start) and "hãy đổi tên tệp" in reason for reason in said.values()), name
    assert said["ke-ho\\udce1ch.docx"].endswith("ký tự không in được; hãy đổi tên tệp rồi tải lên lại")
    assert said["ke\\x00hoach.docx"].startswith("ke\\x00hoach.docx: tên tệp chứa ký tự điều khiển")
    assert (
        said[".."]
        == "..: tệp tải lên không có tên dùng được; hãy đặt cho tệp một tên như ke-hoach.docx rồi tải lên lại"
    )
    assert said["(không tên)"].startswith("(không tên): tệp tải lên không có tên dùng được")
    shown_long = next(n for n in said if n.startswith("ke-hoach-aaa"))
    assert len(shown_long) == 80 and shown_long.endswith("aaaaa.docx")
    assert said[shown_long] == f"{shown_long}: tên tệp dài 300 byte, quá 255 byte; hãy đặt tên ngắn hơn rồi tải lên lại"
    assert said["passwd.txt"] == "passwd.txt: tệp tải lên không còn trên máy chủ; hãy tải lên lại"
    assert summary == "Lỗi 11 — tệp lỗi không làm thay đổi kho tài liệu."
    assert reads == []  # refused on the name, before any byte was read
    assert _files(tmp_path) == before  # nothing written anywhere: not in the uploads, not beside them
    assert writable.catalog().documents == documents
    assert _without_timing(handlers.api_ask(writable, FLAGSHIP)) == answer


def test_a_path_with_folders_is_kept_under_its_own_name_in_uploads(writable: PlanqaService, tmp_path: Path) -> None:
    plan = plan_docx(PLANS / HELD_BACK, tmp_path / "evil.docx")
    before = _files(tmp_path)
    through_parent = writable.kb_dir / "uploads" / ".." / ".." / "evil.docx"  # the same file, reached via ..
    (writable.kb_dir / "uploads").mkdir(exist_ok=True)
    rows, _ = handlers.upload(writable, [str(through_parent)])
    assert rows[0][:2] == ["evil.docx", "Đã thêm"]
    added = _files(tmp_path) - before
    assert writable.kb_dir / "uploads" / "evil.docx" in added
    assert all(p.is_relative_to(writable.kb_dir) for p in added)  # index files, and the copy in uploads
    assert plan.read_bytes() == (writable.kb_dir / "uploads" / "evil.docx").read_bytes()


# -- pure pieces ----------------------------------------------------------------------------------------
def test_highlight_marks_shared_word_pairs_and_acronyms_not_lone_syllables() -> None:
    text = "Đồng Nai · PAPI › Quản trị môi trường: các cơ sở <sản xuất> của tỉnh"
    out = highlight_html(text, "which agency handles PAPI Quản trị môi trường in dong nai của các", [])
    assert out.startswith("<mark>Đồng Nai</mark> · <mark>PAPI</mark> › <mark>Quản trị môi trường</mark>")
    assert "<mark>các</mark>" not in out and "<mark>của</mark>" not in out
    assert "&lt;sản xuất&gt;" in out
    assert (
        highlight_html("Giao Sở TN&MT chủ trì", "", ["Sở TN&MT"])
        == 'Giao <mark class="pq-agency">Sở TN&amp;MT</mark> chủ trì'
    )


def test_parse_auth_reads_a_pair_or_a_file_and_never_echoes_a_password(tmp_path: Path) -> None:
    assert parse_auth("") is None
    assert parse_auth("admin:mật:khẩu") == [("admin", "mật:khẩu")]
    users = tmp_path / "users.txt"
    users.write_text("# officials\nan:1\n\nbinh:2\n", encoding="utf-8")
    assert parse_auth(str(users)) == [("an", "1"), ("binh", "2")]
    users.write_text("an:1\nbinh\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"users.txt, line 2: expected user:password"):
        parse_auth(str(users))
    with pytest.raises(ValueError) as err:
        parse_auth(":secret")
    assert "secret" not in str(err.value)
