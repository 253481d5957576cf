"""So sánh: components offered from the index taxonomies (near-duplicates merged), and its export."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_support import build_kb

from ingest.textnorm import fold
from ui.catalog import component_choices, resolve_component
from ui.compare import COMPARE_HEADERS, compare_rows, write_compare
from ui.service import PlanqaService
from ui.taxonomy import node_of


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlanqaService]:
    svc = PlanqaService(build_kb(tmp_path_factory.mktemp("kb")), embedder="none")
    try:
        yield svc
    finally:
        svc.close()


def test_components_are_taxonomy_nodes_merged_and_counted(service: PlanqaService) -> None:
    catalog, vocab = service.catalog(), service.vocab
    nodes = {(i, c.path) for i in vocab.canonical_index_names() for c in vocab.components(i)}
    assert catalog.components and set(catalog.components) <= nodes
    names = [fold(f"{i} {p}") for i, p in catalog.components]
    assert len(names) == len(set(names))  # no two entries with one folded name
    assert not any(fold(p.split(" › ")[-1]).startswith("tong") for _, p in catalog.components)  # no "TỔNG" row
    choices = component_choices(catalog)
    assert ("PAPI · 2. Công khai, minh bạch › Tiếp cận thông tin (1 văn bản)",
            "PAPI|Công khai, minh bạch › Tiếp cận thông tin") in choices  # fmt: skip
    assert ("PAPI · 2. Công khai, minh bạch (1 văn bản)", "PAPI|Công khai, minh bạch") in choices
    # the two spellings one plan uses for a sub-heading are one entry: the dimension they belong to
    for spelling in (
        "Công khai minh bạch trong hoạch định chính sách",
        "Công khai, minh bạch trong hoạch định chính sách",
    ):
        assert node_of(vocab, "PAPI", f"Công khai, minh bạch › {spelling}").path == "Công khai, minh bạch"
        assert not any(fold(spelling) in fold(p) for _, p in catalog.components)
    assert len(choices) < 80  # the picker used to offer 101 entries, totals and spellings included
    two = next(
        label for label, value in choices if value == "SIPAS|Cung ứng dịch vụ hành chính công › Tiếp cận dịch vụ"
    )
    assert two == "SIPAS · 2. Cung ứng dịch vụ hành chính công › Tiếp cận dịch vụ (1 văn bản)"  # Lạng Sơn names it only
    assert (
        "SIPAS · 1. Xây dựng, tổ chức thực hiện chính sách (2 văn bản)",
        "SIPAS|Xây dựng, tổ chức thực hiện chính sách",
    ) in choices


def test_typed_and_old_picker_values_still_resolve(service: PlanqaService) -> None:
    catalog, vocab = service.catalog(), service.vocab
    sipas = ("SIPAS", "Cung ứng dịch vụ hành chính công › Tiếp cận dịch vụ")
    assert resolve_component("tiep can dich vu", catalog, vocab) == sipas
    assert resolve_component("SIPAS|Cung ứng dịch vụ hành chính công › Tiếp cận dịch vụ", catalog, vocab) == sipas
    assert resolve_component("cong tac kiem tra cchc", catalog, vocab) == ("PAR INDEX", "Công tác kiểm tra CCHC")
    old = resolve_component("PAR INDEX|Công tác kiểm tra CCHC", catalog, vocab)
    assert old == ("PAR INDEX", "Công tác kiểm tra CCHC")
    columns = service.compare(*old)
    assert columns and all(
        f.component == "Công tác kiểm tra CCHC" for c in columns for f in c.findings if not f.related
    )


def test_a_comparison_gathers_every_spelling_of_the_node(service: PlanqaService) -> None:
    columns = service.compare("PAPI", "Công khai, minh bạch")
    shown = {f.component for c in columns for f in c.findings}
    assert all(node_of(service.vocab, "PAPI", s).path.startswith("Công khai, minh bạch") for s in shown)
    assert columns[0].document["province"] == "Đồng Nai"


def test_the_comparison_exports_to_xlsx_and_docx(service: PlanqaService, tmp_path: Path) -> None:
    from docx import Document
    from openpyxl import load_workbook

    index, path = "SIPAS", "Cung ứng dịch vụ hành chính công › Tiếp cận dịch vụ"
    columns = service.compare(index, path)
    rows = compare_rows(columns)
    assert len(rows) == sum(len(c.findings) for c in columns) and len(rows) >= 2
    first = columns[0]
    assert rows[0][:3] == [first.document["doc_number"], first.document["province"], str(first.document["year"])]
    assert rows[0][3] == first.findings[0].text and rows[0][5] == first.findings[0].location
    assert any(r[6] == "nhắc đến, chưa có nhiệm vụ riêng" for r in rows)  # the Lạng Sơn plan only names it
    xlsx, docx_path = write_compare(columns, index, path, tmp_path / "out")
    assert xlsx.name == "so-sanh-sipas-tiep-can-dich-vu.xlsx" and docx_path.suffix == ".docx"
    sheet = load_workbook(xlsx).active
    assert sheet is not None
    table = [[c or "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert table[0] == list(COMPARE_HEADERS) and table[1:] == rows
    doc = Document(str(docx_path))
    assert doc.paragraphs[0].text == f"So sánh: {index} › {path}"
    (word,) = doc.tables
    assert [[cell.text for cell in row.cells] for row in word.rows] == [list(COMPARE_HEADERS), *rows]


def test_plan_text_that_looks_like_a_formula_stays_text(service: PlanqaService, tmp_path: Path) -> None:
    from dataclasses import replace

    from openpyxl import load_workbook

    columns = service.compare("SIPAS", "Cung ứng dịch vụ hành chính công › Tiếp cận dịch vụ")[:1]
    finding = replace(columns[0].findings[0], text='=HYPERLINK("http://x","bấm")')
    xlsx, _ = write_compare([replace(columns[0], findings=(finding,))], "SIPAS", "Tiếp cận dịch vụ", tmp_path)
    cell = load_workbook(xlsx).active.cell(row=2, column=4)
    assert cell.value == finding.text and cell.data_type == "s"
