"""Rich tables for people; the ``--json`` outputs are the stable contract, these may change freely."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console
from rich.table import Table

_STATUS_STYLE = {"added": "green", "replaced": "cyan", "unchanged": "dim", "failed": "bold red"}


def _console() -> Console:
    # Built per call so output goes to whatever sys.stdout is now (pytest's capsys replaces it);
    # piped output gets a wide page instead of rich's 80 columns, so ids and numbers stay on one line.
    return Console(file=sys.stdout, width=None if sys.stdout.isatty() else 160)


def _table(*columns: str, no_wrap: tuple[str, ...] = ()) -> Table:
    table = Table()
    for name in columns:
        table.add_column(name, no_wrap=name in no_wrap)
    return table


def _short(text: str, limit: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def ingest_table(results: list[dict[str, Any]]) -> None:
    """One row per file: status, document number, province, record and passage counts, message."""
    table = _table(
        "file", "status", "doc number", "province", "records", "passages", "message", no_wrap=("status", "doc number")
    )
    for r in results:
        status = f"[{_STATUS_STYLE[r['status']]}]{r['status']}[/]"
        message = r["error"] or "; ".join(r["warnings"])
        records = "" if r["status"] == "failed" else str(r["assignments"] + r["scores"])
        passages = "" if r["status"] == "failed" else str(r["passages"])
        table.add_row(r["source"], status, r["doc_number"] or "", r["province"] or "", records, passages, message)
    _console().print(table)


def docs_table(rows: list[dict[str, Any]]) -> None:
    """One row per document."""
    table = _table(
        "doc_id", "source", "doc number", "province", "level", "year", "indices", "records", "passages",
        no_wrap=("doc_id", "doc number", "year"),
    )  # fmt: skip
    for r in rows:
        counts = r["counts"]
        table.add_row(
            r["doc_id"], r["source"], r["doc_number"], r["province"], r["level"], str(r["year"] or ""),
            ", ".join(r["indices"]), str(counts["assignments"] + counts["scores"]), str(counts["passages"]),
        )  # fmt: skip
    _console().print(table)


def records_table(rows: list[dict[str, Any]]) -> None:
    """One row per assignment: lead first, then coordinating agencies."""
    table = _table("source", "index", "component", "target", "lead", "coop", "deadline", "location", no_wrap=("index",))
    for r in rows:
        table.add_row(
            r["source"], r["plan_index"], _short(r["component"], 50), _short(r["target"] or r["tasks"]),
            "; ".join(r["lead"]), _short("; ".join(r["coop"]), 60), r["deadline"], r["location"],
        )  # fmt: skip
    _console().print(table)
