"""Side by side: what each document plans for one index component (for drafters).

A passage filed under the component (or one of its sub-components) is a direct finding. A document that
covers the index but files nothing under the component gets its best passage that names the component
("… Có 05 nhóm tiêu chí sau: Tiếp cận dịch vụ; …"), marked as related, so a drafter sees that it is
mentioned without a plan of its own. Every finding keeps its passage id and location: it is cited.

A passage is filed under a taxonomy node by :func:`ui.taxonomy.node_of`, so the spellings plans use for
one node ("Công khai minh bạch …", "Công khai, minh bạch …") land in one comparison. A comparison can be
downloaded as .xlsx and .docx (:func:`write_compare`), one row per finding.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from index_store.protocols import Filters
from ingest.textnorm import fold
from ui.export import slug
from ui.taxonomy import node_of

PER_DOCUMENT = 8  # findings shown per document; the column says how many more there are


@dataclass(frozen=True)
class Finding:
    """One cited passage in a column."""

    n: int
    passage_id: str
    kind: str  # "assignment", "score", "prose", …
    component: str
    text: str
    location: str
    agencies: tuple[str, ...]
    related: bool  # True: the passage names the component but is not filed under it


@dataclass(frozen=True)
class Column:
    """One document's findings, in document order; ``more`` counts those left out."""

    document: dict[str, Any]
    findings: tuple[Finding, ...]
    more: int = 0


def _under(component: str, path: str) -> bool:
    return component == path or component.startswith(path + " › ")


def _filed_under(vocab: Any, passage: Any, plan_index: str, path: str) -> bool:
    """The passage's component is ``path`` or below it, as written or through the taxonomy node it names."""
    if _under(passage.component, path):
        return True
    node = node_of(vocab, plan_index, passage.component) if vocab is not None else None
    return node is not None and _under(node.path, path)


def _distinct(passages: Sequence[Any]) -> list[Any]:
    """The passages in order, dropping a repeat of a text already shown (the same row in two appendices)."""
    seen: set[str] = set()
    out = []
    for p in passages:
        if fold(p.text) not in seen:
            seen.add(fold(p.text))
            out.append(p)
    return out


def compare(kb: Any, documents: Sequence[dict[str, Any]], plan_index: str, path: str) -> list[Column]:
    """Findings for ``plan_index``'s component ``path`` in each document, documents with direct findings first.

    Args:
        kb: an open ``index_store.knowledge_base.KnowledgeBase``.
        documents: ``planqa docs --json`` objects (the catalog's).
        plan_index: "SIPAS", "PAPI", "PAR INDEX" or "PCI".
        path: a component path, e.g. "Cung ứng dịch vụ hành chính công › Tiếp cận dịch vụ".

    Returns:
        One column per document that has something on the component; numbering runs across columns.
    """
    kb.sync()
    vocab = getattr(kb, "vocab", None)
    direct: dict[str, list[Any]] = defaultdict(list)
    for p in kb.passages.values():
        if (
            p.plan_index == plan_index
            and p.kind != "document"
            and p.component
            and _filed_under(vocab, p, plan_index, path)
        ):
            direct[p.doc_id].append(p)
    leaf = fold(path.split(" › ")[-1])
    related: dict[str, list[Any]] = {}
    for doc in documents:
        if doc["doc_id"] not in direct and plan_index in doc["indices"]:
            hits = kb.search(f"{path.split(' › ')[-1]} {plan_index}", k=5, filters=Filters(doc=doc["doc_id"]))
            named = [h.passage for h in hits if leaf in fold(h.passage.text)]
            if named:
                related[doc["doc_id"]] = named[:1]
    columns: list[Column] = []
    n = 0
    ordered = sorted(documents, key=lambda d: (d["doc_id"] not in direct, fold(d["province"] or ""), d["source"]))
    for doc in ordered:
        passages = direct.get(doc["doc_id"]) or related.get(doc["doc_id"])
        if not passages:
            continue
        unique = _distinct(passages)
        findings = []
        for p in unique[:PER_DOCUMENT]:
            n += 1
            is_related = doc["doc_id"] not in direct
            findings.append(
                Finding(n, p.passage_id, p.kind, p.component, p.text, p.location, tuple(p.agencies), is_related)
            )
        columns.append(Column(doc, tuple(findings), more=len(unique) - len(findings)))
    return columns


# -- export ----------------------------------------------------------------------------------------------
COMPARE_HEADERS = ("Văn bản", "Tỉnh", "Năm", "Nội dung kế hoạch", "Cơ quan", "Vị trí", "Ghi chú")
RELATED_NOTE = "nhắc đến, chưa có nhiệm vụ riêng"


def compare_rows(columns: Sequence[Column]) -> list[list[str]]:
    """The comparison as a table, one row per finding, columns as :data:`COMPARE_HEADERS`.

    Example:
        ``["336/KH-UBND", "Đồng Nai", "2024", "Nâng cao chất lượng …", "Sở Nội vụ", "Phụ lục 3 › …", ""]``
    """
    rows = []
    for col in columns:
        doc = col.document
        name = doc.get("doc_number") or doc.get("source") or ""
        year = str(doc.get("year") or "")
        for f in col.findings:
            note = RELATED_NOTE if f.related else ""
            rows.append([name, doc.get("province") or "", year, f.text, "; ".join(f.agencies), f.location, note])
    return rows


def write_compare(columns: Sequence[Column], index: str, component: str, folder: Path) -> tuple[Path, Path]:
    """Write the comparison as ``so-sanh-<index>-<component>.xlsx`` and ``.docx`` in ``folder``.

    Plan text is written as it is (a cell or a Word run holds text, never markup).

    Returns:
        (the .xlsx path, the .docx path).
    """
    from docx import Document
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    rows = compare_rows(columns)
    folder.mkdir(parents=True, exist_ok=True)
    stem = slug("so sanh", index, component.split(" › ")[-1])
    xlsx_path, docx_path = folder / f"{stem}.xlsx", folder / f"{stem}.docx"
    title = f"So sánh: {index} › {component}"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "So sánh"
    sheet.append(list(COMPARE_HEADERS))
    for n, row in enumerate(rows, start=2):
        for m, value in enumerate(row, start=1):
            # a plan line that starts with "=" is text, not a formula the spreadsheet would run
            sheet.cell(row=n, column=m, value=value).data_type = "s"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFG", (18, 14, 8, 80, 40, 40, 24), strict=True):
        sheet.column_dimensions[letter].width = width
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    book.save(xlsx_path)
    doc = Document()
    doc.add_heading(title, level=1)
    doc.add_paragraph(f"{len(columns)} văn bản, {len(rows)} nội dung; lập ngày {date.today():%d/%m/%Y} bằng planqa.")
    table = doc.add_table(rows=1, cols=len(COMPARE_HEADERS))
    table.style = "Table Grid"
    for cell, head in zip(table.rows[0].cells, COMPARE_HEADERS, strict=True):
        cell.text = head
    for row in rows:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = value
    doc.save(str(docx_path))
    return xlsx_path, docx_path
