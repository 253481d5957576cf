"""The ``ask`` endpoint's arguments: each wrong type or value is refused with a Vietnamese sentence naming
the argument and what to send; half a character (a lone surrogate) is read as "�"; a question longer than
the assistant reads is refused, in the API and in the chat."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ui_support import PLANS, free_port

from planqa import cli
from ui import handlers
from ui.service import PlanqaService

pytestmark = pytest.mark.slow
QUESTION = "Sở Giao thông vận tải Lạng Sơn có giải pháp gì cho tiếp cận dịch vụ SIPAS?"
LONG = ("Sở Giao thông vận tải Lạng Sơn có giải pháp gì cho tiếp cận dịch vụ? " * 200)[:10_000]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlanqaService]:
    kb = tmp_path_factory.mktemp("ask-args") / "kb"
    assert cli.main(["--kb", str(kb), "ingest", "--no-embed", "--json", str(PLANS / "002_83f94803ec7c9df2.txt")]) == 0
    svc = PlanqaService(kb, embedder="none")
    yield svc
    svc.close()


REFUSED: list[tuple[Any, Any, Any, str]] = [  # question, conversation, filters → what the sentence says
    (None, [], {}, r"^question phải là một chuỗi \(câu hỏi\), ví dụ .*; nhận được null\.$"),
    (LONG, [], {}, r"^question: Câu hỏi dài 10\.000 ký tự, quá giới hạn 2\.000 ký tự; hãy hỏi ngắn gọn"),
    (QUESTION, QUESTION, {}, r"^conversation phải là danh sách các câu hỏi trước.*; nhận được một chuỗi\.$"),
    (QUESTION, {"a": 1}, {}, r"^conversation phải là danh sách .*nhận được một đối tượng\.$"),
    (QUESTION, [QUESTION, 7], {}, r"^conversation\[1\] phải là một chuỗi \(một câu hỏi trước\); nhận được một số\.$"),
    (QUESTION, [LONG], {}, r"^conversation\[0\]: Câu hỏi dài 10\.000 ký tự"),
    (
        QUESTION,
        [],
        ["Lạng Sơn"],
        r'^filters phải là một đối tượng \{"province": …, "index": …, "agency": …\}.*'
        r"nhận được một danh sách\.$",
    ),  # fmt: skip
    (QUESTION, [], "Lạng Sơn", r"^filters phải là một đối tượng .*nhận được một chuỗi\.$"),
    (QUESTION, [], {"nam": "2024"}, r"^filters: không có khoá 'nam'; chỉ nhận province, index, agency\.$"),
    (
        QUESTION,
        [],
        {"province": ["Lạng Sơn"]},
        r'^filters\["province"\] phải là một chuỗi, ví dụ "Đồng Nai"; '
        r"nhận được một danh sách\.$",
    ),  # fmt: skip
    (QUESTION, [], {"agency": "Sở " * 100}, r'^filters\["agency"\] dài 300 ký tự, quá giới hạn 200 ký tự'),
]


@pytest.mark.parametrize(
    ("question", "conversation", "filters", "says"), REFUSED,
    ids=["question-null", "question-10000-chars", "conversation-string", "conversation-object", "conversation-number",
         "conversation-10000-chars", "filters-list", "filters-string", "filters-unknown-key", "filters-value-list",
         "filters-value-300-chars"],
)  # fmt: skip
def test_a_wrong_argument_is_refused_with_a_sentence(
    service: PlanqaService, question: Any, conversation: Any, filters: Any, says: str
) -> None:
    with pytest.raises(ValueError, match=says):
        handlers.api_ask(service, question, conversation, filters)


def _without_timing(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "elapsed_ms"}


def test_half_a_character_is_read_as_a_replacement_character(service: PlanqaService) -> None:
    broken = handlers.api_ask(
        service, QUESTION + " \ud83d", ["Sở Giao thông vận tải \udc00"], {"province": "Lạng Sơn\ud800"}
    )
    typed = handlers.api_ask(
        service, QUESTION + " \ufffd", ["Sở Giao thông vận tải \ufffd"], {"province": "Lạng Sơn\ufffd"}
    )
    assert broken["found"] and broken["question"].endswith("\ufffd")
    assert json.dumps(broken, ensure_ascii=False).encode("utf-8")  # what the endpoint sends back
    assert _without_timing(broken) == _without_timing(typed)


def test_the_chat_refuses_a_pasted_text_and_keeps_it_to_shorten(service: PlanqaService, tmp_path: Path) -> None:
    view = handlers.chat(service, LONG, None, "", "", "", tmp_path)
    assert (view.messages, view.conversation["turns"], view.box, view.md, view.docx) == (
        [],
        [],
        LONG.strip(),
        None,
        None,
    )
    assert "Câu hỏi dài 10.000 ký tự, quá giới hạn 2.000 ký tự" in view.notice
    messages = handlers.chat(service, QUESTION + " \ud83d", None, "", "", "", tmp_path).messages
    assert messages[0]["content"].endswith("\ufffd") and messages[1]["content"]


@pytest.mark.integration
def test_wrong_arguments_over_http_get_the_sentence(service: PlanqaService) -> None:
    gradio_client = pytest.importorskip("gradio_client")
    from ui.app import build_app
    from ui.launch import launch

    app = build_app(service)
    try:
        _, url = launch(app, service, port=free_port(), block=False, quiet=True)
        client = gradio_client.Client(url, verbose=False)
        for question, conversation, filters, says in REFUSED:
            with pytest.raises(Exception, match=says.strip("^$")):
                client.predict(question, conversation, filters, api_name="/ask")
        # gradio_client cannot send half a character (httpx encodes as UTF-8); a JSON "\ud83d" escape can
        event, out = _call(url, "ask", [QUESTION + " \ud83d", [], {}])
        assert event == "complete" and out[0]["found"] and out[0]["question"].endswith("\ufffd")
    finally:
        app.close()


def _call(url: str, api: str, data: list[Any]) -> tuple[str, Any]:
    """One call of a named endpoint over plain HTTP, JSON as ``json.dumps`` writes it (non-ASCII escaped):
    (the last event, "complete" or "error"; its data)."""
    request = urllib.request.Request(
        f"{url}gradio_api/call/{api}", data=json.dumps({"data": data}).encode(),
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=60) as response:
        event_id = json.loads(response.read())["event_id"]
    with urllib.request.urlopen(f"{url}gradio_api/call/{api}/{event_id}", timeout=300) as response:
        stream = response.read().decode("utf-8")
    events = re.findall(r"^event: (\w+)\ndata: (.*)$", stream, flags=re.M)
    return events[-1][0], json.loads(events[-1][1])
