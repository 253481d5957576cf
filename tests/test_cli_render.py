"""The CLI for people: answers rendered from markdown as terminal text, tables as wide as the terminal
(``$COLUMNS``), plan text printed as text (never rich markup); the ``--json`` outputs keep their shape."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from index_faults_support import build_kb, run_cli
from rich.cells import cell_len
from rich.console import Console

from planqa import _render

QUESTIONS = [  # one conversation: agencies of a unit, a "who" question, a follow-up, a fact, a list
    "Sở Y tế Đồng Nai được giao những nhiệm vụ gì?",
    "Cơ quan nào phụ trách chất lượng nước ở Đồng Nai?",
    "Còn chất lượng không khí?",
    "Điểm Quản trị môi trường của Đồng Nai năm 2023?",
    "PAPI có mấy chỉ số nội dung?",
]
ASK_KEYS = {"id", "question", "answer", "found", "intent", "filters", "agencies", "citations", "elapsed_ms"}
WIDTH = 100


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_kb(tmp_path_factory.mktemp("render") / "kb")


@pytest.fixture
def columns(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    return WIDTH


def _too_wide(out: str, width: int) -> list[str]:
    return [line for line in out.splitlines() if cell_len(line) > width]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_ask_prints_the_answer_as_terminal_text_within_the_terminal(kb: Path, columns: int) -> None:
    code, out, err = run_cli("--kb", str(kb), "ask", *QUESTIONS)
    assert code == 0, err
    code, lines, err = run_cli("--kb", str(kb), "ask", "--json", *QUESTIONS)
    answers = [json.loads(line) for line in lines.splitlines()]
    assert code == 0 and len(answers) == len(QUESTIONS) and all(a.keys() >= ASK_KEYS for a in answers)
    assert "**" in "".join(a["answer"] for a in answers)  # the markdown has bold …
    assert "**" not in out and not re.search(r"\\[\\`*_\[\]<>#|~$@]", out)  # … nor its marks or escapes
    assert not _too_wide(out, columns), _too_wide(out, columns)
    assert not [line for line in out.splitlines() if line != line.rstrip()]  # no padding to the page width
    flat = _flat(out)
    for a in answers:  # every agency and every source an answer names is there, whatever the wrapping
        for agency in a["agencies"]:
            assert agency in flat, agency
        for c in a["citations"]:
            assert f"[{c['n']}] {c['doc_number'] or c['source']} · {c['province']}" in flat
    assert sum(a["agencies"] != [] for a in answers) >= 2
    assert flat.count("Nguồn:") == sum(bool(a["citations"]) for a in answers)


def test_a_terminal_sees_bold_as_bold_and_lists_as_lists(kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, line, _ = run_cli("--kb", str(kb), "ask", "--json", QUESTIONS[0])
    answer = _answer(json.loads(line))
    buf = io.StringIO()
    monkeypatch.setattr(_render, "_console", lambda: Console(file=buf, width=72, force_terminal=True))
    _render.answer(answer)
    out = buf.getvalue()
    assert "\x1b[1m" in out and "**" not in out  # bold through the terminal's own attribute
    assert " • " in out  # the answer's "- " items as bullets
    plain_lines = [line for line in _strip_ansi(out).splitlines()]
    assert not _too_wide("\n".join(plain_lines), 72)


def test_tables_fit_the_terminal_and_keep_ids_whole(kb: Path, columns: int) -> None:
    code, docs_json, _ = run_cli("--kb", str(kb), "docs", "--json")
    docs = [json.loads(line) for line in docs_json.splitlines()]
    for argv in (["docs"], ["records"], ["records", "--province", "dong nai", "--agency", "so y te"]):
        code, out, err = run_cli("--kb", str(kb), *argv)
        assert code == 0 and out.strip(), (argv, err)
        assert not _too_wide(out, columns), (argv, _too_wide(out, columns))
    code, out, _ = run_cli("--kb", str(kb), "docs")
    assert all(d["doc_id"] in out for d in docs)  # `planqa remove DOC_ID` takes it from here: never folded
    code, wide, _ = run_cli("--kb", str(kb), "records")
    assert max(map(cell_len, wide.splitlines())) > 60  # the page is used, not a narrow default


def test_search_hits_fit_the_terminal(kb: Path, columns: int, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli("--kb", str(kb), "search", "--json", "-k", "5", "so tnmt chat luong nuoc")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == 5
    _render.search_hits(rows)
    text = capsys.readouterr().out
    assert not _too_wide(text, columns) and text.count(" · ") >= 5
    assert all(_flat(r["text"])[:120] in _flat(text) for r in rows)


def test_plan_text_is_printed_as_text_never_as_rich_markup(kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli("--kb", str(kb), "records", "--json", "--agency", "so y te")
    row = json.loads(out.splitlines()[0])
    hostile = "[/] [bold red]Sở Y tế[/bold red] :warning: [link=http://x]x[/link]"
    _render.records_table([{**row, "target": hostile, "lead": ["[/]"], "coop": []}])
    shown = _flat(capsys.readouterr().out)
    assert "[/] [bold red]Sở Y tế[/bold red] :warning:" in shown and "[/]" in shown


def test_piped_output_without_columns_is_a_wide_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    assert _render.width() == _render.PIPE_WIDTH  # pytest's stdout is not a terminal
    monkeypatch.setenv("COLUMNS", "87")
    assert _render.width() == 87
    monkeypatch.setenv("COLUMNS", "wide")
    assert _render.width() == _render.PIPE_WIDTH


def _answer(data: dict[str, Any]) -> Any:
    from assistant.answer import Answer, Citation

    keys = ("question", "answer", "found", "intent", "filters", "agencies", "elapsed_ms")
    citations = tuple(Citation(**c) for c in data["citations"])
    return Answer(**{k: data[k] for k in keys}, citations=citations)


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_docs_counts_tasks_as_records_lists_them(kb: Path, columns: int) -> None:
    """The documents table counts a plan's assignment records as `records` lists them (and as the app's
    Nhiệm vụ tab counts them), score rows apart: one number means one thing everywhere."""
    code, out, _ = run_cli("--kb", str(kb), "docs")
    assert code == 0 and re.search(r"\btasks\s+scores\s+passages\b", out)
    code, docs, _ = run_cli("--kb", str(kb), "docs", "--json")
    for doc in (json.loads(line) for line in docs.splitlines()):
        code, lines, _ = run_cli("--kb", str(kb), "records", "--json", "--doc", doc["doc_id"])
        assert len(lines.splitlines()) == doc["counts"]["assignments"]
        row = next(line for line in out.splitlines() if line.startswith(doc["doc_id"]))
        counts = [int(n) for n in re.findall(r"\b\d+\b", row)[-3:]]
        assert counts == [doc["counts"]["assignments"], doc["counts"]["scores"], doc["counts"]["passages"]]
