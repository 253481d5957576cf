"""A BM25-only knowledge base of some plan files and an assistant over it, for answer-level tests."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from assistant.assistant import Assistant
from index_store.knowledge_base import KnowledgeBase
from ingest.vocab import load_vocabulary
from planqa import cli


@contextmanager
def assistant_over(kb_dir: Path, paths: Sequence[Path]) -> Iterator[Assistant]:
    """Ingest ``paths`` (files or folders) into ``kb_dir`` through the CLI, then yield an assistant over it."""
    assert cli.main(["--kb", str(kb_dir), "ingest", "--json", "--no-embed", *map(str, paths)]) == 0
    kb = KnowledgeBase(kb_dir, embedder=None, log=lambda _: None)
    kb.sync()
    try:
        yield Assistant(kb.store, load_vocabulary(), kb.search)
    finally:
        kb.close()
