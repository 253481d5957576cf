"""One contract for every vector index: FAISS, Chroma embedded, and Chroma over HTTP (a real ``chroma run``).

Small random unit vectors from a seeded generator stand in for embeddings; numpy brute force is the oracle.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from eval._bench import chroma_binary, free_port
from eval._bench import chroma_server as bench_chroma_server
from index_store.integrity import VectorIndexError
from index_store.protocols import VectorIndex
from index_store.vec_chroma import ChromaIndex
from index_store.vec_faiss import FaissIndex
from index_store.vectors import open_vector_index

DIM, N = 32, 300
IDS = [f"p{i:03d}" for i in range(N)]


def unit(rows: int, seed: int) -> np.ndarray:
    vecs = np.random.default_rng(seed).standard_normal((rows, DIM)).astype(np.float32)
    return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)


VECS = unit(N, seed=7)


def brute(query: np.ndarray, k: int) -> list[str]:
    order = np.argsort(-(VECS @ query), kind="stable")
    return [IDS[i] for i in order[:k]]


# -- a real Chroma server ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``chroma run`` on 127.0.0.1 at a free port (the benchmarks' own), ready when its heartbeat answers."""
    try:
        chroma_binary()
    except FileNotFoundError as err:
        pytest.skip(str(err))
    with bench_chroma_server(tmp_path_factory.mktemp("chroma-server") / "data") as (url, _pid):
        yield url


BACKENDS = ["faiss", "chroma", pytest.param("chroma-http", marks=pytest.mark.integration)]


@pytest.fixture(params=BACKENDS)
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], VectorIndex]]:
    """Opens the backend's index at one place; each call is a fresh handle on the same data."""
    opened: list[VectorIndex] = []
    if request.param == "faiss":

        def make() -> VectorIndex:
            return FaissIndex(tmp_path / "faiss", DIM)
    elif request.param == "chroma":

        def make() -> VectorIndex:
            return ChromaIndex.embedded(tmp_path / "chroma")
    else:
        import chromadb

        url, name = request.getfixturevalue("chroma_server"), f"t-{uuid.uuid4().hex[:12]}"
        port = int(url.rsplit(":", 1)[1])

        def make() -> VectorIndex:
            return ChromaIndex(chromadb.HttpClient(host="127.0.0.1", port=port), collection=name, kind="chroma-http")

    def tracked() -> VectorIndex:
        opened.append(make())
        return opened[-1]

    yield tracked
    for index in opened:
        index.close()


@pytest.fixture
def full(opener: Callable[[], VectorIndex]) -> VectorIndex:
    index = opener()
    index.add(IDS, VECS)
    return index


# -- the contract -----------------------------------------------------------------------------------------


def test_is_a_vector_index(full: VectorIndex) -> None:
    assert isinstance(full, VectorIndex)
    assert full.kind in ("faiss", "chroma", "chroma-http")


def test_exact_neighbour_first_with_cosine_one(full: VectorIndex) -> None:
    for i in (0, 17, 299):
        hits = full.search(VECS[i], k=5)
        assert hits[0][0] == IDS[i]
        assert hits[0][1] == pytest.approx(1.0, abs=1e-4)


def test_scores_descending_and_match_brute_force(full: VectorIndex) -> None:
    query = unit(1, seed=99)[0]
    hits = full.search(query, k=10)
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True)
    want = brute(query, 10)
    assert hits[0][0] == want[0]
    assert len({pid for pid, _ in hits} & set(want)) >= (10 if full.kind == "faiss" else 8)  # HNSW is approximate
    for pid, score in hits:
        assert score == pytest.approx(float(VECS[IDS.index(pid)] @ query), abs=1e-4)


def test_k_larger_than_the_index(opener: Callable[[], VectorIndex]) -> None:
    index = opener()
    index.add(IDS[:3], VECS[:3])
    assert [pid for pid, _ in index.search(VECS[0], k=50)][:1] == [IDS[0]]
    assert len(index.search(VECS[0], k=50)) == 3
    assert index.search(VECS[0], k=0) == []


def test_allowed_restricts_inside_the_index(full: VectorIndex) -> None:
    query = VECS[0]
    farthest = brute(query, N)[-4:]  # the four least similar: far outside any top-k
    top = {pid for pid, _ in full.search(query, k=20)}
    assert not top & set(farthest)
    hits = full.search(query, k=3, allowed=set(farthest) | {"not-indexed"})
    assert [pid for pid, _ in hits] == brute(np.asarray(query), N)[-4:-1]


def test_empty_or_unknown_allowed_gives_nothing(full: VectorIndex) -> None:
    assert full.search(VECS[0], k=5, allowed=set()) == []
    assert full.search(VECS[0], k=5, allowed=[]) == []
    assert full.search(VECS[0], k=5, allowed={"nope"}) == []


@pytest.mark.parametrize("share", [0.02, 0.3, 0.9])
@pytest.mark.parametrize("overfetch", [True, False], ids=["overfetch", "ids-only"])
def test_allowed_of_any_share_is_the_best_allowed(
    full: VectorIndex, share: float, overfetch: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A restriction to a few or most of the ids gives the nearest *allowed* ids, however the backend
    applies it (Chroma: unrestricted candidates when they hold k allowed ones, else ``ids=``)."""
    if not overfetch:
        if not isinstance(full, ChromaIndex):
            pytest.skip("only Chroma has two ways to restrict")
        monkeypatch.setattr("index_store.vec_chroma.OVERFETCH_MAX", 0)
    rng = np.random.default_rng(int(share * 100))
    allowed = {IDS[i] for i in rng.choice(N, max(1, int(N * share)), replace=False)}
    for seed in (11, 12, 13):
        query = unit(1, seed=seed)[0]
        want = [pid for pid in brute(query, N) if pid in allowed][:10]
        hits = full.search(query, k=10, allowed=allowed)
        assert {pid for pid, _ in hits} <= allowed
        assert [pid for pid, _ in hits] == want[: len(hits)] and len(hits) == len(want)


def test_delete(full: VectorIndex) -> None:
    full.delete([IDS[0], IDS[1], "never-added"])
    assert full.count() == N - 2
    assert IDS[0] not in full.ids()
    assert full.search(VECS[0], k=1)[0][0] != IDS[0]
    full.delete([])
    assert full.count() == N - 2


def test_overwrite_same_id(full: VectorIndex) -> None:
    full.add([IDS[0]], VECS[5:6])
    assert full.count() == N
    hits = full.search(VECS[5], k=2)
    assert {pid for pid, _ in hits} == {IDS[0], IDS[5]}
    assert all(s == pytest.approx(1.0, abs=1e-4) for _, s in hits)
    full.add(["dup", "dup"], VECS[:2])  # a repeated id keeps its last vector
    assert full.search(VECS[1], k=3)[0][1] == pytest.approx(1.0, abs=1e-4)
    assert full.count() == N + 1


def test_ids_and_count(opener: Callable[[], VectorIndex]) -> None:
    index = opener()
    assert index.count() == 0 and index.ids() == set()
    index.add(IDS, VECS)
    assert index.count() == N
    assert index.ids() == set(IDS)


def test_manifest_round_trip(opener: Callable[[], VectorIndex]) -> None:
    index = opener()
    assert index.read_manifest() is None
    manifest = {"embedder": "fake:keywords-v1", "dim": DIM, "count": 0, "header": "Đồng Nai · 336/KH-UBND"}
    index.write_manifest(manifest)
    assert index.read_manifest() == manifest
    index.write_manifest({**manifest, "count": 3})
    assert index.read_manifest() == {**manifest, "count": 3}


def test_reset(full: VectorIndex) -> None:
    full.write_manifest({"embedder": "x", "dim": DIM})
    full.reset()
    assert full.count() == 0 and full.ids() == set()
    assert full.read_manifest() is None
    assert full.search(VECS[0], k=3) == []
    full.add(IDS[:2], VECS[:2])
    assert full.search(VECS[1], k=1)[0][0] == IDS[1]


def test_persists_across_close_and_reopen(opener: Callable[[], VectorIndex]) -> None:
    index = opener()
    index.add(IDS, VECS)
    index.delete([IDS[3]])
    index.write_manifest({"embedder": "x", "dim": DIM, "count": N - 1})
    index.close()
    again = opener()
    assert again.count() == N - 1
    assert again.ids() == set(IDS) - {IDS[3]}
    assert again.read_manifest() == {"embedder": "x", "dim": DIM, "count": N - 1}
    assert again.search(VECS[42], k=1)[0][0] == IDS[42]


# -- opening, and indexes that do not open -----------------------------------------------------------------


def test_open_vector_index_kinds(tmp_path: Path) -> None:
    faiss_index = open_vector_index("faiss", tmp_path, DIM)
    assert faiss_index.kind == "faiss" and (tmp_path / "faiss").is_dir() is False  # created on first write
    faiss_index.add(IDS[:1], VECS[:1])
    assert (tmp_path / "faiss" / "index.faiss").exists()
    chroma_index = open_vector_index("Chroma", tmp_path, DIM)
    assert chroma_index.kind == "chroma" and (tmp_path / "chroma" / "chroma.sqlite3").exists()
    chroma_index.close()
    with pytest.raises(ValueError, match="chroma, faiss"):
        open_vector_index("qdrant", tmp_path, DIM)


@pytest.mark.integration
def test_open_vector_index_over_http(chroma_server: str, tmp_path: Path) -> None:
    index = open_vector_index("chroma", tmp_path, DIM, url=chroma_server)
    try:
        assert index.kind == "chroma-http" and not (tmp_path / "chroma").exists()
        index.reset()
        index.add(IDS[:5], VECS[:5])
        assert index.search(VECS[2], k=1)[0][0] == IDS[2]
    finally:
        index.reset()
        index.close()


def test_unreachable_server_is_a_vector_index_error() -> None:
    with pytest.raises(VectorIndexError, match="127.0.0.1"):
        ChromaIndex.http(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ValueError, match="Chroma server URL"):
        ChromaIndex.http("ftp://example.org/chroma")


def _saved_faiss(folder: Path) -> None:
    index = FaissIndex(folder, DIM)
    index.add(IDS, VECS)
    index.close()


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda f: (f / "index.faiss").write_bytes((f / "index.faiss").read_bytes()[:100]), id="truncated"),
        pytest.param(lambda f: (f / "index.faiss").write_bytes(b"\x00garbage" * 64), id="garbled"),
        pytest.param(lambda f: (f / "ids.json").write_text('["p000"]'), id="ids-disagree"),
        pytest.param(lambda f: (f / "ids.json").write_text("{not json"), id="ids-garbled"),
        pytest.param(lambda f: (f / "ids.json").unlink(), id="ids-missing"),
    ],
)
def test_damaged_faiss_files_raise(tmp_path: Path, damage: Callable[[Path], object]) -> None:
    _saved_faiss(tmp_path)
    damage(tmp_path)
    with pytest.raises(VectorIndexError, match="rebuild"):
        FaissIndex(tmp_path, DIM)


def test_faiss_with_another_dim_opens_stale_and_resets(tmp_path: Path) -> None:
    _saved_faiss(tmp_path)
    index = FaissIndex(tmp_path, DIM * 2)
    assert index.count() == N  # opens, so the caller can read the old manifest
    with pytest.raises(VectorIndexError, match="reset"):
        index.add(["x"], unit(1, 1).repeat(2, axis=1))
    index.reset()
    index.add(["x"], unit(1, 1).repeat(2, axis=1))
    assert index.count() == 1


def _saved_chroma(folder: Path, rows: int = N) -> None:
    index = ChromaIndex.embedded(folder)
    index.add([f"q{i}" for i in range(rows)], unit(rows, seed=3))
    index.close()


def test_garbled_chroma_sqlite_raises(tmp_path: Path) -> None:
    _saved_chroma(tmp_path)
    (tmp_path / "chroma.sqlite3").write_bytes(b"garbage" * 1000)
    # caught by planqa's record of the files before Chroma reads them
    with pytest.raises(VectorIndexError, match="damaged: chroma.sqlite3 has 7000 bytes"):
        ChromaIndex.embedded(tmp_path)


def test_truncated_chroma_hnsw_files_raise(tmp_path: Path) -> None:
    _saved_chroma(tmp_path, rows=1500)  # past the 1000-vector sync threshold, so HNSW files are the truth
    healthy = ChromaIndex.embedded(tmp_path)  # the size check passes intact files
    assert healthy.count() == 1500
    healthy.close()
    segments = list(tmp_path.glob("*/data_level0.bin"))
    if not segments:
        pytest.skip("this Chroma version kept the vectors out of HNSW files")
    for seg in segments:
        seg.write_bytes(seg.read_bytes()[: seg.stat().st_size // 3])
    with pytest.raises(VectorIndexError, match="damaged: .*data_level0.bin"):
        ChromaIndex.embedded(tmp_path)


def test_manifest_for_records_what_built_the_index() -> None:
    import json

    from fakes import FakeEmbedder

    from index_store.vectors import MANIFEST_KEYS, manifest_for

    manifest = manifest_for(FakeEmbedder(), FakeEmbedder.dim, 12, {"digest": "abc", "count": -1})
    assert manifest["embedder"] == "fake:keywords-v1" and manifest["dim"] == FakeEmbedder.dim
    assert manifest["count"] == 12 and manifest["digest"] == "abc"  # extra never overrides the recorded keys
    assert manifest["versions"]["chromadb"] and manifest["versions"]["faiss-cpu"]
    assert set(MANIFEST_KEYS) - {"..."} <= set(manifest)
    assert json.loads(json.dumps(manifest)) == manifest
