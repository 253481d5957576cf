"""What the views beyond the chat do, as plain functions over a :class:`ui.service.PlanqaService`: the
trainers' charts and index tree, the comparison's export, the drafters' "Soạn dự thảo".

Like :mod:`ui.handlers`, no Gradio here: each function takes the service and the inputs' values and
returns the outputs' values (a matplotlib figure, HTML, markdown, file paths); :mod:`ui.app` wires them.
Bad input gives a Vietnamese sentence, never an exception a person would see.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from assistant.mdtext import md
from ui import charts, compare, draft, export, render, taxonomy
from ui import deadlines as due
from ui.catalog import resolve_agency, resolve_component, resolve_index, resolve_province
from ui.handlers import download_folder
from ui.service import PlanqaService

LEVEL_CHOICES = ("tỉnh", "huyện")  # the draft's target: a province's plan, or a district's (its "Phòng")


# -- Nhiệm vụ theo thời hạn ---------------------------------------------------------------------------------
TIME_MODES = ("Tất cả thời hạn", "Đến hạn trong kỳ", "Quá hạn")


def _day(text: str | None, today: date) -> date | None:
    """The day "quá hạn" is told from, as typed ("15/10/2024", "quý IV/2024": its last day; empty: today);
    ``None`` when the text names no day (a day that does not exist, "31/02/2025", names none)."""
    if not (text or "").strip():
        return today
    window = due.parse_period(text or "", today)
    return window[1] if window else None


def deadlines(
    service: PlanqaService, agency: str | None, province: str | None, index: str | None, mode: str | None,
    period: str | None, on: str | None, root: Path, *, today: date | None = None,
) -> tuple[str, list[list[str]], str | None, str | None]:  # fmt: skip
    """The assignments by time: every written deadline, those due in a period ("quý IV/2024"), or those
    overdue on a day (today when none is typed), soonest first.

    Returns:
        (a markdown summary, table rows as :data:`ui.deadlines.HEADERS`, the .xlsx, the .ics calendar).
    """
    today = today or date.today()
    catalog = service.catalog()
    agency = resolve_agency(agency, catalog, service.vocab)
    province = resolve_province(province, catalog, service.vocab)
    plan_index = resolve_index(index, service.vocab)
    within, overdue_on, scope_words = None, None, ""
    if mode == TIME_MODES[1]:
        within = due.parse_period(period or "", today)
        if within is None:
            return "Gõ kỳ cần xem, ví dụ “quý IV/2024”, “tháng 12/2024”, “năm 2025”.", [], None, None
        scope_words = f"đến hạn từ {within[0]:%d/%m/%Y} đến {within[1]:%d/%m/%Y}"
    elif mode == TIME_MODES[2]:
        overdue_on = _day(on, today)
        if overdue_on is None:
            return "Ngày tính quá hạn phải có dạng ngày/tháng/năm, ví dụ 15/10/2024.", [], None, None
        scope_words = f"quá hạn tính đến {overdue_on:%d/%m/%Y}"
    records = service.assignments(province=province, plan_index=plan_index)
    rows = due.due_rows(records, catalog.documents, agency=agency or None, within=within, overdue_on=overdue_on,
                        today=today)  # fmt: skip
    scope = md(" · ".join(p for p in (agency, province, plan_index) if p)) or "toàn bộ kho"
    if not rows:
        return (
            f"Không có nhiệm vụ nào có thời hạn cho **{scope}**{' ' + scope_words if scope_words else ''}.",
            [],
            None,
            None,
        )
    counts = {s: sum(r.status == s for r in rows) for s in due.STATUSES}
    told = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    summary = f"**{scope}**{' — ' + scope_words if scope_words else ''}: {len(rows)} nhiệm vụ ({told})."
    folder = download_folder(root)
    stem = "thoi-han-" + export.slug(agency, province, plan_index, scope_words)
    xlsx = due.write_xlsx(rows, folder, stem)
    ics = due.write_ics(rows, folder, stem, today=today)
    return summary, [r.cells() for r in rows], str(xlsx), str(ics)


# -- Biểu đồ ---------------------------------------------------------------------------------------------
def chart(
    service: PlanqaService, index: str | None, place: str | None, component: str | None, root: Path
) -> tuple[Any, str | None, str | None, str]:
    """One plan's (or province's) results against its targets for an index, dimension by dimension (or the
    parts of one ``component``); without a place, one component across every plan that scores it.

    Returns:
        (the matplotlib figure or ``None``, the PNG, a handout .docx with the chart and its figures, a markdown
        note: what is drawn, from which rows, and the cells whose figures could not be read).
    """
    catalog = service.catalog()
    plan_index = resolve_index(index, service.vocab)
    if not plan_index:
        return None, None, None, "Chọn một chỉ số (PAPI, PAR INDEX, SIPAS, PCI)."
    scores = service.scores(plan_index=plan_index)
    where = resolve_province(place, catalog, service.vocab) or (place or "").strip()
    picked = resolve_component(component, catalog, service.vocab) if component else None
    path = picked[1] if picked else ""
    if where:
        data = charts.score_series(
            scores, catalog.documents, plan_index, where, component=path or None, dimensions_only=not path,
            vocab=service.vocab,
        )  # fmt: skip
    elif path:
        data = charts.across_plans(scores, catalog.documents, plan_index, f"{plan_index}|{path}")
    else:
        return (
            None,
            None,
            None,
            "Chọn tỉnh (hoặc văn bản) để xem từng nội dung, hoặc chọn một nội dung để so các kế hoạch.",
        )
    if not data.items and data.totals:  # only the index as a whole is scored: said, with nothing to compare
        said = "; ".join(
            md(
                f"{item.label} ({', '.join(item.locations)}): "
                + ", ".join(f"{r.label} {r.text}" for r in item.readings)
            )
            for item in data.totals
        )
        return (
            None,
            None,
            None,
            f"**{md(data.title)}**: kế hoạch chỉ ghi điểm chung của chỉ số, không có từng nội dung — {said}",
        )
    if not data.items:
        scope = md(" · ".join(p for p in (plan_index, where, path) if p))
        return None, None, None, f"Không có dòng điểm số nào cho **{scope}** trong các kế hoạch đã nạp."
    folder = download_folder(root)
    png = charts.write_png(data, folder / f"bieu-do-{export.slug(plan_index, where, path)}.png")
    handout = chart_handout(data, png, folder / f"bieu-do-{export.slug(plan_index, where, path)}.docx")
    rows = len({r for item in data.items for r in item.record_ids})
    note = f"**{md(data.title)}**: {len(data.items)} nội dung, từ {rows} dòng điểm số của kế hoạch (số liệu như văn bản ghi)."
    if data.unread:
        unread = "; ".join(md(f"{u.label}: {u.text}") for u in data.unread[:8])
        note += f"\n\nKhông vẽ được {len(data.unread)} ô (không phải một con số): {unread}"
    return charts.figure(data), str(png), str(handout), note


def chart_handout(data: charts.ChartData, png: Path, path: Path) -> Path:
    """A trainer's handout (.docx): the chart as a picture, then every figure drawn with the row it comes from."""
    from docx import Document
    from docx.shared import Cm

    doc = Document()
    doc.add_heading(data.title, level=1)
    doc.add_picture(str(png), width=Cm(16))
    doc.add_heading("Số liệu (như văn bản ghi)", level=2)
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, head in zip(table.rows[0].cells, ("Nội dung", "Cột", "Số liệu", "Vị trí trong văn bản"), strict=True):
        cell.text = head
        cell.paragraphs[0].runs[0].bold = True
    for item in data.items:
        where = "; ".join(f"{item.doc_number} · {loc}" if item.doc_number else loc for loc in item.locations)
        for reading in item.readings:
            cells = table.add_row().cells
            cells[0].text, cells[1].text, cells[2].text, cells[3].text = item.label, reading.label, reading.text, where
    if data.unread:
        doc.add_paragraph("Không vẽ (không phải một con số): " + "; ".join(f"{u.label}: {u.text}" for u in data.unread))
    doc.save(str(path))
    return path


# -- Cây chỉ số ------------------------------------------------------------------------------------------
def index_tree(service: PlanqaService, index: str | None) -> str:
    """The taxonomy of one index (or all four), each node with the plans' rows filed under it."""
    plan_index = resolve_index(index, service.vocab) or None
    records = service.assignments(plan_index=plan_index)
    nodes = taxonomy.tree(service.vocab, records, service.catalog().documents, plan_index=plan_index)
    if not nodes:
        return render.empty("Chưa có nhiệm vụ nào trong kho cho chỉ số này.")
    return taxonomy.tree_html(nodes, open_index=plan_index)


# -- So sánh: export ---------------------------------------------------------------------------------------
def compare_files(service: PlanqaService, component: str | None, root: Path) -> tuple[str | None, str | None]:
    """The comparison of a component as (.xlsx, .docx), or (None, None) when none is picked."""
    resolved = resolve_component(component, service.catalog(), service.vocab)
    if resolved is None:
        return None, None
    index, path = resolved
    xlsx, docx = compare.write_compare(service.compare(index, path), index, path, download_folder(root))
    return str(xlsx), str(docx)


# -- Soạn dự thảo ----------------------------------------------------------------------------------------
def draft_components(service: PlanqaService, index: str | None) -> list[tuple[str, str]]:
    """(label, path) of every component of an index, numbered as the index publishes them."""
    plan_index = resolve_index(index, service.vocab)
    if not plan_index:
        return []
    return [(f"{number}. {path}", path) for path, number in taxonomy.numbers(service.vocab, plan_index).items()]


def weakest(service: PlanqaService, place: str | None, index: str | None) -> tuple[list[str], str]:
    """The components to pre-fill: the place's lowest scores for the index, with a sentence saying so."""
    plan_index = resolve_index(index, service.vocab)
    typed = (place or "").strip()
    if not plan_index or not typed:
        return [], ""
    name = md(resolve_province(typed, service.catalog(), service.vocab) or typed)
    found = draft.weakest_for(service, typed, plan_index)
    if not found:
        return [], f"Kho chưa có dòng điểm số {plan_index} của {name}; hãy chọn nội dung cần cải thiện."
    return found, f"Đã chọn sẵn {len(found)} nội dung có điểm thấp nhất của {name} ({plan_index})."


def make_draft(
    service: PlanqaService, place: str | None, level: str | None, index: str | None, components: list[str] | None,
    root: Path,
) -> tuple[str, str | None]:  # fmt: skip
    """Write the draft appendix; returns (its preview in markdown, the .docx) or (a sentence, None)."""
    plan_index = resolve_index(index, service.vocab)
    if not (place or "").strip():
        return "Nhập tỉnh hoặc huyện cần soạn kế hoạch (có thể là nơi chưa có trong kho).", None
    if not plan_index:
        return "Chọn chỉ số cần nâng cao (PAPI, PAR INDEX, SIPAS, PCI).", None
    try:
        preview, path = draft.draft_for(
            service, (place or "").strip(), level or "tỉnh", plan_index, list(components or []), download_folder(root)
        )
    except draft.DraftError as err:
        return str(err), None
    return preview, str(path)
