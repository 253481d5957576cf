"""What a query names (index, component, province, agency) on real phrasings, and how a passage fits it."""

from __future__ import annotations

import pytest

from index_store.facets import Facets, query_facets, rewrite
from ingest.model import Passage
from ingest.vocab import load_vocabulary


@pytest.fixture(scope="module")
def vocab():
    return load_vocabulary()


@pytest.mark.parametrize(
    ("query", "indices", "provinces", "agencies"),
    [
        ("Sở TC Đồng Nai được giao những chỉ tiêu PAPI, PAR nào trong KH 336?", ("PAPI", "PAR INDEX"), ("Đồng Nai",),
         ("Sở Tài chính",)),
        ("sipas 2023 cua dong nai xep hang bao nhieu?", ("SIPAS",), ("Đồng Nai",), ()),
        ("Văn phòng Sở TN&MT Lạng Sơn có nhiệm vụ gì", (), ("Lạng Sơn",), ("Văn phòng Sở",)),
        ("which agency handles PAPI Quản trị môi trường in Đồng Nai", ("PAPI",), ("Đồng Nai",), ()),
    ],
)  # fmt: skip
def test_query_facets_on_real_phrasings(vocab, query, indices, provinces, agencies) -> None:
    f = query_facets(query, vocab)
    assert (f.indices, f.provinces, f.agencies) == (indices, provinces, agencies)


def test_components_and_rewrite(vocab) -> None:
    f = query_facets("so GTVT Lang Son phai lam gi ve cai cach thu tuc hanh chinh trong PAR INDEX 2024?", vocab)
    assert f.components == (("PAR INDEX", "Cải cách thủ tục hành chính"),)
    assert rewrite("Sở TC Đồng Nai làm gì?", query_facets("Sở TC Đồng Nai làm gì?", vocab)).endswith("Sở Tài chính")
    assert rewrite("PAPI Đồng Nai", Facets()) == "PAPI Đồng Nai"


def _passage(**fields) -> Passage:
    base = {"passage_id": "p", "doc_id": "d", "kind": "assignment", "header": "", "text": "…", "location": "",
            "span": (0, 1)}  # fmt: skip
    return Passage(**{**base, **fields})


def test_match_credits_belonging_silence_and_another() -> None:
    f = Facets(indices=("SIPAS",), provinces=("Đồng Nai",))
    assert f.match(_passage(plan_index="SIPAS", province="Đồng Nai")) == 1.0
    assert f.match(_passage(plan_index="", province="Đồng Nai")) == 0.75  # a paragraph tied to no index
    assert f.match(_passage(plan_index="PAR INDEX", province="Đồng Nai")) == 0.5
    assert f.match(_passage(plan_index="PAR INDEX", province="Lạng Sơn")) == 0.0
    agency = Facets(agencies=("Sở Giao thông vận tải",))
    assert agency.match(_passage(agencies=("Trưởng các phòng, ban",)), issuer="Sở Giao thông vận tải") == 1.0
    assert agency.match(_passage(agencies=("Trưởng các phòng, ban",))) == 0.0
    comp = Facets(components=(("PAPI", "Quản trị môi trường"),))
    assert comp.match(_passage(plan_index="PAPI", component="Quản trị môi trường › Chất lượng nước")) == 1.0
    assert comp.match(_passage(plan_index="PAPI", component="Quản trị môi trường khác")) == 0.0
