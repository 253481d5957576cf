"""Hostile and unlucky files: zip bombs made of many parts, a huge paragraph, a memory cap on the Word
parser, FIFOs and devices named on the command line, links out of an ingested folder, decomposed names.

Each case was found by a probe of the previous code (the test then failed): 190 header parts of just under
1 MB passed the zip guard and grew the server to 4.6 GB; a one-paragraph .docx was "not a valid .docx"; a
FIFO named on the command line hung `planqa ingest` for ever holding the lock; a symlink inside a folder
was followed out of it; an NFD file name was stored as NFD so `planqa remove` with the typed name found nothing.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import unicodedata
import zipfile
from pathlib import Path

import pytest
from ui_support import PLANS

from eval.bench_hostile import docx_bytes, with_members
from index_store import Store
from ingest.errors import CorruptDocument, TooLarge, UnsupportedFormat
from ingest.limits import Limits
from ingest.pipeline import iter_plan_files, parse_file
from ingest.readers import read_document
from planqa import cli

ROOT = Path(__file__).resolve().parent.parent
PLAN = PLANS / "000_50ef8355a5a52d53.txt"


def _docx_bytes(text: str = "Kế hoạch nâng cao Chỉ số PAPI năm 2024.") -> bytes:
    pytest.importorskip("docx")
    return docx_bytes([text])


def test_header_parts_just_under_the_part_limit_are_a_bomb_all_together(tmp_path):
    part = b"<w:hdr>" + b" " * (1024 * 1024 - 2000) + b"</w:hdr>"  # just under 1 MB, the old per-part threshold
    path = tmp_path / "dau-trang.docx"
    path.write_bytes(with_members(_docx_bytes(), {f"word/header{i}.xml": part for i in range(190)}))
    assert path.stat().st_size < 400_000  # a small upload …
    start = time.perf_counter()
    with pytest.raises(TooLarge, match=r"dau-trang\.docx: unpacks [\d,]+:1 \(19\d,"):  # … that unpacks to 199 MB
        read_document(path)
    assert time.perf_counter() - start < 2  # from the zip directory, nothing inflated


def test_thousands_of_parts_are_refused_before_reading(tmp_path):
    path = tmp_path / "nhieu-phan.docx"
    path.write_bytes(with_members(_docx_bytes(), {f"customXml/extra{i}.xml": b"<a/>" for i in range(2500)}))
    with pytest.raises(TooLarge, match=r"nhieu-phan\.docx: 2,5\d\d parts inside, over the limit of 2,000"):
        read_document(path)


def test_a_paragraph_past_the_xml_reader_s_limit_is_too_large_not_damaged(tmp_path):
    words = PLAN.read_text(encoding="utf-8").split()
    text = " ".join(words[i % len(words)] for i in range(2_000_000))  # ~11 MB in one paragraph
    path = tmp_path / "mot-doan.docx"
    path.write_bytes(_docx_bytes(text))
    with pytest.raises(TooLarge, match=r"mot-doan\.docx: one paragraph holds more than 10 MB of text"):
        read_document(path)


def test_the_word_parser_runs_under_a_memory_cap(tmp_path):
    base = _docx_bytes()
    with zipfile.ZipFile(io.BytesIO(base)) as src:
        xml = src.read("word/document.xml").decode("utf-8")
    head, tail = xml.split("<w:body>")
    para = "<w:p><w:r><w:t>Sở Tài nguyên và Môi trường chủ trì thực hiện nhiệm vụ {}.</w:t></w:r></w:p>"
    body = "".join(para.format(i) for i in range(70_000))  # ~8 MB of XML: lxml needs far more than 64 MB
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = (
                (head + "<w:body>" + body + tail).encode() if item.filename == "word/document.xml" else src.read(item)
            )
            dst.writestr(item.filename, data)
    path = tmp_path / "dai.docx"
    path.write_bytes(out.getvalue())
    # libxml2 out of memory most often reports it (TooLarge), and sometimes dies of it (a crash under the cap)
    with pytest.raises((TooLarge, CorruptDocument), match=r"dai\.docx: .*(needed more than 64 MB|limit \(64 MB)"):
        read_document(path, Limits(pdf_memory_mb=64))
    assert len(read_document(path).blocks) == 70_001  # the same file with the default cap is read


def test_a_fifo_or_a_device_named_on_the_command_line_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "ke-hoach.txt"
    os.mkfifo(fifo)
    with pytest.raises(UnsupportedFormat, match=r"ke-hoach\.txt: not a regular file"):
        read_document(fifo)
    done = subprocess.run(  # the CLI end to end: it used to hang holding the knowledge-base lock
        [sys.executable, "-m", "planqa", "--kb", str(tmp_path / "kb"), "ingest", "--json", str(fifo), "/dev/zero"],
        capture_output=True, text=True, timeout=60, cwd=ROOT, check=False,
        env={**os.environ, "PLANQA_EMBEDDER": "none"},
    )  # fmt: skip
    assert done.returncode == 1
    assert "ke-hoach.txt: a FIFO (named pipe), not a plan file" in done.stdout
    assert "zero: a device, not a plan file" in done.stdout


def test_a_link_that_leads_out_of_the_folder_is_refused_with_a_message(tmp_path, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "mat.txt"
    secret.write_text(PLAN.read_text(encoding="utf-8"), encoding="utf-8")
    folder = tmp_path / "plans"
    folder.mkdir()
    (folder / "ke-hoach.txt").write_text(PLAN.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "lien-ket.txt").symlink_to(secret)
    (folder / "cung-thu-muc.txt").symlink_to(folder / "ke-hoach.txt")  # a link inside the folder is fine
    refused: list = []
    assert iter_plan_files([folder], refused) == [(folder / "ke-hoach.txt").resolve()]
    assert [p.name for p, _ in refused] == ["lien-ket.txt"] and "leads out of" in refused[0][1]
    assert cli.main(["--kb", str(tmp_path / "kb"), "ingest", "--json", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "lien-ket.txt: a link that leads out of" in out
    with Store(tmp_path / "kb", readonly=True) as store:
        assert [d.path for d in store.documents()] == [str((folder / "ke-hoach.txt").resolve())]


def test_a_decomposed_file_name_is_stored_composed_and_removed_by_the_typed_name(tmp_path, capsys):
    typed = "kế-hoạch-sở-tài-nguyên.txt"
    path = tmp_path / unicodedata.normalize("NFD", typed)
    path.write_text(PLAN.read_text(encoding="utf-8"), encoding="utf-8")
    assert parse_file(path).document.source == typed
    kb = str(tmp_path / "kb")
    assert cli.main(["--kb", kb, "ingest", str(path)]) == 0
    assert cli.main(["--kb", kb, "remove", typed]) == 0
    assert "removed" in capsys.readouterr().out
