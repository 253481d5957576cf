"""A read-only knowledge base (a read-only mount, another user's folder) is read; writers get one sentence.

``planqa docs``, ``search`` and ``ask`` answer from it as from the writable original. A derived index that
would need a rebuild is built in memory for the run and not saved, said once on stderr; the vector index is
always built in memory from the embedding cache (Chroma writes its files even to open them). ``ingest`` and
``remove`` print "… is read-only: …; copy it to a writable folder … or run planqa as its owner" and exit 2,
like a locked knowledge base, never a traceback.

Real read-only file systems: a tmpfs remounted read-only (root and mount needed, else skipped), and a copy
made read-only with ``chmod -R a-w`` read by another user (as root: a child process that drops to uid
65534 after importing what it needs; as any other user: directly).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes import FakeEmbedder
from index_faults_support import (
    PLANS,
    ROOT,
    build_kb,
    json_lines,
    remount_read_only,
    results,
    run_cli,
    tmpfs,
    write_questions,
)

from index_store.knowledge_base import KnowledgeBase

PLAN = next(iter(sorted(PLANS.glob("*.txt"))))


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict, str]:
    """The bundled plans' knowledge base, the questions, its answers and its ``docs --json``."""
    folder = tmp_path_factory.mktemp("read-only")
    kb, questions = build_kb(folder / "kb"), write_questions(folder / "questions.jsonl")
    clean, said = results(kb, questions)
    assert not said and any(a["found"] for a in clean["answers"])
    return kb, questions, clean, run_cli("--kb", str(kb), "docs", "--json")[1]


def _writers_refused(kb: Path) -> None:
    before = sorted((p.relative_to(kb), p.stat().st_size) for p in kb.rglob("*"))
    for argv in (["ingest", "--json", str(PLAN)], ["remove", "001_e7ca3d72be110f1d.txt"]):
        code, out, err = run_cli("--kb", str(kb), *argv)
        assert (code, out) == (2, ""), (argv, code, out, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
        assert f"the knowledge base {kb} is read-only: " in err and "copy it to a writable folder" in err.lower()
        assert "run planqa as its owner" in err
    assert sorted((p.relative_to(kb), p.stat().st_size) for p in kb.rglob("*")) == before


def test_a_knowledge_base_on_a_read_only_mount_answers_as_before_and_refuses_writers(
    base: tuple[Path, Path, dict, str],
) -> None:
    kb, questions, clean, docs = base
    with tmpfs("24m") as mount:
        shutil.copytree(kb, mount / "kb")
        shutil.copytree(kb, mount / "kb-no-index", ignore=shutil.ignore_patterns("bm25", "bm25.lock"))
        remount_read_only(mount)

        got, said = results(mount / "kb", questions)  # indexes sound and up to date: read as they are
        assert got == clean and said == ""
        assert run_cli("--kb", str(mount / "kb"), "docs", "--json") == (0, docs, "")

        got, said = results(mount / "kb-no-index", questions)  # BM25 missing: built in memory, said once a run
        assert got == clean
        runs = 1 + len(got["hits"])
        lines = said.strip().splitlines()
        assert len(lines) == runs, said
        assert all("is read-only (it is on a file system mounted read-only" in x for x in lines)
        assert all("sparse index (there is none yet) is built in memory for this run and not saved" in x for x in lines)
        assert not (mount / "kb-no-index" / "bm25").exists()

        _writers_refused(mount / "kb")


def test_the_vector_index_of_a_read_only_knowledge_base_is_built_in_memory_from_the_cache(
    base: tuple[Path, Path, dict, str], tmp_path: Path
) -> None:
    """Dense retrieval still works (exact FAISS in memory, fed by the embedding cache: nothing is embedded)."""
    queries = ["chất lượng nước Sở Tài nguyên và Môi trường", "Sở Y tế Đồng Nai", "Phòng Nội vụ SIPAS"]
    expected = {}
    for kind in ("faiss", "chroma"):
        kb = tmp_path / f"kb-{kind}"
        shutil.copytree(base[0], kb)
        with KnowledgeBase(kb, embedder=FakeEmbedder(), vector_kind=kind, log=lambda _: None) as knowledge:
            knowledge.sync()
            expected[kind] = {
                (q, mode): [(h.passage.passage_id, round(h.score, 5)) for h in knowledge.search(q, k=8, mode=mode)]
                for q in queries
                for mode in ("dense", "fused")
            }
    with tmpfs("32m") as mount:
        for kind in expected:
            shutil.copytree(tmp_path / f"kb-{kind}", mount / kind)
        remount_read_only(mount)
        for kind, want in expected.items():
            messages: list[str] = []
            with KnowledgeBase(mount / kind, embedder=CountingEmbedder(), vector_kind=kind, log=messages.append) as kb:
                got = {
                    (q, mode): [(h.passage.passage_id, round(h.score, 5)) for h in kb.search(q, k=8, mode=mode)]
                    for q in queries
                    for mode in ("dense", "fused")
                }
                assert kb.embedder is not None and kb.embedder.passages_embedded == 0  # all from the cache
            assert (
                len(messages) == 1 and "the vector index (from the embedding cache) is built in memory" in messages[0]
            )
            if kind == "faiss":  # exact search either way: the same hits
                assert got == want
            else:  # Chroma's HNSW against exact search: the same dense scores (tied passages may change places,
                # and with them their fused ranks)
                for (query, mode), hits in want.items():
                    if mode == "dense":
                        assert sorted(s for _, s in got[query, mode]) == sorted(s for _, s in hits), query
                    else:
                        assert len(got[query, mode]) == len(hits), query
            assert not list((mount / kind).glob("*.tmp*"))


class CountingEmbedder(FakeEmbedder):
    passages_embedded = 0

    def embed_passages(self, texts):  # type: ignore[no-untyped-def]
        self.passages_embedded += len(texts)
        return super().embed_passages(texts)


# -- another user's folder -----------------------------------------------------------------------------------

_AS_ANOTHER_USER = r"""
import json, os, sys
from pathlib import Path
sys.path[:0] = [sys.argv[1], os.path.join(sys.argv[1], "tests")]
import pwd  # noqa: F401 - used to name the folder's owner once this process may not read /root any more
from index_faults_support import results, run_cli
warm, kb, questions, plan = map(Path, sys.argv[2:6])
results(warm, questions)  # as root, in a writable copy: imports and loads everything a reader needs
run_cli("--kb", str(warm), "docs", "--json")
if os.geteuid() == 0:
    os.setegid(65534)
    os.seteuid(65534)
out = {"euid": os.geteuid(), "results": results(kb, questions), "docs": run_cli("--kb", str(kb), "docs", "--json")}
out["ingest"] = run_cli("--kb", str(kb), "ingest", "--json", str(plan))
out["remove"] = run_cli("--kb", str(kb), "remove", "001_e7ca3d72be110f1d.txt")
print("RESULT " + json.dumps(out, ensure_ascii=False))
"""


@contextlib.contextmanager
def _world_readable_dir() -> Iterator[Path]:
    """A folder another user can reach (pytest's own tmp folders are private to their owner)."""
    where = Path(tempfile.mkdtemp(prefix="planqa-ro-"))
    where.chmod(0o755)
    try:
        yield where
    finally:
        for path in [where, *where.rglob("*")]:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | stat.S_IWUSR)
        shutil.rmtree(where, ignore_errors=True)


def test_another_users_knowledge_base_is_read_and_refuses_writers(base: tuple[Path, Path, dict, str]) -> None:
    kb, questions, clean, docs = base
    with _world_readable_dir() as where:
        shutil.copytree(kb, where / "warm")
        for name in ("kb", "kb-no-index"):
            shutil.copytree(kb, where / name, ignore=shutil.ignore_patterns("bm25") if "no" in name else None)
        shutil.copy(questions, where / "q.jsonl")
        for path in [
            where / "kb",
            where / "kb-no-index",
            *(where / "kb").rglob("*"),
            *(where / "kb-no-index").rglob("*"),
        ]:
            path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))  # chmod -R a-w
        for name in ("kb", "kb-no-index"):
            env = {**os.environ, "PLANQA_EMBEDDER": "none", "HF_HUB_OFFLINE": "1"}
            done = subprocess.run(
                [sys.executable, "-c", _AS_ANOTHER_USER, str(ROOT), str(where / "warm"), str(where / name),
                 str(where / "q.jsonl"), str(PLAN)],
                capture_output=True, text=True, env=env, cwd=where, timeout=600,
            )  # fmt: skip
            line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
            assert done.returncode == 0 and line, f"{name}: {done.returncode}\n{done.stderr[-3000:]}"
            out = json.loads(line[len("RESULT ") :])
            if os.geteuid() == 0:
                assert out["euid"] == 65534
            got, said = out["results"]
            assert got == json.loads(json.dumps(clean)), name  # hits come back from JSON as lists
            assert out["docs"] == [0, docs, ""]
            if name == "kb":
                assert said == ""
            else:
                assert said and all("is read-only (the folder belongs to " in x for x in said.strip().splitlines())
            for verb in ("ingest", "remove"):
                code, stdout, err = out[verb]
                assert (code, stdout) == (2, ""), (verb, err)
                assert "is read-only: the folder belongs to" in err and "Traceback" not in err
                assert len(err.strip().splitlines()) == 1
        assert json_lines(docs)
