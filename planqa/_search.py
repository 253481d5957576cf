"""``planqa search`` and the index sync after ``planqa ingest``: open the knowledge base with the configured
embedder and vector index, search with filters, print hits (a readable list, or JSON Lines)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from index_store import DB_NAME
from index_store.protocols import Filters, Hit
from planqa import _render


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def embed_ahead(args: argparse.Namespace) -> Any:
    """An :class:`index_store.embedders.EmbedAhead` over the configured embedder (loaded when first
    needed), for ``planqa ingest`` to embed passages while it reads the next files; ``None`` with
    ``--no-embed`` or without an embedder."""
    from index_store.embedders import EmbedAhead, make_embedder, wants_embedder

    if args.no_embed or not wants_embedder(args.embedder):
        return None
    return EmbedAhead(lambda: make_embedder(args.embedder))


def open_kb(kb: Path, args: argparse.Namespace, *, dense: bool = True, embedder: Any = None) -> Any:
    """A :class:`index_store.knowledge_base.KnowledgeBase` configured from the resolved settings.

    Args:
        kb: the knowledge-base folder.
        args: parsed arguments carrying ``embedder``, ``vector_index`` and ``chroma_url`` (from the settings).
        dense: False to leave the dense side out whatever ``embedder`` says.
        embedder: an embedder already loaded (used when ``dense``), instead of loading ``args.embedder``.

    Raises:
        Exception: whatever the embedder factory raises for an unusable ``PLANQA_EMBEDDER``.
    """
    from index_store.knowledge_base import KnowledgeBase

    if not dense:
        embedder = None
    elif embedder is not None:
        _ = embedder.dim  # an embedder loaded on first use (EmbedAhead) loads, or raises, here
    else:
        from index_store.embedders import embedder_for

        embedder = embedder_for(args.embedder)
    return KnowledgeBase(kb, embedder=embedder, vector_kind=args.vector_index, chroma_url=args.chroma_url or None)


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback drawing a bar on stderr once there is something to embed (a no-op
    when not a terminal): "embedding passages (first time only) ━━━━ 128/480 0:00:41"."""
    bar = Progress(
        TextColumn("embedding passages (first time only; later starts reuse them)"), BarColumn(),
        MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=True, disable=not enabled or not sys.stderr.isatty(),
    )  # fmt: skip
    with bar:
        tasks: list[Any] = []

        def update(done: int, total: int) -> None:
            if not tasks:
                tasks.append(bar.add_task("embed", total=total))
            bar.update(tasks[0], completed=done, total=total)

        yield update


def sync_after_ingest(kb: Path, args: argparse.Namespace, *, embedder: Any = None) -> int:
    """Bring the search indexes in step with what was just ingested (embeddings unless ``--no-embed``),
    with ``embedder`` when one is already loaded (see :func:`embed_ahead`).

    Returns:
        0, or 1 when the dense side could not be built (BM25 search still works) or an index could not be
        saved (a full disk: the knowledge base said so in one line; the next search rebuilds it).
    """
    try:
        knowledge = open_kb(kb, args, dense=not args.no_embed, embedder=embedder)
    except Exception as err:  # noqa: BLE001 - an unusable embedder must not hide the ingest results
        _err(f"embeddings were not computed ({type(err).__name__}: {err}); fix PLANQA_EMBEDDER or use --no-embed")
        knowledge, status = open_kb(kb, args, dense=False), 1
    else:
        status = 0
    with knowledge, _progress(not args.json) as progress:
        try:
            knowledge.sync(progress=progress)
        except Exception as err:  # noqa: BLE001 - records are stored; only the derived index failed
            _err(
                f"the documents are stored, but the search index could not be brought up to date "
                f"({type(err).__name__}: {err}); the next `planqa ask` or `planqa search` rebuilds it"
            )
            return 1
        if knowledge.unsaved is not None:
            return 1
    return status


def hit_dict(rank: int, hit: Hit, documents: dict[str, Any]) -> dict[str, Any]:
    """One ``planqa search --json`` object."""
    p, doc = hit.passage, documents.get(hit.passage.doc_id)
    return {
        "rank": rank, "doc_id": p.doc_id, "source": doc.source if doc else "", "title": doc.title if doc else "",
        "province": p.province or (doc.province if doc else ""), "location": p.location, "header": p.header,
        "text": p.text, "score": round(hit.score, 6), "found_by": hit.found_by, "ranks": hit.ranks,
    }  # fmt: skip


def _why_nothing(knowledge: Any, filters: Filters) -> str:
    """A sentence naming the filter that matched no passage, else a generic one."""
    for name in ("province", "plan_index", "component", "agency", "doc"):
        value = getattr(filters, name)
        if value and not knowledge.allowed(Filters(**{name: value})):
            what = {"province": "no plan of province", "doc": "no document"}.get(name, f"no passage with {name}")
            return f"{what} {value!r} in the knowledge base (`planqa docs` lists what is loaded)"
    return "no passage matches this query" + (" with these filters" if not filters.is_empty() else "")


def cmd_search(args: argparse.Namespace) -> int:
    """``planqa search QUERY``: the best passages with scores and which retriever found them."""
    kb = Path(args.kb)
    if not (kb / DB_NAME).exists():
        _err(f"the knowledge base {kb} has no documents yet; add some with `planqa --kb {kb} ingest PATH`")
        return 0
    filters = Filters(args.province, args.index, args.component, args.agency, args.doc)
    try:
        knowledge = open_kb(kb, args, dense=args.mode != "sparse")
    except Exception as err:  # noqa: BLE001 - say it in one sentence at the edge
        if args.mode == "dense":
            _err(f"dense search is not available: {type(err).__name__}: {err}")
            return 2
        _err(f"dense retrieval is not available ({type(err).__name__}: {err}); searching with BM25 only")
        knowledge = open_kb(kb, args, dense=False)
    with knowledge:
        try:
            hits = knowledge.search(" ".join(args.query), k=args.k, filters=filters, mode=args.mode)
        except ValueError as err:
            _err(str(err))
            return 2
        except Exception as err:  # noqa: BLE001 - a vector store that fails mid-way: one sentence, not a trace
            _err(f"search failed: {type(err).__name__}: {err}; `planqa search --mode sparse` works without it")
            return 2
        documents = {d.doc_id: d for d in knowledge.store.documents()}
        if not hits:
            _err(_why_nothing(knowledge, filters))
    rows = [hit_dict(rank, hit, documents) for rank, hit in enumerate(hits, start=1)]
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
    else:
        _render.search_hits(rows)
    return 0
