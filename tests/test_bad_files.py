"""Bad input through one real ``planqa ingest`` run, and the time and memory limits on PDF parsing.

The per-format refusals (each error type and message) are tested reader by reader in ``test_readers.py``
and ``test_pipeline_input.py``; here the whole corpus of broken files goes through one ingest process,
which must not crash, must name every bad file, must store nothing of it and must store every good one.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import unicodedata
import zipfile
import zlib
from pathlib import Path

import pytest
from plan_factory import cp1258

from index_store import Store
from ingest.errors import CorruptDocument, TooLarge
from ingest.limits import Limits
from ingest.pipeline import parse_file
from ingest.readers._sandbox import run_limited

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT / "data" / "plans"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
needs_font = pytest.mark.skipif(not FONT.exists(), reason=f"{FONT} missing: fpdf2 needs a Unicode TTF for Vietnamese")


def _plan_paragraph() -> str:
    """A real paragraph of a bundled plan with "số hóa" in it (modern tone placement), found by content."""
    for path in sorted(PLANS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if "số hóa" in line and len(line) > 300 and "\t" not in line:
                return line.strip()
    raise AssertionError("no bundled plan has a paragraph about số hóa")


def _encodings(text: str) -> dict[str, bytes]:
    """The same paragraph seven ways: file name → bytes."""
    legacy = text.replace("hóa", "hoá").replace("Hóa", "Hoá")
    assert legacy != text
    return {
        "utf8.txt": text.encode("utf-8"),
        "utf8-bom.txt": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "utf16-le-bom.txt": b"\xff\xfe" + text.encode("utf-16-le"),  # what Windows Notepad calls "Unicode"
        "utf16-be.txt": text.encode("utf-16-be"),  # no BOM: found by where the NUL bytes sit
        "windows-1258.txt": cp1258(text),
        "nfd.txt": unicodedata.normalize("NFD", text).encode("utf-8"),
        "legacy-tones.txt": legacy.encode("utf-8"),
    }


def _docx(text_lines: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for line in text_lines:
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(300):  # 300 MB of zeros, about 300 KB compressed
                member.write(b"\0" * (1 << 20))
    return buf.getvalue()


def _pdf(lines: list[str], *, user_password: str | None = None, pages: int = 1) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    if user_password:
        pdf.set_encryption(owner_password="owner", user_password=user_password)
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=10)
    for _ in range(pages):
        pdf.add_page()
        for line in lines:
            pdf.multi_cell(w=0, text=line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _bomb_pdf(inflated_mb: int) -> bytes:
    """A one-page PDF whose content stream inflates to ``inflated_mb`` MB of spaces (about 1/1000 compressed)."""
    comp = zlib.compressobj(9)
    body = comp.compress(b"BT /F1 12 Tf 72 712 Td (Ke hoach so 12/KH-UBND) Tj ET\n")
    body += b"".join(comp.compress(b" " * (1 << 20)) for _ in range(inflated_mb)) + comp.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


GOOD_PLAN = ["Số: 45/KH-UBND", "Tam Đường, ngày 12 tháng 7 năm 2024", "KẾ HOẠCH"]
GOOD_PLAN += ["Cải thiện và nâng cao Chỉ số Cải cách hành chính (PAR INDEX) trên địa bàn huyện năm 2024"]


@pytest.mark.slow
@pytest.mark.integration
@needs_font
def test_one_ingest_run_over_a_corpus_of_broken_files(tmp_path: Path) -> None:
    paragraph = _plan_paragraph()
    folder = tmp_path / "uploads"
    folder.mkdir()
    good_docx = _docx([*GOOD_PLAN, paragraph])
    good_pdf = _pdf([line.replace("45/", "46/") for line in GOOD_PLAN] + [paragraph])
    bad = {  # file name → a word its error message must carry
        "cut.docx": "docx",
        "bomb.docx": "limit",
        "hong.pdf": "PDF",
        "mat-khau.pdf": "encrypted",
        "rac.txt": "binary",
    }
    files = {
        "cut.docx": good_docx[: len(good_docx) // 2],
        "bomb.docx": _zip_bomb(),
        "hong.pdf": good_pdf[: len(good_pdf) // 3],
        "mat-khau.pdf": _pdf(GOOD_PLAN, user_password="secret"),
        "rac.txt": bytes((i * 131 + 7) % 256 for i in range(20_000)),
        "ke-hoach-45.docx": good_docx,
        "ke-hoach-46.pdf": good_pdf,
        **_encodings(paragraph),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    kb = tmp_path / "kb"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PLANQA_EMBEDDER": "none"}
    cmd = [sys.executable, "-m", "planqa", "--kb", str(kb), "ingest", "--json", str(folder)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)

    assert done.returncode == 1, done.stderr  # ran, some files failed; not a crash (negative) nor "cannot run" (2)
    assert "Traceback" not in done.stderr
    *results, summary = [json.loads(line) for line in done.stdout.splitlines()]
    by_name = {r["source"]: r for r in results}
    assert by_name.keys() == files.keys()
    for name, word in bad.items():
        result = by_name[name]
        assert result["status"] == "failed" and result["doc_id"] is None
        assert result["error"].startswith(name) and word in result["error"], result["error"]
    good = sorted(files.keys() - bad.keys())
    assert [name for name in good if by_name[name]["status"] != "added"] == []
    assert summary == {"summary": {"added": len(good), "replaced": 0, "unchanged": 0, "failed": len(bad)}}

    with Store(kb, readonly=True) as store:
        assert store.integrity_check() == "ok"
        documents = store.documents()
        assert sorted(d.source for d in documents) == good  # nothing of a failed file, every good one
        texts = {d.source: store.document_text(d.doc_id) for d in documents}
        assert {d.source: d.doc_number for d in documents if d.doc_number} == {
            "ke-hoach-45.docx": "45/KH-UBND",
            "ke-hoach-46.pdf": "46/KH-UBND",
        }
    encoded = {texts[name] for name in _encodings(paragraph)}
    assert encoded == {unicodedata.normalize("NFC", paragraph)}  # seven encodings, one NFC text
    assert unicodedata.is_normalized("NFC", texts["ke-hoach-46.pdf"]) and "số hóa" in texts["ke-hoach-46.pdf"]


def test_pdf_over_the_memory_limit_is_refused_and_the_next_file_reads(tmp_path: Path) -> None:
    bomb = tmp_path / "bom-nen.pdf"
    bomb.write_bytes(_bomb_pdf(inflated_mb=96))  # 96 MB once inflated, about 100 KB on disk
    limits = Limits(pdf_memory_mb=32)
    with pytest.raises(
        TooLarge, match=r"^bom-nen\.pdf: reading the PDF needed more than 32 MB .*Limits\.pdf_memory_mb"
    ):
        parse_file(bomb, limits=limits)
    with pytest.raises(TooLarge, match=r"bom-nen\.pdf: .*4 MB"):  # below what the bomb needs, above what a page needs
        parse_file(bomb, limits=Limits(pdf_memory_mb=4))
    if FONT.exists():  # the same limit leaves an ordinary plan alone: the limit is per file, the process goes on
        good = tmp_path / "ke-hoach.pdf"
        good.write_bytes(_pdf(GOOD_PLAN))
        assert parse_file(good, limits=limits).document.doc_number == "45/KH-UBND"


@needs_font
def test_pdf_over_the_time_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dai.pdf"
    path.write_bytes(_pdf([*GOOD_PLAN, _plan_paragraph()], pages=20))
    with pytest.raises(
        TooLarge, match=r"^dai\.pdf: reading the PDF took longer than 0\.2 s, the limit \(Limits\.pdf_timeout_s\)"
    ):
        parse_file(path, limits=Limits(pdf_timeout_s=0.2))
    assert parse_file(path).document.doc_number == "45/KH-UBND"  # the default limit reads it


def crash(data: bytes) -> None:
    """A reader that dies of a signal, as a C extension on a damaged file may (run in the sandbox's child)."""
    os.kill(os.getpid(), signal.SIGSEGV)


def test_a_reader_that_crashes_is_reported_not_fatal() -> None:
    with pytest.raises(CorruptDocument, match=r"^plan\.pdf: the reader of the PDF crashed on this file \(SIGSEGV"):
        run_limited(__name__, "crash", b"%PDF-1.4", {}, name="plan.pdf", what="the PDF", timeout_s=60, memory_mb=64)
