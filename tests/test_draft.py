"""The drafters' "Soạn dự thảo": a .docx draft appendix built only from other provinces' rows, each cited.

A knowledge base of the bundled plans (Đồng Nai's province plan, a Lạng Sơn department's plan, Tam Đường
district's plan) is built once; the drafts are checked against its records, read straight from the store.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn
from ui_support import build_kb

from index_store import Store
from ingest.vocab import load_vocabulary
from ui.draft import BLANK, HEADERS, DraftError, build_draft, draft_for, node_of, weakest_components
from ui.draft_docx import draft_markdown, write_draft_docx
from ui.levels import UNMATCHED, load_levels, map_agency
from ui.service import PlanqaService

TIEP_CAN = "Cung ứng dịch vụ hành chính công › Tiếp cận dịch vụ"
CONG_CHUC = "Cung ứng dịch vụ hành chính công › Công chức trực tiếp giải quyết công việc"
_MARK = re.compile(r"^\[(\d+)\]$")


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_kb(tmp_path_factory.mktemp("draft") / "kb")


@pytest.fixture(scope="module")
def service(kb: Path) -> Iterator[PlanqaService]:
    svc = PlanqaService(kb, embedder="none")
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def store(kb: Path) -> Iterator[dict[str, Any]]:
    with Store(kb, readonly=True) as s:
        yield {"records": s.assignments(), "scores": s.scores(), "documents": s.document_rows()}


def _cell(cell: Any) -> tuple[str, list[int]]:
    """A cell's text without its markers, and the markers (superscript "[n]")."""
    text, marks = [], []
    for para in cell.paragraphs:
        for run in para.runs:
            m = _MARK.match(run.text)
            if run.font.superscript and m:
                marks.append(int(m.group(1)))
            else:
                text.append(run.text)
    return "".join(text), marks


def _read(path: Path) -> tuple[list[list[tuple[str, list[int]]]], dict[int, str]]:
    """The draft's table rows (cells as text + markers) and its "Nguồn" lines by number."""
    doc = Document(str(path))
    assert len(doc.tables) == 1
    table = doc.tables[0]
    header = table.rows[0]
    assert [c.text for c in header.cells] == list(HEADERS)
    assert all(r.bold for c in header.cells for p in c.paragraphs for r in p.runs)
    assert header._tr.trPr is not None and header._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated
    sources = {}
    for para in doc.paragraphs:
        m = re.match(r"^\[(\d+)\] ", para.text)
        if m:
            sources[int(m.group(1))] = para.text
    return [[_cell(c) for c in row.cells] for row in table.rows[1:]], sources


def _cited(line: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records a source line cites: its document number and its row's location."""
    return [
        r
        for r in records
        if line.split("] ", 1)[1].startswith(f"{r['doc_number'] or r['source']} · ") and f" — {r['location']}" in line
    ]


def _check_cited(path: Path, records: list[dict[str, Any]]) -> list[tuple[list[tuple[str, list[int]]], dict[str, Any]]]:
    """Every filled cell carries a marker whose source line names an existing row, and the task, target and
    deadline cells repeat that row as written; returns each filled row with its record."""
    rows, sources = _read(path)
    out = []
    for row in rows:
        assert row[0][0].isdigit() and row[1][0]  # STT and Chỉ số are always filled
        markers = {n for text, marks in row[2:] if text != BLANK for n in marks}
        for text, marks in row[2:]:
            assert (text == BLANK) == (not marks), f"a filled cell without a marker, or a blank with one: {text!r}"
        if not markers:
            continue
        assert len(markers) == 1
        line = sources[markers.pop()]
        cited = _cited(line, records)
        assert cited, f"no record of the knowledge base at {line!r}"
        task, target, deadline = row[3][0], row[2][0], row[6][0]
        match = [r for r in cited if r["tasks"] == task]
        assert match, f"the task cell is not the cited row's task: {task[:80]!r}"
        record = match[0]
        assert target in (BLANK, record["target"]) and deadline in (BLANK, record["deadline"])
        out.append((row, record))
    return out


def test_draft_for_a_province_outside_the_knowledge_base(
    service: PlanqaService, store: dict[str, Any], tmp_path: Path
) -> None:
    assert "Bình Phước" not in service.catalog().provinces
    preview, path = draft_for(service, "binh phuoc", "tỉnh", "SIPAS", [TIEP_CAN, "Công chức giải quyết TTHC"], tmp_path)
    assert path.suffix == ".docx" and path.parent == tmp_path
    filled = _check_cited(path, store["records"])
    assert len(filled) >= 3
    vocab = load_vocabulary()
    for row, record in filled:  # each solution is a row filed under the chosen node, whatever its wording
        node = node_of(vocab, "SIPAS", record["component"])
        assert node is not None and row[1][0] in (TIEP_CAN, CONG_CHUC)
        assert node.path == row[1][0] or node.path == node.dimension == row[1][0].split(" › ")[0]
    assert "Bình Phước" in Document(str(path)).paragraphs[1].text
    assert preview.count("\n| ") == len(_read(path)[0]) + 1  # the header row and one line per table row


def test_a_province_in_the_knowledge_base_gets_no_row_of_its_own(
    service: PlanqaService, store: dict[str, Any], tmp_path: Path
) -> None:
    preview, path = draft_for(service, "Đồng Nai", "tỉnh", "SIPAS", [], tmp_path)  # components: its weakest
    weakest = weakest_components(store["scores"], store["documents"], "Đồng Nai", "SIPAS")
    rows, sources = _read(path)
    assert weakest and {r[1][0] for r in rows} == set(weakest)
    assert sources, "the other provinces' plans have SIPAS rows for these components"
    for line in sources.values():
        assert all(r["province"] != "Đồng Nai" for r in _cited(line, store["records"]))
    _check_cited(path, store["records"])


def test_a_district_draft_maps_province_agencies_to_the_district_ones(store: dict[str, Any], tmp_path: Path) -> None:
    draft = build_draft(
        store["records"], store["documents"], place="Bình Phước", level="huyện", plan_index="PAPI",
        components=["Quản trị môi trường", "Công khai, minh bạch › Tiếp cận thông tin"],
    )  # fmt: skip
    assert draft.subtitle.endswith("huyện … (tỉnh Bình Phước)")
    by_n = {s.n: s for s in draft.sources}
    mapped = 0
    for row in draft.rows:
        if row.n is None:
            continue
        source = by_n[row.n]
        for name, shown in zip(source.precedent.lead, row.lead, strict=False):
            if name.startswith("Sở ") and source.precedent.level == "tỉnh":
                assert not shown.startswith("Sở ") or shown.endswith(UNMATCHED)
                mapped += shown.startswith("Phòng ")
            assert "tỉnh" not in shown or shown.endswith(UNMATCHED), shown
    assert mapped >= 2  # e.g. "Sở Tài nguyên và Môi trường" → "Phòng Tài nguyên và Môi trường"
    _check_cited(write_draft_docx(draft, tmp_path / "huyen.docx"), store["records"])


@pytest.mark.parametrize(
    ("name", "level", "place", "expected"),
    [
        ("Sở Nội vụ", "huyện", "Bình Phước", "Phòng Nội vụ"),
        ("Sở TN&MT", "huyện", "Bình Phước", "Phòng Tài nguyên và Môi trường"),
        ("UBND tỉnh", "huyện", "Bình Phước", "UBND huyện"),
        ("UBND tỉnh", "huyện", "Đồng Xoài", "UBND thành phố"),  # the locality's own level word
        ("UBND các huyện, thành phố", "huyện", "Bình Phước", "UBND các xã, phường, thị trấn"),
        ("Văn phòng UBND tỉnh", "huyện", "Bình Phước", "Văn phòng HĐND và UBND huyện"),
        ("Công an tỉnh Đồng Nai", "tỉnh", "Bình Phước", "Công an tỉnh Bình Phước"),
        ("UBND tỉnh", "tỉnh", "Cần Thơ", "UBND thành phố"),  # a centrally-run city
        ("Phòng Nội vụ", "tỉnh", "Bình Phước", "Sở Nội vụ"),
        ("Sở Khoa học và Công nghệ", "huyện", "Bình Phước", f"Sở Khoa học và Công nghệ {UNMATCHED}"),
    ],
)
def test_map_agency(name: str, level: str, place: str, expected: str) -> None:
    source = "huyện" if name.startswith("Phòng") else "tỉnh"
    assert map_agency(name, level, place, source_level=source) == expected


def _ratio(values: list[list[str]]) -> float | None:
    """The 2023 result over its maximum, parsed independently: "0.39/3.33", "70,52%"."""
    for label, value in values:
        if label.startswith("Năm 2023") and "hạng" not in label.lower():
            m = re.match(r"\s*([\d.,]+)\s*(?:/\s*([\d.,]+)|%)", value)
            if m:
                top = float(m.group(2).replace(",", ".")) if m.group(2) else 100.0
                return float(m.group(1).replace(",", ".")) / top
    return None


@pytest.mark.parametrize(("province", "index"), [("Đồng Nai", "PAPI"), ("Đồng Nai", "PCI"), ("Lai Châu", "PAR INDEX")])
def test_weakest_components_are_the_lowest_scores(store: dict[str, Any], province: str, index: str) -> None:
    vocab = load_vocabulary()
    rows = [s for s in store["scores"] if s["province"] == province and s["plan_index"] == index]
    scored: dict[str, float] = {}
    for s in rows:
        node = node_of(vocab, index, s["component"])
        if node is not None and (r := _ratio(s["values"])) is not None:
            scored.setdefault(node.path, r)
    if any(" › " in p for p in scored):  # sub-dimensions are compared, not their dimensions
        scored = {p: r for p, r in scored.items() if " › " in p}
    weakest = weakest_components(store["scores"], store["documents"], province, index, n=3)
    assert len(weakest) == 3
    others = [r for p, r in scored.items() if p not in weakest]
    assert max(scored[p] for p in weakest) <= min(others)
    assert [scored[p] for p in weakest] == sorted(scored[p] for p in weakest)


def test_no_score_rows_no_weakest_and_unknown_places_are_refused(store: dict[str, Any]) -> None:
    assert weakest_components(store["scores"], store["documents"], "Bình Phước", "PAPI") == []
    with pytest.raises(DraftError, match="Bình Phước"):  # no component chosen, no score to choose from
        build_draft(store["records"], store["documents"], store["scores"], place="Bình Phước", plan_index="PAPI")
    with pytest.raises(DraftError, match="Xứ Sở Thần Tiên"):
        build_draft(
            store["records"], store["documents"], place="Xứ Sở Thần Tiên", plan_index="PAPI", components=[TIEP_CAN]
        )


def test_the_preview_shows_plan_text_as_text(store: dict[str, Any]) -> None:
    records = [dict(r) for r in store["records"]]
    row = next(r for r in records if r["plan_index"] == "SIPAS" and r["component"] == TIEP_CAN and r["tasks"])
    row["tasks"] += ' <img src="https://203.0.113.5/a.png"> | **x**'
    draft = build_draft(records, store["documents"], place="Bình Phước", plan_index="SIPAS", components=[TIEP_CAN])
    preview = draft_markdown(draft)
    assert not re.search(r"(?<!\\)<img", preview) and "\\| \\*\\*x\\*\\*" in preview
    assert any(r.tasks == row["tasks"] for r in draft.rows)  # the document itself keeps the text as written


def test_level_rules_name_agencies_the_vocabulary_knows() -> None:
    """A rule's "from" must be a canonical name, or it never fires (names are compared after canonicalising)."""
    vocab = load_vocabulary()
    levels = load_levels(vocab.folder)
    assert levels.names and levels.heads
    for entries in levels.names.values():
        for entry in entries:
            assert vocab.canonical_agency(entry.source) == entry.source, entry.source


def test_malformed_levels_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "levels.toml").write_text('[[rule]]\nfrom = 3\nto = "huyện"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"levels\.toml.*from"):
        load_levels(tmp_path)
