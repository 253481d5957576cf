"""One real browser on the real page: headless Chromium asks the flagship question and sees the cited answer;
asked about a plan with HTML, links and images in it, the page shows them as text and fetches nothing."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile_text_support import HOST, HOSTILE_LEAD, hostile_plan
from ui_support import FLAGSHIP, PLANS, TNMT, build_kb, free_port

from planqa import cli

pytestmark = [pytest.mark.slow, pytest.mark.integration]
CHROMIUM = os.environ.get("PLANQA_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _serve(kb: Path, services: list[object] | None = None) -> Iterator[str]:
    from ui.app import build_app
    from ui.launch import launch
    from ui.service import PlanqaService

    service = PlanqaService(kb, embedder="none")
    if services is not None:
        services.append(service)
    app = build_app(service)
    _, address = launch(app, service, port=free_port(), block=False, quiet=True)
    yield address
    app.close()
    service.close()


SERVICES: list[object] = []  # the service behind ``url``, for tests that check what the page stored


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(build_kb(tmp_path_factory.mktemp("ui-browser") / "kb", held_back=None), SERVICES)


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("ui-browser-hostile")
    plans = [hostile_plan(folder / "ke-hoach-tam-duong.txt"), PLANS / "002_83f94803ec7c9df2.txt"]
    assert cli.main(["--kb", str(folder / "kb"), "ingest", "--no-embed", "--json", *map(str, plans)]) == 0
    yield from _serve(folder / "kb")


def _browser() -> object:
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); the browser test needs a real Chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    return sync_api


def test_the_flagship_question_in_a_real_browser(url: str, tmp_path: Path) -> None:
    sync_api: object = _browser()
    with sync_api.sync_playwright() as pw:  # type: ignore[attr-defined]
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="vi-VN")
            outside: list[str] = []
            page.on("request", lambda r: None if r.url.startswith(url) else outside.append(r.url))
            page.goto(url, wait_until="load")
            box = page.locator("#pq-question textarea:not([disabled])")
            box.wait_for(timeout=60_000)
            box.fill(FLAGSHIP)
            box.press("Enter")
            chat = page.locator("#pq-chat")
            chat.get_by_text(TNMT).first.wait_for(timeout=60_000)
            assert chat.get_by_text(FLAGSHIP).is_visible()
            first = page.locator("#pq-sources .pq-source").first
            first.wait_for(timeout=30_000)
            assert first.is_visible() and "Phụ lục 11" in first.inner_text()
            assert page.locator("#pq-sources mark.pq-agency").first.is_visible()
            first.get_by_text("Xem đoạn này trong văn bản").click()  # the passage opens in its surrounding text
            assert first.locator(".pq-context-text").is_visible()
            assert not outside, f"the page fetched from outside the app: {outside[:3]}"
            shot = tmp_path / "flagship.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()


def test_a_hostile_plan_is_shown_as_text_and_the_page_fetches_nothing_outside(hostile_url: str) -> None:
    sync_api: object = _browser()
    question = "Cơ quan nào chủ trì cải cách thể chế ở Tam Đường?"  # cites the row with the hostile cells
    with sync_api.sync_playwright() as pw:  # type: ignore[attr-defined]
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="vi-VN")
            outside: list[str] = []
            page.on("request", lambda r: None if r.url.startswith(hostile_url) else outside.append(r.url))
            page.route(
                re.compile(r"^(?!" + re.escape(hostile_url) + ")"), lambda route: route.abort()
            )  # nothing leaves
            page.goto(hostile_url, wait_until="load")
            box = page.locator("#pq-question textarea:not([disabled])")
            box.wait_for(timeout=60_000)
            box.fill(question)
            box.press("Enter")
            chat = page.locator("#pq-chat")
            chat.get_by_text("Cơ quan chủ trì:").first.wait_for(timeout=60_000)
            page.locator("#pq-sources .pq-source").first.wait_for(timeout=30_000)
            page.wait_for_timeout(500)  # an image the answer held would have been asked for by now
            assert not outside, f"the page asked for something outside the app: {outside[:3]}"
            images = chat.locator("img").evaluate_all("els => els.map(e => e.getAttribute('src'))")
            links = chat.locator("a[href]").evaluate_all("els => els.map(e => e.href)")
            assert not [src for src in images if src and not src.startswith(("data:", "blob:", "/", hostile_url))]
            assert not [href for href in links if not href.startswith(hostile_url)]
            csp = page.locator('head meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
            assert csp == "img-src 'self' data: blob:"  # the third line of defence is in the page
            shown = chat.inner_text()
            assert HOSTILE_LEAD in shown and f"http://{HOST}/bare" in shown  # the plan's text and URLs, as text
        finally:
            browser.close()
