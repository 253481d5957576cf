"""👍/👎 on answers kept in the knowledge base: round trip, validation, schema 3 → 4, read-only knowledge bases,
feedback outliving ``remove`` and re-ingest, and ``planqa feedback`` (``--json`` and the table).

Answers come from the bundled plans through ``planqa ask --json``, so what is stored is what the app shows.
"""

from __future__ import annotations

import json
import shutil
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from index_faults_support import PLANS, build_kb, remount_read_only, run_cli, tmpfs

import index_store.knowledge_base as knowledge_base
from index_store import Store
from index_store import _schema as schema
from index_store.knowledge_base import KnowledgeBase
from index_store.writable import KbReadOnly
from ui import feedback as fb

QUESTION = "Sở Y tế Đồng Nai được giao những nhiệm vụ gì?"
FOLLOW_UP = "Còn chất lượng nước?"
EXPORT_KEYS = {"id", "created_at", "rating", "comment", "question", "conversation", "answer", "citations", "filters"}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    """The bundled plans' knowledge base and two answers from it (a question and its follow-up)."""
    kb = build_kb(tmp_path_factory.mktemp("feedback") / "kb")
    with pytest.MonkeyPatch.context() as mp:  # module fixtures run before conftest's PLANQA_EMBEDDER=none
        mp.setenv("PLANQA_EMBEDDER", "none")
        code, out, err = run_cli("--kb", str(kb), "ask", "--json", QUESTION, FOLLOW_UP)
    assert code == 0, err
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["found"] and first["citations"] and "Sở Y tế" in first["agencies"]
    return kb, first, second


@pytest.fixture
def kb(base: tuple[Path, dict, dict], tmp_path: Path) -> Path:
    """A writable copy of the module's knowledge base."""
    shutil.copytree(base[0], tmp_path / "kb")
    return tmp_path / "kb"


def _export(kb: Path, *flags: str) -> list[dict[str, Any]]:
    code, out, err = run_cli("--kb", str(kb), "feedback", "--json", *flags)
    assert code == 0, err
    rows = json.loads(out)  # one JSON array, not JSON Lines
    assert isinstance(rows, list)
    return rows


def test_a_rating_is_stored_with_question_conversation_answer_and_citations(
    kb: Path, base: tuple[Path, dict, dict]
) -> None:
    _, first, second = base
    comment = unicodedata.normalize("NFD", "Thiếu Sở Xây dựng; đúng   phần PAPI\n  ")
    with Store(kb) as store:
        said = fb.record_feedback(store, "down", comment, FOLLOW_UP, [QUESTION], second, {"province": "Đồng Nai"})
        assert said == fb.THANKS
        [row] = store.feedback()
    assert row["rating"] == "down" and row["question"] == FOLLOW_UP and row["conversation"] == [QUESTION]
    assert row["comment"] == "Thiếu Sở Xây dựng; đúng phần PAPI"  # NFC, spaces collapsed
    assert unicodedata.is_normalized("NFC", row["comment"])
    assert row["answer"] == second["answer"] and row["citations"] == second["citations"]
    assert row["agencies"] == second["agencies"] and row["found"] is second["found"]
    assert row["filters"] == {"province": "Đồng Nai"} and row["parser_version"]
    assert datetime.fromisoformat(row["created_at"]).utcoffset() == UTC.utcoffset(None)
    assert _export(kb) == [row]  # the CLI exports what the store holds


def test_ratings_as_the_app_and_clients_send_them(kb: Path, base: tuple[Path, dict, dict]) -> None:
    _, first, _ = base
    with KnowledgeBase(kb, embedder=None, log=lambda _: None) as knowledge:  # the service holds a KnowledgeBase
        for rating in (True, "up", 1, "👍", "Tốt", False, "down", -1, "👎", "chưa tốt"):
            fb.record_feedback(knowledge, rating, "", QUESTION, [], first, None)
    ups, downs = _export(kb, "--rating", "up"), _export(kb, "--rating", "down")
    assert [r["id"] for r in ups] == [1, 2, 3, 4, 5] and [r["id"] for r in downs] == [6, 7, 8, 9, 10]
    assert {r["rating"] for r in ups} == {"up"} and {r["rating"] for r in downs} == {"down"}
    assert all(r.keys() >= EXPORT_KEYS for r in ups + downs)


@pytest.mark.parametrize(
    ("rating", "answer", "said"),
    [
        ("maybe", None, "Đánh giá phải là 👍 (up) hoặc 👎 (down)"),
        (0, None, "Đánh giá phải là 👍 (up) hoặc 👎 (down)"),
        ("up", {"answer": "   ", "citations": []}, "Chưa có câu trả lời nào để đánh giá"),
        ("up", "**Sở Y tế**", "Câu trả lời được đánh giá phải là một đối tượng JSON"),
        ("up", {"answer": "x", "citations": "[1]"}, "Nguồn trích dẫn của câu trả lời phải là một danh sách"),
    ],
)
def test_bad_input_is_refused_in_vietnamese_and_stores_nothing(
    kb: Path, base: tuple[Path, dict, dict], rating: Any, answer: Any, said: str
) -> None:
    with Store(kb) as store:
        with pytest.raises(ValueError, match=said.replace("(", r"\(").replace(")", r"\)")):
            fb.record_feedback(store, rating, "", QUESTION, [], base[1] if answer is None else answer, None)
        assert store.feedback() == []


def test_a_long_comment_is_cut_with_a_note_and_can_be_given_afterwards(kb: Path, base: tuple[Path, dict, dict]) -> None:
    long = "Thiếu Sở Xây dựng. " * 200  # 3,800 characters
    with Store(kb) as store:
        said = fb.record_feedback(store, "down", long, QUESTION, [], base[1], None)
        assert said.startswith(fb.THANKS) and "chỉ giữ 2.000 ký tự đầu" in said
        [row] = store.feedback()
        assert len(row["comment"]) <= schema.MAX_COMMENT_CHARS and long.startswith(row["comment"])

        feedback_id = fb.add_feedback(store, True, None, QUESTION, [], base[1], None)  # 👍 first, the comment later
        assert fb.comment_feedback(store, feedback_id, "Đủ các nhiệm vụ") == "Cảm ơn, đã lưu góp ý."
        assert store.feedback(1)[0]["comment"] == "Đủ các nhiệm vụ"
        assert "Không tìm thấy đánh giá" in fb.comment_feedback(store, 999, "Đủ")
        assert fb.comment_feedback(store, feedback_id, "   ") == "Chưa có nội dung góp ý."
        with pytest.raises(ValueError, match="at most 2000 characters"):  # the store's own guard, below the UI's
            store.set_feedback_comment(feedback_id, "x" * 2001)


def test_a_feedback_is_written_whole_or_not_at_all(kb: Path, base: tuple[Path, dict, dict]) -> None:
    citations = [*base[1]["citations"], {"n": 99, "text": object()}]  # not JSON: refused before writing
    with Store(kb) as store:
        with pytest.raises(ValueError, match="citations must be plain JSON"):
            store.add_feedback(rating=1, question=QUESTION, answer=base[1]["answer"], citations=citations)
        with pytest.raises(ValueError, match="rating must be 1"):
            store.add_feedback(rating=True, question=QUESTION, answer=base[1]["answer"])
        assert store.feedback() == [] and store.integrity_check() == "ok"


def test_feedback_outlives_remove_and_reingest_of_the_plans_it_cites(kb: Path, base: tuple[Path, dict, dict]) -> None:
    _, first, _ = base
    with Store(kb) as store:
        fb.record_feedback(store, "up", "Đúng", QUESTION, [], first, {"province": "Đồng Nai"})
        before = store.feedback()
    source = first["citations"][0]["source"]
    code, out, err = run_cli("--kb", str(kb), "remove", source)
    assert code == 0 and "removed" in out, err
    assert _export(kb) == before
    code, _, err = run_cli("--kb", str(kb), "ingest", "--json", "--no-embed", str(PLANS / source))
    assert code == 0, err
    assert _export(kb) == before


def test_a_schema_3_knowledge_base_is_read_as_it_is_and_migrated_by_a_writer(
    kb: Path, base: tuple[Path, dict, dict]
) -> None:
    with Store(kb) as store:
        docs = store.document_rows()
        store._db.execute("DROP TABLE feedback")  # what planqa wrote before feedback existed
        store._db.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    with Store(kb, readonly=True) as reader:  # a reader cannot migrate; it reads version 3 as it is
        assert reader.stats()["schema_version"] == 3 and reader.document_rows() == docs
        assert reader.feedback() == []
    assert _export(kb) == []
    code, out, _ = run_cli("--kb", str(kb), "feedback")
    assert code == 0 and out == ""
    with Store(kb) as store:  # a writer migrates in place
        assert store.stats()["schema_version"] == schema.SCHEMA_VERSION == 4
        assert store.document_rows() == docs  # nothing lost
        fb.record_feedback(store, "up", "", QUESTION, [], base[1], None)
    assert [r["rating"] for r in _export(kb)] == ["up"]


def test_a_read_only_knowledge_base_refuses_feedback_and_stores_nothing(
    kb: Path, base: tuple[Path, dict, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store(kb, readonly=True) as reader, pytest.raises(KbReadOnly, match="the feedback was not stored"):
        fb.record_feedback(reader, "up", "", QUESTION, [], base[1], None)
    # the app's knowledge base, told by the folder that it may not write it (another user's, say)
    monkeypatch.setattr(knowledge_base, "read_only_reason", lambda *_: "the folder belongs to alice (uid 1000)")
    with KnowledgeBase(kb, embedder=None, log=lambda _: None) as knowledge:
        assert knowledge.store.readonly
        with pytest.raises(KbReadOnly, match=r"is read-only: .*the feedback was not stored"):
            fb.record_feedback(knowledge, "down", "Sai", QUESTION, [], base[1], None)
    assert _export(kb) == []


@pytest.mark.integration
def test_feedback_on_a_read_only_mount(kb: Path, base: tuple[Path, dict, dict]) -> None:
    with tmpfs("64m") as mount:
        shutil.copytree(kb, mount / "kb")
        remount_read_only(mount)
        knowledge = KnowledgeBase(mount / "kb", embedder=None, log=lambda _: None)
        with knowledge, pytest.raises(KbReadOnly, match="mounted read-only"):
            fb.record_feedback(knowledge, "up", "", QUESTION, [], base[1], None)
        assert _export(mount / "kb") == []


def test_feedback_command_table_help_and_missing_kb(
    kb: Path, base: tuple[Path, dict, dict], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Store(kb) as store:
        fb.record_feedback(store, "down", "Thiếu [Sở Xây dựng]", FOLLOW_UP, [QUESTION], base[2], None)
    code, out, _ = run_cli("--kb", str(kb), "feedback")
    flat = " ".join(out.split())
    assert code == 0 and "👎 down" in flat and FOLLOW_UP in flat and "Thiếu [Sở Xây dựng]" in flat  # not markup
    assert "(after 1 earlier question(s))" in flat and "**" not in out
    assert run_cli("--kb", str(tmp_path / "none"), "feedback", "--json")[:2] == (0, "[]\n")

    from planqa import cli

    with pytest.raises(SystemExit):
        cli.main(["feedback", "--help"])
    help_text = capsys.readouterr().out
    assert all(f"\n  {key} " in help_text for key in _export(kb)[0] if key not in ("app_version", "parser_version"))
    assert "app_version, parser_version" in help_text and "--rating {up,down}" in help_text
