"""The speed benchmarks still run end to end (tiny sizes, the model-free embedder): figures are produced and
sane, and the filtered searches they time return only what the filter allows. Nothing here asserts a time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from eval._synth import HashingEmbedder, PlanLikeCorpus, real_plans
from ingest.vocab import load_vocabulary
from planqa import cli

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT / "data" / "plans"
QUESTIONS = Path(__file__).resolve().parent / "fixtures" / "bench_questions.jsonl"


def _run(*args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", *args, "--json"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_synthetic_corpus_is_plan_like() -> None:
    vocab = load_vocabulary()
    corpus = PlanLikeCorpus(real_plans(PLANS, vocab), vocab, seed=3)
    made = list(corpus.documents(700))
    passages = [p for doc, _ in made for p in doc.passages]
    assert len(passages) == 700
    assert len({p.passage_id for p in passages}) == 700
    provinces = {doc.document.province for doc, _ in made}
    assert len(provinces) == len(made) and provinces <= set(vocab.provinces())
    first = made[0][0]
    assert all(p.doc_id == first.document.doc_id for p in first.passages)
    template = corpus.templates[0].document
    if template.province and template.province != first.document.province:  # the place is rewritten
        assert not any(template.province in p.header for p in first.passages)
    texts = [p.text for p in passages]
    assert len(set(texts)) > 0.6 * len(texts)  # recombined, not copies
    assert {p.kind for p in passages} >= {p.kind for t in corpus.templates for p in t.passages[:50]}
    base = HashingEmbedder().embed_passages([p.text for p in corpus.pool])
    vectors = corpus.vectors(base, made[1][1], 1)
    assert vectors.shape == (len(made[1][0].passages), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosines = np.sum(vectors * base[[t for t, _ in made[1][1]]], axis=1)
    assert 0.6 < float(np.median(cosines)) < 0.999  # near their template, not equal to it


@pytest.mark.slow
@pytest.mark.integration
def test_bench_scale_quick_runs_every_backend(tmp_path: Path) -> None:
    result = _run(
        "eval.bench_scale", "--quick", "--embedder", "hashing", "--runs", "1", "--work", str(tmp_path),
        "--questions", str(QUESTIONS), "--vector-index", "faiss", "chroma", "chroma-server",
    )  # fmt: skip
    (build,) = result["builds"]
    assert build["passages"] == 300 and build["documents"] >= 2
    assert build["store_passages_per_s"] > 0 and build["bm25_passages_per_s"] > 0 and build["sqlite_mib"] > 0
    assert [r["backend"] for r in result["rows"]] == ["faiss", "chroma", "chroma-server"]
    for row in result["rows"]:
        searches = row["searches"]
        assert set(searches) == {
            "query embedding", "fused (embedding included)", "fused", "sparse", "dense", "fused+province",
            "fused+index",
        }  # fmt: skip
        assert all(s["n"] == 3 and s["p50"] > 0 for s in searches.values())
        assert 0 < searches["fused+province"]["allowed"] < searches["fused"]["allowed"] == 300
        assert 0 < searches["fused+index"]["allowed"] < 300
        assert row["province_filter_violations"] == 0
        assert row["vector_add_per_s"] > 0 and row["index_mib"] > 0 and row["peak_rss_mib"] > 0
    assert result["rows"][2]["server_memory_mib"]["peak"] > 0


@pytest.mark.slow
def test_bench_search_and_ask_run_on_a_small_knowledge_base(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    plan = next(p for p in sorted(PLANS.glob("*.txt")) if "KH-STNMT" in p.read_text(encoding="utf-8"))
    assert cli.main(["--kb", str(kb), "ingest", "--no-embed", "--json", str(plan)]) == 0
    search = _run(
        "eval.bench_search", "--kb", str(kb), "--vector-index", "faiss", "--embedder", "hashing", "--runs", "2",
        "--questions", str(QUESTIONS), "--province", "Lạng Sơn",
    )  # fmt: skip
    rows = {r["scenario"]: r for r in search["results"]}
    assert rows["fused"]["n"] == 3 and len(rows["fused"]["p50_all"]) == 2
    assert rows["fused+province"]["allowed"] == rows["fused"]["allowed"] == search["passages"]  # one province
    assert rows["fused+agency"]["allowed"] < search["passages"]
    ask = _run("eval.bench_ask", "--kb", str(kb), "--embedder", "none", "--runs", "1", "--questions", str(QUESTIONS))
    assert ask["cold_ask"]["wall_s"]["median"] > 0 and ask["cold_ask"]["answer_elapsed_ms"]["median"] > 0
    assert ask["warm_ask_ms"]["n"] == 3 and ask["warm_ask_ms"]["p95"] >= ask["warm_ask_ms"]["p50"] > 0
