"""Run a reader in a child process with a time and a memory limit.

A PDF is a program as much as a document: pdfminer inflates each content stream whole and follows
whatever object graph the file describes, so a small crafted upload can ask for gigabytes or loop for
minutes, and a damaged one can crash a C extension. Reading it in a child keeps all of that away from
the process that ingests (the CLI, or the web app serving everyone else):

- the child caps its own address space (``RLIMIT_AS``: what it holds once the reader is imported, plus
  the budget) and its CPU time (``RLIMIT_CPU``, a backstop should the parent die);
- the parent waits at most the time limit, then kills the child;
- running out of memory or time, or a crash (a signal), becomes an :class:`~ingest.errors.IngestError`
  that names the file and the limit; the reader's own ingest errors come back as they were raised.

The child is a fresh interpreter (``python -c``), not a fork: the parent may have threads (the web app)
and its ``__main__`` is not re-run. It reads one JSON header line and the file's bytes on stdin and
writes one JSON object on stdout; nothing from the child is unpickled, so even a child subverted by a
hostile file can only send back text. The cost is an interpreter start and the reader's imports,
about half a second per file (see docs/reliability.md).
"""

from __future__ import annotations

import importlib
import json
import math
import os
import signal
import subprocess
import sys
from typing import Any

from .. import errors

try:
    import resource
except ImportError:  # Windows: only the time limit applies
    resource = None  # type: ignore[assignment]

_CHILD = "import sys, json; h = json.loads(sys.stdin.buffer.readline()); sys.path[:0] = h['sys_path']; "
_CHILD += "from ingest.readers._sandbox import serve; serve(h)"


def _address_space() -> int | None:
    """This process's virtual size in bytes (Linux), or ``None`` where it cannot be read."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _limit_self(memory_bytes: int, cpu_seconds: int) -> None:
    if resource is None:
        return
    size = _address_space()
    if size is not None:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = size + memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard == resource.RLIM_INFINITY or cpu_seconds < hard:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, hard))


def serve(header: dict[str, Any]) -> None:
    """The child's whole life: import the reader, limit itself, read the bytes, run, answer in JSON.

    ``header``: ``{"module", "function", "kwargs", "memory", "cpu"}``; the function is called as
    ``function(data, **kwargs)`` and must return something ``json.dumps`` accepts.
    """
    func = getattr(importlib.import_module(header["module"]), header["function"])  # imported before the cap
    data = sys.stdin.buffer.read()
    try:
        _limit_self(int(header["memory"]), int(header["cpu"]))
        reply: dict[str, Any] = {"ok": func(data, **header["kwargs"])}
    except MemoryError:
        reply = {"memory": True}
    except errors.IngestError as err:
        reply = {"error": type(err).__name__, "message": str(err)}
    except Exception as err:  # noqa: BLE001 - a reader bug: its words, not its traceback
        reply = {"error": "CorruptDocument", "message": f"unexpected {type(err).__name__} while reading: {err}"}
    try:
        out = json.dumps(reply, ensure_ascii=False).encode("utf-8")
    except MemoryError:
        out = b'{"memory": true}'
    sys.stdout.buffer.write(out)
    sys.stdout.buffer.flush()


def run_limited(
    module: str, function: str, data: bytes, kwargs: dict[str, Any], *,
    name: str, what: str, timeout_s: float, memory_mb: int, resave: str = "re-export it (print to PDF)",
    time_limit: str = "Limits.pdf_timeout_s",
) -> Any:  # fmt: skip
    """``module.function(data, **kwargs)`` in a child process, within ``timeout_s`` s and ``memory_mb`` MB.

    Args:
        module: the reader's module, e.g. "ingest.readers._pdf".
        function: a function there taking the file's bytes and JSON-able keyword arguments and returning
            a JSON-able value.
        data: the file's bytes (sent on the child's stdin).
        kwargs: the other arguments, e.g. ``{"name": "ke-hoach.pdf", "limits": {...}}``.
        name: the file name, for messages.
        what: what the child reads, for messages ("the PDF").
        timeout_s: wall-clock seconds before the child is killed (its start-up included).
        memory_mb: address space the child may add to what it holds once the reader is imported.
        resave: what a person can do to get a clean copy ("re-save it from Excel as .xlsx").
        time_limit: the name of the limit that set ``timeout_s``, for messages.

    Returns:
        What the function returned, decoded from JSON.

    Raises:
        TooLarge: the child ran out of time or memory (the message names the limit to raise).
        CorruptDocument: the child crashed (a signal), or the reader failed unexpectedly.
        IngestError: the reader's own error (``CorruptDocument``, ``ScannedPdf``, ``TooLarge`` …), re-raised.
    """
    header = {
        "module": module, "function": function, "kwargs": kwargs, "sys_path": [p for p in sys.path if p],
        "memory": memory_mb * 1024 * 1024, "cpu": math.ceil(timeout_s) + 1,
    }  # fmt: skip
    stdin = json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n" + data
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD], input=stdin, capture_output=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired:  # run() has killed the child
        raise _over_time(name, what, timeout_s, resave, time_limit) from None
    try:
        reply = json.loads(done.stdout) if done.stdout else {}
    except ValueError:
        reply = {}
    if "ok" in reply:
        return reply["ok"]
    if "error" in reply:
        kind = getattr(errors, str(reply["error"]), errors.CorruptDocument)
        kind = kind if isinstance(kind, type) and issubclass(kind, errors.IngestError) else errors.CorruptDocument
        raise kind(str(reply.get("message", "")))
    if reply.get("memory"):
        raise errors.TooLarge(
            f"{name}: reading {what} needed more than {memory_mb:,} MB of memory, the limit "
            f"(Limits.pdf_memory_mb); it may be a compression bomb: {resave} or raise the limit"
        )
    code = done.returncode
    if code < 0 and -code == getattr(signal, "SIGXCPU", None):
        raise _over_time(name, what, timeout_s, resave, time_limit)
    why = signal.Signals(-code).name if code < 0 and -code in signal.valid_signals() else f"exit status {code}"
    last = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    raise errors.CorruptDocument(
        f"{name}: the reader of {what} crashed on this file ({why}{': ' + last[0][:200] if last[0] else ''}); "
        f"it is damaged or over the memory limit ({memory_mb:,} MB, Limits.pdf_memory_mb): "
        f"{resave} and ingest it again"
    )


def _over_time(name: str, what: str, timeout_s: float, resave: str, time_limit: str) -> errors.TooLarge:
    return errors.TooLarge(
        f"{name}: reading {what} took longer than {timeout_s:g} s, the limit ({time_limit}); "
        f"the file may be damaged or built to stall readers: {resave} or raise the limit"
    )
