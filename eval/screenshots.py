"""Screenshots of every tab of the app, in light and dark mode, as a user sees them after one typical action
each (the images in ``docs/screenshots/`` are made by this script).

Usage::

    .venv/bin/python -m eval.screenshots [--kb KB] [--out docs/screenshots]

Without ``--kb`` a knowledge base of the bundled plans is built in a temporary folder (BM25 only, as the
browser tests do). Needs Chromium (``/usr/bin/chromium``) and the ``playwright`` package.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]  # fmt: skip
FLAGSHIP = "Cơ quan nào phụ trách Quản trị môi trường (PAPI) ở Đồng Nai?"


def _pick(page: Any, elem_id: str, value: str) -> None:
    box = page.locator(f"#{elem_id} input")
    box.fill(value)
    box.press("Enter")


def _chat(page: Any) -> None:
    box = page.locator("#pq-question textarea")
    box.fill(FLAGSHIP)
    box.press("Enter")
    page.wait_for_function("document.querySelectorAll('#pq-sources .pq-turn').length >= 1", timeout=60_000)


def _tasks(page: Any) -> None:
    _pick(page, "pq-task-agency", "Sở Nội vụ")
    page.wait_for_timeout(2_000)
    page.get_by_label("Đến hạn trong kỳ").check()
    page.get_by_role("textbox", name="Kỳ", exact=True).fill("quý IV/2024")
    page.locator("#pq-due-go").click()
    page.get_by_text("Tải lịch (.ics)").wait_for(timeout=30_000)
    page.wait_for_function(
        "[...document.querySelectorAll('button')].some(b => b.textContent.includes('.ics') && !b.disabled)",
        timeout=30_000,
    )


def _compare(page: Any) -> None:
    _pick(page, "pq-component", "tiep can dich vu")
    page.get_by_role("button", name="So sánh", exact=True).click()
    page.locator(".pq-column").first.wait_for(timeout=30_000)


def _charts(page: Any) -> None:
    _pick(page, "pq-chart-index", "PAPI")
    _pick(page, "pq-chart-place", "Đồng Nai")
    page.get_by_role("button", name="Vẽ biểu đồ").click()
    page.locator("#pq-chart img, #pq-chart canvas, #pq-chart svg").first.wait_for(timeout=30_000)
    _pick(page, "pq-tree-index", "PAPI")
    page.locator("#pq-tree .pq-tree").first.wait_for(timeout=30_000)


def _draft(page: Any) -> None:
    _pick(page, "pq-draft-place", "Đồng Nai")
    _pick(page, "pq-draft-index", "PAPI")
    page.wait_for_timeout(2_000)  # the weakest components are picked
    page.locator("#pq-draft-go").click()
    page.locator("#pq-draft-preview table").first.wait_for(timeout=30_000)


def _kb(page: Any) -> None:
    page.wait_for_timeout(500)


TABS: tuple[tuple[str, str, Callable[[Any], None]], ...] = (
    ("Hỏi đáp", "hoi-dap", _chat),
    ("Nhiệm vụ", "nhiem-vu", _tasks),
    ("So sánh", "so-sanh", _compare),
    ("Biểu đồ", "bieu-do", _charts),
    ("Soạn dự thảo", "soan-du-thao", _draft),
    ("Kho tài liệu", "kho-tai-lieu", _kb),
)


def take(url: str, out: Path, themes: tuple[str, ...] = ("light", "dark"), browser: Any = None) -> list[Path]:
    """Open each tab in each theme, do its action, save ``<tab>-<theme>.png`` into ``out``.

    Args:
        browser: a running Playwright browser to use; a headless Chromium is started when ``None``.
    """
    if browser is not None:
        return _take(browser, url, out, themes)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            return _take(chromium, url, out, themes)
        finally:
            chromium.close()


def _take(browser: Any, url: str, out: Path, themes: tuple[str, ...]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    shots = []
    for theme in themes:
        for tab, stem, action in TABS:
            page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="vi-VN")
            try:
                page.goto(url + ("?__theme=dark" if theme == "dark" else ""), wait_until="load")
                page.locator("#pq-question textarea:not([disabled])").wait_for(timeout=60_000)
                page.get_by_role("tab", name=tab, exact=True).click()
                action(page)
                page.wait_for_timeout(600)
                path = out / f"{stem}-{theme}.png"
                page.screenshot(path=str(path))
                shots.append(path)
            finally:
                page.close()
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", help="a knowledge base to show (default: the bundled plans, BM25 only)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"), help="where the PNGs go")
    args = parser.parse_args(argv)
    from planqa import cli
    from ui.app import build_app
    from ui.launch import launch
    from ui.service import PlanqaService

    with tempfile.TemporaryDirectory(prefix="planqa-shots-") as tmp:
        kb = Path(args.kb) if args.kb else Path(tmp) / "kb"
        if not args.kb:
            plans = [str(p) for p in sorted((ROOT / "data" / "plans").iterdir()) if p.is_file()]
            cli.main(["--kb", str(kb), "ingest", "--no-embed", "--json", *plans])
        service = PlanqaService(kb, embedder="none")
        app = build_app(service)
        try:
            _, url = launch(app, service, port=None, block=False, quiet=True)
            for path in take(url, Path(args.out)):
                print(path)
        finally:
            app.close()
            service.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
