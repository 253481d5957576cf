"""The ``planqa`` command line: thin wrappers over ``ingest.pipeline`` and ``index_store.Store``.

Settings come from the environment here and nowhere else (see :mod:`planqa.settings`). Domain errors
become one sentence on stderr: exit status 2 for "cannot run at all" (knowledge base locked, read-only
for a writer, unreadable, or on a disk too full to open it), 1 for "ran, but something failed" (a file
that could not be ingested, nothing to remove, the search index not saved).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

from index_store import DB_NAME, SPARSE_FOLDER, KbLock, KbLocked, Store, StoreError
from index_store.writable import KbReadOnly, write_problem
from ingest.readers import SUPPORTED_EXTENSIONS
from planqa import _render, settings
from planqa._ask import cmd_ask, cmd_eval
from planqa._ingest import run_ingest
from planqa._search import cmd_search, embed_ahead, sync_after_ingest


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def _emit_json(items: list[dict[str, Any]]) -> None:
    for item in items:
        print(json.dumps(item, ensure_ascii=False))


def _open_reader(kb: Path) -> Store | None:
    """A read-only store, or ``None`` (with a hint on stderr) when the knowledge base does not exist yet."""
    if not (kb / DB_NAME).exists():
        _err(f"the knowledge base {kb} has no documents yet; add some with `planqa --kb {kb} ingest PATH`")
        return None
    return Store(kb, readonly=True)


def _load_vocab() -> Any:
    """The shared vocabulary, or ``None`` while the vocabulary module is not installed."""
    try:
        from ingest.vocab import load_vocabulary
    except ImportError:
        return None
    return load_vocabulary()


def cmd_ingest(args: argparse.Namespace) -> int:
    """``planqa ingest PATH...``: add, replace or skip each plan file; one bad file never stops the rest;
    then bring the search indexes up to date (embeddings too, unless ``--no-embed``)."""
    kb = Path(args.kb)
    with KbLock(kb), contextlib.ExitStack() as stack:
        with Store(kb) as store:
            if args.if_empty and (n := store.stats()["documents"]) and not store.outdated():
                message = f"knowledge base {kb} already has {n} documents"
                if args.json:
                    summary = {"added": 0, "replaced": 0, "unchanged": 0, "failed": 0, "message": message}
                    _emit_json([{"summary": summary}])
                else:
                    print(message)
                return 0
            ahead = embed_ahead(args)  # embeds each stored document's passages while the next is read
            if ahead is not None:
                stack.enter_context(ahead)
            results = run_ingest(store, args.paths, as_json=args.json, ahead=ahead)
        if not results:
            _err(f"no plan files ({', '.join(SUPPORTED_EXTENSIONS)}) found in {', '.join(args.paths)}")
            return 1
        changed = any(r["status"] in ("added", "replaced") for r in results)
        index_status = 0
        # nothing new and an index on disk: the last run brought the indexes up to date, and a search
        # repairs anything else by itself
        if changed or not (kb / SPARSE_FOLDER).is_dir():
            # still under the lock: indexes are written too
            index_status = sync_after_ingest(kb, args, embedder=ahead)
    return 1 if any(r["status"] == "failed" for r in results) else index_status


def cmd_docs(args: argparse.Namespace) -> int:
    """``planqa docs``: the documents in the knowledge base, with their metadata and record counts."""
    store = _open_reader(Path(args.kb))
    rows = [] if store is None else store.document_rows()
    if store is not None:
        store.close()
    if args.json:
        _emit_json(rows)
    elif rows:
        _render.docs_table(rows)
    return 0


def cmd_records(args: argparse.Namespace) -> int:
    """``planqa records``: assignment records, filtered by province, agency, plan index or document."""
    store = _open_reader(Path(args.kb))
    if store is None:
        return 0
    with store:
        rows = store.assignments(
            province=args.province, agency=args.agency, plan_index=args.index, doc=args.doc, vocab=_load_vocab()
        )
    if args.json:
        _emit_json(rows)
    elif rows:
        _render.records_table(rows)
    if not rows:
        _err("no assignment record matches these filters")
    return 0


FEEDBACK_FIELDS = """\
--json prints one JSON array, oldest first; each object has:
  id              the feedback's number in this knowledge base
  created_at      when it was given (UTC, ISO 8601)
  rating          "up" (👍) or "down" (👎)
  comment         what the person wrote ("" when nothing; at most 2,000 characters)
  question        the question as asked
  conversation    the earlier questions of the conversation, oldest first (a follow-up needs them)
  answer          the answer as shown (markdown)
  found           whether the answer said the plans answer the question
  agencies        the agencies the answer named as responsible, lead first
  citations       the cited passages, as in `planqa ask --json` (n, doc_id, source, location, text, …)
  filters         the filters the question was asked under (province, plan_index, agency)
  app_version, parser_version   the planqa and parser versions that answered

A start for a gold question set: keep the questions, write what the answer should hold (agencies,
must_contain, evidence) from the ratings and comments, and replay them with `planqa ask --batch`:
  planqa feedback --json | jq -c '.[] | {id, question, turns: .conversation}' > questions.jsonl
Feedback is about answers, not documents: it stays when plans are removed or ingested again.
"""


def cmd_feedback(args: argparse.Namespace) -> int:
    """``planqa feedback``: the 👍/👎 given on answers in the app, as a table or (``--json``) one JSON array."""
    store = _open_reader(Path(args.kb))
    rating = {"up": 1, "down": -1}.get(args.rating or "")
    rows = [] if store is None else store.feedback(rating)
    if store is not None:
        store.close()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif rows:
        _render.feedback_table(rows)
    elif store is not None:
        _err(
            f"no {args.rating + ' ' if args.rating else ''}feedback in {args.kb} yet; it is given with 👍/👎 in the app"
        )
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    """``planqa remove DOC_ID|FILE``: delete documents with all their records and passages."""
    kb = Path(args.kb)
    with KbLock(kb), Store(kb) as store:
        removed = store.remove(args.ref)
    if not removed:
        _err(f"no document in {kb} matches {args.ref!r}; `planqa --kb {kb} docs` lists doc ids and file names")
        return 1
    for doc_id in removed:
        print(f"removed {doc_id}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """``planqa serve``: the web app (chat with sources, assignments, comparison, uploads) and its ``ask`` API."""
    try:
        upload_max_mb = float(args.upload_max_mb)
        if upload_max_mb <= 0:
            raise ValueError
    except ValueError:
        _err(
            f"PLANQA_UPLOAD_MAX_MB / --upload-max-mb must be a positive number of megabytes, got {args.upload_max_mb!r}"
        )
        return 2
    from ui.launch import parse_auth, serve  # gradio is heavy: imported only by this command

    try:
        auth = parse_auth(args.auth)
    except (ValueError, OSError) as err:
        _err(f"PLANQA_AUTH: {err}")
        return 2
    try:
        return serve(
            Path(args.kb), host=args.host, port=args.port, embedder=args.embedder, vector_kind=args.vector_index,
            chroma_url=args.chroma_url or None, auth=auth, upload_max_mb=upload_max_mb,
        )  # fmt: skip
    except OSError as err:
        if _is_bind_error(err):  # the port is taken, the address is not ours
            _err(f"cannot serve on {args.host}:{args.port} ({err}); choose another --port or --host")
        else:  # the knowledge base's disk (full, read-only) or another file problem: say that, not the port
            _err(_disk_sentence("planqa serve: cannot start", Path(args.kb), err))
        return 2


_BIND_ERRNOS = {errno.EADDRINUSE, errno.EADDRNOTAVAIL}


def _is_bind_error(err: OSError) -> bool:
    """Whether ``err`` is the server failing to listen: the socket's own errors, or Gradio's "Cannot find empty
    port", which it raises (without an errno) after each bind on the port failed."""
    return err.errno in _BIND_ERRNOS or (err.errno is None and "port" in str(err).lower())


def _disk_sentence(what: str, kb: Path, err: BaseException) -> str:
    """One line for an error of the knowledge base's files: the disk's state when it is the reason."""
    problem = write_problem(err, kb)
    detail = f"{type(err).__name__}: {err}"
    if problem is None:
        return f"{what}: {detail}"
    return f"{what}: {problem} ({detail}); free some space, or use a knowledge base this user may write"


def build_parser(environ: dict[str, str] | None = None) -> argparse.ArgumentParser:
    """The argument parser; defaults come from ``environ`` (the process environment when ``None``)."""
    values = settings.resolve(os.environ if environ is None else environ)
    kb = settings.get("kb")
    parser = argparse.ArgumentParser(prog="planqa", description="Questions and answers over Vietnamese reform plans.")
    parser.add_argument(
        "--kb", default=values["kb"], metavar="DIR", help=f"{kb.help} (${kb.env}, default {kb.default})"
    )
    parser.set_defaults(**{name: values[name] for name in ("embedder", "vector_index", "chroma_url")})
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", help="add plan files or folders to the knowledge base")
    p.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="a plan file (.txt, .md, .docx, .doc, .pdf, scanned too, .xlsx, .xls, .html) or a folder of them",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per file per line, then a summary line")
    p.add_argument(
        "--if-empty",
        action="store_true",
        help="do nothing when the knowledge base already has documents (read by this version of the parser)",
    )
    p.add_argument("--no-embed", action="store_true", help="skip embeddings (dense index); BM25 is still updated")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("search", help="find passages (BM25 + dense, fused) with optional filters")
    p.add_argument("query", nargs="+", metavar="QUERY", help='words as typed, e.g. "so tnmt chat luong nuoc"')
    p.add_argument("--json", action="store_true", help="one JSON object per passage per line")
    p.add_argument("-k", type=int, default=10, help="how many passages (default 10)")
    p.add_argument("--province", metavar="P", help='province or locality, with or without diacritics ("dong nai")')
    p.add_argument("--index", metavar="I", help="plan index: PAPI, PAR INDEX (par), SIPAS or PCI")
    p.add_argument("--agency", metavar="A", help='agency named in the passage ("so tnmt", "Sở Y tế")')
    p.add_argument("--component", metavar="C", help='index component ("chat luong nuoc", "Quản trị môi trường")')
    p.add_argument("--doc", metavar="DOC", help="doc_id, file name or document number (336/KH-UBND)")
    p.add_argument(
        "--mode", choices=("fused", "sparse", "dense"), default="fused", help="retriever(s) to use (default fused)"
    )
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("docs", help="list the documents in the knowledge base")
    p.add_argument("--json", action="store_true", help="one JSON object per document per line")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("records", help="list assignment records (who leads, who coordinates, what, by when)")
    p.add_argument("--json", action="store_true", help="one JSON object per record per line")
    p.add_argument("--province", metavar="P", help='province, with or without diacritics ("Đồng Nai", "dong nai")')
    p.add_argument(
        "--agency", metavar="A", help='lead or coordinating agency ("Sở Tài nguyên và Môi trường", "so tnmt")'
    )
    p.add_argument("--index", metavar="I", help="plan index: PAPI, PAR INDEX, SIPAS or PCI")
    p.add_argument("--doc", metavar="DOC", help="doc_id, file name or document number (336/KH-UBND)")
    p.set_defaults(func=cmd_records)

    p = sub.add_parser(
        "feedback",
        help="the 👍/👎 and comments given on answers in the app (--json: the start of a gold set)",
        description="The feedback given on answers in the app (planqa serve), oldest first.",
        epilog=FEEDBACK_FIELDS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help="one JSON array of feedback objects (fields below)")
    p.add_argument("--rating", choices=("up", "down"), help="only 👍 (up) or only 👎 (down)")
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser("remove", help="remove a document and all its records")
    p.add_argument("ref", metavar="DOC_ID|FILE", help="a doc_id from `planqa docs`, an ingested file name or path")
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("serve", help="start the web app (chat with sources, assignments, uploads) and its ask API")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=7860, help="port to listen on (default 7860)")
    up = settings.get("upload_max_mb")
    p.add_argument(
        "--upload-max-mb",
        default=values["upload_max_mb"],
        metavar="MB",
        help=f"{up.help} (${up.env}, default {up.default})",
    )
    p.set_defaults(func=cmd_serve, auth=values["auth"])

    p = sub.add_parser("ask", help="ask questions; several questions are one conversation, in order")
    p.add_argument(
        "questions", nargs="*", metavar="QUESTION", help='e.g. "Cơ quan nào phụ trách chất lượng nước ở Đồng Nai?"'
    )
    p.add_argument("--json", action="store_true", help="one JSON object per answer per line (the ask contract)")
    p.add_argument("--batch", metavar="FILE", help='JSON Lines {"id", "question", "turns": [earlier questions]}')
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="run a gold question file through the assistant and print the metrics")
    p.add_argument("--questions", required=True, metavar="FILE", help="gold questions (JSON Lines, as in shared/eval)")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.add_argument("--failures", action="store_true", help="list the questions answered wrongly")
    p.set_defaults(func=cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``planqa`` command line.

    Args:
        argv: the arguments after the program name; ``sys.argv[1:]`` when ``None``.
            Example: ``["--kb", "kb", "records", "--province", "Đồng Nai", "--agency", "so tnmt"]``.

    Returns:
        The exit status: 0 done, 1 done with failures, 2 could not run.
    """
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (KbLocked, KbReadOnly, StoreError, NotADirectoryError) as err:
        _err(str(err))
        return 2
    except (OSError, sqlite3.OperationalError) as err:
        if write_problem(err, Path(args.kb)) is None:
            raise  # not the disk: a bug, whose traceback is wanted
        _err(_disk_sentence(f"planqa {args.command}: the knowledge base {args.kb} cannot be used", Path(args.kb), err))
        return 2
