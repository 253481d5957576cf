"""What the CLI prints for people: tables and answers as terminal text, never wider than the terminal.

The ``--json`` outputs are the stable contract; these may change freely. Everything taken from a plan or a
user is printed as :class:`rich.text.Text` (never parsed as rich markup), an answer's markdown is rendered
(bold as bold, lists as lists, no literal ``**``, links as their text with the address after it).

Width: ``$COLUMNS`` when set (a terminal sets it, and so can a user: ``COLUMNS=100 planqa records``), else the
terminal's width, else :data:`PIPE_WIDTH` for output piped into a file or another program. Lines carry no
trailing spaces.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from typing import Any

from rich import box
from rich.console import Console, RenderableType
from rich.markdown import Markdown
from rich.padding import Padding
from rich.segment import Segment, Segments
from rich.table import Table
from rich.text import Text

from assistant.mdtext import plain
from ingest.readers._common import page_ranges

PIPE_WIDTH = 160  # output piped without $COLUMNS: a wide page, so ids and numbers stay on one line
_STATUS_STYLE = {"added": "green", "replaced": "cyan", "unchanged": "dim", "failed": "bold red"}
_RATING = {"up": "👍 up", "down": "👎 down"}
_EMPHASIS = re.compile(r"(?<!\\)(?:\*\*|\*|__)")


def width() -> int | None:
    """The page width: ``$COLUMNS`` when it is a positive number, ``None`` (rich asks the terminal) on a terminal,
    else :data:`PIPE_WIDTH`."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return None if sys.stdout.isatty() else PIPE_WIDTH


def _console() -> Console:
    # Built per call so output goes to whatever sys.stdout is now (pytest's capsys replaces it).
    return Console(file=sys.stdout, width=width(), emoji=False, highlight=False)


def _print(console: Console, renderable: RenderableType) -> None:
    """Print ``renderable`` with the spaces rich pads each line with to the page width taken off."""
    out: list[Segment] = []
    for line in console.render_lines(renderable, console.options, pad=False):
        while line and not line[-1].control and not line[-1].text.strip():
            line.pop()
        if line:
            last = line[-1]
            line[-1] = Segment(last.text.rstrip(), last.style, last.control)
        out += [*line, Segment.line()]
    console.print(Segments(out), end="")


def _table(columns: dict[str, dict[str, Any]], *, leading: int = 0) -> Table:
    """A table with a rule under its header and no other lines (two spaces between columns, ``leading`` blank
    lines between rows) that rich fits to the page by wrapping its widest columns first; ``columns`` maps each
    header to its rich column options."""
    table = Table(
        box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1, 0, 0), pad_edge=False, header_style="bold", leading=leading
    )
    for name, options in columns.items():
        table.add_column(name, **options)
    return table


def _short(text: str, limit: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cells(*values: str | Text) -> list[Text]:
    return [v if isinstance(v, Text) else Text(v) for v in values]


def ingest_table(results: list[dict[str, Any]]) -> None:
    """One row per file: status, document number, province, record and passage counts, message."""
    table = _table({
        "file": {"overflow": "fold", "max_width": 40}, "status": {"no_wrap": True}, "doc number": {"overflow": "fold"},
        "province": {}, "records": {"justify": "right"}, "passages": {"justify": "right"}, "message": {"overflow": "fold"},
    })  # fmt: skip
    for r in results:
        status = Text(r["status"], style=_STATUS_STYLE[r["status"]])
        message = r["error"] or "; ".join(r["warnings"])
        records = "" if r["status"] == "failed" else str(r["assignments"] + r["scores"])
        passages = "" if r["status"] == "failed" else str(r["passages"])
        table.add_row(
            *_cells(r["source"], status, r["doc_number"] or "", r["province"] or "", records, passages, message)
        )
    _print(_console(), table)


def read_summary(results: list[dict[str, Any]]) -> None:
    """After the table, what was read from each added or replaced file, for a person to check."""
    console = _console()
    for r in results:
        read = r.get("read")
        if not read:
            continue
        who = " · ".join(
            x for x in (read["doc_number"] or "no number", read["issuer"] and f"{read['issuer']} ({read['level']})",
                        read["province"], str(read["year"] or ""), read["signer"] and f"signed {read['signer']}",
                        ", ".join(read["indices"])) if x
        )  # fmt: skip
        _print(console, Text.assemble((r["source"], "bold"), f" read as: {who}"))
        note = f"{read['assignments']} assignments, {read['scores']} scores, {read['passages']} passages"
        if read["ocr_pages"]:
            note += f"; page{'s' if len(read['ocr_pages']) > 1 else ''} {page_ranges(read['ocr_pages'])} read by OCR from a scan"
        if read["corrected"]:
            note += f"; corrected by hand: {', '.join(read['corrected'])}"
        _print(console, Padding(Text(note), (0, 0, 0, 2)))
        rows = []
        for row in read["first_rows"]:
            agencies = "; ".join(row["lead"]) + (f" (with {'; '.join(row['coop'])})" if row["coop"] else "")
            parts = (row["location"], _short(row["component"], 60), _short(agencies, 70), row["deadline"])
            rows.append(" — ".join(p for p in parts if p))
        _print(console, _bullets(rows or ["no assignment rows were read (prose and passages only)"]))


def _bullets(items: Iterable[str], indent: int = 2) -> RenderableType:
    """Items as "· text" lines, each wrapped under its own text."""
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for item in items:
        grid.add_row("·", Text(item))
    return Padding(grid, (0, 0, 0, indent))


def docs_table(rows: list[dict[str, Any]]) -> None:
    """One row per document: its assignment records ("tasks", what ``planqa records`` lists and the app's
    Nhiệm vụ tab counts), its score rows and its passages, each counted apart."""
    table = _table({
        "doc_id": {"no_wrap": True}, "source": {"overflow": "fold"}, "doc number": {"overflow": "fold"},
        "province": {}, "level": {}, "year": {"no_wrap": True}, "indices": {"max_width": 18},
        "tasks": {"justify": "right", "no_wrap": True}, "scores": {"justify": "right", "no_wrap": True},
        "passages": {"justify": "right", "no_wrap": True},
    })  # fmt: skip
    for r in rows:
        counts = r["counts"]
        table.add_row(*_cells(
            r["doc_id"], r["source"], r["doc_number"], r["province"], r["level"], str(r["year"] or ""),
            ", ".join(r["indices"]), str(counts["assignments"]), str(counts["scores"]), str(counts["passages"]),
        ))  # fmt: skip
    _print(_console(), table)


def records_table(rows: list[dict[str, Any]]) -> None:
    """One row per assignment: where it stands, the index, component and target, lead then coordinating
    agencies, the deadline."""
    table = _table({
        "where": {"overflow": "fold", "min_width": 14, "max_width": 36}, "index": {"max_width": 10}, "component / target": {},
        "lead (with)": {"max_width": 50}, "deadline": {"max_width": 16},
    }, leading=1)  # fmt: skip
    for r in rows:
        where = Text.assemble(r["source"], ("\n" + r["location"] if r["location"] else "", "dim"))
        what = Text.assemble((_short(r["component"], 60), "bold"), "\n" if r["component"] else "")
        what.append(_short(r["target"] or r["tasks"], 160))
        agencies = Text("; ".join(r["lead"]))
        if r["coop"]:
            agencies.append(f"\nwith {_short('; '.join(r['coop']), 100)}", "dim")
        table.add_row(*_cells(where, r["plan_index"], what, agencies, r["deadline"]))
    _print(_console(), table)


def search_hits(rows: Iterable[dict[str, Any]]) -> None:
    """``planqa search`` for people: rank, score, which retriever found it, where; the header and the text
    (its first 400 characters), indented under it."""
    console = _console()
    for row in rows:
        ranks = ", ".join(f"{k} #{v}" for k, v in row["ranks"].items())
        head = Text(f"{row['rank']:>2}. {row['score']:.4f}  ({ranks})  {row['source']} · {row['location']}")
        _print(console, head)
        text = " ".join(row["text"].split())
        body = Text(row["header"], style="bold") + Text("\n" + text[:400] + ("…" if len(text) > 400 else ""))
        _print(console, Padding(body, (0, 0, 0, 4)))


def answer(ans: Any) -> None:
    """One answer of ``planqa ask``: the question, the answer's markdown as terminal text, its sources, the time.

    Args:
        ans: an :class:`assistant.answer.Answer`.
    """
    console = _console()
    _print(console, Text(f"❯ {ans.question}", style="bold"))
    console.print()
    _print(console, Markdown(ans.answer, hyperlinks=False))
    if ans.citations:
        console.print()
        _print(console, Text("Nguồn:", style="bold"))
        sources = Table.grid(padding=(0, 1), pad_edge=True)
        sources.add_column(justify="right", no_wrap=True)
        sources.add_column(overflow="fold")
        for c in ans.citations:
            where = " · ".join(p for p in (c.doc_number or c.source, c.province, c.location) if p)
            sources.add_row(Text(f"[{c.n}]"), Text(where))
        _print(console, sources)
    console.print()
    _print(console, Text(f"({ans.elapsed_ms:.0f} ms)", style="dim"))
    console.print()


def answer_text(markdown: str) -> str:
    """An answer's markdown as one line of plain text (emphasis marks and escapes taken out), for a table cell."""
    return plain(_EMPHASIS.sub("", " ".join(markdown.split())))


def feedback_table(rows: list[dict[str, Any]]) -> None:
    """One row per feedback: id, when (UTC), rating, the question (and how many came before it), the comment,
    the answer's first words."""
    table = _table({
        "id": {"justify": "right", "no_wrap": True}, "when (UTC)": {"max_width": 10}, "rating": {"no_wrap": True},
        "question": {}, "comment": {}, "answer": {},
    }, leading=1)  # fmt: skip
    for r in rows:
        question = Text(r["question"])
        if r["conversation"]:
            question.append(f"\n(after {len(r['conversation'])} earlier question(s))", "dim")
        when = r["created_at"].replace("T", " ")[:16]
        table.add_row(*_cells(
            str(r["id"]), when, _RATING.get(r["rating"], r["rating"]), question, r["comment"],
            _short(answer_text(r["answer"]), 200),
        ))  # fmt: skip
    _print(_console(), table)
