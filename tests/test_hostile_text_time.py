"""Hostile and unlucky text files: linear time, tables of any length, passages of bounded size.

Found by probes of the previous code (each test here failed on it):

- a 96 KB markdown line of `" *a"` took 31 s to read (the emphasis patterns backtracked), and structuring
  a long text joined, split and searched it again per paragraph (a file of 400,000 one-word lines: minutes);
- a flattened table of more than 99 rows merged every row from 100 on into row 99 (a row number had at
  most two digits), one passage of 2.9 million characters; its task cell was split in quadratic time.

The flattened tables are built from the real rows of the Đồng Nai plan's first appendix
(``eval.bench_hostile.flat_table_plan``), numbered 1 … N.
"""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eval.bench_hostile import appendix_lines, flat_table_plan, redos_line
from ingest.limits import Limits
from ingest.model import ParsedDocument
from ingest.pipeline import parse_file
from ingest.readers import read_document
from ingest.readers._text import _heading, _strip_edge_marks, _strip_em, _strip_strong
from ingest.structure._passages import MAX_PASSAGE_CHARS, split_text
from ingest.vocab import load_vocabulary

HEAD = (
    "ỦY BAN NHÂN DÂN\nTỈNH ĐỒNG NAI\nSố: 12/KH-UBND\nĐồng Nai, ngày 15 tháng 10 năm 2024\nKẾ HOẠCH\n"
    "Nâng cao Chỉ số PAPI năm 2025\n"
)
# shapes of text that once took time growing with the square of their length, each made to about n characters
SHAPES = {
    "emphasis.md": lambda n: redos_line(" *a", n),
    "strong.md": lambda n: redos_line("**a ", n),
    "emphasis.txt": lambda n: HEAD + "*a " * (n // 3),
    "dashes.txt": lambda n: HEAD + "- " * (n // 2) + ": Sở Y tế",
    "vertical-tabs.md": lambda n: "# Kế hoạch a" + "\v" * n + "b\n",
    "agency-clauses.txt": lambda n: HEAD + "Sở Nội vụ chủ trì, phối hợp với Sở Tư pháp; " * (n // 44),
    "one-word-lines.txt": lambda n: HEAD + "a\n" * (n // 2),
    "appendix-title.txt": lambda n: (
        HEAD
        + "PHỤ LỤC 1\n"
        + "CỦA SỞ NỘI VỤ " * (n // 28)
        + "\n"
        + "STT\nNội dung\nCơ quan chủ trì\n1\nViệc\nSở Y tế\n" * (n // 84)
    ),
    "abbreviations.txt": lambda n: HEAD + "TP. Hồ " * (n // 7),
}


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _seconds(action: Callable[..., object], *args: object, **kwargs: object) -> float:
    start = time.perf_counter()
    action(*args, **kwargs)
    return time.perf_counter() - start


# -- markdown emphasis: the scanner finds what the old patterns found -------------------------------------------
_OLD_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_OLD_EM = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])")
_OLD_EDGE = re.compile(r"^\*+(?=\S)|(?<=\S)\*+$")
_OLD_HEADING = re.compile(r"^(#{1,6})(?:\s+|$)(.*?)(?:\s+#+)?\s*$")
_MARKS = st.lists(st.sampled_from(["*", "**", "_", "__", " ", "a", "đ", "2", "#", "\v", ".", "\n"]), max_size=16).map(
    "".join
)


@settings(max_examples=3000, deadline=None)
@given(_MARKS)
def test_emphasis_is_stripped_as_the_old_patterns_did(line: str) -> None:
    """The old patterns are the reference: same output on any mix of marks, spaces and words."""
    assert _strip_strong(line) == _OLD_STRONG.sub(r"\2", line)
    assert _strip_em(line) == _OLD_EM.sub(r"\1", line)
    if "\n" not in line:  # both are applied to one line at a time
        assert _strip_edge_marks(line) == _OLD_EDGE.sub("", line)
        old = _OLD_HEADING.match(line)
        assert _heading(line) == ((len(old.group(1)), old.group(2)) if old else None)


# -- linear time, end to end -------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("fragment", [" *a", "**a ", "__a ", "- ", "(a ", "a \v", "a."])
@pytest.mark.parametrize("suffix", [".md", ".txt"])
def test_a_5_mb_adversarial_line_reads_within_a_second(tmp_path: Path, fragment: str, suffix: str) -> None:
    """The largest line the default limits accept (4,990,000 characters) is read in under a second."""
    chars = Limits().max_text_chars - 10_000
    path = _write(tmp_path, f"dong{suffix}", redos_line(fragment, chars))
    read_document(path)  # warm the imports
    assert _seconds(read_document, path) < 1.0


def _best_seconds(folder: Path, shape: str, chars: int, vocab: object, runs: int = 3) -> float:
    """The fastest of ``runs`` parses of the shape at about ``chars`` characters, the collector paused.

    Each run parses a text of its own (a marker at the end of the last line), so no run hits the caches the
    one before filled; the fastest run is the one least disturbed by whatever else the machine is doing (one
    timing of 0.07 s against 0.94 s once failed CI on a busy runner while the same code measures 3.5x here).
    """
    best = float("inf")
    for run in range(runs):
        path = _write(folder, f"{chars}-{run}-{shape}", SHAPES[shape](chars).rstrip("\n") + f" v{run}\n")
        gc.collect()
        gc.disable()
        try:
            best = min(best, _seconds(parse_file, path, vocab=vocab))
        finally:
            gc.enable()
    return best


@pytest.mark.slow
@pytest.mark.parametrize("shape", SHAPES)
def test_parsing_time_grows_linearly(tmp_path: Path, shape: str) -> None:
    """Four times the text takes about four times as long through the whole pipeline (read, metadata,
    structure, passages); quadratic code would take sixteen times."""
    vocab = load_vocabulary()
    parse_file(_write(tmp_path, f"warm-{shape}", SHAPES[shape](20_000)), vocab=vocab)  # imports, caches
    small_s = _best_seconds(tmp_path, shape, 40_000, vocab)
    large_s = _best_seconds(tmp_path, shape, 160_000, vocab)
    # linear is 4x, quadratic 16x; 8x leaves room for a machine busy with the rest of the suite
    assert large_s < 8 * small_s + 0.3, f"{shape}: {small_s:.2f} s → {large_s:.2f} s at four times the length"
    assert large_s < 5.0


# -- flattened tables of any length ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def table_1500(tmp_path_factory: pytest.TempPathFactory) -> tuple[ParsedDocument, float]:
    path = _write(tmp_path_factory.mktemp("flat"), "phu-luc-1500-dong.txt", flat_table_plan(1500))
    vocab = load_vocabulary()
    start = time.perf_counter()
    parsed = parse_file(path, vocab=vocab)
    return parsed, time.perf_counter() - start


def _row(parsed: ParsedDocument, number: int):  # type: ignore[no-untyped-def]
    found = [a for a in parsed.assignments if a.location == f"Phụ lục 1 › {number}"]
    assert len(found) == 1, f"row {number}: {len(found)} records"
    return found[0]


def test_a_flattened_table_of_1500_rows_gives_1500_records(table_1500: tuple[ParsedDocument, float]) -> None:
    parsed, _ = table_1500
    rows = [a for a in parsed.assignments if a.source_kind == "table"]
    assert len(rows) == 1500
    assert {a.location for a in rows} == {f"Phụ lục 1 › {k}" for k in range(1, 1501)}
    assert {a.lead for a in rows} == {("Sở Nội vụ",)}  # the appendix title's agency, on every row


@pytest.mark.parametrize("number", [99, 100, 101, 999, 1000, 1234, 1500])
def test_rows_from_100_on_keep_their_own_cells(table_1500: tuple[ParsedDocument, float], number: int) -> None:
    """Row k repeats real row ((k - 1) mod 22) + 1: the same cells, cut the same way."""
    parsed, _ = table_1500
    rows = len(appendix_lines()[2])
    row, source = _row(parsed, number), _row(parsed, (number - 1) % rows + 1)
    assert (row.component, row.target, row.tasks, row.deadline) == (
        source.component,
        source.target,
        source.tasks,
        source.deadline,
    )
    text = next(p.text for p in parsed.passages if p.location == f"Phụ lục 1 › {number}")
    assert text.startswith(f"{number}. ")


def test_a_flattened_table_of_1500_rows_parses_in_seconds(table_1500: tuple[ParsedDocument, float]) -> None:
    parsed, seconds = table_1500
    assert seconds < 10  # 1 s on a quiet machine; it took minutes when row 99 swallowed the rest
    assert max(len(p.text) for p in parsed.passages) <= MAX_PASSAGE_CHARS


def test_a_year_under_the_header_is_a_column_label_not_the_first_row(tmp_path: Path) -> None:
    """Row numbers of any length, but "2023" right after the header labels still labels a column."""
    table = (
        "STT\nChỉ số thành phần\n2023\nChỉ tiêu đến năm 2025\n1\nChi phí gia nhập thị trường\n6.85/10.00\n7.00/10.00\n"
    )
    parsed = parse_file(_write(tmp_path, "pci.txt", HEAD + table))
    assert [s.values for s in parsed.scores] == [(("2023", "6.85/10.00"), ("Chỉ tiêu đến năm 2025", "7.00/10.00"))]


# -- no passage over the cap ---------------------------------------------------------------------------------------
def test_a_huge_cell_becomes_several_passages_each_with_its_row_context(tmp_path: Path) -> None:
    parsed = parse_file(_write(tmp_path, "o-lon.txt", flat_table_plan(3, huge_cell_chars=300_000)))
    row = _row(parsed, 1)
    pieces = [p for p in parsed.passages if p.location == "Phụ lục 1 › 1"]
    assert len(pieces) >= 300_000 // MAX_PASSAGE_CHARS
    assert all(len(p.text) <= MAX_PASSAGE_CHARS for p in parsed.passages)
    title = pieces[0].text.split("\n", 1)[0]
    assert title == "1. Tri thức công dân"
    for piece in pieces:
        assert piece.header == pieces[0].header and "Phụ lục 1 (Sở Nội vụ)" in piece.header
        assert (piece.component, piece.agencies, piece.record_id) == (row.component, ("Sở Nội vụ",), row.record_id)
    assert all(p.text.startswith(f"{title} (tiếp)\n") for p in pieces[1:])
    # every line of the cell is in one of the pieces
    assert sum(p.text.count("\n- ") for p in pieces) >= row.tasks.count("\n- ")


def test_a_paragraph_without_line_breaks_is_cut_into_passages(tmp_path: Path) -> None:
    words = "".join(
        f"Tăng cường kiểm tra lần thứ {k}, giám sát việc giải quyết thủ tục hành chính " for k in range(4000)
    )
    parsed = parse_file(_write(tmp_path, "doan-dai.txt", HEAD + "1. Nhiệm vụ\n" + words + "\n"))
    prose = [p for p in parsed.passages if p.kind == "prose" and "giám sát" in p.text]
    assert len(prose) >= len(words) // MAX_PASSAGE_CHARS
    assert all(len(p.text) <= MAX_PASSAGE_CHARS for p in parsed.passages)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "bb", " ", "\n", "- Sở Y tế", "x" * 70]), max_size=300).map("".join),
    st.integers(min_value=40, max_value=600),
    st.sampled_from(["", "1. Tri thức công dân", "y" * 300]),
)
def test_split_text_keeps_every_character_within_the_cap(text: str, cap: int, title: str) -> None:
    pieces = split_text(text.strip(), cap, title)
    assert all(len(p) <= cap for p in pieces)
    head = f"{title[:200].strip()} (tiếp)"
    prefix = f"{head}\n" if title.strip() and len(head) + 1 <= cap // 2 else ""
    body = [p.removeprefix(prefix) if k else p for k, p in enumerate(pieces)]
    assert all(p.startswith(prefix) for p in pieces[1:])
    assert re.sub(r"\s", "", "".join(body)) == re.sub(r"\s", "", text)  # nothing lost, nothing repeated
