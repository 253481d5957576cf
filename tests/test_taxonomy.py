"""The taxonomy tree: every index's nodes from the data file, each plan row under the node it names."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ui_support import build_kb

from index_store.sqlite_store import Store
from ingest.vocab import load_vocabulary
from ui.taxonomy import GENERAL, OTHER, Node, node_of, tree, tree_html

VOCAB = load_vocabulary()


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    store = Store(build_kb(tmp_path_factory.mktemp("kb")), readonly=True)
    try:
        yield store.assignments(), store.document_rows()
    finally:
        store.close()


def _walk(node: Node) -> Iterator[Node]:
    yield node
    for child in node.children:
        yield from _walk(child)


def test_papi_has_its_eight_dimensions_from_the_data_file(
    kb: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    records, docs = kb
    data = tomllib.loads((Path(VOCAB.folder) / "indices.toml").read_text(encoding="utf-8"))
    papi = next(i for i in data["index"] if i["name"] == "PAPI")
    (root,) = tree(VOCAB, records, docs, plan_index="papi")
    dims = [c for c in root.children if c.kind == "dimension"]
    assert [d.name for d in dims] == [d["name"] for d in papi["dimension"]] and len(dims) == 8
    assert [[s.name for s in d.children] for d in dims] == [[s["name"] for s in d["sub"]] for d in papi["dimension"]]
    assert dims[1].label == "2. Công khai, minh bạch" and dims[1].children[0].label == "2.1 Tiếp cận thông tin"
    assert [n.index for n in tree(VOCAB, records, docs)] == ["PAPI", "PAR INDEX", "SIPAS", "PCI"]


def test_each_row_sits_under_the_node_its_component_names(
    kb: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    records, docs = kb
    roots = tree(VOCAB, records, docs)
    placed = 0
    for root in roots:
        for node in _walk(root):
            assert node.count == len(node.rows) + sum(c.count for c in node.children)
            for row in node.rows:
                found = node_of(VOCAB, root.index, row["component"])
                if node.kind in ("dimension", "sub"):
                    assert found is not None and found.path == node.path, row["component"]
                else:
                    assert found is None and node.name in (GENERAL, OTHER)
                placed += 1
    assert placed == sum(1 for r in records if r["plan_index"])  # every row of an index is somewhere, once
    env = next(c for c in roots[0].children if c.name == "Quản trị môi trường")
    assert [c.count for c in env.children] == [2, 2, 2] and env.count == 6


def test_a_loose_word_overlap_is_not_a_match(kb: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    records, docs = kb
    (par,) = tree(VOCAB, records, docs, plan_index="PAR INDEX")
    finance = next(c for c in par.children if c.name == "Cải cách tài chính công")
    assert {r["component"] for r in finance.rows} == {"Cải cách tài chính công"}
    other = next(c for c in par.children if c.kind == "other")
    assert "Công tác kiểm tra CCHC" in {r["component"] for r in other.rows}
    assert node_of(
        VOCAB, "PCI", "Tính năng động của chính quyền › Tính năng động và tiên phong của chính quyền"
    ).path == ("Tính năng động của chính quyền")
    assert node_of(VOCAB, "PAPI", "7. Quản trị môi trường › 7.3 Chất lượng nguồn nước").path == (
        "Quản trị môi trường › Chất lượng nước"
    )


def test_the_tree_html_shows_each_row_and_escapes_plan_text(
    kb: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    records, docs = kb
    row = next(r for r in records if r["component"] == "Quản trị môi trường › Chất lượng nước")
    hostile = {**row, "tasks": "<script>alert(1)</script> Kiểm soát nước thải", "lead": ["Sở <b>TN&MT</b>"]}
    html = tree_html(tree(VOCAB, [hostile, *records], docs, plan_index="PAPI"), open_index="PAPI")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; Kiểm soát nước thải" in html
    assert "Sở &lt;b&gt;TN&amp;MT&lt;/b&gt;" in html
    assert html.startswith('<div class="pq-tree">') and '<details class="pq-tree-node pq-tree-index" open>' in html
    assert '<summary>7.3 Chất lượng nước <span class="pq-tree-count">(3 dòng)</span></summary>' in html
    assert f"{row['doc_number']} · {row['province']} — {row['location']}" in html
    assert "Chủ trì: " + "; ".join(row["lead"]) in html
    classes = [c for part in html.split('class="')[1:] for c in part.split('"')[0].split()]
    assert classes and all(c.startswith("pq-") for c in classes)
