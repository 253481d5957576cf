"""``planqa ask`` and ``planqa eval``: the assistant over one knowledge base, from the command line.

``ask QUESTION...`` treats several questions as one conversation, in order. ``ask --json --batch FILE``
reads JSON Lines ``{"id", "question", "turns": [earlier questions]}`` and prints one answer per line in
the contract of DESIGN.md; every line carries ``elapsed_ms``, the time spent on that question in this
process.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from index_store import DB_NAME
from planqa import _render


@contextmanager
def open_assistant(args: argparse.Namespace) -> Iterator[Any]:
    """An Assistant over ``args.kb`` with the configured embedder and vector index; closed on exit."""
    from assistant.assistant import Assistant
    from index_store.embedders import embedder_for
    from index_store.knowledge_base import KnowledgeBase
    from ingest.vocab import load_vocabulary

    kb_dir = Path(args.kb)
    if not (kb_dir / DB_NAME).exists():
        raise FileNotFoundError(
            f"the knowledge base {kb_dir} has no documents yet; add some with `planqa --kb {kb_dir} ingest PATH`"
        )
    embedder = embedder_for(args.embedder)
    vocab = load_vocabulary()
    kb = KnowledgeBase(
        kb_dir, embedder=embedder, vector_kind=args.vector_index, chroma_url=args.chroma_url or None, vocab=vocab
    )
    try:
        kb.sync()
        assistant = Assistant(kb.store, vocab, kb.search)
        assistant.warm()
        yield assistant
    finally:
        kb.close()


def _print_answer(answer: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
        return
    _render.answer(answer)  # the markdown as terminal text, as wide as the terminal


def _batch(path: Path) -> list[dict[str, Any]]:
    items = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(
                    f'{path}, line {n}: not JSON ({err.msg}); expected {{"id", "question", "turns"}}'
                ) from err
            if not isinstance(item, dict) or not isinstance(item.get("question"), str):
                raise ValueError(f'{path}, line {n}: expected an object with a "question" string')
            items.append(item)
    return items


def answer_batch(assistant: Any, items: list[dict[str, Any]]) -> Iterator[Any]:
    """Answer each item as the last turn of its own conversation."""
    from assistant.conversation import Conversation

    for item in items:
        conversation = Conversation()
        for turn in item.get("turns") or []:
            assistant.ask(str(turn), conversation)
        yield assistant.ask(item["question"], conversation, qid=item.get("id"))


def cmd_ask(args: argparse.Namespace) -> int:
    """``planqa ask``: answer questions (one conversation), or a batch file with ``--batch``."""
    from assistant.conversation import Conversation

    if not args.batch and not args.questions:
        print("planqa ask: give a question, or --batch FILE", file=sys.stderr)
        return 2
    try:
        items = _batch(Path(args.batch)) if args.batch else []
        with open_assistant(args) as assistant:
            if args.batch:
                for answer in answer_batch(assistant, items):
                    _print_answer(answer, args.json)
            else:
                conversation = Conversation()
                for question in args.questions:
                    _print_answer(assistant.ask(question, conversation), args.json)
    except (FileNotFoundError, ValueError) as err:
        print(f"planqa ask: {err}", file=sys.stderr)
        return 2
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """``planqa eval``: run a question file through the assistant and print the metrics table."""
    from eval.answer_eval import print_report, score

    try:
        items = _batch(Path(args.questions))
        with open_assistant(args) as assistant:
            run = [a.to_json() for a in answer_batch(assistant, items)]
    except (FileNotFoundError, ValueError) as err:
        print(f"planqa eval: {err}", file=sys.stderr)
        return 2
    report = score(items, run, k=5)
    if args.json:
        print(json.dumps(report["summary"], ensure_ascii=False))
    else:
        print_report(report, failures=args.failures)
    return 0
