"""Hostile and unlucky files: how long each takes to parse, and how much memory, or how fast it is refused.

The corpus is generated in a temporary folder:

- ReDoS lines: a heading and one line of a fragment that once made a regular expression backtrack
  (``" *a"``, ``"**a "``, ``"- "`` …), as ``.md`` and ``.txt``, about 5 MB (the largest text the default
  ``Limits.max_text_chars`` accepts);
- flattened tables (one cell per line, as converters save Word tables) built from the real rows of the
  Đồng Nai plan's first appendix: 7,500 rows (4.1 MB; 3.7 MB once took 292 s and 6.4 GB), and one row
  whose task cell is 3 MB of bullets;
- Word files: 190 header parts of just under 1 MB each (about 250 KB zipped, 199 MB unpacked), 20 MB
  (zipped) of paragraphs, and one paragraph of random words filling 48 MB zipped (just under
  ``Limits.max_file_bytes``).

Each file is parsed by ``ingest.pipeline.parse_file`` in a child of a fresh process, so the peak memory
(``ru_maxrss`` of that process's children: the parser, or a reader's sandbox under it) and the time (of
``parse_file`` alone, interpreter start excluded) are that file's own. The target: every file parsed
in under 10 s and 1 GB, or refused within 2 s.

Run: ``python -m eval.bench_hostile [--out DIR] [--only NAME] [--json]``.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import re
import resource
import string
import subprocess
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the longest bundled plan: it has appendix tables of the STT / Chỉ số / … / Thời gian shape (found, not named)
DONG_NAI = max((ROOT / "data" / "plans").glob("*.txt"), key=lambda f: f.stat().st_size)
TEXT_CHARS = 4_990_000  # under Limits.max_text_chars (5,000,000) with the heading and line ends
TARGET_SECONDS, TARGET_MB, REFUSE_SECONDS = 10.0, 1024, 2.0
# fragments that once made a regular expression of the text path backtrack (see tests/test_redos.py)
REDOS_FRAGMENTS = {
    "emphasis": " *a",
    "strong": "**a ",
    "bullets": "- ",
    "parens": "(a ",
    "dots": "a.",
    "spaces": "a \v",
}

_CHILD = """
import json, sys, time
from ingest.pipeline import parse_file
from ingest.vocab import load_vocabulary
vocab = load_vocabulary()
start = time.perf_counter()
try:
    parsed = parse_file(sys.argv[1], vocab=vocab)
    out = {"outcome": "parsed", "records": len(parsed.assignments) + len(parsed.scores),
           "passages": len(parsed.passages), "longest_passage": max((len(p.text) for p in parsed.passages), default=0)}
except Exception as err:  # an IngestError is a refusal; anything else is reported as it is
    out = {"outcome": "refused", "error": type(err).__name__, "message": str(err)[:160]}
out["seconds"] = time.perf_counter() - start
print(json.dumps(out, ensure_ascii=False))
"""


# -- the Đồng Nai plan's appendix rows -------------------------------------------------------------------------
def appendix_lines(path: Path = DONG_NAI) -> tuple[list[str], list[str], list[list[str]]]:
    """``(document head, appendix heading, body rows)`` of a plan's first flattened appendix table.

    The head is the plan's lines before "I."; the heading runs from "PHỤ LỤC 1" to the last header cell;
    each body row is the lines of its cells after its row number (group rows "I / Chỉ số PAPI" are left out).
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    head = lines[: next(i for i, line in enumerate(lines) if line.startswith("I."))]
    start = next(i for i, line in enumerate(lines) if line.strip() == "PHỤ LỤC 1")
    first_row = next(i for i in range(start, len(lines)) if lines[i].strip() in ("I", "1"))
    end = next(i for i in range(first_row, len(lines)) if lines[i].startswith("PHỤ LỤC"))
    rows: list[list[str]] = []
    i = first_row
    while i < end:
        line = lines[i].strip()
        if re.fullmatch(r"[IVX]+", line):
            i += 2  # a group row: its number and its title
            continue
        if line.isdigit():
            rows.append([])
        elif rows:
            rows[-1].append(lines[i])
        i += 1
    return head, lines[start:first_row], rows


def flat_table_plan(n_rows: int, huge_cell_chars: int = 0) -> str:
    """A plan whose appendix is a flattened table of ``n_rows`` real rows numbered 1 … n_rows.

    With ``huge_cell_chars``, the first row's task cell is that many characters of the rows' own bullets.
    """
    head, heading, rows = appendix_lines()
    out = [*head, "I. MỤC ĐÍCH, YÊU CẦU", "Triển khai các nhiệm vụ tại Phụ lục kèm theo.", *heading]
    for k in range(1, n_rows + 1):
        cells = list(rows[(k - 1) % len(rows)])
        if k == 1 and huge_cell_chars:
            bullets = [line for row in rows for line in row if line.startswith("- ")]
            lines, size, j = [], 0, 0
            while size < huge_cell_chars:  # numbered, so no two lines (and no two passages) are the same
                lines.append(f"{bullets[j % len(bullets)]} (đợt {j + 1})")
                size += len(lines[-1]) + 1
                j += 1
            cells = [cells[0], cells[1], *lines, cells[-1]]
        out += [str(k), *cells]
    return "\n".join(out) + "\n"


def redos_line(fragment: str, chars: int = TEXT_CHARS) -> str:
    """A heading and one line of ``fragment`` repeated to about ``chars`` characters."""
    return "# Kế hoạch cải cách hành chính\n" + fragment * (chars // len(fragment)) + "\n"


# -- Word files --------------------------------------------------------------------------------------------------
def docx_bytes(paragraphs: list[str]) -> bytes:
    """A real .docx (python-docx) of these paragraphs."""
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def with_members(base: bytes, extra: dict[str, bytes]) -> bytes:
    """The zip ``base`` with ``extra`` members added (header parts, custom XML …)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        for member, data in extra.items():
            dst.writestr(member, data)
    return out.getvalue()


def header_parts_docx() -> bytes:
    """190 header parts of just under 1 MB each: about 250 KB zipped, 199 MB unpacked."""
    part = b"<w:hdr>" + b" " * (1024 * 1024 - 2000) + b"</w:hdr>"
    return with_members(
        docx_bytes(["Kế hoạch nâng cao Chỉ số PAPI năm 2024."]), {f"word/header{i}.xml": part for i in range(190)}
    )


def _document_xml_docx(body: bytes) -> bytes:
    """A .docx whose document.xml is ``body`` inside <w:body> (built by hand: python-docx is slow at this size)."""
    base = docx_bytes(["x"])
    with zipfile.ZipFile(io.BytesIO(base)) as src:
        xml = src.read("word/document.xml")
    start, end = xml.index(b"<w:body>") + len(b"<w:body>"), xml.index(b"<w:sectPr")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, xml[:start] + body + xml[end:] if item.filename == "word/document.xml" else data)
    return out.getvalue()


def many_paragraphs_docx(size: int = 20 * 1024 * 1024) -> bytes:
    """About ``size`` bytes (zipped) of the Đồng Nai plan's paragraphs, over and over."""
    lines = [line for line in DONG_NAI.read_text(encoding="utf-8").splitlines() if line.strip()]
    block = b"".join(f"<w:p><w:r><w:t>{_xml(line)}</w:t></w:r></w:p>".encode() for line in lines)
    ratio = len(block) / len(zlib.compress(block, 6))  # deflate's 32 KB window sees no repeat of the block
    return _document_xml_docx(block * max(1, round(size * ratio / len(block))))


def single_paragraph_docx(size: int = 44 * 1024 * 1024) -> bytes:
    """One paragraph of random words, about ``size`` bytes zipped (just under ``Limits.max_file_bytes``):
    random letters do not deflate much, so the paragraph holds about 60 million characters."""
    import random

    rng = random.Random(7)
    alphabet = string.ascii_letters + string.digits + "ăâđêôơưàáảãạ" + " " * 14
    text = "".join(rng.choices(alphabet, k=int(size * 1.25)))
    return _document_xml_docx(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode())


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- the corpus and the runs -------------------------------------------------------------------------------------
def _encoded(make: Callable[[str], str], arg: str) -> bytes:
    return make(arg).encode("utf-8")


def corpus() -> dict[str, Callable[[], bytes]]:
    """File name → a function making its bytes."""
    files: dict[str, Callable[[], bytes]] = {}
    for name, fragment in REDOS_FRAGMENTS.items():
        for suffix in (".md", ".txt"):
            files[f"redos-{name}{suffix}"] = functools.partial(_encoded, redos_line, fragment)
    files["flat-7500-rows.txt"] = lambda: flat_table_plan(7500).encode("utf-8")
    files["flat-huge-cell.txt"] = lambda: flat_table_plan(20, huge_cell_chars=3_000_000).encode("utf-8")
    files["docx-190-headers.docx"] = header_parts_docx
    files["docx-20mb-paragraphs.docx"] = many_paragraphs_docx
    files["docx-50mb-one-paragraph.docx"] = single_paragraph_docx
    return files


@dataclass(frozen=True)
class Result:
    """One file's figures."""

    name: str
    size_bytes: int
    outcome: str  # "parsed", "refused" or "killed" (the child died: out of memory, a signal)
    seconds: float  # wall clock of parse_file in the child (its interpreter start and imports excluded)
    peak_mb: float  # the peak resident memory of the parsing child (or of a sandboxed reader under it)
    detail: str
    meets_target: bool


def measure(path: Path, timeout_s: float = 600.0) -> Result:
    """Parse ``path`` in a child process and read its time and peak memory.

    Call it from a process with no other children (:func:`main` runs each in a fresh one): the peak is
    ``ru_maxrss`` of this process's children, the largest resident size any of them (the parsing child, or
    a reader's sandboxed child under it) reached.
    """
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, timeout=timeout_s, cwd=ROOT
        )
        lines = done.stdout.strip().splitlines()
        out = json.loads(lines[-1]) if lines else {"outcome": "killed", "message": done.stderr.strip()[-200:]}
    except subprocess.TimeoutExpired:
        out = {"outcome": "killed", "message": f"still running after {timeout_s:g} s", "seconds": timeout_s}
    seconds = float(out.get("seconds", timeout_s))
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # Linux reports KB
    if out["outcome"] == "parsed":
        detail = f"{out['records']} records, {out['passages']} passages, longest {out['longest_passage']:,} chars"
        ok = seconds < TARGET_SECONDS and peak_mb < TARGET_MB
    else:
        detail = f"{out.get('error', '')}: {out.get('message', '')}".strip(": ")
        ok = out["outcome"] == "refused" and seconds < REFUSE_SECONDS and peak_mb < TARGET_MB
    return Result(path.name, path.stat().st_size, out["outcome"], round(seconds, 2), round(peak_mb, 1), detail, ok)


def main(argv: list[str] | None = None) -> int:
    """Generate the hostile corpus, parse each file in a child process, print a table (or JSON lines).

    Returns 0 when every file meets the target (parsed < 10 s and < 1 GB, or refused < 2 s), else 1.
    """
    parser = argparse.ArgumentParser(prog="python -m eval.bench_hostile", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="folder to write the corpus in (default: a temporary folder)")
    parser.add_argument("--only", action="append", help="run only files whose name contains this (repeatable)")
    parser.add_argument("--json", action="store_true", help="one JSON object per file instead of a table")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds before a child is killed")
    args = parser.parse_args(argv)
    ok = True
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        folder = args.out or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        if not args.json:
            print(f"{'file':32} {'size':>10} {'outcome':8} {'seconds':>8} {'peak MB':>8}  target  detail")
        for name, make in corpus().items():
            if args.only and not any(part in name for part in args.only):
                continue
            path = folder / name
            path.write_bytes(make())
            result = _measured_apart(path, args.timeout)
            ok &= result.meets_target
            if args.json:
                print(json.dumps(asdict(result), ensure_ascii=False), flush=True)
            else:
                print(
                    f"{name:32} {result.size_bytes:>10,} {result.outcome:8} {result.seconds:>8.2f} "
                    f"{result.peak_mb:>8.1f}  {'ok' if result.meets_target else 'MISSED':6}  {result.detail[:110]}",
                    flush=True,
                )
    return 0 if ok else 1


def _measured_apart(path: Path, timeout_s: float) -> Result:
    """:func:`measure` in a fresh process: ``ru_maxrss`` of children only grows, so each file gets its own."""
    code = "import json, sys; from dataclasses import asdict; from eval.bench_hostile import measure; "
    code += "from pathlib import Path; print(json.dumps(asdict(measure(Path(sys.argv[1]), float(sys.argv[2])))))"
    done = subprocess.run(
        [sys.executable, "-c", code, str(path), str(timeout_s)], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return Result(**json.loads(done.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    raise SystemExit(main())
