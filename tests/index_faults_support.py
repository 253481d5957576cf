"""Shared pieces for the hostile-index tests: a knowledge base of the bundled plans, the CLI in this process,
garbling a file at its size, and real file systems that are read-only or full (tmpfs, when this process
may mount one)."""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import os
import random
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from planqa import cli

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT / "data" / "plans"
QUESTIONS = [  # dev questions over the bundled plans: Lạng Sơn Sở GTVT, Tam Đường, Đồng Nai, a not-found one
    "Ở Sở Giao thông vận tải Lạng Sơn, ai có trách nhiệm quán triệt cán bộ, công chức trong từng phòng "
    "thực hiện các giải pháp nâng cao PAR INDEX và SIPAS năm 2024?",
    "Tam Đường: chỉ số SIPAS năm 2024 do phòng nào theo dõi, đối tượng điều tra XHH là ai?",
    "Ở Đồng Nai, đơn vị nào được giao phối hợp phát và thu phiếu điều tra xã hội học đo lường sự hài lòng "
    "của người dân?",
    "co quan nao phu trach chat luong khong khi o Dong Nai",
    "Sở Y tế Đồng Nai được giao những nhiệm vụ gì?",
    "Năm 2023 tỉnh Lạng Sơn xếp thứ mấy về chỉ số PCI?",
]
SEARCHES = ["so tnmt chat luong nuoc", "Phòng Nội vụ theo dõi SIPAS", "bưu điện phát thu phiếu"]


def run_cli(*argv: str) -> tuple[int, str, str]:
    """``planqa`` in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip().startswith("{")]


def write_questions(path: Path) -> Path:
    path.write_text("".join(json.dumps({"id": f"q{i}", "question": q}) + "\n" for i, q in enumerate(QUESTIONS)))
    return path


def results(kb: Path, questions: Path) -> tuple[dict[str, Any], str]:
    """What a user gets from ``kb`` with BM25 only: the ``ask --json --batch`` answers (without timings) and
    the searches' hits, plus everything said on stderr."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PLANQA_EMBEDDER", "none")
        return _results(kb, questions)


def _results(kb: Path, questions: Path) -> tuple[dict[str, Any], str]:
    said = []
    code, out, err = run_cli("--kb", str(kb), "ask", "--json", "--batch", str(questions))
    assert code == 0, err
    said.append(err)
    answers = [{k: v for k, v in a.items() if k != "elapsed_ms"} for a in json_lines(out)]
    hits = []
    for query in SEARCHES:
        code, out, err = run_cli("--kb", str(kb), "search", "--json", "-k", "5", query)
        assert code == 0, err
        said.append(err)
        hits.append([(h["doc_id"], h["location"], h["score"]) for h in json_lines(out)])
    return {"answers": answers, "hits": hits}, "".join(said)


_BUILT: list[Path] = []  # the pristine knowledge base, ingested once per test run


def build_kb(kb: Path) -> Path:
    """The bundled plans ingested into ``kb`` with BM25 only (module fixtures run before conftest's
    function-scoped PLANQA_EMBEDDER=none, so it is set here too).

    The first call ingests into a private folder through the CLI; every call copies it, so each module
    gets a knowledge base of its own (ingesting takes ~15 s, copying a fraction of a second).
    """
    if not _BUILT:
        pristine = Path(tempfile.mkdtemp(prefix="planqa-faults-kb-")) / "kb"
        atexit.register(shutil.rmtree, pristine.parent, True)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("PLANQA_EMBEDDER", "none")
            code, _, err = run_cli("--kb", str(pristine), "ingest", "--json", str(PLANS))
        assert code == 0, err
        _BUILT.append(pristine)
    shutil.copytree(_BUILT[0], kb, dirs_exist_ok=True)
    return kb


def garble(path: Path, seed: str, *, skip: int = 0, share: float = 0.5) -> str:
    """Overwrite ``share`` of ``path`` after its first ``skip`` bytes with random bytes; the size stays."""
    rng = random.Random(seed)
    data = bytearray(path.read_bytes())
    room = len(data) - skip
    length = max(16, int(room * share))
    start = skip + rng.randrange(0, room - length + 1)
    data[start : start + length] = rng.randbytes(length)
    path.write_bytes(bytes(data))
    return f"{path.name} garbled at {start}..{start + length} of {len(data)} bytes (same size)"


# -- real file systems ----------------------------------------------------------------------------------------


def _mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True, check=False)


@contextlib.contextmanager
def tmpfs(size: str) -> Iterator[Path]:
    """A fresh tmpfs of ``size`` (e.g. "8m"), unmounted afterwards; skips when this process may not mount."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a real read-only or full file system needs root and mount (tmpfs); not available here")
    where = Path(tempfile.mkdtemp(prefix="planqa-tmpfs-"))
    done = _mount("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where))
    if done.returncode != 0:
        where.rmdir()
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); the in-process tests cover this case")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)
        with contextlib.suppress(OSError):
            where.rmdir()


def remount_read_only(where: Path) -> None:
    done = _mount("-o", "remount,ro", str(where))
    assert done.returncode == 0, done.stderr


def fill(where: Path) -> int:
    """Write zeros under ``where`` until the file system is full; returns the bytes written."""
    written = 0
    with open(where / "filler", "wb", buffering=0) as fh:
        for size in (1 << 16, 4096, 1):  # big blocks, then what is left of the last ones
            try:
                while True:
                    written += fh.write(b"\0" * size) or 0
            except OSError:
                continue
    return written
