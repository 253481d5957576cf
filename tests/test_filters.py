"""Filters on the bundled plans: :class:`FilterIndex` (fields folded once, tested per distinct value) against a
plain-Python oracle that folds and tests every passage, for any combination of filter values.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index_store import Store
from index_store.filters import FilterIndex, allowed_passages
from index_store.protocols import Filters
from ingest.model import Passage
from ingest.textnorm import fold
from ingest.vocab import load_vocabulary
from planqa import cli

PLANS = Path(__file__).resolve().parents[1] / "data" / "plans"
VOCAB = load_vocabulary()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    kb = tmp_path_factory.mktemp("filters") / "kb"
    assert cli.main(["--kb", str(kb), "ingest", "--no-embed", "--json", str(PLANS)]) == 0
    with Store(kb, readonly=True) as s:
        yield s


def _oracle(passages: list[Passage], documents: list, f: Filters) -> set[str] | None:
    """The filter semantics spelled out passage by passage (what filters.py did before FilterIndex)."""
    if f.is_empty():
        return None
    by_doc = {d.doc_id: d for d in documents}
    out = set()
    for p in passages:
        doc = by_doc.get(p.doc_id)
        if f.province:
            keys = {fold(f.province), fold(f.province).removeprefix("tinh ")}
            keys |= {fold(x) for x in (*VOCAB.find_provinces(f.province), VOCAB.province_of(f.province)) if x}
            if fold(p.province or (doc.province if doc else "")) not in keys:
                continue
        if f.plan_index:
            keys = {fold(x) for x in (f.plan_index, VOCAB.match_index(f.plan_index)) if x}
            if p.plan_index:
                if fold(p.plan_index) not in keys:
                    continue
            elif not (doc and keys & {fold(i) for i in doc.indices}) and not (
                keys & {fold(i) for i in VOCAB.find_indices(p.header + "\n" + p.text)}
            ):
                continue
        if f.component:
            found = VOCAB.match_component(f.component, f.plan_index)
            needles = {fold(f.component)} | ({fold(found.sub or found.dimension)} if found else set())
            if not any(n in fold(p.component) for n in needles):
                continue
        if f.agency:
            needles = {fold(x) for x in (f.agency, VOCAB.canonical_agency(f.agency)) if x}
            if not any(n in fold(" | ".join((*p.agencies, p.header))) for n in needles):
                continue
        if f.doc:
            docs = {
                d.doc_id for d in documents if f.doc == d.doc_id or fold(f.doc) in (fold(d.source), fold(d.doc_number))
            }
            if p.doc_id not in docs:
                continue
        out.add(p.passage_id)
    return out


VALUES = {
    "province": ["Đồng Nai", "dong nai", "tỉnh Lạng Sơn", "LANG SON", "Lai Châu", "Tam Đường", "Hà Nội"],
    "plan_index": ["PAPI", "papi", "par", "PAR INDEX", "SIPAS", "PCI"],
    "component": ["chat luong nuoc", "Quản trị môi trường", "Cải cách hành chính", "công khai"],
    "agency": ["so tnmt", "Sở Nội vụ", "Sở Y tế", "UBND các huyện", "Bưu điện tỉnh"],
    "doc": ["336/KH-UBND", "336/kh-ubnd", "/KH-STNMT", "no-such-doc"],
}


@pytest.mark.parametrize(("field", "value"), [(f, v) for f, values in VALUES.items() for v in values])
def test_each_filter_alone_matches_the_oracle(store: Store, field: str, value: str) -> None:
    passages, documents = store.passages(), store.documents()
    f = Filters(**{field: value})
    assert FilterIndex(passages, documents, VOCAB).allowed(f) == _oracle(passages, documents, f)


@settings(max_examples=100, deadline=None)
@given(*(st.sampled_from([None, *values]) for values in VALUES.values()))
def test_filter_combinations_match_the_oracle(
    store: Store, province: str | None, plan_index: str | None, component: str | None, agency: str | None,
    doc: str | None,
) -> None:  # fmt: skip
    passages, documents = store.passages(), store.documents()
    f = Filters(province, plan_index, component, agency, doc)
    index = FilterIndex(passages, documents, VOCAB)
    assert index.allowed(f) == _oracle(passages, documents, f)
    assert index.allowed(f) == index.allowed(f)  # columns and prose mentions cached after the first call


def test_filters_select_real_subsets(store: Store) -> None:
    passages = {p.passage_id: p for p in store.passages()}
    index = FilterIndex(list(passages.values()), store.documents(), VOCAB)
    dong_nai = index.allowed(Filters(province="dong nai")) or set()
    assert 0 < len(dong_nai) < len(passages)
    assert {passages[i].province or "Đồng Nai" for i in dong_nai} == {"Đồng Nai"}
    water = index.allowed(Filters(province="dong nai", component="chat luong nuoc")) or set()
    assert water and water < dong_nai
    assert all("chất lượng nước" in passages[i].component.lower() for i in water)
    assert index.allowed(Filters(province="Hà Nội")) == set()  # no plan of that province: nothing, not everything
    assert index.allowed(Filters()) is None
    assert allowed_passages(store, Filters(province="dong nai"), VOCAB) == dong_nai


def test_empty_knowledge_base() -> None:
    assert FilterIndex([], [], VOCAB).allowed(Filters(province="Đồng Nai")) == set()
