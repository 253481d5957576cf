"""One real browser on the real page: headless Chromium asks the flagship question and sees the cited answer."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_support import FLAGSHIP, TNMT, build_kb, free_port

pytestmark = [pytest.mark.slow, pytest.mark.integration]
CHROMIUM = os.environ.get("PLANQA_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from ui.app import build_app
    from ui.launch import launch
    from ui.service import PlanqaService

    service = PlanqaService(build_kb(tmp_path_factory.mktemp("ui-browser") / "kb", held_back=None), embedder="none")
    app = build_app(service)
    _, address = launch(app, service, port=free_port(), block=False, quiet=True)
    yield address
    app.close()
    service.close()


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
            box = page.locator("#pq-question textarea")
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
            first.get_by_text("Xem trong văn bản").click()  # the passage opens in its surrounding text
            assert first.locator(".pq-context-text").is_visible()
            assert not outside, f"the page fetched from outside the app: {outside[:3]}"
            shot = tmp_path / "flagship.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()
