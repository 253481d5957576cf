"""A full disk: the plans a run stored stay stored, the index that could not be saved is said to be rebuilt
by the next search, and reading commands answer (or say one line), never a traceback.

In-process cases make the BM25 save raise ``OSError(ENOSPC)`` (deterministic, anywhere); one case runs on
a real tmpfs filled to the last byte (root and mount needed, else skipped).
"""

from __future__ import annotations

import errno
import shutil
import sys
import types
from pathlib import Path

import bm25s
import pytest
from index_faults_support import PLANS, build_kb, fill, json_lines, results, run_cli, tmpfs, write_questions

from index_store import Store


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    folder = tmp_path_factory.mktemp("full-disk")
    kb, questions = build_kb(folder / "kb"), write_questions(folder / "questions.jsonl")
    clean, said = results(kb, questions)
    assert not said
    return kb, questions, clean


@pytest.fixture
def disk_full_for_bm25(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every BM25 save fails as on a full disk, once some files are written (what a real one does)."""

    def save(self: bm25s.BM25, save_dir: str | Path, **kwargs: object) -> None:
        Path(save_dir).mkdir(parents=True, exist_ok=True)
        (Path(save_dir) / "params.index.json").write_text("{}", encoding="utf-8")
        raise OSError(errno.ENOSPC, "No space left on device", str(Path(save_dir) / "data.csc.index.npy"))

    monkeypatch.setattr(bm25s.BM25, "save", save)


def _one_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = [line for line in err.strip().splitlines() if "not saved" in line or "No space" in line]
    assert len(lines) == 1, err
    return lines[0]


def test_ingest_whose_index_save_fails_on_a_full_disk_keeps_the_plans_and_the_next_search_rebuilds(
    base: tuple[Path, Path, dict], tmp_path: Path, disk_full_for_bm25: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb, questions, clean = base
    code, out, err = run_cli("--kb", str(tmp_path / "kb"), "ingest", "--json", str(PLANS))
    assert code == 1, err
    rows = json_lines(out)
    assert [r["status"] for r in rows[:-1]] == ["added"] * len(list(PLANS.glob("*.txt")))
    line = _one_line(err)
    assert f"the documents in {tmp_path / 'kb'} are stored, but the sparse index" in line
    assert "not saved (no space left on the device" in line and "by the next `planqa ask` or `planqa search`" in line
    assert not (tmp_path / "kb" / "bm25").exists() and not list((tmp_path / "kb").glob("bm25.tmp-*")), "half-saved"
    with Store(tmp_path / "kb", readonly=True) as store:
        assert len(store.documents()) == len(rows) - 1

    monkeypatch.undo()  # space again: the next reading command rebuilds and answers as a clean knowledge base
    got, said = results(tmp_path / "kb", questions)
    assert said.strip() == "building the sparse index: there is none yet"
    assert got == clean


def test_ask_and_search_on_a_full_disk_answer_from_an_index_built_in_memory(
    base: tuple[Path, Path, dict], tmp_path: Path, disk_full_for_bm25: None
) -> None:
    kb, questions, clean = base
    shutil.copytree(kb, tmp_path / "kb", ignore=shutil.ignore_patterns("bm25"))
    got, said = results(tmp_path / "kb", questions)
    assert got == clean
    lines = said.strip().splitlines()
    assert len(lines) == 2 * (1 + len(clean["hits"])), said  # per run: the rebuild, and that it was not saved
    assert all("Traceback" not in x for x in lines)
    assert sum("sparse index (there is none yet) is not saved (no space left on the device" in x for x in lines) == 4
    assert not (tmp_path / "kb" / "bm25").exists() and not list((tmp_path / "kb").glob("bm25.tmp-*"))


def test_serve_names_the_full_disk_not_the_port(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``planqa serve`` used to blame the port for any OSError ("cannot serve on 127.0.0.1:7860 (No space
    left on device); choose another --port"); only a failure to listen is about the port."""
    launch = types.ModuleType("ui.launch")
    raised: list[OSError] = []

    def serve(kb_dir: Path, **_: object) -> int:
        raise raised[-1]

    launch.serve, launch.parse_auth = serve, lambda value: None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ui.launch", launch)
    kb = tmp_path / "kb"
    raised.append(OSError(errno.ENOSPC, "No space left on device", str(kb / "bm25.tmp-1" / "ids.json")))
    code, out, err = run_cli("--kb", str(kb), "serve", "--port", "7999")
    assert code == 2 and out == ""
    assert "--port" not in err and "127.0.0.1:7999" not in err, err
    assert err.startswith("planqa serve: cannot start: no space left on the device holding") and "bm25.tmp-1" in err
    assert len(err.strip().splitlines()) == 1

    raised.append(OSError("Cannot find empty port in range: 7999-7999. You can specify a different port …"))
    code, out, err = run_cli("--kb", str(kb), "serve", "--port", "7999")
    assert code == 2 and "cannot serve on 127.0.0.1:7999" in err and "choose another --port" in err


# -- a real full disk ------------------------------------------------------------------------------------------


def test_a_real_full_disk_is_read_and_refused_in_one_line_then_rebuilt_once_there_is_space(
    base: tuple[Path, Path, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    kb, questions, clean = base
    plan = sorted(PLANS.glob("*.txt"))[0]
    with tmpfs("16m") as disk:
        shutil.copytree(kb, disk / "kb", ignore=shutil.ignore_patterns("bm25", "bm25.lock"))
        shutil.copy(plan, disk / "ke-hoach-moi.txt")
        fill(disk)
        assert shutil.disk_usage(disk).free < 4096

        code, out, err = run_cli("--kb", str(disk / "kb"), "docs", "--json")
        assert code == 0 and len(json_lines(out)) == len(list(PLANS.glob("*.txt"))) and err == ""
        got, said = results(disk / "kb", questions)
        assert got == clean
        lines = said.strip().splitlines()
        assert lines and all("sparse index (there is none yet) is not saved (no space left" in x for x in lines), said

        code, out, err = run_cli("--kb", str(disk / "kb"), "ingest", "--json", str(disk / "ke-hoach-moi.txt"))
        assert code in (1, 2) and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1 and "no space left on the device" in err, err

        import ui.launch  # the real app's start-up, without listening (its knowledge base opens on the full disk)

        monkeypatch.setattr(ui.launch, "launch", lambda *a, **k: (None, ""))
        code, out, err = run_cli("--kb", str(disk / "kb"), "serve", "--port", "7998")
        assert code == 0 and "choose another --port" not in err and "Traceback" not in err, err

        (disk / "filler").unlink()
        got, said = results(disk / "kb", questions)
        assert got == clean and said.strip() == "building the sparse index: there is none yet"
        assert (disk / "kb" / "bm25" / "planqa-files.json").exists()
