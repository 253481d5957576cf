"""The system of record: identity and replacement, atomicity, cascades, filters, durability, the writer lock."""

from __future__ import annotations

import array
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plan_factory import FakeVocab, dn_plan, gtvt_plan

from index_store import DB_NAME, KbLock, KbLocked, Store, StoreError
from index_store import _schema as schema
from ingest.model import Assignment, ParsedDocument
from ingest.textnorm import fold

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def store(tmp_path: Path):
    with Store(tmp_path / "kb") as s:
        yield s


def _counts(store: Store) -> dict[str, int]:
    stats = store.stats()
    return {k: stats[k] for k in ("documents", "assignments", "scores", "passages")}


def test_upsert_added_then_unchanged(store: Store) -> None:
    plan = dn_plan()
    assert store.upsert(plan) == "added"
    assert store.upsert(plan) == "unchanged"
    assert _counts(store) == {"documents": 1, "assignments": 1, "scores": 1, "passages": 2}
    assert store.documents() == [plan.document]  # every Document field survives the round trip
    assert store.passages("dn336") == list(plan.passages)
    assert store.document_text("dn336") == plan.text


def test_same_doc_id_new_hash_replaces_every_row(store: Store) -> None:
    store.upsert(dn_plan())
    new = dn_plan(content_hash="h2", version="v2")
    assert store.upsert(new) == "replaced"
    assert _counts(store) == {"documents": 1, "assignments": 1, "scores": 1, "passages": 2}
    [row] = store.assignments()
    assert row["target"].endswith("v2") and row["record_id"] == new.assignments[0].record_id
    assert {p.passage_id for p in store.passages()} == {p.passage_id for p in new.passages}


def test_same_path_new_doc_id_replaces(store: Store) -> None:
    store.upsert(dn_plan(doc_id="old"))
    assert store.upsert(dn_plan(doc_id="new", content_hash="h2", version="v2")) == "replaced"
    assert [d.doc_id for d in store.documents()] == ["new"]
    assert {r["doc_id"] for r in store.assignments()} == {"new"}


def test_moved_file_is_unchanged_and_path_follows(store: Store) -> None:
    store.upsert(dn_plan())
    assert store.upsert(dn_plan(path="/elsewhere/copy.txt")) == "unchanged"
    assert store.find_unchanged("/elsewhere/copy.txt", "h1") == "dn336"
    assert store.find_unchanged("/plans/001_e7ca3d72be110f1d.txt", "h1") is None
    assert store.documents()[0].source == "copy.txt"


def test_find_unchanged_needs_path_and_hash(store: Store) -> None:
    store.upsert(dn_plan())
    assert store.find_unchanged("/plans/001_e7ca3d72be110f1d.txt", "h1") == "dn336"
    assert store.find_unchanged("/plans/001_e7ca3d72be110f1d.txt", "other") is None


@pytest.mark.parametrize("ref", ["dn336", "001_e7ca3d72be110f1d.txt", "/plans/001_e7ca3d72be110f1d.txt"])
def test_remove_cascades(store: Store, ref: str) -> None:
    store.upsert(dn_plan())
    store.upsert(gtvt_plan())
    assert store.remove(ref) == ["dn336"]
    assert _counts(store) == {"documents": 1, "assignments": 1, "scores": 0, "passages": 0}
    assert store.remove(ref) == []
    assert store.integrity_check() == "ok"


def test_failed_replacement_keeps_previous_version_intact(store: Store) -> None:
    old = dn_plan()
    store.upsert(old)
    broken = dn_plan(content_hash="h2", version="v2")
    dup = broken.passages[0]
    broken = ParsedDocument(broken.document, broken.assignments, broken.scores, (dup, dup), broken.text)
    with pytest.raises(sqlite3.IntegrityError, match="passage_id"):
        store.upsert(broken)
    assert store.documents() == [old.document]
    assert store.passages() == list(old.passages)
    assert [r["record_id"] for r in store.assignments()] == [old.assignments[0].record_id]
    assert store.integrity_check() == "ok"


def test_error_after_document_row_leaves_nothing(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object) -> dict:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(schema, "score_params", boom)  # runs after the documents row is inserted
    with pytest.raises(RuntimeError, match="disk on fire"):
        store.upsert(dn_plan())
    assert _counts(store) == {"documents": 0, "assignments": 0, "scores": 0, "passages": 0}


def test_records_of_another_document_are_refused(store: Store) -> None:
    plan = dn_plan()
    stray = Assignment(**{**plan.assignments[0].__dict__, "doc_id": "someone-else"})
    with pytest.raises(ValueError, match="someone-else"):
        store.upsert(ParsedDocument(plan.document, (stray,)))
    assert store.documents() == []


@pytest.mark.parametrize("province", ["Đồng Nai", "dong nai", "ĐỒNG NAI", "tỉnh Đồng Nai"])
def test_province_filter_ignores_case_and_diacritics(store: Store, province: str) -> None:
    store.upsert(dn_plan())
    store.upsert(gtvt_plan())
    assert [r["doc_id"] for r in store.assignments(province=province)] == ["dn336"]
    assert [r["doc_id"] for r in store.scores(province=province)] == ["dn336"]


def test_agency_filters(store: Store) -> None:
    store.upsert(dn_plan())
    store.upsert(gtvt_plan())
    [row] = store.assignments(agency="tai nguyen va moi truong")
    assert row == {
        "doc_id": "dn336", "source": "001_e7ca3d72be110f1d.txt", "province": "Đồng Nai", "plan_index": "PAPI",
        "component": "7. Quản trị môi trường › 7.3 Chất lượng nước", "target": "Cải thiện chất lượng nước sinh hoạt v1",
        "tasks": "Tăng cường kiểm tra, giám sát chất lượng nước sạch", "lead": ["Sở Tài nguyên và Môi trường"],
        "coop": ["UBND các huyện, thành phố", "Sở Y tế"], "deadline": "Thường xuyên",
        "location": "Phụ lục 11 › I. Chỉ số PAPI › 7.3", "record_id": row["record_id"], "doc_number": "336/KH-UBND",
        "span": [120, 260], "source_kind": "table",
    }  # fmt: skip
    assert store.assignments(agency="so tnmt") == []  # an abbreviation needs the vocabulary
    assert [r["doc_id"] for r in store.assignments(agency="so tnmt", vocab=FakeVocab())] == ["dn336"]
    assert [r["doc_id"] for r in store.assignments(agency="SỞ Y TẾ")] == ["dn336"]  # coordinating agencies too
    assert store.assignments(agency="Sở Y tế", province="Bình Phước") == []


def test_index_doc_and_text_filters(store: Store) -> None:
    store.upsert(dn_plan())
    store.upsert(gtvt_plan())
    assert [r["doc_id"] for r in store.assignments(plan_index="sipas")] == ["gtvt"]
    assert [r["doc_id"] for r in store.assignments(doc="336/kh-ubnd")] == ["dn336"]
    assert [r["doc_id"] for r in store.assignments(doc="002_83F94803EC7C9DF2.txt")] == ["gtvt"]
    assert [r["doc_id"] for r in store.assignments(text="nuoc sach")] == ["dn336"]
    assert [r["doc_id"] for r in store.assignments(text="thuong xuyen")] == ["dn336", "gtvt"]
    assert store.scores(plan_index="PAPI")[0]["values"] == [
        ["Năm 2023", "0.39/3.33"],
        ["Chỉ tiêu đến năm 2025", "1.50/3.33"],
    ]


AGENCIES = ["Sở Tài nguyên và Môi trường", "Sở Y tế", "Sở Nội vụ", "UBND các huyện, thành phố", "Công an tỉnh"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    leads=st.lists(st.lists(st.sampled_from(AGENCIES), max_size=2), min_size=1, max_size=6),
    query=st.sampled_from(["so y te", "SỞ NỘI VỤ", "ubnd", "cong an", "môi trường"]),
)
def test_agency_filter_matches_plain_python(tmp_path_factory: pytest.TempPathFactory, leads, query) -> None:
    plan = dn_plan()
    rows = tuple(
        Assignment(**{**plan.assignments[0].__dict__, "record_id": f"r{i}", "lead": tuple(lead)})
        for i, lead in enumerate(leads)
    )
    with Store(tmp_path_factory.mktemp("kb")) as s:
        s.upsert(ParsedDocument(plan.document, rows))
        got = [r["record_id"] for r in s.assignments(agency=query)]
    want = [a.record_id for a in rows if any(fold(query) in fold(x) for x in a.lead + a.coop)]
    assert got == want


def test_pragmas_wal_and_foreign_keys(store: Store, tmp_path: Path) -> None:
    assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert store._db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.integrity_check() == "ok"
    assert (tmp_path / "kb" / DB_NAME).exists()


def test_readonly_and_validation(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="planqa ingest"):
        Store(tmp_path / "nothing", readonly=True)
    (tmp_path / "afile").write_text("x")
    with pytest.raises(NotADirectoryError):
        Store(tmp_path / "afile")
    with Store(tmp_path / "kb") as s:
        s.upsert(dn_plan())
    with Store(tmp_path / "kb", readonly=True) as ro:
        assert [d["doc_id"] for d in ro.document_rows()] == ["dn336"]
        with pytest.raises(StoreError, match="read-only"):
            ro.remove("dn336")


def test_other_schema_version_is_refused(tmp_path: Path) -> None:
    with Store(tmp_path) as s:
        s._db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="schema version 99"):
        Store(tmp_path)


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    (tmp_path / DB_NAME).write_bytes("Kế hoạch 336/KH-UBND, not a database".encode() * 100)
    with pytest.raises(StoreError, match="not a readable planqa knowledge base"):
        Store(tmp_path)


def test_embedding_cache_round_trip(store: Store) -> None:
    vec = array.array("f", [0.25, -1.5, 3.0]).tobytes()
    assert store.put_embeddings("e5-small", {"a" * 64: vec, "b" * 64: vec[:4]}) == 2
    got = store.get_embeddings("e5-small", ["a" * 64, "b" * 64, "missing"])
    assert got == {"a" * 64: vec, "b" * 64: vec[:4]}
    assert array.array("f", got["a" * 64]).tolist() == [0.25, -1.5, 3.0]
    assert store.get_embeddings("other-model", ["a" * 64]) == {}
    with pytest.raises(ValueError, match="float32"):
        store.put_embeddings("e5-small", [("c", b"abc")])


def test_second_lock_in_same_process(tmp_path: Path) -> None:
    with KbLock(tmp_path / "kb") as held:
        assert held.is_locked
        with pytest.raises(KbLocked, match="being written by another planqa process"):
            KbLock(tmp_path / "kb").acquire()
    with KbLock(tmp_path / "kb"):  # released on exit
        pass


def _python(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.integration
def test_lock_held_by_another_process(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    with KbLock(kb):
        proc = _python(
            f"""
            from index_store import KbLock, KbLocked
            try:
                KbLock({str(kb)!r}).acquire()
            except KbLocked as err:
                print(err)
            """,
            tmp_path,
        )
    assert f"the knowledge base {kb} is being written by another planqa process" in proc.stdout
    assert "wait for it to finish or use another --kb" in proc.stdout


@pytest.mark.integration
def test_kill_9_keeps_commits_and_drops_the_open_transaction(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    proc = _python(
        f"""
        import os, signal
        from index_store import Store, _schema
        from plan_factory import dn_plan
        store = Store({str(kb)!r})
        store.upsert(dn_plan())               # acknowledged
        def die(*args):
            os.kill(os.getpid(), signal.SIGKILL)  # mid-transaction, after the new documents row
        _schema.score_params = die
        store.upsert(dn_plan(content_hash="h2", version="v2"))
        """,
        tmp_path,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    with Store(kb) as s:
        assert s.integrity_check() == "ok"
        assert [d.content_hash for d in s.documents()] == ["h1"]
        assert _counts(s) == {"documents": 1, "assignments": 1, "scores": 1, "passages": 2}


def test_a_document_read_by_an_older_parser_is_parsed_again(store: Store) -> None:
    plan = dn_plan()
    store.upsert(plan)
    doc = plan.document
    assert store.find_unchanged(doc.path, doc.content_hash) == doc.doc_id and store.outdated() == []
    store._db.execute("UPDATE documents SET parser = '1' WHERE doc_id = ?", (doc.doc_id,))
    assert store.outdated() == [doc.path]
    assert store.find_unchanged(doc.path, doc.content_hash) is None  # same bytes, but parse them again
    assert store.upsert(plan) == "replaced"
    assert store.outdated() == [] and _counts(store)["passages"] == len(plan.passages)


def test_a_version_1_store_is_migrated_in_place(tmp_path: Path) -> None:
    plan = dn_plan()
    with Store(tmp_path) as s:
        s.upsert(plan)
        for column in ("parser", "ocr_pages", "corrected"):  # what planqa 0.1 wrote
            s._db.execute(f"ALTER TABLE documents DROP COLUMN {column}")
        s._db.execute("DROP TABLE corrections")
        s._db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with Store(tmp_path) as s:
        assert s.stats()["schema_version"] == schema.SCHEMA_VERSION
        assert s.documents() == [plan.document]  # nothing lost
        assert s.outdated() == [plan.document.path]  # and the next ingest re-parses it
        s.set_correction(plan.document.content_hash, {"province": "Đồng Nai"})  # the table of version 3 is there
