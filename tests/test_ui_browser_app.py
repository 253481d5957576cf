"""The app an official keeps open all day, in a real headless Chromium: Vietnamese page and labels, [n] that
lead to their source, an earlier answer's sources brought back, a conversation that survives a reload,
👍/👎 stored with a comment, readable highlights in dark mode, the sources drawer at phone width, and a
short message for an empty question."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_ui_browser import ARGS, CHROMIUM, _browser, _serve
from ui_support import FLAGSHIP, TNMT, build_kb

pytestmark = [pytest.mark.slow, pytest.mark.integration]
HEALTH = "Sở Y tế Đồng Nai được giao những nhiệm vụ gì?"
SERVICES: list[Any] = []

# WCAG relative luminance and contrast ratio of a mark's text on its own background, in the page
CONTRAST = """els => els.map(e => {
  const rgb = s => s.match(/[0-9.]+/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                     return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const st = getComputedStyle(e);
  const a = lum(rgb(st.color)), b = lum(rgb(st.backgroundColor));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
})"""


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(build_kb(tmp_path_factory.mktemp("ui-browser-app") / "kb", held_back=None), SERVICES)


@pytest.fixture(scope="module")
def browser(url: str) -> Iterator[Any]:
    sync_api: Any = _browser()
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def _ask(page: Any, question: str, answers: int) -> None:
    box = page.locator("#pq-question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('#pq-sources .pq-turn').length >= {answers}", timeout=60_000)


def _open(browser: Any, url: str, *, width: int = 1440, height: int = 1000, dark: bool = False) -> Any:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    page = context.new_page()
    page.goto(url + ("?__theme=dark" if dark else ""), wait_until="load")
    page.locator("#pq-question textarea:not([disabled])").wait_for(timeout=60_000)  # the saved conversation is read
    return page


def _active(page: Any) -> list[str]:
    return page.locator("#pq-sources .pq-turn.pq-active").evaluate_all("els => els.map(e => e.dataset.turn)")


def test_vietnamese_page_citations_earlier_sources_and_a_reload(browser: Any, url: str) -> None:
    page = _open(browser, url)
    try:
        assert page.evaluate("document.documentElement.lang") == "vi"
        page.locator("#pq-ask").click()  # an empty question gets a sentence, not silence
        page.get_by_text("Hãy nhập câu hỏi").first.wait_for(timeout=10_000)

        _ask(page, FLAGSHIP, 1)
        _ask(page, HEALTH, 2)
        assert _active(page) == ["2"]  # the latest answer's sources
        page.get_by_text("Hội thoại đang mở: 2 câu hỏi").wait_for(timeout=10_000)  # one conversation, said so
        page.wait_for_function(  # the handout of the whole conversation is written once the answer is shown
            "[...document.querySelectorAll('button')].some(b => b.textContent.includes('Tải cả hội thoại (.docx)')"
            " && !b.disabled)",
            timeout=20_000,
        )
        labels = page.locator("#pq-chat [aria-label]").evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
        assert "Chép câu trả lời" in labels and not [a for a in labels if a in ("Copy message", "Like", "Dislike")]
        assert "processing" not in page.locator("body").inner_text()
        # Gradio writes its status line in English into its code; the page says it in Vietnamese
        shown = page.evaluate(
            "() => new Promise(done => { const d = document.createElement('div'); document.body.append(d);"
            " d.textContent = 'processing | 0.8s'; setTimeout(() => done(d.textContent), 100); })"
        )
        assert shown == "đang xử lý | 0.8s"

        # a click on [n] of the first answer shows the first answer's sources and marks the card
        link = page.locator('#pq-chat a[href^="#pq-src-1-"]').nth(1)
        target = link.get_attribute("href").lstrip("#")
        link.click()
        page.wait_for_timeout(400)
        assert _active(page) == ["1"]
        card = page.locator(f"#{target}")
        assert card.is_visible() and "pq-flash" in (card.get_attribute("class") or "")
        assert TNMT in page.locator("#pq-sources .pq-turn.pq-active").inner_text()
        assert page.url.endswith(("/", "?")) or "#" not in page.url  # the page did not navigate

        # a click on the second answer brings its sources back
        page.locator("#pq-chat .bot-row").nth(1).click(position={"x": 30, "y": 12})
        page.wait_for_timeout(300)
        assert _active(page) == ["2"]
        card_head = page.locator("#pq-sources .pq-turn.pq-active .pq-source-head").first.inner_text()
        assert "UBND tỉnh Đồng Nai" in card_head and ".txt" not in card_head  # number · issuer, not the file

        # the conversation survives a reload, sources included, and is listed
        page.reload(wait_until="load")
        page.locator("#pq-question textarea:not([disabled])").wait_for(timeout=60_000)
        page.wait_for_function("document.querySelectorAll('#pq-sources .pq-turn').length >= 2", timeout=60_000)
        assert page.locator("#pq-chat").get_by_text(FLAGSHIP).is_visible()
        assert page.locator("#pq-chat .bot-row").count() == 2
        assert "(2 câu hỏi)" in page.locator("#pq-saved input").input_value()

        # a new conversation starts empty; the old one stays listed and opens again
        page.locator("#pq-new").click()
        page.wait_for_function("document.querySelectorAll('#pq-chat .bot-row').length === 0", timeout=20_000)
        _ask(page, HEALTH, 1)
        page.locator("#pq-saved input").click()
        options = page.locator("ul[role=listbox] li")
        assert options.count() == 2
        options.filter(has_text="(2 câu hỏi)").first.click()
        page.wait_for_function("document.querySelectorAll('#pq-chat .bot-row').length === 2", timeout=20_000)
        assert page.locator("#pq-chat").get_by_text(FLAGSHIP).is_visible()
    finally:
        page.context.close()


def test_feedback_is_stored_with_the_answer_and_its_comment(browser: Any, url: str) -> None:
    page = _open(browser, url)
    try:
        _ask(page, FLAGSHIP, 1)
        before = len(SERVICES[0].feedback())
        page.locator("#pq-chat .bot-row").first.hover()
        page.locator('#pq-chat button[aria-label="Câu trả lời chưa tốt"]').first.click()
        page.get_by_text("Cảm ơn, đã ghi nhận").first.wait_for(timeout=10_000)
        comment = page.locator("#pq-comment textarea")
        comment.fill("Thiếu cơ quan phối hợp")
        comment.press("Enter")
        page.get_by_text("Cảm ơn, đã lưu góp ý").first.wait_for(timeout=10_000)
        stored = SERVICES[0].feedback()
        assert len(stored) == before + 1
        last = stored[-1]
        assert last["rating"] == "down" and last["comment"] == "Thiếu cơ quan phối hợp"
        assert last["question"] == FLAGSHIP and TNMT in last["answer"] and last["citations"]
    finally:
        page.context.close()


def test_dark_mode_highlights_are_readable(browser: Any, url: str) -> None:
    page = _open(browser, url, dark=True)
    try:
        _ask(page, FLAGSHIP, 1)
        marks = page.locator("#pq-sources .pq-turn.pq-active mark")
        assert marks.count() >= 2 and page.locator("#pq-sources mark.pq-agency").count() >= 1
        ratios = marks.evaluate_all(CONTRAST)
        assert min(ratios) >= 4.5, f"contrast of highlighted text in dark mode: {sorted(ratios)[:3]}"
    finally:
        page.context.close()


def test_phone_width_sources_drawer(browser: Any, url: str) -> None:
    page = _open(browser, url, width=390, height=844)
    try:
        _ask(page, FLAGSHIP, 1)
        handle = page.locator("#pq-sources .pq-drawer-handle")
        box = handle.bounding_box()
        assert box is not None and box["y"] <= 844 - 36  # the drawer's handle is on screen, its words readable …
        assert "Nguồn trích dẫn (" in handle.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 392  # … and nothing runs off the side
        link = page.locator('#pq-chat a[href^="#pq-src-1-"]').first
        link.scroll_into_view_if_needed()
        link.click()
        page.wait_for_timeout(600)
        card = page.locator(f"#{link.get_attribute('href').lstrip('#')}").bounding_box()
        assert card is not None and 0 <= card["y"] < 844  # the cited source is in view, in the open drawer
    finally:
        page.context.close()


def test_each_view_opens_and_does_its_job(browser: Any, url: str, tmp_path: Path) -> None:
    """Each tab after its typical action, in dark mode: the cited answer, an agency's tasks due in a quarter, a
    comparison, a chart and the index tree, a draft, the knowledge base (docs/screenshots are made the same way,
    in both themes)."""
    from eval.screenshots import TABS, take

    shots = take(url, tmp_path, themes=("dark",), browser=browser)  # light mode: the tests above, and docs/
    assert len(shots) == len(TABS) and all(p.stat().st_size > 20_000 for p in shots)
