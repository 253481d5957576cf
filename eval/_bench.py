"""Helpers shared by the speed benchmarks: percentiles over repeated runs, memory, disk size, a Chroma server.

Every benchmark repeats its measurement ``runs`` times and reports the median of each run's figure with the
spread (min–max), because the machine is shared and a single run is noise.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eval.metrics import load_questions, percentile

DEFAULT_QUESTIONS = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev_questions.jsonl"


def queries_of(path: Path) -> list[dict[str, Any]]:
    """The dev questions as search queries: earlier turns then the question (what retrieval_eval searches)."""
    out = []
    for q in load_questions(path):
        out.append({**q, "query": " ".join([*q.get("turns", []), q["question"]])})
    return out


def make_bench_embedder(spec: str) -> Any:
    """``make_embedder(spec)``, or the model-free :class:`eval._synth.HashingEmbedder` for "hashing"."""
    if spec == "hashing":
        from eval._synth import HashingEmbedder

        return HashingEmbedder()
    from index_store.embedders import make_embedder

    return make_embedder(spec)


def ms_summary(samples_ms: Sequence[float]) -> dict[str, float]:
    """p50 / p95 / max of one run's latencies, in ms, nearest-rank (as ``eval.metrics.percentile``)."""
    return {
        "p50": round(percentile(samples_ms, 0.5) or 0.0, 2),
        "p95": round(percentile(samples_ms, 0.95) or 0.0, 2),
        "max": round(max(samples_ms, default=0.0), 2),
        "n": len(samples_ms),
    }


def over_runs(runs: Sequence[dict[str, float]]) -> dict[str, Any]:
    """The median of each figure over repeated runs, with its spread: ``{"p50": 12.1, "p50_all": [..]}``."""
    out: dict[str, Any] = {}
    for key in ("p50", "p95", "max"):
        values = [r[key] for r in runs]
        out[key] = round(statistics.median(values), 2)
        out[f"{key}_all"] = values
    out["n"] = runs[0]["n"] if runs else 0
    return out


def median_spread(values: Sequence[float], digits: int = 3) -> dict[str, Any]:
    """``{"median": m, "all": [...]}`` of repeated measurements."""
    return {"median": round(statistics.median(values), digits), "all": [round(v, digits) for v in values]}


def peak_rss_mib() -> float:
    """This process's peak resident memory so far, MiB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def proc_memory_mib(pid: int) -> dict[str, float]:
    """Current and peak resident memory of another process, MiB (from /proc; {} elsewhere)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    fields = {}
    for line in status.splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields["rss" if name == "VmRSS" else "peak"] = round(int(value.split()[0]) / 1024, 1)
    return fields


def disk_mib(*paths: Path) -> float:
    """Bytes on disk under ``paths`` (files or folders; missing ones count 0), MiB."""
    total = 0
    for path in paths:
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return round(total / 2**20, 1)


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """``fn(*args, **kwargs)`` and the milliseconds it took."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, (time.perf_counter() - start) * 1000


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop(proc: subprocess.Popen[Any], sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:
    """Send ``sig`` to a server process and wait for it; kill it if it is still there after ``timeout``."""
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


def wait_until_served(
    proc: subprocess.Popen[Any], url: str, timeout: float, what: str, detail: Callable[[], str] = str
) -> None:
    """Return once ``url`` answers (a 2xx status) while the server process ``proc`` starts.

    Raises:
        RuntimeError: ``proc`` exited first, or ``url`` did not answer within ``timeout`` seconds; the
            message names ``what`` and ends with ``detail()`` (where its log is, or the log's end).
    """
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}{detail()}")
        try:
            urllib.request.urlopen(url, timeout=2).close()  # an error status raises HTTPError, an OSError
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not answer {url} within {timeout:.0f} s{detail()}") from None
            time.sleep(0.2)


def chroma_binary() -> str:
    """The ``chroma`` executable next to this Python (the venv's), else on PATH.

    Raises:
        FileNotFoundError: chromadb's CLI is not installed.
    """
    exe = Path(sys.executable).with_name("chroma")
    found = str(exe) if exe.exists() else shutil.which("chroma")
    if found is None:
        raise FileNotFoundError("the `chroma` command is not installed (it comes with the chromadb package)")
    return found


@contextmanager
def chroma_server(data: Path, timeout: float = 60.0) -> Iterator[tuple[str, int]]:
    """A real ``chroma run --path DATA`` on 127.0.0.1 at a free port: yields (url, pid); stopped on exit."""
    data.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = (data.parent / f"{data.name}.log").open("wb")
    cmd = [chroma_binary(), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "0"})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_served(proc, f"{url}/api/v2/heartbeat", timeout, "chroma run", lambda: f"; see {log.name}")
        yield url, proc.pid
    finally:
        stop(proc, timeout=15)
        log.close()


def print_table(rows: list[dict[str, Any]], columns: Sequence[str]) -> None:
    """A plain aligned table on stdout (the benchmarks' readable output)."""
    cells = [[str(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
