"""The ``planqa ingest`` loop: hash → skip or parse → upsert, one file at a time, failures reported and passed over."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from index_store import Store
from ingest.errors import IngestError
from planqa import _render

STATUSES = ("added", "replaced", "unchanged", "failed")


def _result(path: Path) -> dict[str, Any]:
    return {
        "file": str(path), "source": path.name, "status": "failed", "doc_id": None, "doc_number": None,
        "province": None, "assignments": 0, "scores": 0, "passages": 0, "warnings": [], "error": None,
    }  # fmt: skip


def _named(path: Path, message: str) -> str:
    return message if path.name in message else f"{path.name}: {message}"


def ingest_one(store: Store, path: Path, pipeline: Any, vocab: Callable[[], Any]) -> dict[str, Any]:
    """Ingest one file and describe what happened; never raises for a bad file.

    The stored identity of a file is its absolute path (``path`` as :func:`iter_plan_files` gives it),
    so the next run finds it with ``find_unchanged`` and skips it without parsing.
    """
    res = _result(path)
    try:
        digest = pipeline.file_hash(path)
        doc_id = store.find_unchanged(str(path), digest)
        if doc_id:
            row = store.document_rows(doc_id)[0]
            res.update({k: row[k] for k in ("doc_id", "doc_number", "province", "warnings")}, **row["counts"])
            res["status"] = "unchanged"
            return res
        parsed = pipeline.parse_file(path, vocab=vocab())
        if parsed.document.path != str(path):
            parsed = dataclasses.replace(parsed, document=dataclasses.replace(parsed.document, path=str(path)))
        res["status"] = store.upsert(parsed)
        doc = parsed.document
        res.update(doc_id=doc.doc_id, doc_number=doc.doc_number, province=doc.province, warnings=list(doc.warnings))
        res.update(assignments=len(parsed.assignments), scores=len(parsed.scores), passages=len(parsed.passages))
    except IngestError as err:
        res["error"] = _named(path, str(err))
    except OSError as err:
        res["error"] = f"{path}: cannot read the file ({err.strerror or err}); check the path and its permissions"
    except Exception as err:  # noqa: BLE001 - one broken file (or parser bug) must not stop the others
        res["error"] = f"{path.name}: unexpected {type(err).__name__} while ingesting: {err}"
    return res


def run_ingest(store: Store, paths: Sequence[str], *, as_json: bool) -> list[dict[str, Any]]:
    """Expand ``paths``, ingest every file into ``store`` and print the results.

    Args:
        store: an open, writable store (the caller holds the knowledge-base lock).
        paths: files and folders as typed on the command line.
        as_json: print one JSON object per file and a summary object instead of a table.

    Returns:
        One result dict per file (the ``--json`` objects).
    """
    from ingest import pipeline  # heavy (docx, pdf readers): imported only when there is work to do

    files = pipeline.iter_plan_files(paths)
    cache: list[Any] = []

    def vocab() -> Any:
        if not cache:
            cache.append(pipeline.load_vocabulary())
        return cache[0]

    results = []
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        console=Console(stderr=True), transient=True, disable=as_json or not sys.stderr.isatty(),
    )  # fmt: skip
    with progress:
        task = progress.add_task("ingesting", total=len(files))
        for path in files:
            progress.update(task, description=path.name)
            res = ingest_one(store, path, pipeline, vocab)
            results.append(res)
            if as_json:
                print(json.dumps(res, ensure_ascii=False), flush=True)
            progress.advance(task)
    summary = {status: sum(r["status"] == status for r in results) for status in STATUSES}
    if as_json:
        print(json.dumps({"summary": summary}, ensure_ascii=False))
    elif results:
        _render.ingest_table(results)
        print(", ".join(f"{k} {v}" for k, v in summary.items()))
    return results
