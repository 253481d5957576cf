"""What the views beyond the chat do, as plain functions over a :class:`ui.service.PlanqaService`: the
trainers' charts and index tree, the comparison's export, the drafters' "Soạn dự thảo".

Like :mod:`ui.handlers`, no Gradio here: each function takes the service and the inputs' values and
returns the outputs' values (a matplotlib figure, HTML, markdown, file paths); :mod:`ui.app` wires them.
Bad input gives a Vietnamese sentence, never an exception a person would see.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from assistant.mdtext import md
from ui import charts, compare, draft, export, render, taxonomy
from ui.catalog import resolve_component, resolve_index, resolve_province
from ui.service import PlanqaService

LEVEL_CHOICES = ("tỉnh", "huyện")  # the draft's target: a province's plan, or a district's (its "Phòng")


def _folder(root: Path) -> Path:
    folder = root / uuid.uuid4().hex[:12]
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# -- Biểu đồ ---------------------------------------------------------------------------------------------
def chart(
    service: PlanqaService, index: str | None, place: str | None, component: str | None, root: Path
) -> tuple[Any, str | None, str]:
    """One plan's (or province's) results against its targets for an index, dimension by dimension (or the
    parts of one ``component``); without a place, one component across every plan that scores it.

    Returns:
        (the matplotlib figure or ``None``, the PNG, a markdown note: what is drawn, from which rows, and the
        cells whose figures could not be read).
    """
    catalog = service.catalog()
    plan_index = resolve_index(index, service.vocab)
    if not plan_index:
        return None, None, "Chọn một chỉ số (PAPI, PAR INDEX, SIPAS, PCI)."
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
        return None, None, "Chọn tỉnh (hoặc văn bản) để xem từng nội dung, hoặc chọn một nội dung để so các kế hoạch."
    if not data.items:
        scope = md(" · ".join(p for p in (plan_index, where, path) if p))
        return None, None, f"Không có dòng điểm số nào cho **{scope}** trong các kế hoạch đã nạp."
    png = charts.write_png(data, _folder(root) / f"bieu-do-{export.slug(plan_index, where, path)}.png")
    rows = len({r for item in data.items for r in item.record_ids})
    note = f"**{md(data.title)}**: {len(data.items)} nội dung, từ {rows} dòng điểm số của kế hoạch (số liệu như văn bản ghi)."
    if data.unread:
        unread = "; ".join(md(f"{u.label}: {u.text}") for u in data.unread[:8])
        note += f"\n\nKhông vẽ được {len(data.unread)} ô (không phải một con số): {unread}"
    return charts.figure(data), str(png), note


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
    xlsx, docx = compare.write_compare(service.compare(index, path), index, path, _folder(root))
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
    if not plan_index or not (place or "").strip():
        return [], ""
    found = draft.weakest_for(service, place or "", plan_index)
    if not found:
        return (
            [],
            f"Kho chưa có dòng điểm số {plan_index} của {md((place or '').strip())}; hãy chọn nội dung cần cải thiện.",
        )
    return found, f"Đã chọn sẵn {len(found)} nội dung có điểm thấp nhất của {md((place or '').strip())} ({plan_index})."


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
            service, (place or "").strip(), level or "tỉnh", plan_index, list(components or []), _folder(root)
        )
    except draft.DraftError as err:
        return str(err), None
    return preview, str(path)
