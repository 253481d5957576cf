"""Uploads are known by their content and by the plan they are, never by their bare file name.

Found by a probe: a second, different plan uploaded as ``ke-hoach.txt`` replaced the first ("Đã thay thế")
and the first was gone; a plan replaced under another name left its old copy in ``uploads/``; a kill during
an upload left its staging folder forever; a full disk showed the server's absolute paths.
"""

from __future__ import annotations

import errno
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_support import HELD_BACK, PLANS

from ui import handlers
from ui.service import PlanqaService

LANG_SON = PLANS / "000_50ef8355a5a52d53.txt"  # Sở TN&MT Lạng Sơn, no number
GTVT = PLANS / HELD_BACK  # Sở GTVT Lạng Sơn, no number


@pytest.fixture
def service(tmp_path: Path) -> Iterator[PlanqaService]:
    svc = PlanqaService(tmp_path / "kb", embedder="none")
    yield svc
    svc.close()


def _as(src: Path, folder: Path, name: str, *, number: str = "", extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = src.read_text(encoding="utf-8")
    if number:
        text = text.replace("Số: /KH-STNMT", f"Số: {number}/KH-STNMT", 1)
    path = folder / name
    path.write_text(text + extra, encoding="utf-8")
    return path


def _uploads(svc: PlanqaService) -> list[str]:
    return sorted(p.name for p in (svc.kb_dir / "uploads").iterdir() if p.is_file())


def test_a_different_plan_with_the_same_file_name_is_added_beside_the_first(service, tmp_path):
    rows, _ = handlers.upload(service, [str(_as(LANG_SON, tmp_path / "a", "ke-hoach.txt"))])
    assert rows[0][1] == "Đã thêm"
    rows, _ = handlers.upload(service, [str(_as(GTVT, tmp_path / "b", "ke-hoach.txt"))])
    assert rows[0][1] == "Đã thêm" and rows[0][2] == "/KH-SGTVT"  # not "Đã thay thế"
    docs = service.catalog().documents
    assert sorted(d["doc_number"] for d in docs) == ["/KH-SGTVT", "/KH-STNMT"]  # the first is still there
    assert _uploads(service) == ["ke-hoach (2).txt", "ke-hoach.txt"]
    assert {d["source"] for d in docs} == {"ke-hoach.txt"}  # each keeps the name its user gave it


def test_the_same_bytes_under_another_name_are_unchanged_and_kept_once(service, tmp_path):
    handlers.upload(service, [str(_as(LANG_SON, tmp_path / "a", "ke-hoach.txt"))])
    rows, _ = handlers.upload(service, [str(_as(LANG_SON, tmp_path / "b", "ban-sao.txt"))])
    assert rows[0][1] == "Không đổi"
    assert _uploads(service) == ["ke-hoach.txt"] and len(service.catalog().documents) == 1


def test_the_same_plan_under_another_name_replaces_it_and_its_old_copy_goes(service, tmp_path):
    handlers.upload(service, [str(_as(LANG_SON, tmp_path / "a", "kh-45.txt", number="45"))])
    revised = _as(LANG_SON, tmp_path / "b", "kh-45-sua-doi.txt", number="45", extra="\nBổ sung: cập nhật tháng 7.\n")
    rows, _ = handlers.upload(service, [str(revised)])
    assert rows[0][1] == "Đã thay thế" and rows[0][2] == "45/KH-STNMT"
    assert _uploads(service) == ["kh-45-sua-doi.txt"]  # the replaced file's old copy is removed
    [doc] = service.catalog().documents
    assert doc["source"] == "kh-45-sua-doi.txt"


def test_an_upload_killed_half_way_is_swept_at_the_next_start(tmp_path):
    kb = tmp_path / "kb"
    PlanqaService(kb, embedder="none").close()
    left = kb / "uploads" / ".incoming" / "3f2a9c"
    left.mkdir(parents=True)
    (left / "ke-hoach.docx").write_bytes(b"x" * 1024)  # what a kill -9 during an upload leaves
    told: list[str] = []
    PlanqaService(kb, embedder="none", log=told.append).close()
    assert not (kb / "uploads" / ".incoming").exists()
    assert any("removed 1 upload(s) left half-way" in line for line in told)


def test_a_full_disk_during_an_upload_says_so_in_vietnamese_without_server_paths(service, tmp_path, monkeypatch):
    plan = _as(LANG_SON, tmp_path / "a", "ke-hoach.txt")

    def full(src: object, dst: object, *a: object, **k: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(shutil, "copyfile", full)
    rows, summary = handlers.upload(service, [str(plan)])
    assert rows[0][1] == "Lỗi" and rows[0][5].startswith(
        "ke-hoach.txt: máy chủ đã hết dung lượng đĩa, tệp chưa được nạp"
    )
    assert str(service.kb_dir) not in rows[0][5] and "uploads" not in rows[0][5]
    assert not service.catalog().documents and "không làm thay đổi kho" in summary


def test_a_full_disk_while_the_index_is_saved_reports_the_plan_as_stored(service, tmp_path, monkeypatch):
    plan = _as(LANG_SON, tmp_path / "a", "ke-hoach.txt")

    def full(*a: object, **k: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(service._kb, "sync", full)  # the plan is committed, then the index cannot be saved
    rows, summary = handlers.upload(service, [str(plan)])
    assert rows[0][1] == "Đã thêm"  # not a bare "Error": the plan is stored
    assert "Kế hoạch đã được lưu, nhưng chỉ mục tìm kiếm chưa cập nhật được (máy chủ đã hết dung lượng đĩa)" in summary
    monkeypatch.undo()
    answer = handlers.api_ask(service, "Sở Tài nguyên và Môi trường Lạng Sơn làm gì để nâng cao chỉ số SIPAS?")
    assert answer["citations"] and answer["citations"][0]["source"] == "ke-hoach.txt"  # the next question rebuilds
