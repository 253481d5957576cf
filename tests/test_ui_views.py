"""The views beyond the chat, through their handlers (:mod:`ui.views`) over the bundled plans: deadlines by
time with their .xlsx and .ics, the chart and its PNG, the index tree, the comparison's files, the draft."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from ui_support import build_kb

from ui import views
from ui.service import PlanqaService

TODAY = date(2024, 10, 15)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlanqaService]:
    svc = PlanqaService(build_kb(tmp_path_factory.mktemp("views") / "kb", held_back=None), embedder="none")
    yield svc
    svc.close()


def test_an_agency_s_tasks_due_in_a_quarter_with_calendar_and_table(service: PlanqaService, tmp_path: Path) -> None:
    summary, rows, xlsx, ics = views.deadlines(
        service, "so noi vu", "dong nai", "", views.TIME_MODES[1], "quý IV/2024", "", tmp_path, today=TODAY
    )
    assert rows and "Sở Nội vụ · Đồng Nai" in summary and "01/10/2024 đến 31/12/2024" in summary
    due_column, status_column = 8, 10  # "Hạn (chuẩn hóa)", "Tình trạng"
    for row in rows:
        assert row[status_column] in ("đến hạn trong kỳ", "thường xuyên")
        if row[status_column] == "đến hạn trong kỳ":
            day, month, year = map(int, row[due_column].split("/"))
            assert date(2024, 10, 1) <= date(year, month, day) <= date(2024, 12, 31)
        assert "Sở Nội vụ" in row[5] + row[6]  # leads or coordinates
    import icalendar
    from openpyxl import load_workbook

    calendar = icalendar.Calendar.from_ical(Path(ics or "").read_bytes())
    events = [e for e in calendar.walk("VEVENT")]
    assert len(events) >= sum(r[status_column] == "đến hạn trong kỳ" for r in rows)
    sheet = load_workbook(xlsx or "").active
    assert sheet.max_row == len(rows) + 1


def test_overdue_is_told_from_the_chosen_day(service: PlanqaService, tmp_path: Path) -> None:
    _, early, *_ = views.deadlines(service, "", "Đồng Nai", "", views.TIME_MODES[2], "", "01/06/2024", tmp_path)
    _, late, *_ = views.deadlines(service, "", "Đồng Nai", "", views.TIME_MODES[2], "", "01/06/2025", tmp_path)
    assert late and len(late) > len(early)
    assert all(r[10] == "quá hạn" for r in late)
    told, rows, xlsx, ics = views.deadlines(service, "", "", "", views.TIME_MODES[2], "", "31/02/2025", tmp_path)
    assert rows == [] and xlsx is None and "ngày/tháng/năm" in told


def test_the_chart_of_a_plan_and_its_png(service: PlanqaService, tmp_path: Path) -> None:
    figure, png, handout, note = views.chart(service, "papi", "dong nai", None, tmp_path)
    assert figure is not None and Path(png or "").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from docx import Document

    doc = Document(handout)
    assert len(doc.inline_shapes) == 1  # the chart, as a picture
    figures = [row.cells[2].text for row in doc.tables[0].rows[1:]]
    assert "2.99/10.00" in figures and "5.10/10.00" in figures  # Quản trị môi trường 2023 and its 2025 target
    drawn = re.search(r"(\d+) nội dung, từ (\d+) dòng điểm số", note)
    assert "PAPI · Đồng Nai" in note and drawn and int(drawn.group(1)) >= 8  # PAPI's eight dimensions at least
    figure, png, handout, note = views.chart(service, "PCI", "Lai Châu", None, tmp_path)
    assert figure is None and png is None and handout is None and note.startswith("Không có dòng điểm số nào")


def test_the_tree_and_the_comparison_files(service: PlanqaService, tmp_path: Path) -> None:
    html = views.index_tree(service, "SIPAS")
    assert "pq-tree" in html and "Tiếp cận dịch vụ" in html
    xlsx, docx = views.compare_files(service, "tiep can dich vu", tmp_path)
    assert xlsx and docx and Path(xlsx).stat().st_size > 4_000 and Path(docx).stat().st_size > 20_000
    assert views.compare_files(service, "", tmp_path) == (None, None)


def test_a_draft_for_a_province_not_in_the_knowledge_base(service: PlanqaService, tmp_path: Path) -> None:
    choices = views.draft_components(service, "PAPI")
    assert len(choices) >= 30 and choices[0][0].startswith("1. ")
    picked, hint = views.weakest(service, "Bình Phước", "PAPI")
    assert picked == [] and "Bình Phước" in hint  # no score rows of its own: the drafter chooses
    preview, docx = views.make_draft(
        service, "Bình Phước", "tỉnh", "PAPI", ["Quản trị môi trường › Chất lượng nước"], tmp_path
    )
    assert docx and Path(docx).suffix == ".docx" and "Bình Phước" in preview and "Nguồn" in preview
    told, nothing = views.make_draft(service, "", "tỉnh", "PAPI", [], tmp_path)
    assert nothing is None and told.startswith("Nhập tỉnh")


def test_a_plan_that_scores_only_the_whole_index_says_so(service: PlanqaService, tmp_path: Path) -> None:
    """Tam Đường's plan gives SIPAS as one figure: no chart to draw, the figures said as written (typed
    without diacritics)."""
    figure, png, handout, note = views.chart(service, "sipas", "tam duong", None, tmp_path)
    assert figure is None and png is None and handout is None
    assert "điểm chung của chỉ số" in note and "74,4%" in note and "Trên 80%" in note


def test_the_weakest_components_are_said_of_the_place_as_resolved(service: PlanqaService) -> None:
    picked, hint = views.weakest(service, "dong nai", "PAPI")
    assert picked and "của Đồng Nai (PAPI)" in hint
