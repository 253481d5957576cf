"""Word 97-2003 (.doc) and Excel 97-2003 (.xls) plans, converted by LibreOffice headless.

Provinces still send plans as .doc and appendices as .xls. Rather than a second reader per format, the file
is converted to .docx/.xlsx by LibreOffice (the only free converter that keeps tables, merged cells and
sheets) and read by :mod:`._docx` / :mod:`._xlsx`, so a legacy plan gives the same blocks as a new one.

Before LibreOffice sees the bytes we check what they are: a zip (a .docx/.xlsx renamed) goes straight to
the new reader; anything but an OLE2 Compound File is refused; a file encrypted with a password is refused
with msoffcrypto-tool, because LibreOffice would stop at it (headless: "could not be loaded"; with a display:
a password prompt). Each conversion runs in a fresh temporary folder with its own LibreOffice profile (so
concurrent conversions and a person's own LibreOffice never share a lock), without a display, with stdin
closed, within ``Limits.pdf_timeout_s`` (then the whole process group is killed) and an address-space cap
of ``_BASE_MB + Limits.pdf_memory_mb`` (2 GB by default; LibreOffice peaks near 0.6 GB on a 4 MB .doc).
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import msoffcrypto
import olefile

from ..errors import CorruptDocument, TooLarge, UnsupportedFormat
from ..limits import Limits
from ..model import Block
from ._docx import read_docx

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
# LibreOffice's address space before it reads anything (0.45 GB measured), rounded up; pdf_memory_mb on top
_BASE_MB = 1024
# (kind, program, its streams in a Compound File, LibreOffice target, Debian package)
_KINDS = {
    ".doc": (".docx", "Word", ("WordDocument",), "docx:MS Word 2007 XML", "libreoffice-writer-nogui"),
    ".xls": (".xlsx", "Excel", ("Workbook", "Book"), "xlsx:Calc MS Excel 2007 XML", "libreoffice-calc-nogui"),
}
_SNIFF = ((b"{\\rtf", "an RTF document"), (b"%PDF", "a PDF"), (b"<html", "a web page"), (b"<!doctype", "a web page"))
_PROGRAMS = {  # a Compound File's telling stream → what it is, for messages
    "WordDocument": "a Word 97-2003 document",
    "Workbook": "an Excel 97-2003 workbook",
    "Book": "an Excel 5.0/95 workbook",
    "PowerPoint Document": "a PowerPoint 97-2003 presentation",
}

Read = tuple[str, tuple[Block, ...], tuple[str, ...]]


def read_doc(data: bytes, name: str, limits: Limits) -> Read:
    """Read a Word 97-2003 ``.doc`` file's bytes: converted to .docx by LibreOffice, then read as .docx.

    Args:
        data: the file's bytes.
        name: the file name, for messages.
        limits: reading limits; ``pdf_timeout_s`` and ``pdf_memory_mb`` also bound the conversion.

    Returns:
        ``(text, blocks, warnings)`` as :func:`._docx.read_docx` gives them (Word tables stay tables).

    Raises:
        CorruptDocument: not a Word file, damaged, or protected with a password (the message says "password").
        UnsupportedFormat: LibreOffice (``soffice``) is not installed.
        TooLarge: the conversion took longer than ``limits.pdf_timeout_s``; or see :func:`._docx.read_docx`.
        EmptyDocument: no text.

    Example:
        >>> text, blocks, _ = read_doc(Path("kh-336.doc").read_bytes(), "kh-336.doc", Limits())  # doctest: +SKIP
        >>> text.splitlines()[0]  # doctest: +SKIP
        'Số: 336/KH-UBND'
    """
    return _read_legacy(data, name, limits, ".doc")


def read_xls(data: bytes, name: str, limits: Limits) -> Read:
    """Read an Excel 97-2003 ``.xls`` file's bytes: converted to .xlsx by LibreOffice, then read as .xlsx.

    Args:
        data: the file's bytes.
        name: the file name, for messages.
        limits: reading limits; ``pdf_timeout_s`` and ``pdf_memory_mb`` also bound the conversion.

    Returns:
        ``(text, blocks, warnings)`` as :func:`._xlsx.read_xlsx` gives them (a table per visible sheet).

    Raises:
        CorruptDocument: not an Excel file, damaged, or protected with a password (the message says "password").
        UnsupportedFormat: LibreOffice (``soffice``) is not installed.
        TooLarge: the conversion took longer than ``limits.pdf_timeout_s``; or see :func:`._xlsx.read_xlsx`.
        EmptyDocument: no visible sheet has text.
    """
    return _read_legacy(data, name, limits, ".xls")


def _read_legacy(data: bytes, name: str, limits: Limits, suffix: str) -> Read:
    read = read_docx if suffix == ".doc" else _read_xlsx
    if data.startswith(_ZIP_MAGIC):  # a .docx/.xlsx renamed: nothing to convert
        return read(data, name, limits)
    _check_compound_file(data, name, suffix)
    return read(_convert(data, name, limits, suffix), name, limits)


def _read_xlsx(data: bytes, name: str, limits: Limits) -> Read:
    from ._xlsx import read_xlsx  # imported when a workbook is read, like every format's module

    return read_xlsx(data, name, limits)


def _check_compound_file(data: bytes, name: str, suffix: str) -> None:
    """Refuse, before LibreOffice sees it, what is not an unencrypted Compound File of the right program."""
    kind, app, streams, _, _ = _KINDS[suffix]
    if not data.startswith(_OLE_MAGIC):
        head = data[:512].lstrip().lower()
        found = next((what for magic, what in _SNIFF if head.startswith(magic.lower())), "unknown content")
        raise CorruptDocument(
            f"{name}: expected a {suffix} file from {app} 97-2003 (an OLE2 Compound File), found {found}; "
            f"open it in {app}, save it as {kind} and ingest that"
        )
    try:
        encrypted = bool(msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted())
    except Exception:  # noqa: BLE001 - a kind it does not know (Excel 95), or damaged: LibreOffice decides
        encrypted = False
    if encrypted:
        raise CorruptDocument(
            f"{name}: is protected with a password (encrypted, so it cannot be read); open it in {app}, "
            f"save an unprotected copy as {kind} and ingest that"
        )
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            present = ["/".join(entry) for entry in ole.listdir()]
    except Exception as err:  # noqa: BLE001 - olefile raises OSError and builtins on damaged directories
        raise CorruptDocument(
            f"{name}: is a damaged {suffix} file ({type(err).__name__}: {err}); re-save it from {app} as {kind} "
            "and ingest that"
        ) from err
    if not any(stream in present for stream in streams):
        names = ", ".join(n for n in present if n.isprintable())[:200] or "no streams"
        found = next((what for stream, what in _PROGRAMS.items() if stream in present), f"a Compound File ({names})")
        raise CorruptDocument(
            f"{name}: expected a {suffix} file from {app} 97-2003, found {found} (no {streams[0]} stream); "
            f"check the extension, or open it in {app}, save it as {kind} and ingest that"
        )


def _convert(data: bytes, name: str, limits: Limits, suffix: str) -> bytes:
    """The file converted by LibreOffice headless to .docx/.xlsx, within the time and memory limits."""
    kind, app, _, target, package = _KINDS[suffix]
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise UnsupportedFormat(
            f"{name}: reading {suffix} files needs LibreOffice, which is not installed on this machine; "
            f"install it (`apt-get install {package}`) or open the file in {app}, save it as {kind} and ingest that"
        )
    memory_mb = _BASE_MB + limits.pdf_memory_mb
    with tempfile.TemporaryDirectory(prefix="planqa-office-") as tmp:
        source, out = Path(tmp, "in" + suffix), Path(tmp, "out")
        source.write_bytes(data)
        out.mkdir()
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        env.update(TMPDIR=tmp, MALLOC_ARENA_MAX="2")  # its temporary files go with the folder; fewer malloc arenas
        # RLIMIT_AS is set by a shell before exec, not by preexec_fn, which can deadlock in a threaded
        # parent (the web app). If the hard limit is already lower, ulimit fails and that lower one holds.
        command = [
            "/bin/sh", "-c", 'ulimit -v "$1" 2>/dev/null; shift; exec "$@"', "sh", str(memory_mb * 1024),
            soffice, "--headless", "--norestore", "--nolockcheck",
            f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}",
            "--convert-to", target, "--outdir", str(out), str(source),
        ]  # fmt: skip
        child = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
            start_new_session=True,
        )  # fmt: skip
        try:
            said, _ = child.communicate(timeout=limits.pdf_timeout_s)
        except subprocess.TimeoutExpired:
            _kill_group(child.pid)
            child.communicate()
            raise TooLarge(
                f"{name}: converting it with LibreOffice took longer than {limits.pdf_timeout_s:g} s, the limit "
                f"(Limits.pdf_timeout_s); open it in {app}, save it as {kind} and ingest that, or raise the limit"
            ) from None
        finally:
            if child.returncode is None:  # interrupted (KeyboardInterrupt …): leave nothing running
                _kill_group(child.pid)
                child.wait()
        result = out / ("in" + kind)
        if not result.is_file() or result.stat().st_size == 0:
            last = [line for line in said.decode("utf-8", "replace").splitlines() if "javaldx" not in line][-1:]
            detail = f"exit status {child.returncode}" + (f": {last[0].strip()[:200]}" if last else "")
            raise CorruptDocument(
                f"{name}: LibreOffice could not convert it to {kind} ({detail}); the file is damaged, or needed "
                f"more than {memory_mb:,} MB (Limits.pdf_memory_mb + {_BASE_MB}): open it in {app}, save it as "
                f"{kind} and ingest that"
            )
        return result.read_bytes()


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group has already exited
        os.killpg(pgid, signal.SIGKILL)
