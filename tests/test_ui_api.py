"""The launched web app, driven over HTTP with ``gradio_client`` as other systems would."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from ui_support import FLAGSHIP, HELD_BACK, PLANS, TNMT, build_kb, free_port, plan_docx

from index_store import Store
from ingest.vocab import load_vocabulary
from planqa import cli
from ui.app import build_app
from ui.export import TABLE_HEADERS, assignment_rows
from ui.launch import launch
from ui.service import PlanqaService

pytestmark = [pytest.mark.slow, pytest.mark.integration]
gradio_client = pytest.importorskip("gradio_client")


class Running:
    """A launched app: its URL, a client, and the service behind it."""

    def __init__(self, kb: Path, **service_args: Any) -> None:
        self.service = PlanqaService(kb, embedder="none", **service_args)
        self.app = build_app(self.service)
        _, self.url = launch(self.app, self.service, port=free_port(), block=False, quiet=True)
        self.client = gradio_client.Client(self.url, verbose=False)

    def ask(self, question: str, conversation: list[str] | None = None, filters: dict[str, str] | None = None) -> Any:
        return self.client.predict(question, conversation or [], filters or {}, api_name="/ask")

    def get(self, server_path: str) -> bytes:
        with urllib.request.urlopen(f"{self.url}gradio_api/file={server_path}", timeout=30) as response:
            return bytes(response.read())

    def close(self) -> None:
        self.app.close()
        self.service.close()


@pytest.fixture(scope="module")
def base_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_kb(tmp_path_factory.mktemp("ui-api") / "kb")


@pytest.fixture(scope="module")
def running(base_kb: Path) -> Iterator[Running]:
    app = Running(base_kb)
    yield app
    app.close()


@pytest.fixture
def writable(base_kb: Path, tmp_path: Path) -> Iterator[Running]:
    kb = tmp_path / "kb"
    shutil.copytree(base_kb, kb)
    app = Running(kb, upload_max_mb=1)
    yield app
    app.close()


def _without_timing(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "elapsed_ms"}


def test_flagship_question_through_ask_is_the_cli_answer(
    running: Running, base_kb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = running.ask(FLAGSHIP)
    assert answer["found"] and answer["agencies"][0] == TNMT
    assert answer["citations"] and answer["citations"][0]["location"].startswith("Phụ lục 11")
    assert cli.main(["--kb", str(base_kb), "ask", "--json", FLAGSHIP]) == 0
    from_cli = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert _without_timing(answer) == _without_timing(from_cli)


def test_a_follow_up_through_ask_uses_the_conversation(running: Running) -> None:
    follow = running.ask("Còn chất lượng nước?", [FLAGSHIP])
    alone = running.ask("Còn chất lượng nước?")
    assert follow["filters"]["province"] == "Đồng Nai" and alone["filters"]["province"] is None
    assert follow["agencies"][0] == TNMT and "Chất lượng nước" in follow["answer"]
    narrowed = running.ask("Cơ quan nào phụ trách chất lượng nước?", [], {"province": "lang son"})
    assert {c["province"] for c in narrowed["citations"]} == {"Lạng Sơn"}


def test_bad_ask_input_gets_a_clear_error(running: Running) -> None:
    with pytest.raises(Exception, match="không có khoá 'nam'"):
        running.ask(FLAGSHIP, [], {"nam": "2023"})


def test_concurrent_clients_get_the_answers_one_client_gets(running: Running) -> None:
    questions = [
        (FLAGSHIP, []),
        ("Còn chất lượng nước?", [FLAGSHIP]),
        ("Sở Y tế Đồng Nai được giao những nhiệm vụ gì?", []),
        ("co quan nao phu trach chat luong khong khi o dong nai", []),
    ]
    alone = [_without_timing(running.ask(q, t)) for q, t in questions]

    def client_run(_: int) -> list[dict[str, Any]]:
        client = gradio_client.Client(running.url, verbose=False)
        return [_without_timing(client.predict(q, t, {}, api_name="/ask")) for q, t in questions]

    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = list(pool.map(client_run, range(4)))
    assert all(run == alone for run in runs)


def test_assignments_table_and_downloads_have_the_records(running: Running, base_kb: Path) -> None:
    agency, summary, table, csv_file, xlsx_file = running.client.predict(
        "so tnmt", "dong nai", "PAPI", api_name="/assignments"
    )
    with Store(base_kb, readonly=True) as store:
        records = store.assignments(agency=TNMT, province="Đồng Nai", plan_index="PAPI", vocab=load_vocabulary())
    rows = assignment_rows(records, TNMT)
    assert agency == TNMT and f"{len(rows)} nhiệm vụ" in summary
    assert table["headers"] == list(TABLE_HEADERS) and table["data"] == rows
    csv_rows = list(csv.reader(io.StringIO(running.get(csv_file["value"]).decode("utf-8-sig"), newline="")))
    assert csv_rows == [list(TABLE_HEADERS), *rows]
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(running.get(xlsx_file["value"]))).active
    assert sheet is not None
    assert [[c or "" for c in r] for r in sheet.iter_rows(min_row=2, values_only=True)] == rows


def test_the_page_may_load_images_from_the_app_only(running: Running) -> None:
    # Gradio's page puts the configured head into <head> as it starts
    with urllib.request.urlopen(f"{running.url}config", timeout=30) as response:
        head = json.loads(response.read())["head"]
    assert head.startswith('<meta http-equiv="Content-Security-Policy" content="img-src \'self\' data: blob:">')
    assert "<script>" in head and "src=" not in head  # the page's own script is inline: nothing is fetched


def test_the_knowledge_base_folder_is_never_served(running: Running, base_kb: Path) -> None:
    with pytest.raises(urllib.error.HTTPError) as err:
        running.get(str(base_kb / "planqa.sqlite3"))
    assert err.value.code in (403, 404)


def test_uploading_a_docx_plan_over_http_makes_it_answerable(writable: Running, tmp_path: Path) -> None:
    question = "Sở Giao thông vận tải Lạng Sơn có giải pháp gì cho tiếp cận dịch vụ SIPAS?"
    assert "ke-hoach-sgtvt.docx" not in {c["source"] for c in writable.ask(question)["citations"]}
    plan = plan_docx(PLANS / HELD_BACK, tmp_path / "ke-hoach-sgtvt.docx")
    results, summary, _ = writable.client.predict([gradio_client.handle_file(str(plan))], api_name="/upload")
    assert results["data"][0][:4] == ["ke-hoach-sgtvt.docx", "Đã thêm", "/KH-SGTVT", "Lạng Sơn"]
    assert summary.startswith("Đã thêm 1\n\n#### Đã đọc được") and "Tỉnh: Lạng Sơn" in summary
    answer = writable.ask(question)
    assert answer["citations"][0]["source"] == "ke-hoach-sgtvt.docx" and "Tiếp cận dịch vụ" in answer["answer"]


def test_a_corrupt_upload_over_http_is_reported_and_changes_nothing(writable: Running, tmp_path: Path) -> None:
    documents, before = writable.service.catalog().documents, _without_timing(writable.ask(FLAGSHIP))
    broken = tmp_path / "ke-hoach.docx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    results, summary, _ = writable.client.predict([gradio_client.handle_file(str(broken))], api_name="/upload")
    row = results["data"][0]
    assert row[:2] == ["ke-hoach.docx", "Lỗi"] and "tệp bị hỏng hoặc không đúng định dạng .docx" in row[5]
    assert "không làm thay đổi kho" in summary
    assert writable.service.catalog().documents == documents
    assert _without_timing(writable.ask(FLAGSHIP)) == before


def test_an_upload_over_the_size_limit_is_refused(
    writable: Running, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest import pipeline

    read: list[str] = []
    monkeypatch.setattr(pipeline, "file_hash", lambda path, *a, **kw: read.append(str(path)))
    monkeypatch.setattr(pipeline, "parse_file", lambda path, *a, **kw: read.append(str(path)))
    big = tmp_path / "ke-hoach-lon.txt"
    big.write_text((PLANS / HELD_BACK).read_text(encoding="utf-8") * 120, encoding="utf-8")  # ~1.3 MB > 1 MB
    with pytest.raises(Exception, match="(?i)too large|exceeds|size"):
        writable.client.predict([gradio_client.handle_file(str(big))], api_name="/upload")
    assert read == []  # refused by the upload route itself: the file never reached the knowledge base
    assert len(writable.service.catalog().documents) == 3


def _post_file(url: str, name: str, data: bytes) -> tuple[int, Any]:
    """Upload ``data`` to Gradio's upload route under ``name`` exactly as given, as a browser would send it."""
    boundary = uuid.uuid4().hex
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n\r\n'
    body = head.encode("utf-8") + data + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    request = urllib.request.Request(f"{url}gradio_api/upload", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8")


def _call(url: str, api: str, data: list[Any]) -> tuple[str, Any]:
    """One call of a named endpoint over plain HTTP: (the last event, "complete" or "error"; its data)."""
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


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_crafted_upload_names_over_http_never_write_outside_the_uploads(writable: Running, tmp_path: Path) -> None:
    plan = plan_docx(PLANS / HELD_BACK, tmp_path / "plan.docx")
    kb = writable.service.kb_dir
    documents, answer = writable.service.catalog().documents, _without_timing(writable.ask(FLAGSHIP))
    before = _files(tmp_path)  # the knowledge base is tmp_path/kb: "../../x" from its uploads lands here
    refused = {  # the browser's name → the name Gradio keeps (its last part, separators and controls removed)
        "..\\..\\evil.docx": "....evil.docx", "../../.evil.docx": ".evil.docx", "/etc/.passwd.txt": ".passwd.txt",
        "ke-hoach\u202excod.docx": "ke-hoach\\u202excod.docx",  # a right-to-left override: "ke-hoachxcod.docx"
    }  # fmt: skip
    for name, kept in refused.items():
        status, stored = _post_file(writable.url, name, plan.read_bytes())
        assert status == 200, stored
        event, out = _call(writable.url, "upload", [[{"path": stored[0], "meta": {"_type": "gradio.FileData"}}]])
        assert event == "complete", out
        row = out[0]["data"][0]
        assert row[:2] == [kept, "Lỗi"] and row[5].startswith(f"{kept}: tên tệp ") and "hãy đổi tên tệp" in row[5]
    assert _post_file(writable.url, "..", plan.read_bytes()) == (400, '{"detail":"Invalid file name: .."}')
    for server_file in (plan, kb / "planqa.sqlite3"):  # a client naming a server file instead of uploading one
        event, _ = _call(writable.url, "upload", [[{"path": str(server_file), "meta": {"_type": "gradio.FileData"}}]])
        assert event == "error"
    assert _files(tmp_path) == before
    assert writable.service.catalog().documents == documents
    assert _without_timing(writable.ask(FLAGSHIP)) == answer

    status, stored = _post_file(writable.url, "../../evil.docx", plan.read_bytes())  # cut to its last part: kept
    event, out = _call(writable.url, "upload", [[{"path": stored[0], "meta": {"_type": "gradio.FileData"}}]])
    assert (status, event, out[0]["data"][0][:2]) == (200, "complete", ["evil.docx", "Đã thêm"])
    added = _files(tmp_path) - before
    assert kb / "uploads" / "evil.docx" in added and all(p.is_relative_to(kb) for p in added)
    assert not (tmp_path / "evil.docx").exists()
