"""The draft appendix written out: a Word document with the familiar table and its sources, and a Markdown
preview for the app (plan text escaped: it is data, never markup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.mdtext import escape
from ui.draft import BLANK, HEADERS, DraftPlan, DraftRow


# -- output: Word and a Markdown preview ------------------------------------------------------------------
def _cells(row: DraftRow) -> list[tuple[str, bool]]:
    """The row's seven cells as (text, carries the source marker); ``""`` stays for the drafter."""
    return [
        (str(row.stt), False),
        (row.component, False),
        (row.target, bool(row.target)),
        (row.tasks, bool(row.tasks)),
        ("\n".join(row.lead), bool(row.lead)),
        ("\n".join(row.coop), bool(row.coop)),
        (row.deadline, bool(row.deadline)),
    ]


def _repeat_header(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


def write_draft_docx(draft: DraftPlan, path: Path | str) -> Path:
    """Write ``draft`` as a Word document (landscape): title, note, the table, then the "Nguồn" list.

    Word footnotes are not something python-docx writes, so a filled cell ends with a superscript marker
    "[n]" and line n of "Nguồn" cites the row (document number · issuer · province · year — location).

    Returns:
        ``path``.
    """
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    path = Path(path)
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Cm(1.5))
    for text, size in ((draft.title, 14), (draft.subtitle, 13)):
        para = doc.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = para.add_run(text)
        run.bold, run.font.size = True, Pt(size)
    note = doc.add_paragraph().add_run(draft.note)
    note.italic = True
    table = doc.add_table(rows=1, cols=len(HEADERS))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, HEADERS, strict=True):
        cell.paragraphs[0].add_run(header).bold = True
    _repeat_header(table.rows[0])
    for row in draft.rows:
        cells = table.add_row().cells
        for cell, (text, marked) in zip(cells, _cells(row), strict=True):
            para = cell.paragraphs[0]
            if text:
                para.add_run(text)
                if marked and row.n is not None:
                    para.add_run(f"[{row.n}]").font.superscript = True
            else:
                blank = para.add_run(BLANK)
                blank.italic, blank.font.color.rgb = True, RGBColor(0x80, 0x80, 0x80)
    doc.add_paragraph().add_run("Nguồn").bold = True
    if not draft.sources:
        doc.add_paragraph("Không có dòng tiền lệ nào trong các kế hoạch đã nạp; mọi ô dành cho người soạn.")
    for source in draft.sources:
        doc.add_paragraph(source.line())
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def _md_cell(text: str, n: int | None) -> str:
    if not text:
        return f"_{BLANK}_"
    lines = [escape(" ".join(line.split())) for line in text.splitlines() if line.strip()]
    return "<br>".join(lines) + (f" <sup>[{n}]</sup>" if n is not None else "")


def draft_markdown(draft: DraftPlan) -> str:
    """The draft as Markdown for the app's preview: plan text escaped (it is data, never markup)."""
    out = [f"### {escape(draft.title)}", f"**{escape(draft.subtitle)}**", "", f"_{escape(draft.note)}_", ""]
    out.append("| " + " | ".join(HEADERS) + " |")
    out.append("|" + "---|" * len(HEADERS))
    for row in draft.rows:
        cells = [_md_cell(text, row.n if marked else None) for text, marked in _cells(row)]
        out.append("| " + " | ".join(cells) + " |")
    out += ["", "**Nguồn**", ""]
    out += [f"- {escape(s.line())}" for s in draft.sources] or [
        "- Không có dòng tiền lệ nào trong các kế hoạch đã nạp."
    ]
    return "\n".join(out) + "\n"
