"""Scanned pages read with Tesseract's Vietnamese model: text lines and ruled tables, top to bottom.

A scanned plan is mostly ruled tables (the appendices), and Tesseract reads a page as blocks of text
lines: a row of a table comes out as one line across its cells, with the rules read as "|" or "-".
So the page is looked at first:

- **the grid**: rules are long runs of ink (a horizontal rule runs over a quarter of the page width, a
  vertical one over 40 % of its table's height); a missing stretch of rule between two cells is a merge,
  kept as Word keeps it (the text in the top-left cell, ``""`` in the others);
- **the cells** are cut out and stacked one under another with white space between them, and the stack
  is read in one Tesseract call: each cell is read on its own, away from rules and neighbours, at the
  cost of one call per page, not one per cell;
- **the rest of the page** (titles, prose, the signature) is read with the tables painted white.

Every word comes with Tesseract's confidence: a page whose mean is low, and a table row whose figures
were read with low confidence, are named in the warnings so a person checks them against the scan.

pytesseract drives the ``tesseract`` program (Debian ``tesseract-ocr`` and ``tesseract-ocr-vie``) and
pypdfium2 (already under pdfplumber) renders the page. This runs inside the sandboxed child of
:mod:`ingest.readers._sandbox`, one page per child, with the page time and memory limits.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import CorruptDocument
from ..textnorm import clean_line
from ._common import clean_cell

LANGUAGE = "vie"
_MAX_PIXELS = 60_000_000  # a page rendered bigger than this (a crafted 5 m wide page) is scaled down
_INK = 150  # grey level under which a pixel is ink
_GAP = 24  # white pixels between the stacked cells
LOW_PAGE = 70.0  # mean word confidence under which a page is reported
_LOW_FIGURE = 60.0  # confidence under which a word with a digit makes its table row reported


# Roman item numbers ("I", "II", "IV") are thin strokes Tesseract often reads as "|", "l" or "!": a cell,
# or the start of a line, made only of such strokes (with at most one V or X) is a Roman numeral.
_ROMAN_RE = re.compile(r"^(?=[|lI!VX]*[|l!])([|lI!]{0,3}[VX]?[|lI!]{0,3})(?=$|[.)\s])")


def _numbering(text: str) -> str:
    """ "|" → "I", "lI. Chỉ số SIPAS" → "II. Chỉ số SIPAS"; other text unchanged."""
    return _ROMAN_RE.sub(lambda m: re.sub(r"[|l!]", "I", m.group(1)), text, count=1) if text else text


def missing() -> str | None:
    """Why OCR cannot run here (no ``tesseract``, or no Vietnamese model), or ``None`` when it can."""
    exe = shutil.which("tesseract")
    if exe is None:
        return "the tesseract program is not installed (apt-get install tesseract-ocr tesseract-ocr-vie)"
    try:
        done = subprocess.run([exe, "--list-langs"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"tesseract does not run ({err})"
    langs = done.stdout.decode("utf-8", "replace").split()
    if LANGUAGE not in langs:
        return "tesseract has no Vietnamese model (apt-get install tesseract-ocr-vie)"
    return None


@dataclass(frozen=True)
class _Grid:
    """One ruled table: rule positions (pixel centres) and, per cell, the cell that holds its text."""

    ys: list[int]
    xs: list[int]
    owner: dict[tuple[int, int], tuple[int, int]]  # (row, col) → top-left cell of its merge


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, end)`` of each run of True."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))


def _longest(row: np.ndarray) -> tuple[int, int, int]:
    """``(length, start, end)`` of the longest run of ink in a row of pixels."""
    runs = _runs(row)
    if not runs:
        return 0, 0, 0
    start, end = max(runs, key=lambda r: r[1] - r[0])
    return end - start, start, end


def _centres(runs: list[tuple[int, int]]) -> list[int]:
    return [(a + b) // 2 for a, b in runs]


def find_grids(ink: np.ndarray) -> list[_Grid]:
    """The ruled tables of a page (a boolean ink image), top to bottom."""
    height, width = ink.shape
    longest = [_longest(ink[y]) for y in range(height)]
    rule_rows = np.array([length > width // 4 for length, _, _ in longest])
    hlines = _runs(rule_rows)
    if len(hlines) < 2:
        return []
    x0 = int(np.median([longest[a][1] for a, _ in hlines]))
    x1 = int(np.median([longest[a][2] for a, _ in hlines]))
    # tables: consecutive rules joined by the table's left border (else a gap of plain text between two tables)
    groups: list[list[int]] = [[_centres(hlines)[0]]]
    for (_, above_end), (below_start, below_end) in zip(hlines, hlines[1:], strict=False):
        border = ink[above_end:below_start, max(x0 - 3, 0) : x0 + 4].any(axis=1).mean()
        centre = (below_start + below_end) // 2
        if border > 0.8:
            groups[-1].append(centre)
        else:
            groups.append([centre])
    grids = []
    for ys in groups:
        if len(ys) < 2:
            continue
        top, bottom = ys[0], ys[-1]
        band = ink[top:bottom, max(x0 - 5, 0) : x1 + 6]
        vmask = band.sum(axis=0) > 0.4 * (bottom - top)
        xs = [c + max(x0 - 5, 0) for c in _centres(_runs(vmask))]
        if len(xs) >= 2:
            grids.append(_Grid(ys, xs, _merges(ink, ys, xs)))
    return grids


def _present(segment: np.ndarray) -> bool:
    """Whether a stretch of rule is drawn: ink across most of it (any of a few pixels' thickness)."""
    return bool(segment.size) and float(segment.any(axis=0).mean()) > 0.6


def _merges(ink: np.ndarray, ys: list[int], xs: list[int]) -> dict[tuple[int, int], tuple[int, int]]:
    owner: dict[tuple[int, int], tuple[int, int]] = {}
    for r in range(len(ys) - 1):
        for c in range(len(xs) - 1):
            owner[(r, c)] = (r, c)
            pad_x = (xs[c + 1] - xs[c]) // 8
            pad_y = (ys[r + 1] - ys[r]) // 8
            top = ink[ys[r] - 2 : ys[r] + 3, xs[c] + pad_x : xs[c + 1] - pad_x]
            left = ink[ys[r] + pad_y : ys[r + 1] - pad_y, xs[c] - 2 : xs[c] + 3].T
            if r and not _present(top):
                owner[(r, c)] = owner[(r - 1, c)]
            elif c and not _present(left):
                owner[(r, c)] = owner[(r, c - 1)]
    return owner


def _words(image: Any, psm: int, timeout: float, extra: str = "") -> list[dict[str, Any]]:
    import pytesseract

    data = pytesseract.image_to_data(
        image, lang=LANGUAGE, config=f"--psm {psm} {extra}".strip(), output_type=pytesseract.Output.DICT,
        timeout=timeout,
    )  # fmt: skip
    words = []
    for i, text in enumerate(data["text"]):
        if text and text.strip():
            words.append({
                "text": text.strip(), "conf": float(data["conf"][i]), "left": data["left"][i],
                "top": data["top"][i], "width": data["width"][i], "height": data["height"][i],
                "line": (data["block_num"][i], data["par_num"][i], data["line_num"][i]),
            })  # fmt: skip
    return words


def _lines(words: list[dict[str, Any]]) -> list[tuple[int, str, list[float]]]:
    """Words grouped into Tesseract's lines: ``(top, text, confidences)`` in reading order."""
    lines: dict[tuple[int, int, int], list[dict[str, Any]]] = {}
    for word in words:
        lines.setdefault(word["line"], []).append(word)
    out = []
    for members in lines.values():
        members.sort(key=lambda w: w["left"])
        out.append((min(w["top"] for w in members), " ".join(w["text"] for w in members), [w["conf"] for w in members]))
    out.sort(key=lambda line: line[0])
    return out


Cell = tuple[int, int]
# a cell that holds figures ("9.07/9.5", "95.47", "15", "30/11/2024") is read a second time with only these
_FIGURE_CHARS = "0123456789.,/%-"
_FIGURE_RE = re.compile(r"^[\d\s.,/%:;-]+$")


def _read_stack(
    gray: Any, crops: dict[Cell, tuple[int, int, int, int]], timeout: float, extra: str = ""
) -> dict[Cell, tuple[str, list[float]]]:
    """Read cells cut out of the page and stacked one under another, in one Tesseract call.

    Returns:
        Per cell, its text (lines joined by "\n") and the confidence of each word.
    """
    from PIL import Image

    spans: list[tuple[Cell, int, int]] = []
    y = _GAP
    for cell, box in crops.items():
        spans.append((cell, y, y + box[3] - box[1]))
        y += box[3] - box[1] + _GAP
    if not spans:
        return {}
    stack = Image.new("L", (max(b[2] - b[0] for b in crops.values()) + 2 * _GAP, y), 255)
    for (_cell, top, _), box in zip(spans, crops.values(), strict=True):
        stack.paste(gray.crop(box), (_GAP, top))
    out: dict[Cell, tuple[list[str], list[float]]] = {}
    for top, text, confs in _lines(_words(stack, 6, timeout, extra)):
        held = next((c for c, a, b in spans if a - _GAP // 2 <= top < b), None)
        if held is not None:
            lines, seen = out.setdefault(held, ([], []))
            lines.append(text)
            seen.extend(c for c in confs if c >= 0)
    return {cell: ("\n".join(lines), confs) for cell, (lines, confs) in out.items()}


def _cells(gray: Any, ink: np.ndarray, grid: _Grid, timeout: float) -> tuple[list[list[str]], list[int], list[float]]:
    """The table's cell texts (merges as ``""``), the rows whose figures are uncertain, and every word's confidence.

    Every cell is read once; a cell that reads as figures is read again with only digits and their
    punctuation allowed. The second reading is kept; a row where the two disagree, or where a figure was
    read with low confidence, is uncertain.
    """
    groups: dict[Cell, list[Cell]] = {}
    for cell, owner in grid.owner.items():
        groups.setdefault(owner, []).append(cell)
    crops: dict[Cell, tuple[int, int, int, int]] = {}
    for owner, cells in sorted(groups.items()):
        r0, r1 = min(r for r, _ in cells), max(r for r, _ in cells) + 1
        c0, c1 = min(c for _, c in cells), max(c for _, c in cells) + 1
        box = (grid.xs[c0] + 4, grid.ys[r0] + 4, grid.xs[c1] - 3, grid.ys[r1] - 3)
        if box[2] > box[0] and box[3] > box[1] and ink[box[1] : box[3], box[0] : box[2]].sum() >= 12:
            crops[owner] = box
    read = _read_stack(gray, crops, timeout)
    figures = {cell: crops[cell] for cell, (text, _) in read.items() if _FIGURE_RE.match(text) and cell[1] > 0}
    again = _read_stack(gray, figures, timeout, f"-c tessedit_char_whitelist={_FIGURE_CHARS}") if figures else {}
    rows = [[""] * (len(grid.xs) - 1) for _ in range(len(grid.ys) - 1)]
    unsure: set[int] = set()
    confidences: list[float] = []
    for (r, c), (text, confs) in read.items():
        confidences.extend(confs)
        if (r, c) in figures:
            second, second_confs = again.get((r, c), ("", []))
            if " ".join(second.split()) != " ".join(text.split()) or any(x < _LOW_FIGURE for x in second_confs):
                unsure.add(r)
            text = second or text
        elif any(x < _LOW_FIGURE for x, w in zip(confs, text.split(), strict=False) if any(ch.isdigit() for ch in w)):
            unsure.add(r)
        rows[r][c] = _numbering(clean_cell(text))
    return rows, sorted(unsure), confidences


def render(data: bytes, page_number: int, dpi: int) -> Any:
    """Page ``page_number`` (1-based) of a PDF as a greyscale PIL image at ``dpi`` (scaled down past a size cap)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[page_number - 1]
        w, h = page.get_size()
        scale = dpi / 72
        if w * h * scale * scale > _MAX_PIXELS:
            scale = (_MAX_PIXELS / (w * h)) ** 0.5
        return page.render(scale=scale, grayscale=True).to_pil().convert("L")
    finally:
        pdf.close()


def ocr_page_json(data: bytes, name: str, page: int, dpi: int, timeout: float) -> dict[str, Any]:
    """What the sandboxed child runs for one scanned page.

    Returns:
        ``{"items": [[top, "line" | "table", text | rows], …], "confidence": mean word confidence or -1,
        "unsure_rows": [[row, text of the row], …]}`` (rows counted within the page's tables).
    """
    os.environ["OMP_THREAD_LIMIT"] = "1"  # Tesseract's threads cost 4x the time on a 2-core machine
    try:
        gray = render(data, page, dpi)
    except Exception as err:  # pdfium raises its own error on damaged pages
        raise CorruptDocument(
            f"{name}: page {page} could not be rendered for OCR ({type(err).__name__}: {err}); "
            "re-export the PDF (print to PDF) and ingest it again"
        ) from err
    ink = np.asarray(gray) < _INK
    grids = find_grids(ink)
    items: list[list[Any]] = []
    unsure: list[list[Any]] = []
    confidences: list[float] = []
    plain = gray.copy()
    for grid in grids:
        rows, low, confs = _cells(gray, ink, grid, timeout)
        confidences.extend(confs)
        items.append([grid.ys[0], "table", rows])
        unsure.extend([r + 1, " | ".join(cell for cell in rows[r] if cell)] for r in low)
        plain.paste(255, (0, grid.ys[0] - 4, gray.width, grid.ys[-1] + 5))
    for top, text, confs in _lines(_words(plain, 3, timeout)):
        line = _numbering(clean_line(text))
        if line:
            items.append([top, "line", line])
            confidences.extend(c for c in confs if c >= 0)
    items.sort(key=lambda item: (item[0], item[1] != "table"))
    return {
        "items": items,
        "confidence": round(float(np.mean(confidences)), 1) if confidences else -1.0,
        "unsure_rows": unsure,
    }
