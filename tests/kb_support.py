"""A BM25-only knowledge base of some plan files and an assistant over it, for answer-level tests."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from assistant.assistant import Assistant
from index_store.knowledge_base import KnowledgeBase
from ingest.vocab import load_vocabulary
from planqa import cli

BUNDLED = (Path(__file__).resolve().parent.parent / "data" / "plans").resolve()
_BUILT: dict[tuple[str, ...], Path] = {}  # knowledge bases of the bundled plans only, ingested once per run


def _ingest(kb_dir: Path, paths: Sequence[Path]) -> None:
    """Ingest ``paths`` into ``kb_dir``; the bundled plans (which no test changes) are ingested once per run
    and copied, other files every time."""
    key = tuple(sorted(str(Path(p).resolve()) for p in paths))
    if not all(Path(k).is_relative_to(BUNDLED) for k in key):
        assert cli.main(["--kb", str(kb_dir), "ingest", "--json", "--no-embed", *map(str, paths)]) == 0
        return
    if key not in _BUILT:
        pristine = Path(tempfile.mkdtemp(prefix="planqa-answers-kb-")) / "kb"
        atexit.register(shutil.rmtree, pristine.parent, True)
        assert cli.main(["--kb", str(pristine), "ingest", "--json", "--no-embed", *key]) == 0
        _BUILT[key] = pristine
    shutil.copytree(_BUILT[key], kb_dir, dirs_exist_ok=True)


@contextmanager
def assistant_over(kb_dir: Path, paths: Sequence[Path]) -> Iterator[Assistant]:
    """Ingest ``paths`` (files or folders) into ``kb_dir`` through the CLI, then yield an assistant over it."""
    _ingest(kb_dir, paths)
    kb = KnowledgeBase(kb_dir, embedder=None, log=lambda _: None)
    kb.sync()
    try:
        yield Assistant(kb.store, load_vocabulary(), kb.search)
    finally:
        kb.close()
