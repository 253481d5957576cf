"""Rich tables for people; the ``--json`` outputs are the stable contract, these may change freely."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console
from rich.table import Table

from ingest.readers._common import page_ranges

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
        console.print(f"[bold]{r['source']}[/] read as: {who}", markup=True, highlight=False)
        note = f"  {read['assignments']} assignments, {read['scores']} scores, {read['passages']} passages"
        if read["ocr_pages"]:
            note += f"; page{'s' if len(read['ocr_pages']) > 1 else ''} {page_ranges(read['ocr_pages'])} read by OCR from a scan"
        if read["corrected"]:
            note += f"; corrected by hand: {', '.join(read['corrected'])}"
        console.print(note, markup=False, highlight=False)
        for row in read["first_rows"]:
            agencies = "; ".join(row["lead"]) + (f" (with {'; '.join(row['coop'])})" if row["coop"] else "")
            parts = (row["location"], _short(row["component"], 60), _short(agencies, 70), row["deadline"])
            console.print("  · " + " — ".join(p for p in parts if p), markup=False, highlight=False)
        if not read["first_rows"]:
            console.print("  · no assignment rows were read (prose and passages only)", markup=False, highlight=False)


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
