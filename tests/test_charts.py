"""Trainers' charts: every figure drawn is a cell of a score record of the bundled plans, read right."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ui_support import build_kb

from index_store.sqlite_store import Store
from ingest.model import Score
from ui.charts import across_plans, figure, read_value, score_series, write_png


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    store = Store(build_kb(tmp_path_factory.mktemp("kb")), readonly=True)
    try:
        yield store.scores(), store.document_rows()
    finally:
        store.close()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2.99/10.00", (2.99, 10.0, "")),
        ("2,99", (2.99, None, "")),
        ("65,5%", (65.5, 100.0, "")),
        ("≥ 5,10", (5.1, None, "≥")),
        ("Trên 75%", (75.0, 100.0, ">")),
        ("tren 75%", (75.0, 100.0, ">")),  # typed without diacritics
        ("80.23% (xếp thứ 45/63)", (80.23, 100.0, "")),
        ("9.513/10", (9.513, 10.0, "")),
        ("Tăng 0,5 điểm", None),
        ("15-20", None),
        ("", None),
    ],
)
def test_a_cell_is_read_as_one_figure_or_not_at_all(text: str, expected: Any) -> None:
    assert read_value(text) == expected


def test_the_chart_data_equals_the_score_records(kb: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    scores, docs = kb
    chart = score_series(scores, docs, "PAPI", "Đồng Nai")
    by_id = {s["record_id"]: s for s in scores}
    mine = {s["record_id"] for s in scores if s["plan_index"] == "PAPI" and s["province"] == "Đồng Nai"}
    drawn = [r for item in chart.items + chart.totals for r in item.readings]
    assert drawn and chart.unread == ()
    for r in drawn:  # every figure is a cell of its record, as written, under its column label
        assert [r.label, r.text] in by_id[r.record_id]["values"]
        assert r.value == pytest.approx(float(r.text.split("/")[0]))
    ids = [rid for item in chart.items + chart.totals for rid in item.record_ids]
    assert sorted(ids) == sorted(mine)  # each record once, nothing else
    assert [t.label for t in chart.totals] == ["TỔNG"]  # the total row is not a component bar


def test_dong_nai_papi_has_each_dimension_result_and_target(
    kb: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    scores, docs = kb
    chart = score_series(scores, docs, "papi", "dong nai", dimensions_only=True)
    assert chart.title == "PAPI · Đồng Nai (336/KH-UBND)"
    assert chart.series == (("result", 2023), ("target", 2025))
    dims = {i.path: i for i in chart.items if i.scale == 10.0}
    assert len(dims) == 8 and all(i.level == 1 for i in chart.items)
    env = dims["Quản trị môi trường"]
    assert env.label == "7. Quản trị môi trường"
    result, target = env.reading(("result", 2023)), env.reading(("target", 2025))
    assert result is not None and target is not None
    assert (result.text, result.value, target.text, target.value) == ("2.99/10.00", 2.99, "5.10/10.00", 5.1)
    assert all(i.reading(("result", 2023)) and i.reading(("target", 2025)) for i in dims.values())


def test_a_drill_down_keeps_one_dimension_and_its_subs(kb: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    scores, docs = kb
    chart = score_series(scores, docs, "PAPI", "Đồng Nai", component="quan tri moi truong")
    assert [i.label for i in chart.items] == [
        "7. Quản trị môi trường", "7.1 Nghiêm túc trong bảo vệ môi trường", "7.2 Chất lượng không khí",
        "7.3 Chất lượng nước",
    ]  # fmt: skip
    assert chart.totals == ()


def test_ranks_are_kept_aside_and_a_score_is_drawn_before_a_percentage(
    kb: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    scores, docs = kb
    chart = score_series(scores, docs, "PAR INDEX", "Đồng Nai")
    first = chart.items[0]
    assert first.label == "1. Công tác chỉ đạo điều hành cải cách hành chính"
    assert first.ranks == (("Chỉ tiêu đến năm 2025 · Vị trí xếp hạng", "15"),)
    drawn = first.reading(("result", 2023))
    assert drawn is not None and drawn.text == "9.07/9.5"  # not the "Tỷ lệ (%)" 95.47
    assert "15" not in [r.text for r in first.readings]


def test_a_cell_that_is_not_one_figure_is_listed_not_drawn(
    kb: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    _, docs = kb
    doc = next(d for d in docs if d["province"] == "Đồng Nai")
    row = Score(
        "r1", doc["doc_id"], "PAPI", "Quản trị môi trường",
        (("Năm 2023", "2.99/10.00"), ("Chỉ tiêu đến năm 2025", "Tăng 0,5 điểm")), "Phụ lục 11 › 7", (0, 0),
    )  # fmt: skip
    chart = score_series([row], docs, "PAPI", doc["doc_id"])
    assert [r.text for r in chart.items[0].readings] == ["2.99/10.00"]
    assert [(u.label, u.text) for u in chart.unread] == [("Chỉ tiêu đến năm 2025", "Tăng 0,5 điểm")]
    assert chart.series == (("result", 2023),)


def test_one_component_across_plans(kb: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    scores, docs = kb
    chart = across_plans(scores, docs, "PAR INDEX", "cai cach the che")
    assert chart.title == "PAR INDEX · 2. Cải cách thể chế: các kế hoạch"
    assert [i.province for i in chart.items] == ["Đồng Nai", "Lai Châu"]
    assert [[r.text for r in i.readings] for i in chart.items] == [["9.513/10", "95.13", "9.70/10"], ["100%", "100%"]]
    assert chart.series == (("result", 2023), ("target", 2024), ("target", 2025))
    same = across_plans(scores, docs, "PAR INDEX", "PAR INDEX|Cải cách thể chế")
    assert same.items == chart.items


def test_the_png_is_a_real_picture_with_vietnamese_labels(
    kb: tuple[list[dict[str, Any]], list[dict[str, Any]]], tmp_path: Path
) -> None:
    scores, docs = kb
    chart = score_series(scores, docs, "PAPI", "Đồng Nai")
    fig = figure(chart)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "7.3 Chất lượng nước" in labels and len(labels) == len(chart.items)
    bars = [p.get_width() for p in fig.axes[0].patches]
    assert len(bars) == 2 * len(chart.items)  # a result and a target bar per component
    path = write_png(chart, tmp_path / "papi-dong-nai.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000


def test_an_empty_chart_still_draws_a_sentence(tmp_path: Path) -> None:
    chart = score_series([], [], "PCI", "Hà Giang")
    assert chart.items == () and write_png(chart, tmp_path / "empty.png").read_bytes()[:4] == b"\x89PNG"
    texts = [t.get_text() for t in figure(chart).axes[0].texts]
    assert texts == ["Không có số liệu kết quả/chỉ tiêu để vẽ."]
