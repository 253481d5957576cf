"""Files a user downloads: an answer with its sources (.md, .docx) and an assignments table (.csv, .xlsx).

Everything here takes plain data (the ``planqa ask --json`` object, ``planqa records --json`` objects)
and writes into a folder the caller owns; nothing reads the knowledge base. Plan text in a handout is text:
escaped in the .md (no plan's link, image or HTML comes alive in a markdown viewer), as written in the .docx.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from assistant.mdtext import escape, md, plain
from ingest.textnorm import fold

TABLE_HEADERS = (
    "Văn bản", "Tỉnh", "Chỉ số", "Nội dung (thành phần)", "Chỉ tiêu/kết quả", "Nhiệm vụ/giải pháp",
    "Thời hạn", "Vai trò", "Chủ trì", "Phối hợp", "Vị trí",
)  # fmt: skip
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def slug(*parts: str | None) -> str:
    """A file-name stem from words: ``slug("Sở Y tế", "Đồng Nai")`` → ``"so-y-te-dong-nai"``."""
    words = re.sub(r"[^a-z0-9]+", "-", fold(" ".join(p for p in parts if p))).strip("-")
    return words[:80].rstrip("-") or "planqa"


def role(record: dict[str, Any], agency: str | None) -> str:
    """ "chủ trì" when ``agency`` leads the record, "phối hợp" when it coordinates, else ""."""
    if not agency:
        return ""
    key = fold(agency)

    def named(names: Sequence[str]) -> bool:
        return any(key == fold(n) or key in fold(n) for n in names)

    return "chủ trì" if named(record["lead"]) else "phối hợp" if named(record["coop"]) else ""


def assignment_rows(records: Sequence[dict[str, Any]], agency: str | None = None) -> list[list[str]]:
    """The assignments table, one row per record, columns as :data:`TABLE_HEADERS`."""
    return [
        [
            r["doc_number"] or r["source"],
            r["province"],
            r["plan_index"],
            r["component"],
            r["target"],
            r["tasks"],
            r["deadline"],
            role(r, agency),
            "; ".join(r["lead"]),
            "; ".join(r["coop"]),
            r["location"],
        ]  # fmt: skip
        for r in records
    ]


def write_table(rows: Sequence[Sequence[str]], folder: Path, stem: str) -> tuple[Path, Path]:
    """Write the assignments table as ``<stem>.csv`` (UTF-8 with BOM, for Excel) and ``<stem>.xlsx``."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    folder.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = folder / f"{stem}.csv", folder / f"{stem}.xlsx"
    with open(csv_path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(TABLE_HEADERS)
        writer.writerows(rows)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Nhiệm vụ"
    sheet.append(list(TABLE_HEADERS))
    for row in rows:
        sheet.append(list(row))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = (14, 12, 10, 36, 40, 60, 16, 10, 30, 30, 30)
    for column, width in zip("ABCDEFGHIJK", widths, strict=True):
        sheet.column_dimensions[column].width = width
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    book.save(xlsx_path)
    return csv_path, xlsx_path


def _source_line(c: dict[str, Any]) -> str:
    """ "336/KH-UBND · Đồng Nai · Phụ lục 11 › …" as plain text."""
    parts = [c.get("doc_number") or c["source"], c["province"], c["location"]]
    return " · ".join(p for p in parts if p)


def _sources_markdown(citations: Sequence[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for c in citations:
        lines.append(f"**[{c['n']}]** {md(_source_line(c))}  ")
        if c.get("title"):
            lines.append(f"*{md(c['title'])}*")
        lines.append("")
        lines += [f"> {escape(t)}" if t.strip() else ">" for t in c["text"].splitlines()]
        lines.append("")
    return lines


def answer_markdown(answer: dict[str, Any]) -> str:
    """A handout in markdown: the question, the answer, then each numbered source with its text.

    The answer is markdown already (plan text escaped by the assistant); the question, the sources and
    their text are escaped here.
    """
    return conversation_markdown({"turns": [answer]})


def conversation_markdown(conversation: Mapping[str, Any]) -> str:
    """A handout of a whole conversation in markdown: each question, its answer and its numbered sources."""
    turns = conversation.get("turns") or []
    lines = ["# Hỏi đáp về các kế hoạch nâng cao chỉ số", ""]
    for k, answer in enumerate(turns, 1):
        numbered = f"Câu hỏi {k}" if len(turns) > 1 else "Câu hỏi"
        lines += [f"**{numbered}:** {md(answer['question'])}", "", "## Trả lời", "", answer["answer"].strip(), ""]
        if answer.get("citations"):
            lines += ["## Nguồn trích dẫn", "", *_sources_markdown(answer["citations"])]
    lines.append(f"_Trích xuất bằng planqa ngày {date.today():%d/%m/%Y}._")
    return "\n".join(lines) + "\n"


def _add_runs(paragraph: Any, markdown: str) -> None:
    """Add a line of the answer's markdown to a python-docx paragraph: ``**bold**`` as bold runs, escaped
    characters as the plan wrote them."""
    for n, part in enumerate(_BOLD.split(markdown)):
        if part:
            paragraph.add_run(plain(part)).bold = n % 2 == 1


def write_answer(answer: dict[str, Any], folder: Path, fmt: str) -> Path:
    """Write the answer with its sources as ``.md`` or ``.docx`` into ``folder``; returns the file.

    Raises:
        ValueError: ``fmt`` is neither "md" nor "docx".
    """
    return write_conversation({"turns": [answer]}, folder, fmt)


def write_conversation(conversation: Mapping[str, Any], folder: Path, fmt: str) -> Path:
    """Write a conversation (every question, answer and source, in order) as ``.md`` or ``.docx`` into
    ``folder``; returns the file, named after its first question.

    Raises:
        ValueError: ``fmt`` is neither "md" nor "docx", or the conversation has no turn.
    """
    if fmt not in ("md", "docx"):
        raise ValueError(f"export format must be 'md' or 'docx', got {fmt!r}")
    turns = conversation.get("turns") or []
    if not turns:
        raise ValueError("the conversation has no question to export")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"tra-loi-{slug(turns[0]['question'])[:60]}.{fmt}"
    if fmt == "md":
        path.write_text(conversation_markdown(conversation), encoding="utf-8")
        return path
    from docx import Document

    doc = Document()
    doc.add_heading("Hỏi đáp về các kế hoạch nâng cao chỉ số", level=1)
    for k, answer in enumerate(turns, 1):
        asked = doc.add_paragraph()
        asked.add_run(f"Câu hỏi {k}: " if len(turns) > 1 else "Câu hỏi: ").bold = True
        asked.add_run(answer["question"])
        doc.add_heading("Trả lời", level=2)
        for line in answer["answer"].strip().splitlines():
            if line.strip():
                bullet = line.lstrip().startswith("- ")
                paragraph = doc.add_paragraph(style="List Bullet" if bullet else None)
                _add_runs(paragraph, line.lstrip()[2:] if bullet else line)
        if answer.get("citations"):
            doc.add_heading("Nguồn trích dẫn", level=2)
            for c in answer["citations"]:
                source = doc.add_paragraph()
                source.add_run(f"[{c['n']}]").bold = True
                source.add_run(f" {_source_line(c)}")
                if c.get("title"):
                    doc.add_paragraph().add_run(c["title"]).italic = True
                doc.add_paragraph(c["text"], style="Quote")
    doc.add_paragraph(f"Trích xuất bằng planqa ngày {date.today():%d/%m/%Y}.").runs[0].italic = True
    doc.save(str(path))
    return path
