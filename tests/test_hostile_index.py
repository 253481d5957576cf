"""A damaged BM25 index is noticed before it is read, and the file checks live in one module for every index.

BM25's score arrays are plain npy files: garbled at the same size they load without an error and answer
from damaged scores. So, as for Chroma and FAISS, planqa records the size and sha256 of every file it saved
(``index_store.integrity``) and checks them before loading; a mismatch is rebuilt from the store, with one
line on stderr, and answers as before.
"""

from __future__ import annotations

import ast
import importlib
import shutil
from pathlib import Path

import numpy as np
import pytest
from index_faults_support import build_kb, garble, results, write_questions

from index_store.segment import default_segmenter
from index_store.sparse import SparseIndex, SparseIndexError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """The bundled plans' knowledge base (BM25 only), the questions, and what it answers when sound."""
    folder = tmp_path_factory.mktemp("hostile-index")
    kb, questions = build_kb(folder / "kb"), write_questions(folder / "questions.jsonl")
    clean, said = results(kb, questions)
    assert "rebuilding" not in said and all(clean["hits"]) and any(a["found"] for a in clean["answers"])
    return kb, questions, clean


@pytest.mark.parametrize(
    "array", ["words/data.csc.index.npy", "folded/data.csc.index.npy", "words/indices.csc.index.npy"]
)
def test_a_bm25_array_garbled_at_the_same_size_is_rebuilt_and_answers_as_before(
    base: tuple[Path, Path, dict], tmp_path: Path, array: str
) -> None:
    kb, questions, clean = base
    copy = tmp_path / "kb"
    shutil.copytree(kb, copy)
    path = copy / "bm25" / array
    size = path.stat().st_size
    what = garble(path, array, skip=128)  # after the npy header: numpy still loads it, without a word
    assert path.stat().st_size == size and np.load(path, allow_pickle=False).shape
    got, said = results(copy, questions)
    assert "rebuilding the sparse index" in said, f"{what}: no rebuild said (stderr: {said!r})"
    assert len([line for line in said.splitlines() if "sparse index" in line]) == 1, said
    assert f"{array} has other contents than planqa left" in said
    assert got == clean, f"{what}: answers changed"
    SparseIndex.load(copy / "bm25", default_segmenter())  # the rebuilt folder is sound and recorded


def test_sparse_load_refuses_files_that_differ_from_the_record(base: tuple[Path, Path, dict], tmp_path: Path) -> None:
    kb = base[0]
    cases = {
        "garbled": lambda f: garble(f / "folded" / "data.csc.index.npy", "unit", skip=128, share=0.01),
        "truncated": lambda f: (f / "words" / "indptr.csc.index.npy").write_bytes(
            (f / "words" / "indptr.csc.index.npy").read_bytes()[:-8]
        ),
        "extra file": lambda f: (f / "words" / "stray.npy").write_bytes(b"x"),
        "no record": lambda f: (f / "planqa-files.json").unlink(),
    }
    for name, damage in cases.items():
        folder = tmp_path / name.replace(" ", "-")
        shutil.copytree(kb / "bm25", folder)
        damage(folder)
        with pytest.raises(SparseIndexError, match="unreadable"):
            SparseIndex.load(folder, default_segmenter())


# -- one module for the file checks; the facet weight as an argument -----------------------------------------


def _imports(module: str) -> set[str]:
    tree = ast.parse((ROOT / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8"))
    return {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}


def test_every_index_uses_one_file_check_module_and_no_backend_imports_the_factory() -> None:
    integrity = importlib.import_module("index_store.integrity")
    for name in ("check_files", "record_files", "index_lock", "VectorIndexError", "FILES_RECORD"):
        assert hasattr(integrity, name), f"index_store.integrity has no {name}"
    for backend in ("index_store.sparse", "index_store.vec_chroma", "index_store.vec_faiss"):
        assert "index_store.integrity" in _imports(backend), f"{backend} does not use index_store.integrity"
        assert "index_store.vectors" not in _imports(backend), f"{backend} imports index_store.vectors (a cycle)"
    assert not {"index_store.vec_chroma", "index_store.vec_faiss"} & _imports("index_store.integrity")


def test_the_facet_weight_is_a_constructor_argument_not_read_from_the_environment(
    base: tuple[Path, Path, dict],
) -> None:
    from index_store import retriever
    from index_store.facets import query_facets
    from index_store.knowledge_base import KnowledgeBase

    source = (ROOT / "index_store" / "retriever.py").read_text(encoding="utf-8")
    assert "os.environ" not in source and "getenv" not in source
    with KnowledgeBase(base[0], embedder=None, log=lambda _: None) as kb:
        kb.sync()
        assert kb.retriever is not None
        query = "Sở Y tế Đồng Nai chất lượng nước"
        prefer = kb._prefer(query_facets(query, kb.vocab))
        assert prefer is not None
        plain = retriever.HybridRetriever(kb.sparse, None, None, kb.passages, facet_weight=0.0)
        fused = [h.passage.passage_id for h in plain.search(query, k=10)]
        assert [h.passage.passage_id for h in plain.search(query, k=10, prefer=prefer)] == fused  # weight 0: no effect
        strong = retriever.HybridRetriever(kb.sparse, None, None, kb.passages, facet_weight=5.0)
        scored = {h.passage.passage_id: h.score for h in strong.search(query, k=10, prefer=prefer)}
        base_scores = {h.passage.passage_id: h.score for h in plain.search(query, k=50)}
        for pid, score in scored.items():
            assert score == pytest.approx(base_scores[pid] * (1 + 5.0 * prefer(kb.passages[pid])))
    with pytest.raises(ValueError, match="facet_weight"):
        retriever.HybridRetriever(kb.sparse, None, None, kb.passages, facet_weight=-1.0)
