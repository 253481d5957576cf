"""Legacy .doc/.xls plans: converted by LibreOffice, they read like the .docx/.xlsx they came from.

Every input is built here: the equivalence plan written with python-docx (or openpyxl) and saved as Word/Excel
97-2003 by LibreOffice itself; password-protected copies encrypted by LibreOffice through its UNO API (a real
RC4 CryptoAPI encryption, as Word's "Encrypt with Password" writes, checked by decrypting it again).

LibreOffice 7.4 saving python-docx's .docx straight to .doc writes the table's text as one paragraph (its own
.doc reader then sees no table), so the .doc is saved from an .odt of the same document, which keeps the table.
"""

from __future__ import annotations

import io
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import msoffcrypto
import pytest
from test_format_equivalence import APPENDIX, COLUMNS, HEAD, ROWS, _cell_text, _key, _write_docx, expected  # noqa: F401

from ingest.errors import CorruptDocument, TooLarge, UnsupportedFormat
from ingest.limits import Limits
from ingest.pipeline import parse_file
from ingest.readers import _office, read_document

SOFFICE = Path("/usr/bin/soffice")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HAVE_XLSX = Path(_office.__file__).with_name("_xlsx.py").exists()

# Run by a Python that has LibreOffice's ``uno`` module: open a file and save it with a password.
_ENCRYPT = """
import sys, time
import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

def prop(name, value):
    p = PropertyValue(); p.Name, p.Value = name, value; return p

pipe, src, dst, filter_name, password = sys.argv[1:6]
local = uno.getComponentContext()
resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
for _ in range(300):
    try:
        ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        break
    except NoConnectException:
        time.sleep(0.1)
else:
    sys.exit("LibreOffice did not answer on its pipe")
desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, (prop("Hidden", True),))
doc.storeToURL(uno.systemPathToFileUrl(dst), (prop("FilterName", filter_name), prop("Password", password)))
doc.close(True)
try:
    desktop.terminate()
except Exception:
    pass  # the bridge goes down with LibreOffice
"""


@pytest.fixture(scope="module")
def soffice() -> Path:
    if not SOFFICE.exists():
        print(f"skipped: {SOFFICE} is missing (apt-get install libreoffice-writer-nogui libreoffice-calc-nogui)")
        pytest.skip(f"needs LibreOffice: {SOFFICE} is missing (apt-get install libreoffice-writer-nogui)")
    return SOFFICE


def _save_as(soffice: Path, src: Path, target: str, outdir: Path) -> Path:
    """``src`` saved by LibreOffice as ``target`` ("doc:MS Word 97") into ``outdir``."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [str(soffice), "--headless", "--norestore", "--nolockcheck", f"-env:UserInstallation=file://{profile}",
             "--convert-to", target, "--outdir", str(outdir), str(src)],
            stdin=subprocess.DEVNULL, capture_output=True, timeout=120, check=True,
        )  # fmt: skip
    out = outdir / f"{src.stem}.{target.split(':')[0]}"
    assert out.stat().st_size > 0, f"LibreOffice did not write {out}"
    return out


def _encrypt(soffice: Path, src: Path, dst: Path, filter_name: str, password: str) -> Path:
    """``src`` saved by LibreOffice as ``filter_name`` with an opening password (through UNO)."""
    python = next((p for p in ("/usr/bin/python3", shutil.which("python3")) if p and _has_uno(p)), None)
    if python is None:
        print("skipped: no Python with LibreOffice's uno module (apt-get install python3-uno)")
        pytest.skip("encrypting with LibreOffice needs its uno module (apt-get install python3-uno)")
    pipe = f"planqa_test_{os.getpid()}_{time.monotonic_ns()}"
    with tempfile.TemporaryDirectory() as profile:
        office = subprocess.Popen(
            [str(soffice), "--headless", "--norestore", "--nolockcheck", f"-env:UserInstallation=file://{profile}",
             f"--accept=pipe,name={pipe};urp;"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        try:
            subprocess.run(
                [python, "-c", _ENCRYPT, pipe, str(src), str(dst), filter_name, password],
                capture_output=True, timeout=120, check=True,
            )  # fmt: skip
            office.wait(timeout=60)
        finally:
            if office.returncode is None:
                os.killpg(office.pid, signal.SIGKILL)
                office.wait()
    return dst


def _has_uno(python: str) -> bool:
    return subprocess.run([python, "-c", "import uno"], capture_output=True, check=False).returncode == 0


def _write_plan_xlsx(path: Path) -> Path:
    """The equivalence plan as a workbook: title rows merged across the table, a None cell merged upward."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    width = len(COLUMNS)
    for r, line in enumerate(HEAD + APPENDIX, start=1):
        sheet.cell(row=r, column=1, value=line)
        sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
    top = len(HEAD + APPENDIX) + 1
    for j, label in enumerate(COLUMNS, start=1):
        sheet.cell(row=top, column=j, value=label)
    for i, row in enumerate(ROWS, start=1):
        for j, cell in enumerate(row, start=1):
            if cell is None:
                sheet.merge_cells(start_row=top + i - 1, start_column=j, end_row=top + i, end_column=j)
            elif _cell_text(cell):
                sheet.cell(row=top + i, column=j, value=_cell_text(cell))
    book.save(str(path))
    return path


def _need_xlsx() -> None:
    if not HAVE_XLSX:
        print("skipped: ingest/readers/_xlsx.py is missing, so a converted .xls has no reader yet")
        pytest.skip("ingest/readers/_xlsx.py is missing: a converted .xls has no reader yet")


@pytest.fixture(scope="module")
def plan_docx(tmp_path_factory) -> Path:
    return _write_docx(tmp_path_factory.mktemp("docx") / "plan.docx")


@pytest.fixture(scope="module")
def plan_doc(soffice, plan_docx, tmp_path_factory) -> Path:
    odt = _save_as(soffice, plan_docx, "odt", tmp_path_factory.mktemp("odt"))
    return _save_as(soffice, odt, "doc:MS Word 97", tmp_path_factory.mktemp("doc"))


@pytest.fixture(scope="module")
def plan_xlsx(tmp_path_factory) -> Path:
    return _write_plan_xlsx(tmp_path_factory.mktemp("xlsx") / "plan.xlsx")


def _no_conversion(*args, **kwargs):
    raise AssertionError("LibreOffice was asked to convert this file")


def _blocks(doc) -> list[tuple[str, object]]:
    return [(type(b).__name__, getattr(b, "rows", None) or doc.text[b.start : b.end]) for b in doc.blocks]


# --- converted files read like the originals ----------------------------------------------------------------


def test_doc_gives_the_same_records_as_text_and_word(plan_doc, expected):  # noqa: F811
    assert _key(parse_file(plan_doc)) == expected


def test_doc_reads_block_for_block_like_the_docx(plan_doc, plan_docx):
    assert plan_doc.read_bytes().startswith(OLE_MAGIC)
    from_doc, from_docx = read_document(plan_doc), read_document(plan_docx)
    assert (from_doc.fmt, from_doc.warnings) == ("doc", ())
    assert from_doc.text == from_docx.text
    assert _blocks(from_doc) == _blocks(from_docx)
    assert [b.origin for b in from_doc.blocks if type(b).__name__ == "Table"] == ["word"]


@pytest.mark.slow
def test_xls_reads_like_the_xlsx_it_came_from(soffice, plan_xlsx, tmp_path, expected):  # noqa: F811
    _need_xlsx()
    xls = _save_as(soffice, plan_xlsx, "xls:MS Excel 97", tmp_path)
    assert xls.read_bytes().startswith(OLE_MAGIC)
    from_xls, from_xlsx = read_document(xls), read_document(plan_xlsx)
    assert (from_xls.fmt, from_xls.warnings) == ("xls", from_xlsx.warnings)
    assert from_xls.text == from_xlsx.text
    assert _blocks(from_xls) == _blocks(from_xlsx)
    assert _key(parse_file(xls)) == expected


@pytest.mark.slow
def test_concurrent_conversions_do_not_share_a_profile(plan_doc, plan_docx):
    want = read_document(plan_docx).text
    with ThreadPoolExecutor(max_workers=3) as pool:
        texts = list(pool.map(lambda _: read_document(plan_doc).text, range(3)))
    assert texts == [want] * 3


def test_renamed_docx_and_xlsx_are_read_without_libreoffice(plan_docx, plan_xlsx, tmp_path, monkeypatch):
    monkeypatch.setattr(_office, "_convert", _no_conversion)
    doc = tmp_path / "that-la-docx.doc"
    doc.write_bytes(plan_docx.read_bytes())
    assert _blocks(read_document(doc)) == _blocks(read_document(plan_docx))
    if HAVE_XLSX:
        xls = tmp_path / "that-la-xlsx.xls"
        xls.write_bytes(plan_xlsx.read_bytes())
        assert _blocks(read_document(xls)) == _blocks(read_document(plan_xlsx))
    else:
        print("xlsx renamed .xls not checked: ingest/readers/_xlsx.py is missing")


# --- refused files ------------------------------------------------------------------------------------------


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("suffix", "source", "filter_name", "app"),
    [(".doc", "plan_doc", "MS Word 97", "Word"), (".xls", "plan_xlsx", "MS Excel 97", "Excel")],
)
def test_password_protected_file_is_refused_before_libreoffice(
    soffice, request, tmp_path, monkeypatch, suffix, source, filter_name, app
):
    path = _encrypt(soffice, request.getfixturevalue(source), tmp_path / f"mat-khau{suffix}", filter_name, "123456")
    office = msoffcrypto.OfficeFile(io.BytesIO(path.read_bytes()))
    office.load_key(password="123456")
    office.decrypt(io.BytesIO())  # a real encryption: the password opens it (raises otherwise)
    monkeypatch.setattr(_office, "_convert", _no_conversion)
    started = time.monotonic()
    with pytest.raises(CorruptDocument, match=rf"mat-khau\{suffix}: is protected with a password.*open it in {app}"):
        read_document(path)
    assert time.monotonic() - started < 5


def test_encrypted_docx_named_doc_is_a_password_error(plan_docx, tmp_path, monkeypatch):
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    path = tmp_path / "bao-mat.doc"
    with plan_docx.open("rb") as src, path.open("wb") as dst:
        ooxml.OOXMLFile(src).encrypt("123456", dst)
    assert path.read_bytes().startswith(OLE_MAGIC)
    monkeypatch.setattr(_office, "_convert", _no_conversion)
    with pytest.raises(CorruptDocument, match=r"bao-mat\.doc: is protected with a password.*save an unprotected copy"):
        read_document(path)


@pytest.mark.parametrize(
    ("suffix", "content", "found"),
    [
        (".doc", random.Random(336).randbytes(4096), "unknown content"),
        (".xls", random.Random(336).randbytes(4096), "unknown content"),
        (".doc", b"{\\rtf1\\ansi K\\'ea ho\\'e1ch}", "an RTF document"),
        (".doc", OLE_MAGIC + random.Random(1).randbytes(2048), None),
    ],
)
def test_not_a_compound_file_or_a_damaged_one(tmp_path, monkeypatch, suffix, content, found):
    monkeypatch.setattr(_office, "_convert", _no_conversion)
    path = tmp_path / f"hong{suffix}"
    path.write_bytes(content)
    said = rf"expected a \{suffix} file from \w+ 97-2003 .*found {found}; open it in" if found else None
    said = said or r"is a damaged \.doc file .*re-save it from Word as \.docx"
    with pytest.raises(CorruptDocument, match=rf"hong\{suffix}: {said}"):
        read_document(path)


def test_word_file_named_xls_is_refused_by_its_streams(plan_doc, tmp_path, monkeypatch):
    monkeypatch.setattr(_office, "_convert", _no_conversion)
    path = tmp_path / "nham.xls"
    path.write_bytes(plan_doc.read_bytes())
    said = r"nham\.xls: expected a \.xls file from Excel 97-2003, found a Word 97-2003 document \(no Workbook stream\)"
    with pytest.raises(CorruptDocument, match=said):
        read_document(path)


def test_without_libreoffice_the_message_says_what_to_install(plan_doc, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice on it
    with pytest.raises(UnsupportedFormat, match=r"plan\.doc: .*apt-get install libreoffice-writer-nogui.*as \.docx"):
        read_document(plan_doc)


# --- the conversion's limits --------------------------------------------------------------------------------


def _record_children(monkeypatch) -> list[int]:
    pids: list[int] = []
    real = subprocess.Popen

    def popen(*args, **kwargs):
        child = real(*args, **kwargs)
        pids.append(child.pid)
        return child

    monkeypatch.setattr(_office.subprocess, "Popen", popen)
    return pids


def _running_in_group(pgid: int) -> list[str]:
    """Processes of group ``pgid`` still running (a killed one may linger as a zombie until it is reaped)."""
    running = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        if int(fields[2]) == pgid and fields[0] not in "ZX":
            running.append(stat.parent.name)
    return running


def test_over_time_the_whole_process_group_is_killed(plan_doc, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    pids = _record_children(monkeypatch)
    with pytest.raises(TooLarge, match=r"plan\.doc: converting it with LibreOffice took longer than 0\.3 s"):
        read_document(plan_doc, Limits(pdf_timeout_s=0.3))
    assert len(pids) == 1
    assert _running_in_group(pids[0]) == []  # nothing of LibreOffice (oosplash, soffice.bin) runs on
    assert list(tmp_path.iterdir()) == []  # its folder and profile are gone


def _fake_soffice(folder: Path, script: str, monkeypatch) -> None:
    """A ``soffice`` first on PATH that runs ``script`` (sh) instead of converting."""
    folder.mkdir()
    fake = folder / "soffice"
    fake.write_text("#!/bin/sh\n" + script + "\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}:/usr/bin:/bin")


@pytest.mark.timeout(60)
def test_a_hanging_converter_and_its_children_are_killed(plan_doc, tmp_path, monkeypatch):
    """Only a kill of the whole group ends this: the grandchild holds the output pipe open for a minute."""
    _fake_soffice(tmp_path / "bin", "sleep 60 &\nsleep 60", monkeypatch)
    pids = _record_children(monkeypatch)
    started = time.monotonic()
    with pytest.raises(TooLarge, match=r"plan\.doc: .*longer than 1 s, the limit \(Limits\.pdf_timeout_s\)"):
        read_document(plan_doc, Limits(pdf_timeout_s=1))
    assert time.monotonic() - started < 10
    assert _running_in_group(pids[0]) == []


def test_a_conversion_without_output_is_a_corrupt_document(plan_doc, tmp_path, monkeypatch):
    _fake_soffice(tmp_path / "bin", 'echo "Error: source file could not be loaded"', monkeypatch)
    with pytest.raises(CorruptDocument, match=r"plan\.doc: LibreOffice could not convert it .*could not be loaded"):
        read_document(plan_doc)


def test_the_memory_cap_reaches_libreoffice(plan_doc, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(_office, "_BASE_MB", 0)  # 150 MB: far below what LibreOffice needs to start
    with pytest.raises(CorruptDocument, match=r"plan\.doc: LibreOffice could not convert it .*more than 150 MB"):
        read_document(plan_doc, Limits(pdf_memory_mb=150))
    assert list(tmp_path.iterdir()) == []
