"""Helpers shared by the web-app tests: a knowledge base from the bundled plans, a .docx built from a real
plan's text, a free port."""

from __future__ import annotations

import atexit
import re
import shutil
import socket
import tempfile
from pathlib import Path

from planqa import cli

ROOT = Path(__file__).resolve().parent.parent
PLANS = ROOT / "data" / "plans"
# the Lạng Sơn transport department's plan (PAR INDEX + SIPAS) is held back from the module knowledge base
# and uploaded as a .docx by the tests
HELD_BACK = "002_83f94803ec7c9df2.txt"
FLAGSHIP = "which agency handles PAPI Quản trị môi trường in Đồng Nai"
TNMT = "Sở Tài nguyên và Môi trường"


_BUILT: dict[str | None, Path] = {}  # one pristine knowledge base per held-back plan, built once per test run


def build_kb(folder: Path, *, held_back: str | None = HELD_BACK) -> Path:
    """Ingest the bundled plans (all but ``held_back``) into ``folder``, BM25 only; returns ``folder``.

    The first call for a ``held_back`` ingests into a private folder; every call copies that folder, so each
    test module still gets a knowledge base of its own to write to (ingesting takes ~15 s, copying ~0.1 s).
    """
    if held_back not in _BUILT:
        pristine = Path(tempfile.mkdtemp(prefix="planqa-kb-")) / "kb"
        atexit.register(shutil.rmtree, pristine.parent, True)
        files = [str(p) for p in sorted(PLANS.glob("*.txt")) if p.name != held_back]
        assert cli.main(["--kb", str(pristine), "ingest", "--no-embed", "--json", *files]) == 0
        _BUILT[held_back] = pristine
    shutil.copytree(_BUILT[held_back], folder, dirs_exist_ok=True)
    return folder


def plan_docx(src: Path, dest: Path) -> Path:
    """Write the markdown-ish plan ``src`` as a Word document: "#" lines become headings, the rest paragraphs."""
    from docx import Document

    doc = Document()
    for line in src.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if not text:
            continue
        heading = re.match(r"^(#{1,6})\s*(.*)$", text)
        if heading:
            doc.add_heading(heading.group(2).strip("* "), level=min(len(heading.group(1)), 4))
        else:
            doc.add_paragraph(text)
    doc.save(str(dest))
    return dest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
