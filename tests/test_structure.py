"""Structure and records on real plan text: appendices, flattened tables, TSV tables, prose, scores.

The bundled plans are found by what they say, not by file name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.model import ParsedDocument
from ingest.pipeline import parse_file
from ingest.textnorm import fold

PLANS = Path(__file__).resolve().parent.parent / "data" / "plans"


def _plan(marker: str) -> Path:
    for path in sorted(PLANS.glob("*.txt")):
        if marker in path.read_text(encoding="utf-8")[:3000]:
            return path
    raise AssertionError(f"no bundled plan contains {marker!r}")


@pytest.fixture(scope="module")
def dong_nai() -> ParsedDocument:
    return parse_file(_plan("336/KH-UBND"))


@pytest.fixture(scope="module")
def tam_duong() -> ParsedDocument:
    return parse_file(_plan("Tam Đường, ngày"))


def _rows(parsed: ParsedDocument, component: str, appendix: str):
    return [
        a for a in parsed.assignments if a.location.split(" › ")[0] == appendix and fold(component) in fold(a.component)
    ]


def test_dong_nai_has_24_appendices_each_with_its_agency(dong_nai):
    leads: dict[str, set[str]] = {}
    for a in dong_nai.assignments:
        head = a.location.split(" › ")[0]
        if head.startswith("Phụ lục"):
            leads.setdefault(head, set()).update(a.lead)
    assert sorted(leads, key=lambda s: int(s.split()[-1])) == [f"Phụ lục {n}" for n in range(1, 25)]
    assert all(leads[k] for k in leads), {k: v for k, v in leads.items() if not v}
    assert leads["Phụ lục 9"] == {"Sở Y tế"}
    assert leads["Phụ lục 18"] == {"Bưu điện tỉnh"}


@pytest.mark.parametrize("component", ["Nghiêm túc trong bảo vệ môi trường", "Chất lượng không khí", "Chất lượng nước"])
def test_environment_rows_led_by_department_and_districts(dong_nai, component):
    dept = _rows(dong_nai, component, "Phụ lục 11")
    assert dept, f"no Phụ lục 11 record for {component}"
    assert all(a.plan_index == "PAPI" and a.lead == ("Sở Tài nguyên và Môi trường",) for a in dept)
    assert all("Quản trị môi trường" in a.component for a in dept)
    districts = _rows(dong_nai, component, "Phụ lục 23")
    assert districts and all(a.lead == ("UBND các huyện, thành phố",) and a.plan_index == "PAPI" for a in districts)


def test_flattened_row_cells_and_merged_row(dong_nai):
    (air,) = _rows(dong_nai, "Chất lượng không khí", "Phụ lục 11")
    assert air.location == "Phụ lục 11 › I. Chỉ số PAPI › 5"
    assert air.target == "Theo dõi diễn biến chất lượng không khí"
    assert air.tasks.startswith("- Đẩy mạnh tuyên truyền") and air.tasks.count("\n- ") == 2
    assert air.deadline == "Thường xuyên"
    (water,) = _rows(dong_nai, "Chất lượng nước", "Phụ lục 11")
    # its tasks and deadline cells are merged with the row above in the original Word table
    assert water.target.startswith("Bảm đảm nguồn nước sinh hoạt")
    assert water.tasks == air.tasks and water.deadline == "Thường xuyên"


def test_group_rows_set_index_and_deadline(dong_nai):
    sipas = [a for a in dong_nai.assignments if a.location.startswith("Phụ lục 23") and a.plan_index == "SIPAS"]
    assert sipas
    assert any("30/11/2024" in a.deadline for a in sipas)
    pci = [a for a in dong_nai.assignments if a.location.startswith("Phụ lục 20")]
    assert pci and {a.plan_index for a in pci} == {"PCI"}


def test_score_records_from_target_tables(dong_nai):
    env = [s for s in dong_nai.scores if s.plan_index == "PAPI" and s.component == "Quản trị môi trường"]
    assert len(env) == 1
    values = dict(env[0].values)
    assert "2.99/10.00" in values.values() and "5.10/10.00" in values.values()
    assert any("2023" in label for label in values)
    par = [s for s in dong_nai.scores if s.plan_index == "PAR INDEX" and fold("cải cách thể chế") in fold(s.component)]
    assert par and ("Năm 2023 · Điểm số", "9.513/10") in par[0].values
    assert ("Chỉ tiêu đến năm 2025 · Vị trí xếp hạng", "10") in par[0].values
    total = [s for s in dong_nai.scores if "39.92/80" in dict(s.values).values()]
    assert total, "the PAPI total row is a score record"


def test_prose_giao_chu_tri_phoi_hop(dong_nai):
    recs = [a for a in dong_nai.assignments if a.source_kind == "prose" and a.lead == ("Sở Nội vụ",)]
    assert any("UBND các huyện, thành phố" in a.coop for a in recs)


def test_implementation_section_numbered_by_agency(dong_nai):
    post = [a for a in dong_nai.assignments if a.source_kind == "prose" and a.lead == ("Bưu điện tỉnh",)]
    assert post and "phát, thu phiếu" in post[0].tasks
    assert "TỔ CHỨC THỰC HIỆN" in post[0].location


def test_tam_duong_appendix_lead_and_coop_per_par_component(tam_duong):
    app = [a for a in tam_duong.assignments if a.location.startswith("Phụ lục")]
    assert len(app) == 7
    assert {a.plan_index for a in app} == {"PAR INDEX"}
    tthc = [a for a in app if fold("thủ tục hành chính") in fold(a.component)]
    assert tthc and tthc[0].lead == ("Văn phòng HĐND - UBND huyện",)
    assert "UBND các xã, thị trấn" in tthc[0].coop
    assert tthc[0].deadline == "Cả năm"
    e_gov = [a for a in app if fold("chính quyền điện tử") in fold(a.component)]
    assert e_gov and set(e_gov[0].lead) == {"Phòng Văn hóa và Thông tin", "Văn phòng HĐND - UBND huyện"}


def test_tam_duong_targets_with_unit_in_charge(tam_duong):
    finance = [s for s in tam_duong.scores if fold("tài chính công") in fold(s.component)]
    assert finance
    values = dict(finance[0].values)
    assert "36,3%" in values.values() and "Trên 50%" in values.values()
    assert finance[0].unit == "Phòng Tài chính"
    sipas = [s for s in tam_duong.scores if s.plan_index == "SIPAS"]
    assert sipas and sipas[0].unit == "Phòng Nội vụ"


@pytest.mark.parametrize("marker", ["/KH-STNMT", "/KH-SGTVT"])
def test_lang_son_plans_yield_solution_group_records(marker):
    parsed = parse_file(_plan(marker))
    groups = [a for a in parsed.assignments if a.component and a.plan_index in ("PAR INDEX", "SIPAS")]
    assert len(groups) >= 4, [(a.location, a.component) for a in parsed.assignments]
    tthc = [a for a in groups if fold("thủ tục hành chính") in fold(a.component) and a.plan_index == "PAR INDEX"]
    assert tthc and tthc[0].lead and tthc[0].tasks


def test_passages_carry_context_header(dong_nai):
    rows = [p for p in dong_nai.passages if p.kind == "assignment" and p.location == "Phụ lục 11 › I. Chỉ số PAPI › 6"]
    assert len(rows) == 1
    header = rows[0].header
    assert header.startswith("Đồng Nai · 336/KH-UBND · Phụ lục 11 (Sở Tài nguyên và Môi trường)")
    assert "PAPI › Quản trị môi trường › Chất lượng nước" in header
    assert "Sở Tài nguyên và Môi trường" in rows[0].agencies
    assert len({p.passage_id for p in dong_nai.passages}) == len(dong_nai.passages)
    kinds = {p.kind for p in dong_nai.passages}
    assert {"assignment", "score", "prose", "document"} <= kinds


def test_ids_are_stable_across_parses():
    a, b = parse_file(_plan("336/KH-UBND")), parse_file(_plan("336/KH-UBND"))
    assert [p.passage_id for p in a.passages] == [p.passage_id for p in b.passages]
    assert [r.record_id for r in a.assignments] == [r.record_id for r in b.assignments]
    assert re.fullmatch(r"[0-9a-f]{16}", a.document.doc_id)


def test_goal_paragraph_carries_its_tables_total(dong_nai):
    """ "Phấn đấu … trung bình cao trở lên" and "TỔNG 39.92/80 → 55.15/80" answer one question together."""
    leads = [p for p in dong_nai.passages if p.kind == "prose" and "trung bình cao trở lên" in p.text]
    assert len(leads) == 1
    assert leads[0].text.endswith("TỔNG: Năm 2023: 39.92/80; Chỉ tiêu đến năm 2025: 55.15/80")
    assert leads[0].plan_index == "PAPI"
    totals = [p for p in dong_nai.passages if p.kind == "score" and p.text.startswith("TỔNG")]
    assert len(totals) >= 3  # the total rows keep their own passages (PAPI, PCI, PAR INDEX)
    sipas = [p for p in dong_nai.passages if p.kind == "prose" and "Chỉ số SIPAS tiếp tục cải thiện" in p.text]
    assert sipas and "TỔNG" not in sipas[0].text  # a table without a total row adds nothing


def test_two_level_figures_are_grouped_under_their_year(dong_nai):
    total = next(p for p in dong_nai.passages if p.kind == "score" and p.text.startswith("TỔNG") and "87/100" in p.text)
    assert total.text.splitlines()[1] == (
        "Năm 2023: Điểm số 87/100, Tỷ lệ (%) 87; Chỉ tiêu đến năm 2025: Điểm số 91.9/100, Vị trí xếp hạng 15-20"
    )
