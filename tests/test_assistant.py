"""The assistant end to end on the bundled plans (BM25 only, so it runs fast): each intent, follow-ups,
not-found, and awkward questions; plus the ``ask --json`` contract through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.assistant import Assistant
from assistant.conversation import Conversation
from index_store.knowledge_base import KnowledgeBase
from ingest.vocab import load_vocabulary
from planqa import cli

PLANS = Path(__file__).resolve().parent.parent / "data" / "plans"
CONTRACT = {"id", "question", "answer", "found", "intent", "filters", "agencies", "citations", "elapsed_ms"}


@pytest.fixture(scope="module")
def kb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    kb = tmp_path_factory.mktemp("kb")
    assert cli.main(["--kb", str(kb), "ingest", "--json", "--no-embed", str(PLANS)]) == 0
    return kb


@pytest.fixture(scope="module")
def assistant(kb_dir: Path):
    kb = KnowledgeBase(kb_dir, embedder=None, log=lambda _: None)
    kb.sync()
    yield Assistant(kb.store, load_vocabulary(), kb.search)
    kb.close()


def test_flagship_question_names_the_agencies_with_cited_rows(assistant: Assistant) -> None:
    answer = assistant.ask("which agency handles PAPI Quản trị môi trường in Đồng Nai")
    assert answer.found and answer.intent == "agency_lookup"
    assert answer.agencies[:2] == ("Sở Tài nguyên và Môi trường", "UBND các huyện, thành phố")
    assert answer.filters["province"] == "Đồng Nai" and answer.filters["plan_index"] == "PAPI"
    locations = {c.location for c in answer.citations}
    assert "Phụ lục 11 › I. Chỉ số PAPI › 6" in locations
    assert any(loc.startswith("Phụ lục 23") for loc in locations)
    assert all(f"[{c.n}]" in answer.answer for c in answer.citations)


def test_unit_tasks_groups_by_index(assistant: Assistant) -> None:
    answer = assistant.ask("Sở Y tế Đồng Nai được giao những nhiệm vụ gì?")
    assert answer.intent == "unit_tasks" and answer.found
    assert "**PAPI**" in answer.answer and "**SIPAS**" in answer.answer
    assert {c.source for c in answer.citations} == {c.source for c in answer.citations[:1]}


def test_score_fact_quotes_the_figures_as_written(assistant: Assistant) -> None:
    answer = assistant.ask("Điểm Quản trị môi trường của Đồng Nai năm 2023?")
    assert "2.99/10.00" in answer.answer and "5.10/10.00" in answer.answer


def test_follow_up_inherits_province_and_index(assistant: Assistant) -> None:
    conversation = Conversation()
    assistant.ask("Ở Đồng Nai, cơ quan nào phụ trách chất lượng không khí trong PAPI?", conversation)
    answer = assistant.ask("Còn chất lượng nước?", conversation)
    assert answer.filters["province"] == "Đồng Nai" and answer.filters["plan_index"] == "PAPI"
    assert "Sở Tài nguyên và Môi trường" in answer.agencies


@pytest.mark.parametrize(
    "question",
    [
        "Which agency in Bình Dương province handles the PCI component 'Tiếp cận đất đai'?",
        "Năm 2023 tỉnh Lạng Sơn xếp thứ mấy về chỉ số PCI?",
        "Điểm tổng hợp PAPI năm 2022 của tỉnh Đồng Nai là bao nhiêu?",
    ],
)
def test_not_found_never_invents(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.found is False and answer.agencies == () and answer.citations == ()
    assert "Không tìm thấy" in answer.answer or "Not found" in answer.answer


def test_empty_and_huge_questions(assistant: Assistant) -> None:
    empty = assistant.ask("   ")
    assert empty.found is False and "câu hỏi" in empty.answer
    huge = assistant.ask("chất lượng nước Đồng Nai " * 500)  # 12,500 characters
    assert huge.found and huge.filters["province"] == "Đồng Nai" and huge.citations  # cut, then answered


def test_a_whole_index_figure_is_its_total_with_the_goal_sentence(assistant: Assistant) -> None:
    answer = assistant.ask(
        "What was Đồng Nai's PAR INDEX score in 2023 and what score and ranking does the plan target for 2025?"
    )
    assert answer.found and "87/100" in answer.answer and "91.9/100" in answer.answer
    assert "Cải cách thể chế" not in answer.answer  # the total, not every component row
    assert any("xếp vị trí 15-20" in c.text for c in answer.citations[:5])  # the plan's own goal sentence
    parts = assistant.ask("Điểm các chỉ số thành phần PAR INDEX năm 2023 của Đồng Nai?")
    assert "Cải cách thể chế" in parts.answer  # asked for the components: the first-level rows


def test_a_question_with_its_own_topic_is_not_answered_with_the_score_table(assistant: Assistant) -> None:
    conversation = Conversation()
    assistant.ask("UBND cấp xã ở ĐN được giao những chỉ tiêu PAR nào trong KH 336?", conversation)
    answer = assistant.ask("Tỷ lệ số hóa hồ sơ TTHC ở cấp huyện phải đạt tối thiểu bao nhiêu?", conversation)
    assert answer.found and "20%" in answer.answer
    assert not any(c.location.startswith("II. MỤC TIÊU") for c in answer.citations)


def test_an_elliptic_follow_up_is_about_the_rows_just_cited(assistant: Assistant) -> None:
    conversation = Conversation()
    first = assistant.ask(
        "Cơ quan nào tham mưu tổ chức đối thoại giữa lãnh đạo tỉnh Đồng Nai với người dân, doanh nghiệp "
        "trong chỉ số PAR INDEX?",
        conversation,
    )
    assert any("đối thoại" in c.text for c in first.citations)
    answer = assistant.ask("Chỉ tiêu là mấy cuộc trong năm và hạn hoàn thành khi nào?", conversation)
    assert "02 cuộc" in answer.answer and "31/12/2024" in answer.answer
    assert conversation.turns[-1].cited == tuple(c.passage_id for c in answer.citations)


def test_ask_json_batch_contract(kb_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    batch = tmp_path / "q.jsonl"
    rows = [
        {
            "id": "a",
            "question": "Còn chất lượng nước?",
            "turns": ["Ở Đồng Nai, ai phụ trách chất lượng không khí (PAPI)?"],
        },
        {"id": "b", "question": "so tnmt dong nai phu trach chat luong nuoc?", "turns": []},
    ]
    batch.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    assert cli.main(["--kb", str(kb_dir), "ask", "--json", "--batch", str(batch)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert [x["id"] for x in lines] == ["a", "b"]
    assert all(set(x) >= CONTRACT for x in lines)
    assert all(c["source"].endswith(".txt") and c["location"] for x in lines for c in x["citations"])
