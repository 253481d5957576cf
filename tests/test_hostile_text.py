"""Plan text is data: a plan with HTML, links, images, autolinks and bare URLs in its title, headings, task
rows and agency cells answers with all of it shown as text, in the chat, in the .md and .docx handouts."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_text_support import HOST, HOSTILE_LEAD, TASK, URL, hostile_plan, live_markup
from markdown_it import MarkdownIt
from ui_support import PLANS

from planqa import cli
from ui import handlers
from ui.service import PlanqaService

# questions whose answers cite the hostile rows, each through another composer
QUESTIONS = (
    "Cơ quan nào chủ trì cải cách thể chế ở Tam Đường?",  # rows: lead agencies, the task row, headings
    "Phòng Tư pháp huyện Tam Đường được giao nhiệm vụ gì?",  # a unit's rows and sentences (bold spans)
    "Mục tiêu cải cách thể chế năm 2024 của Tam Đường là bao nhiêu?",  # a score row, related passages
    "Tam Đường làm gì để cải thiện cải cách thể chế?",  # evidence sentences
)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlanqaService]:
    folder = tmp_path_factory.mktemp("hostile")
    plan = hostile_plan(folder / "ke-hoach-tam-duong.txt")
    kb = folder / "kb"
    assert (
        cli.main(
            ["--kb", str(kb), "ingest", "--no-embed", "--json", str(plan), str(PLANS / "002_83f94803ec7c9df2.txt")]
        )
        == 0
    )
    svc = PlanqaService(kb, embedder="none")
    yield svc
    svc.close()


def _rendered_text(markdown: str) -> str:
    return html.unescape(MarkdownIt("commonmark").render(markdown))


@pytest.mark.slow
@pytest.mark.parametrize("question", QUESTIONS, ids=["lead-agencies", "unit-tasks", "score-row", "evidence"])
def test_hostile_plan_text_never_becomes_markup_in_an_answer(
    service: PlanqaService, question: str, tmp_path: Path
) -> None:
    view = handlers.chat(service, question, None, "", "", "", tmp_path)
    messages, sources, md_file, docx_file = view.messages, view.sources, view.md, view.docx
    answer = messages[1]["content"]
    reply = service.ask(question).answer
    assert any(HOST in c.text for c in reply.citations), (
        "the answer must cite a hostile row for this test to mean anything"
    )
    assert live_markup(answer) == []
    assert HOST in _rendered_text(answer)  # the plan's URLs are shown, as text
    handout = Path(md_file or "").read_text(encoding="utf-8")
    assert live_markup(handout) == []
    assert f'<img src="{URL}/title.png">' in _rendered_text(handout)  # the title, as the plan wrote it
    assert "<img" not in sources.replace("&lt;img", "")  # the sources panel escapes (it always did)

    from docx import Document

    doc = Document(docx_file)
    words = "\n".join(p.text for p in doc.paragraphs)
    assert HOST in words and "\\<" not in words and "\\:" not in words  # as written, no markdown escapes left
    assert not [r for r in doc.part.rels.values() if "hyperlink" in r.reltype]


@pytest.mark.slow
def test_every_hostile_string_reaches_an_answer_as_text(service: PlanqaService, tmp_path: Path) -> None:
    """Across the questions, the hostile agency and task text are quoted, and a filter naming the hostile
    agency (as the app's picker offers it) answers about it, all as text."""
    answers = [handlers.chat(service, q, None, "", "", "", tmp_path).messages[1]["content"] for q in QUESTIONS]
    picked = handlers.api_ask(service, "Được giao nhiệm vụ gì?", [], {"agency": HOSTILE_LEAD})
    assert picked["found"] and picked["filters"]["agency"] == HOSTILE_LEAD
    answers.append(picked["answer"])
    shown = "\n".join(_rendered_text(a) for a in answers)
    assert HOSTILE_LEAD in shown
    assert " ".join(TASK.split()) in shown.replace("\n", " ")
    assert all(live_markup(a) == [] for a in answers)


@pytest.mark.slow
def test_a_question_with_markup_is_shown_as_typed(service: PlanqaService, tmp_path: Path) -> None:
    question = f"Cơ quan nào chủ trì <img src={URL}/q.png> cải cách thể chế ở Tam Đường?"
    messages = handlers.chat(service, question, None, "", "", "", tmp_path).messages
    assert live_markup(messages[0]["content"]) == []
    assert _rendered_text(messages[0]["content"]).strip() == f"<p>{question}</p>"
