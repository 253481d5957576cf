"""Helpers shared by the web-app tests: a knowledge base from the bundled plans, a .docx built from a real
plan's text, a free port."""

from __future__ import annotations

import re
import socket
from pathlib import Path

from planqa import cli

ROOT = Path(__file__).resolve().parent.parent
PLANS = ROOT / "data" / "plans"
# the Lạng Sơn transport department's plan (PAR INDEX + SIPAS) is held back from the module knowledge base
# and uploaded as a .docx by the tests
HELD_BACK = "002_83f94803ec7c9df2.txt"
FLAGSHIP = "which agency handles PAPI Quản trị môi trường in Đồng Nai"
TNMT = "Sở Tài nguyên và Môi trường"


def build_kb(folder: Path, *, held_back: str | None = HELD_BACK) -> Path:
    """Ingest the bundled plans (all but ``held_back``) into ``folder``, BM25 only; returns ``folder``."""
    files = [str(p) for p in sorted(PLANS.glob("*.txt")) if p.name != held_back]
    assert cli.main(["--kb", str(folder), "ingest", "--no-embed", "--json", *files]) == 0
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
