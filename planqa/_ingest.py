"""The ``planqa ingest`` loop: hash → skip or parse → upsert, one file at a time, failures reported and passed over."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from index_store import Store
from index_store.intake import STATUSES, ingest_file, refusal
from planqa import _render

if TYPE_CHECKING:  # the embedding stack is imported only when an ingest embeds
    from index_store.embedders import EmbedAhead


def _pages(progress: Progress, task: Any, name: str) -> Callable[[str, int, int], None]:
    """The progress bar's line while a file's scanned pages are read: "scan.pdf: OCR page 3/10"."""

    def told(step: str, done: int, total: int) -> None:
        progress.update(task, description=f"{name}: {step} page {min(done + 1, total)}/{total}")

    return told


def run_ingest(
    store: Store, paths: Sequence[str], *, as_json: bool, ahead: EmbedAhead | None = None
) -> list[dict[str, Any]]:
    """Expand ``paths``, ingest every file into ``store`` and print the results.

    Args:
        store: an open, writable store (the caller holds the knowledge-base lock).
        paths: files and folders as typed on the command line.
        as_json: print one JSON object per file and a summary object instead of a table.
        ahead: given, each stored document's passages start embedding in the background.

    Returns:
        One result dict per file (the ``--json`` objects).
    """
    from ingest import pipeline  # heavy (docx, pdf readers): imported only when there is work to do

    refused: list[tuple[Any, str]] = []
    files = pipeline.iter_plan_files(paths, refused)
    cache: list[Any] = []

    def vocab() -> Any:
        if not cache:
            cache.append(pipeline.load_vocabulary())
        return cache[0]

    results = [refusal(path, reason) for path, reason in refused]
    for res in results:
        if as_json:
            print(json.dumps(res, ensure_ascii=False), flush=True)
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        console=Console(stderr=True), transient=True, disable=as_json or not sys.stderr.isatty(),
    )  # fmt: skip
    with progress:
        task = progress.add_task("ingesting", total=len(files))
        for path in files:
            progress.update(task, description=path.name)
            res = ingest_file(
                store,
                path,
                vocab,
                on_stored=None if ahead is None else lambda d: ahead.submit_passages(store, d.passages),
                progress=_pages(progress, task, path.name),
            )
            results.append(res)
            if as_json:
                print(json.dumps(res, ensure_ascii=False), flush=True)
            progress.advance(task)
    summary = {status: sum(r["status"] == status for r in results) for status in STATUSES}
    if as_json:
        print(json.dumps({"summary": summary}, ensure_ascii=False))
    elif results:
        _render.ingest_table(results)
        _render.read_summary(results)
        print(", ".join(f"{k} {v}" for k, v in summary.items()))
    return results
