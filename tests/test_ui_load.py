"""The launched app under load: eight ``gradio_client`` clients asking the dev questions at once, over the
``ask`` API, get exactly the answers a single client gets, and none of their requests fails.

It runs the functions of ``eval.bench_load`` (the benchmark) for a short time on a BM25-only knowledge base;
the latency it prints is for reading, never asserted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from ui_support import build_kb

from eval._bench import DEFAULT_QUESTIONS
from eval.bench_load import comparable, differing_fields, load, load_asks, reference_answers, served
from eval.bench_serve import bench as bench_serve

pytestmark = [pytest.mark.slow, pytest.mark.integration]
pytest.importorskip("gradio_client")
CLIENTS, SECONDS = 8, 15.0
# the dev questions (as in tests/test_query.py); the three benchmark questions when they are not there
DEV = Path(os.environ.get("PLANQA_DEV_QUESTIONS", DEFAULT_QUESTIONS))
QUESTIONS = DEV if DEV.is_file() else Path(__file__).parent / "fixtures" / "bench_questions.jsonl"


def test_comparable_drops_only_the_timing_fields() -> None:
    answer = {"question": "Còn chất lượng nước?", "found": True, "agencies": ["Sở Y tế"], "elapsed_ms": 41.9}
    assert comparable(answer) == {"question": "Còn chất lượng nước?", "found": True, "agencies": ["Sở Y tế"]}
    changed = {**answer, "agencies": ["Sở Tài nguyên và Môi trường"], "elapsed_ms": 7.0}
    assert differing_fields(comparable(changed), comparable(answer)) == ["agencies"]


def test_eight_clients_get_the_single_client_answers_without_errors(tmp_path: Path) -> None:
    asks = load_asks(QUESTIONS)
    assert any(a.turns for a in asks) and any(not a.turns for a in asks)  # follow-ups are in the mix
    kb = build_kb(tmp_path / "kb", held_back=None)
    with served(kb, "none") as server:
        reference, single = reference_answers(server.url, asks)
        report = load(server.url, asks, reference, clients=CLIENTS, seconds=SECONDS, seed=6)
        logged = server.errors_logged()
        # the comparison catches a wrong answer: one reference answer altered, every answer to it differs
        first = reference[asks[0].id]
        altered = {**reference, asks[0].id: {**first, "found": not first["found"]}}
        check = load(server.url, asks[:1], altered, clients=2, seconds=0.5)
    print(f"\n{CLIENTS} clients for {report['seconds']} s: {report['requests']} requests, "
          f"p95 round trip {report['latency_ms']['p95']} ms (single client {single['p95']} ms)")  # fmt: skip
    print(json.dumps(report, ensure_ascii=False))
    assert report["errors"] == 0, (report["error_samples"], logged)
    assert report["mismatches"] == 0, report["mismatch_samples"]
    assert all(n >= 1 for n in report["requests_per_client"])  # all eight asked, at the same time
    assert report["requests"] == report["latency_ms"]["n"] >= CLIENTS
    assert check["errors"] == 0 and check["mismatches"] == check["requests"] >= 2
    assert check["mismatch_samples"][0] == {"id": asks[0].id, "fields": ["found"]}


def test_the_serve_benchmark_times_a_launch_to_its_first_answer(tmp_path: Path) -> None:
    kb = build_kb(tmp_path / "kb", held_back=None)
    figures = bench_serve(kb, "none", runs=1, asks=3, timeout=300)
    print(json.dumps(figures, ensure_ascii=False))
    assert 0 < figures["server_up_s"] <= figures["first_answer_s"]
    assert 0 < figures["rss_after_first_mib"] <= figures["peak_rss_mib"]
    assert figures["http_ms_p50"] > figures["inside_ms_p50"] > 0  # a round trip holds the time inside
    assert len(figures["http_ms_p95_all"]) == 1


def test_a_server_that_exits_at_start_is_reported_with_its_log(tmp_path: Path) -> None:
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "planqa.sqlite3").write_bytes(b"this is not a SQLite file" * 50)
    with pytest.raises(RuntimeError, match=r"planqa serve exited with [1-9].*serve\.log"):
        bench_serve(tmp_path / "kb", "none", runs=1, asks=1, timeout=120)
