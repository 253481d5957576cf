"""Retrieval on a small real knowledge base: BM25 fields, filters, fusion, index sync and ``planqa search``.

Three bundled plans (chosen by content) are ingested once per module. Dense retrieval uses the
keyword one-hot embedder and the numpy index from ``fakes``, so fused results can be recomputed in
plain Python: BM25 from its formula, cosine by a dot product, reciprocal-rank fusion by hand.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from fakes import FakeEmbedder, NumpyIndex, install_dense_api_if_missing
from hypothesis import given, settings
from hypothesis import strategies as st

from index_store import Store
from index_store.facets import query_facets, rewrite
from index_store.knowledge_base import KnowledgeBase
from index_store.protocols import Filters
from index_store.retriever import FACET_WEIGHT, rrf
from index_store.sparse import FIELDS, passage_text
from ingest.textnorm import fold
from ingest.vocab import load_vocabulary
from planqa import cli

install_dense_api_if_missing()

PLANS = Path(__file__).resolve().parents[1] / "data" / "plans"
MARKERS = ("Chất lượng nước", "KH-STNMT", "Lai Châu")  # Đồng Nai 336, Sở TNMT Lạng Sơn, Tam Đường
WATER = "chất lượng nước"


def _plan_files() -> list[Path]:
    files = sorted(PLANS.glob("*.txt"))
    return [next(f for f in files if m in f.read_text(encoding="utf-8")) for m in MARKERS]


@pytest.fixture(scope="module")
def kb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    kb = tmp_path_factory.mktemp("retrieval") / "kb"
    assert cli.main(["--kb", str(kb), "ingest", "--no-embed", "--json", *map(str, _plan_files())]) == 0
    return kb


@pytest.fixture(scope="module")
def kb(kb_dir: Path):
    knowledge = KnowledgeBase(kb_dir, embedder=FakeEmbedder(), vector_index=NumpyIndex(), log=lambda m: None)
    knowledge.sync()
    yield knowledge
    knowledge.close()


def _small_copy(kb_dir: Path, dest: Path) -> Path:
    """A copy of the store without the big Đồng Nai plan (rebuilds stay fast), and without indexes."""
    dest.mkdir()
    for f in kb_dir.glob("planqa.sqlite3*"):
        shutil.copy(f, dest / f.name)
    with Store(dest) as store:
        for doc in store.documents():
            if doc.province == "Đồng Nai":
                store.remove(doc.doc_id)
    return dest


# -- sparse fields --------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["chat luong nuoc", "Chất lượng nước", "so TNMT chat luong nuoc", "CHAT LUONG NUOC"])
def test_sparse_finds_water_quality_rows(kb: KnowledgeBase, query: str) -> None:
    hits = kb.search(query, k=5, mode="sparse")
    assert hits and WATER in (hits[0].passage.header + hits[0].passage.text).lower()
    assert all(h.ranks == {"sparse": i} for i, h in enumerate(hits, start=1))


def test_abbreviation_and_its_expansion_meet(kb: KnowledgeBase) -> None:
    tnmt = "Sở Tài nguyên và Môi trường"
    for query in ("so tnmt", "Sở TNMT", "Sở TN&MT", "sở tài nguyên và môi trường"):
        hits = kb.search(query, k=5, mode="sparse")
        assert hits, query
        assert all(tnmt in h.passage.header + h.passage.text + " ".join(h.passage.agencies) for h in hits), query


def test_unknown_words_empty_and_huge_queries(kb: KnowledgeBase) -> None:
    assert kb.search("", k=5) == [] and kb.search("   \n ", k=5) == []
    assert kb.search("zzqx wvvq", k=5, mode="sparse") == []
    huge = ("chất lượng nước " * 1000)[:10_000]
    start = time.perf_counter()
    hits = kb.search(huge, k=5)
    assert hits and time.perf_counter() - start < 10


# -- filters ----------------------------------------------------------------------------------------------


def _province_keys(value: str) -> set[str]:
    vocab = load_vocabulary()
    return {fold(p) for p in vocab.find_provinces(value)} or {fold(value)}


def test_filters_match_aliases_and_unaccented(kb: KnowledgeBase) -> None:
    passages = kb.passages
    for a, b in [
        (Filters(province="dong nai"), Filters(province="Đồng Nai")),
        (Filters(province="tỉnh Lạng Sơn"), Filters(province="LANG SON")),
        (Filters(agency="so tnmt"), Filters(agency="Sở Tài nguyên và Môi trường")),
        (Filters(plan_index="par"), Filters(plan_index="PAR INDEX")),
        (Filters(component="chat luong nuoc"), Filters(component="Chất lượng nước")),
        (Filters(doc="336/kh-ubnd"), Filters(doc="336/KH-UBND")),
    ]:
        allowed = kb.allowed(a)
        assert allowed and allowed == kb.allowed(b), a
    assert {passages[i].province for i in kb.allowed(Filters(province="dong nai")) or ()} == {"Đồng Nai"}
    assert all(passages[i].plan_index in ("PAR INDEX", "") for i in kb.allowed(Filters(plan_index="par")) or ())
    assert all(WATER in passages[i].component.lower() for i in kb.allowed(Filters(component="chat luong nuoc")) or ())
    both = kb.allowed(Filters(province="dong nai", agency="so tnmt"))
    assert both and both < (kb.allowed(Filters(province="dong nai")) or set())
    assert kb.allowed(Filters()) is None


@pytest.mark.parametrize("province", ["Hà Giang", "Atlantis"])
def test_unknown_province_gives_no_hits(kb: KnowledgeBase, province: str) -> None:
    assert kb.allowed(Filters(province=province)) == set()
    assert kb.search("chat luong nuoc", k=5, filters=Filters(province=province)) == []


def test_filter_finds_passages_beyond_the_unfiltered_top_k(kb: KnowledgeBase) -> None:
    unfiltered = {h.passage.passage_id for h in kb.search("chat luong nuoc", k=5, mode="sparse")}
    hits = kb.search("chat luong nuoc", k=5, filters=Filters(province="lai chau"), mode="sparse")
    assert hits and not unfiltered & {h.passage.passage_id for h in hits}
    assert {h.passage.province for h in hits} == {"Lai Châu"}


PLAN_WORDS = ["chat luong nuoc", "so tnmt", "thu tuc hanh chinh", "PAPI", "PAR INDEX", "SIPAS", "UBND huyện"]
PLAN_WORDS += ["Sở Nội vụ", "dịch vụ công trực tuyến", "cải cách hành chính", "khiếu nại", "bao cao ket qua"]


@settings(max_examples=40, deadline=None)
@given(
    words=st.lists(st.sampled_from(PLAN_WORDS), min_size=1, max_size=3),
    province=st.sampled_from(["Đồng Nai", "dong nai", "Lạng Sơn", "lang son", "Lai Châu", "Hà Nội", "xyz"]),
    mode=st.sampled_from(["fused", "sparse", "dense"]),
)
def test_a_province_filter_never_lets_another_province_through(
    kb: KnowledgeBase, words: list[str], province: str, mode: str
) -> None:
    keys = _province_keys(province)
    hits = kb.search(" ".join(words), k=20, filters=Filters(province=province), mode=mode)
    assert all(fold(h.passage.province) in keys for h in hits)


# -- brute-force references ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_tokens(kb: KnowledgeBase) -> dict[str, list[list[str]]]:
    """Every passage's tokens per field, in the sparse index's row order (segmented once per module)."""
    ids, seg = kb.sparse.ids if kb.sparse else [], kb.segmenter
    texts = [passage_text(kb.passages[i].header, kb.passages[i].text) for i in ids]
    return {"words": [seg.words(t) or [""] for t in texts], "folded": [seg.folded(t) or [""] for t in texts]}


def _bm25_reference(
    kb: KnowledgeBase, corpus: dict[str, list[list[str]]], query: str, allowed: set[str] | None
) -> dict[str, float]:
    """Lucene BM25 (k1=1.5, b=0.75) from its formula, summed over both fields, over every allowed passage."""
    seg, ids = kb.segmenter, kb.sparse.ids if kb.sparse else []
    total: dict[str, float] = {}
    for field in FIELDS:
        tokenize = seg.words if field == "words" else seg.folded
        docs = corpus[field]
        avgdl = sum(map(len, docs)) / len(docs)
        df = Counter(t for d in docs for t in set(d))
        for token in tokenize(query, query=True):
            if token not in df:
                continue
            idf = math.log(1 + (len(docs) - df[token] + 0.5) / (df[token] + 0.5))
            for pid, doc in zip(ids, docs, strict=True):
                tf = doc.count(token)
                if tf and (allowed is None or pid in allowed):
                    total[pid] = total.get(pid, 0.0) + idf * tf / (tf + 1.5 * (1 - 0.75 + 0.75 * len(doc) / avgdl))
    return total


def _ranked(scores: dict[str, float], n: int) -> list[str]:
    return sorted(scores, key=lambda pid: (-round(scores[pid], 4), pid))[:n]


QUERIES = ["chat luong nuoc", "Sở TNMT giải quyết thủ tục hành chính", "PAPI quản trị môi trường", "khiếu nại tố cáo"]
FILTERS = [Filters(), Filters(province="dong nai"), Filters(province="lang son", plan_index="papi")]
FILTERS += [Filters(agency="so tnmt"), Filters(plan_index="sipas")]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in vars(f).items() if v))
def test_sparse_and_fused_equal_a_brute_force_reference(
    kb: KnowledgeBase, corpus_tokens: dict[str, list[list[str]]], query: str, filters: Filters
) -> None:
    k, allowed = 8, kb.allowed(filters)
    # what the query names ("Sở TNMT", "chất lượng nước" → PAPI › Quản trị môi trường) is added to it and
    # reorders the fused candidates; it never lets a passage through that the filters exclude
    facets = query_facets(query, kb.vocab)
    searched = rewrite(query, facets)
    bm25 = _bm25_reference(kb, corpus_tokens, searched, allowed)
    sparse = kb.search(query, k=k, filters=filters, mode="sparse")
    assert [h.passage.passage_id for h in sparse] == _ranked(bm25, k)
    assert np.allclose([h.score for h in sparse], [bm25[h.passage.passage_id] for h in sparse], rtol=1e-4)

    embedder, pool = FakeEmbedder(), [p for p in kb.passages.values() if allowed is None or p.passage_id in allowed]
    q = embedder.embed_query(searched)
    from index_store.embedders import embed_text  # the real one, or the stand-in until it lands

    cosine = {p.passage_id: float(embedder.embed_passages([embed_text(p)])[0] @ q) for p in pool}
    n = max(50, 5 * k)
    dense_ids = sorted(cosine, key=lambda pid: (-cosine[pid], pid))[:n]
    # an unaccented query leans on BM25's folded field: the dense ranks count for little (in plain terms)
    weights = {"dense": 0.05} if all(ord(c) < 128 for c in query) else {"dense": 1.0}
    issuer = {d.doc_id: d.issuer for d in kb.documents}
    boost = {pid: 1 + FACET_WEIGHT * facets.match(kb.passages[pid], issuer[kb.passages[pid].doc_id]) for pid in cosine}
    expected = sorted(
        (
            (pid, s * boost[pid], r)
            for pid, s, r in rrf({"sparse": _ranked(bm25, n), "dense": dense_ids}, weights=weights)
        ),
        key=lambda item: (-item[1], min(item[2].values()), item[0]),
    )[:k]
    fused = kb.search(query, k=k, filters=filters, mode="fused")
    assert [h.passage.passage_id for h in fused] == [pid for pid, _, _ in expected]
    assert [h.ranks for h in fused] == [ranks for _, _, ranks in expected]
    assert all(h.found_by in ("sparse", "dense", "both") for h in fused)


def test_rrf_weights_scale_each_retriever() -> None:
    fused = rrf({"sparse": ["a", "b"], "dense": ["b", "a"]}, weights={"dense": 0.05})
    assert [pid for pid, _, _ in fused] == ["a", "b"]
    assert fused[0][1] == pytest.approx(1 / 61 + 0.05 / 62)


def test_rrf_is_deterministic_on_ties() -> None:
    fused = rrf({"sparse": ["b", "a", "c"], "dense": ["a", "b", "d"]})
    assert [pid for pid, _, _ in fused] == ["a", "b", "c", "d"]
    assert fused[0][2] == {"sparse": 2, "dense": 1} and fused[2][1] == pytest.approx(1 / 63)


# -- keeping derived indexes in step with SQLite ------------------------------------------------------------


def test_sync_rebuilds_a_missing_garbled_or_stale_sparse_index(kb_dir: Path, tmp_path: Path) -> None:
    kb = _small_copy(kb_dir, tmp_path / "kb")
    messages: list[str] = []

    def fresh() -> KnowledgeBase:
        return KnowledgeBase(kb, embedder=None, log=messages.append)

    with fresh() as first:
        assert first.sync()["sparse"].startswith("rebuilt") and "none yet" in messages.pop()
        expected = [h.passage.passage_id for h in first.search("chat luong nuoc", k=5)]
        assert first.sync()["sparse"] == "up to date"
    with fresh() as second:
        assert second.sync()["sparse"] == "up to date" and not messages
    (kb / "bm25" / "words" / "params.index.json").write_text("{not json", encoding="utf-8")
    with fresh() as third:
        assert [h.passage.passage_id for h in third.search("chat luong nuoc", k=5)] == expected
        assert "rebuilding the sparse index" in messages[-1] and "unreadable" in messages.pop()
    shutil.rmtree(kb / "bm25" / "folded")
    with fresh() as fourth:
        fourth.sync()
        assert "unreadable" in messages.pop()
        removed = fourth.store.remove(next(iter(fourth.passages.values())).doc_id)
        assert removed and "stale" in fourth.sync()["sparse"] and "stale" in messages.pop()
        assert not {h.passage.doc_id for h in fourth.search("ubnd", k=50)} & set(removed)


def test_sync_keeps_the_vector_index_in_step(kb_dir: Path, tmp_path: Path) -> None:
    kb, index, messages = _small_copy(kb_dir, tmp_path / "kb"), NumpyIndex(), list[str]()
    with KnowledgeBase(kb, embedder=FakeEmbedder(), vector_index=index, log=messages.append) as knowledge:
        assert knowledge.sync()["dense"].startswith("added") and index.count() == len(knowledge.passages)
        assert (index.read_manifest() or {})["embedder"] == FakeEmbedder.name
        removed = knowledge.store.remove(next(iter(knowledge.passages.values())).doc_id)
        report = knowledge.sync()
        assert report["dense"].startswith("added 0, deleted") and index.ids() == set(knowledge.passages)
        assert removed and knowledge.sync()["dense"] == "unchanged"
    index.closed = False
    index.write_manifest({"embedder": "another-model", "dim": 3})
    with KnowledgeBase(kb, embedder=FakeEmbedder(), vector_index=index, log=messages.append) as knowledge:
        assert knowledge.sync()["dense"].startswith("rebuilt") and "another-model" in messages[-1]
        assert index.count() == len(knowledge.passages)


# -- the command line ---------------------------------------------------------------------------------------

HIT_KEYS = {"rank", "doc_id", "source", "title", "province", "location", "header", "text", "score", "found_by", "ranks"}


def test_cli_search_json_and_text(kb_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--kb", str(kb_dir), "search", "--json", "-k", "3", "--province", "dong nai", "chat", "luong", "nuoc"]
    assert cli.main(argv) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 3 and all(r.keys() == HIT_KEYS for r in rows)
    assert [r["rank"] for r in rows] == [1, 2, 3] and {r["province"] for r in rows} == {"Đồng Nai"}
    assert rows[0]["found_by"] == "sparse" and rows[0]["source"].endswith(".txt") and WATER in rows[0]["text"].lower()
    assert cli.main(["--kb", str(kb_dir), "search", "-k", "2", "--agency", "so tnmt", "chất lượng nước"]) == 0
    assert "1. " in capsys.readouterr().out
    assert cli.main(["--kb", str(kb_dir), "search", "--province", "Hà Giang", "chat luong nuoc"]) == 0
    assert "no plan of province 'Hà Giang'" in capsys.readouterr().err
    assert cli.main(["--kb", str(kb_dir), "search", "--mode", "dense", "chat luong nuoc"]) == 2
