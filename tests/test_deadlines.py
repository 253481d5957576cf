"""Deadlines an official can track: written forms read into due dates or recurrences, the view by time, its
.xlsx and .ics files, and the assistant's questions by time, on the bundled plans."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ui_support import PLANS

from ingest.deadlines import Deadline, find_period, read_deadline, read_period
from ingest.model import Document
from ingest.textnorm import strip_diacritics
from ui.deadlines import IN_PERIOD, ONGOING, OVERDUE, UNREAD, due_rows, parse_period, write_ics, write_xlsx

D = date
KB = tuple[list[dict[str, Any]], list[Document]]  # the assignment records and documents of a knowledge base


# -- the written forms ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "kind", "start", "due", "rrule", "until"),
    [
        # the forms
        ("Thường xuyên", "ongoing", None, None, "", None),
        ("Trước 30/11/2024", "date", None, D(2024, 11, 30), "", None),
        ("Quý IV/2024", "period", D(2024, 10, 1), D(2024, 12, 31), "", None),
        ("Tháng 12 hằng năm", "recurring", D(2024, 1, 1), D(2024, 12, 31), "FREQ=YEARLY;BYMONTH=12", None),
        ("Năm 2024 và các năm tiếp theo", "recurring", D(2024, 1, 1), D(2024, 12, 31), "FREQ=YEARLY", None),
        ("Định kỳ hằng quý", "recurring", D(2024, 1, 1), D(2024, 3, 31), "FREQ=MONTHLY;INTERVAL=3", None),
        ("Tháng 6/2025", "period", D(2025, 6, 1), D(2025, 6, 30), "", None),
        ("Năm 2024", "period", D(2024, 1, 1), D(2024, 12, 31), "", None),
        ("6 tháng đầu năm 2025", "period", D(2025, 1, 1), D(2025, 6, 30), "", None),
        ("Hằng năm", "recurring", D(2024, 1, 1), D(2024, 12, 31), "FREQ=YEARLY", None),
        ("Hằng năm, giai đoạn 2021-2025", "recurring", D(2021, 1, 1), D(2021, 12, 31), "FREQ=YEARLY", D(2025, 12, 31)),
        # the bundled plans' forms
        ("Quý IV năm 2024", "period", D(2024, 10, 1), D(2024, 12, 31), "", None),
        ("Trước ngày 30/11/2024", "date", None, D(2024, 11, 30), "", None),
        ("31/12/2024", "date", None, D(2024, 12, 31), "", None),
        ("30/9/2024", "date", None, D(2024, 9, 30), "", None),
        ("Cả năm", "period", D(2024, 1, 1), D(2024, 12, 31), "", None),
        # more shapes
        ("Từ tháng 10/2024 đến tháng 12/2024", "period", D(2024, 10, 1), D(2024, 12, 31), "", None),
        ("01/10/2024 - 31/12/2024", "period", D(2024, 10, 1), D(2024, 12, 31), "", None),
        ("6 tháng cuối năm 2024", "period", D(2024, 7, 1), D(2024, 12, 31), "", None),
        ("Quý III-IV/2024", "period", D(2024, 7, 1), D(2024, 12, 31), "", None),
        ("Tháng 12, năm 2024", "period", D(2024, 12, 1), D(2024, 12, 31), "", None),
        ("Q4/2024", "period", D(2024, 10, 1), D(2024, 12, 31), "", None),
        ("cuối năm 2024", "date", None, D(2024, 12, 31), "", None),
        ("Đến hết năm 2025", "date", None, D(2025, 12, 31), "", None),
        ("ngày 30 tháng 11 năm 2024", "date", None, D(2024, 11, 30), "", None),
        ("Định kỳ 6 tháng", "recurring", D(2024, 1, 1), D(2024, 6, 30), "FREQ=MONTHLY;INTERVAL=6", None),
        ("Trước ngày 15/12 hằng năm", "recurring", D(2024, 1, 1), D(2024, 12, 15), "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15", None),
        ("Ngày 15 hằng tháng", "recurring", D(2024, 1, 1), D(2024, 1, 15), "FREQ=MONTHLY;BYMONTHDAY=15", None),
        ("Từ năm 2024", "ongoing", D(2024, 1, 1), None, "", None),
    ],
)  # fmt: skip
def test_written_forms(
    text: str, kind: str, start: date | None, due: date | None, rrule: str, until: date | None
) -> None:
    d = read_deadline(text, 2024)
    assert (d.text, d.kind, d.start, d.due, d.rrule, d.until) == (text, kind, start, due, rrule, until)


@pytest.mark.parametrize(
    "text", ["Theo quy định", "Theo Kế hoạch tuyển dụng", "Theo chế độ báo cáo định ký", "Sau khi có kết quả kiểm tra",
             "Khi có yêu cầu", "Kịp thời", ""],
)  # fmt: skip
def test_what_depends_on_something_else_is_unread(text: str) -> None:
    d = read_deadline(text, 2024)
    assert d.kind == "unread" and d.text == text and d.describe() == text
    assert d.occurrences(D(2000, 1, 1), D(2100, 1, 1)) == [] and not d.overdue(D(2100, 1, 1))


def test_a_year_left_out_is_the_plans_else_unread() -> None:
    assert read_deadline("Quý IV", 2025).due == D(2025, 12, 31)
    assert read_deadline("Quý IV").kind == "unread"
    assert read_deadline("Cả năm").kind == "unread"
    assert read_deadline("Tháng 12 hằng năm").start is None  # a recurrence needs no year; it has no anchor


def test_several_deadlines_in_one_cell_earliest_first() -> None:
    d = read_deadline("Quý II/2024 và Quý IV/2024")
    assert (d.kind, d.due, [o.due for o in d.others]) == ("period", D(2024, 6, 30), [D(2024, 12, 31)])
    shared = read_deadline("Quý IV và II/2024")  # one year for the list, the earliest first whatever the order
    assert (shared.due, [o.due for o in shared.others]) == (D(2024, 6, 30), [D(2024, 12, 31)])
    # a cell of the Lạng Sơn plan: the notes in brackets are not deadlines
    cell = "trước ngày 01/9/2024 (báo cáo quý III năm 2024); trước ngày 01/12/2024 (báo cáo năm 2024)"
    d = read_deadline(cell)
    assert (d.kind, d.due, [o.due for o in d.others]) == ("date", D(2024, 9, 1), [D(2024, 12, 1)])
    assert d.occurrences(D(2024, 10, 1), D(2024, 12, 31)) == [D(2024, 12, 1)]
    assert d.text == cell


@pytest.mark.parametrize(
    ("written", "same_as"),
    [
        ("Thuong xuyen", "Thường xuyên"),
        ("Quy IV/2024", "Quý IV/2024"),
        ("quí iv/2024", "Quý IV/2024"),  # the older spelling of "quý"
        ("QUÝ IV NĂM 2024", "Quý IV/2024"),
        ("thang 12 hang nam", "Tháng 12 hằng năm"),
        ("Tháng 12 hàng năm", "Tháng 12 hằng năm"),
        ("dinh ky hang quy", "Định kỳ hằng quý"),
        ("Định kì hàng quý", "Định kỳ hằng quý"),
        ("truoc ngay 30/11/2024", "Trước ngày 30/11/2024"),
        (unicodedata.normalize("NFD", "Quý IV năm 2024"), "Quý IV/2024"),  # decomposed marks (Windows-1258, macOS)
        ("Định kỳ hằng quí", "Định kỳ hằng quý"),  # legacy tone placement / spelling
    ],
)
def test_diacritics_missing_or_placed_otherwise(written: str, same_as: str) -> None:
    a, b = read_deadline(written, 2024), read_deadline(same_as, 2024)
    assert a.text == written
    assert (a.kind, a.start, a.due, a.rrule) == (b.kind, b.start, b.due, b.rrule) and a.read


def test_occurrences_expand_recurrences() -> None:
    quarterly = read_deadline("Định kỳ hằng quý", 2024)
    assert quarterly.occurrences(D(2024, 1, 1), D(2024, 12, 31)) == [
        D(2024, 3, 31), D(2024, 6, 30), D(2024, 9, 30), D(2024, 12, 31)
    ]  # fmt: skip
    yearly = read_deadline("Hằng năm, giai đoạn 2021-2025")
    assert yearly.occurrences(D(2019, 1, 1), D(2030, 1, 1)) == [D(y, 12, 31) for y in range(2021, 2026)]
    onward = read_deadline("Năm 2024 và các năm tiếp theo")
    assert onward.occurrences(D(2020, 1, 1), D(2026, 12, 31)) == [D(2024, 12, 31), D(2025, 12, 31), D(2026, 12, 31)]
    assert read_deadline("Quý IV/2024").occurrences(D(2024, 1, 1), D(2024, 9, 30)) == []
    ongoing = read_deadline("Thường xuyên")
    assert ongoing.occurrences(D(2000, 1, 1), D(2100, 1, 1)) == [] and not ongoing.overdue(D(2100, 1, 1))
    assert read_deadline("30/9/2024").overdue(D(2024, 10, 1)) and not read_deadline("30/9/2024").overdue(D(2024, 9, 30))


# -- round trip -----------------------------------------------------------------------------------------
def _same(a: Deadline, b: Deadline) -> bool:
    def key(d: Deadline) -> list[tuple[object, ...]]:
        return [(p.kind, p.start, p.due, p.rrule, p.until) for p in d.parts()]

    return key(a) == key(b)


@pytest.mark.parametrize(
    "text",
    ["Thường xuyên", "Trước 30/11/2024", "Quý IV/2024", "Tháng 12 hằng năm", "Năm 2024 và các năm tiếp theo",
     "Định kỳ hằng quý", "Quý IV năm 2024", "Cả năm", "6 tháng đầu năm 2025", "Hằng năm, giai đoạn 2021-2025",
     "Quý II/2024 và Quý IV/2024", "Trước ngày 15/12 hằng năm", "Ngày 15 hằng tháng", "6 tháng/lần", "Hằng tuần",
     "Từ tháng 10/2024", "Năm 2024 - 2025", "01/10/2024 - 15/11/2024",
     "trước ngày 01/9/2024 (báo cáo quý III năm 2024); trước ngày 01/12/2024 (báo cáo năm 2024)"],
)  # fmt: skip
def test_round_trip(text: str) -> None:
    d = read_deadline(text, 2024)
    assert d.text == text
    again = read_deadline(d.describe(), 2024)
    assert again.read and _same(again, d), (d.describe(), again)


@given(
    st.sampled_from(["quarter", "month", "year", "day", "first", "last"]),
    st.integers(2015, 2035),
    st.integers(1, 12),
    st.integers(1, 28),
)
def test_round_trip_of_every_period(shape: str, year: int, n: int, day: int) -> None:
    text = {
        "quarter": f"Quý {['I', 'II', 'III', 'IV'][(n - 1) % 4]}/{year}",
        "month": f"Tháng {n}/{year}",
        "year": f"Năm {year}",
        "day": f"Trước ngày {day}/{n}/{year}",
        "first": f"{n} tháng đầu năm {year}",
        "last": f"{n} tháng cuối năm {year}",
    }[shape]
    d = read_deadline(text)
    assert d.read and d.due is not None and d.due.year == year
    assert _same(read_deadline(d.describe()), d)
    assert _same(read_deadline(strip_diacritics(text)), d)


# -- the bundled plans ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KB]:
    from ui_support import build_kb

    from index_store.knowledge_base import KnowledgeBase

    folder = build_kb(tmp_path_factory.mktemp("deadlines-kb"), held_back=None)
    kb = KnowledgeBase(folder, embedder=None, log=lambda _: None)
    try:
        yield kb.store.assignments(), list(kb.store.documents())
    finally:
        kb.close()


def test_every_dong_nai_deadline_is_read_or_listed_unread(
    records: KB,
) -> None:
    rows, docs = records
    years = {d.doc_id: d.year for d in docs}
    dong_nai = [r for r in rows if r["province"] == "Đồng Nai" and str(r["deadline"]).strip()]
    assert len(dong_nai) > 200
    read: list[Deadline] = []
    unread: list[Deadline] = []
    for r in dong_nai:
        d = read_deadline(str(r["deadline"]), years[r["doc_id"]])
        assert d.text == r["deadline"]
        (read if d.read else unread).append(d)
        if d.kind in ("date", "period"):  # a normalised one reads back to the same due date
            assert read_deadline(d.describe(), years[r["doc_id"]]).due == d.due
    print(f"Đồng Nai: {len(dong_nai)} deadlines, {len(read)} normalised, {len(unread)} unread:")
    for text in sorted({d.text for d in unread}):
        print(f"  unread: {text!r}")
    assert len(read) + len(unread) == len(dong_nai)
    assert all(d.text.startswith("Theo") for d in unread)  # what depends on another document, nothing else
    assert {d.kind for d in read} >= {"date", "period", "ongoing"}


def test_due_rows_within_a_quarter(records: KB) -> None:
    rows, docs = records
    q4 = parse_period("quý IV/2024", D(2024, 10, 5))
    assert q4 == (D(2024, 10, 1), D(2024, 12, 31))
    listed = due_rows(rows, docs, agency="so noi vu", within=q4, today=D(2024, 10, 5))
    dated = [r for r in listed if r.status != ONGOING]
    assert dated and all(r.status == IN_PERIOD and r.due == "31/12/2024" for r in dated)
    assert all("Sở Nội vụ" in r.lead + r.coop for r in listed)
    assert any(r.status == ONGOING and r.deadline == "Thường xuyên" for r in listed)
    assert listed.index(dated[-1]) < listed.index(next(r for r in listed if r.status == ONGOING))
    # the whole task, not cut
    full = {str(r["record_id"]): str(r["tasks"]) for r in rows}
    assert all(r.task == full[r.record_id] for r in dated if full[r.record_id])
    # the Lạng Sơn report due twice: listed for its December date in the quarter
    ls = due_rows(rows, docs, within=q4, today=D(2024, 10, 5))
    assert any(r.deadline.startswith("trước ngày 01/9/2024") and r.due == "01/12/2024" for r in ls)
    q3 = due_rows(rows, docs, within=(D(2024, 7, 1), D(2024, 9, 30)), today=D(2024, 7, 1))
    assert any(r.deadline == "30/9/2024" for r in q3) and not any(r.deadline == "31/12/2024" for r in q3)


def test_due_rows_overdue_on_a_chosen_day(records: KB) -> None:
    rows, docs = records
    late = due_rows(rows, docs, overdue_on=D(2024, 12, 1))
    assert late and all(r.status == OVERDUE for r in late)
    assert {r.deadline for r in late} >= {"30/9/2024", "Trước ngày 30/11/2024"}
    assert not {r.deadline for r in late} & {"31/12/2024", "Thường xuyên", "Theo quy định"}
    assert due_rows(rows, docs, overdue_on=D(2024, 9, 30)) == []  # 30/9/2024 is not yet late on that day
    everything = due_rows(rows, docs, today=D(2030, 1, 1))
    assert {r.status for r in everything if r.deadline == "Thường xuyên"} == {ONGOING}  # never overdue
    assert {r.status for r in everything if r.deadline.startswith("Theo")} == {UNREAD}


def test_xlsx_and_ics_re_read(records: KB, tmp_path: Path) -> None:
    from icalendar import Calendar
    from openpyxl import load_workbook

    rows, docs = records
    listed = due_rows(rows, docs, within=(D(2024, 10, 1), D(2024, 12, 31)), today=D(2024, 10, 5))
    extra = [
        {"record_id": "r-yearly", "doc_id": "x", "doc_number": "1/KH", "province": "Đồng Nai", "tasks": "Báo cáo CCHC",
         "lead": ["Sở Nội vụ"], "coop": [], "deadline": "Tháng 12 hằng năm", "location": "Phụ lục 1 › 3",
         "component": "", "plan_index": "PAR INDEX"},
    ]  # fmt: skip
    listed += due_rows(extra, {}, within=(D(2024, 10, 1), D(2024, 12, 31)))
    book = load_workbook(write_xlsx(listed, tmp_path, "q4"))
    sheet = book.active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Văn bản" and sheet["A1"].font.bold and sheet["E2"].alignment.wrap_text
    assert len(values) == len(listed) + 1 and values[1][8] == listed[0].due
    cal = Calendar.from_ical(write_ics(listed, tmp_path, "q4", today=D(2024, 10, 5)).read_bytes())
    events: list[Any] = list(cal.walk("VEVENT"))
    assert len(events) == sum(1 for r in listed if r.status != ONGOING)  # ongoing work has no day
    uids = [str(e["uid"]) for e in events]
    assert len(set(uids)) == len(uids) and all(u.endswith("@planqa") for u in uids)
    yearly = next(e for e in events if str(e["uid"]).startswith("r-yearly"))
    assert yearly["dtstart"].dt == D(2024, 12, 31) and yearly["rrule"]["FREQ"] == ["YEARLY"]
    assert "Sở Nội vụ" in str(yearly["summary"]) and "Phụ lục 1" in str(yearly["description"])
    dated = next(e for e in events if not str(e["uid"]).startswith("r-yearly"))
    assert "rrule" not in dated and dated["dtstart"].dt in {
        D(2024, 11, 30),
        D(2024, 12, 1),
        D(2024, 12, 5),
        D(2024, 12, 31),
    }
    again = Calendar.from_ical(cal.to_ical())
    assert len(list(again.walk("VEVENT"))) == len(events)


def test_periods_a_person_types() -> None:
    today = D(2025, 2, 10)
    assert parse_period("quý IV/2024", today) == (D(2024, 10, 1), D(2024, 12, 31))
    assert parse_period("tháng 12/2024", today) == (D(2024, 12, 1), D(2024, 12, 31))
    assert parse_period("năm 2025", today) == (D(2025, 1, 1), D(2025, 12, 31))
    assert parse_period("30/11/2024", today) == (D(2024, 11, 30), D(2024, 11, 30))
    assert parse_period("6 tháng cuối năm 2024", today) == (D(2024, 7, 1), D(2024, 12, 31))
    assert parse_period("quy nay", today) == (D(2025, 1, 1), D(2025, 3, 31))
    assert parse_period("tháng tới", today) == (D(2025, 3, 1), D(2025, 3, 31))
    assert parse_period("việc nào đã quá hạn?", today) is None
    assert find_period("Sở Nội vụ có những việc nào đến hạn trong quý IV/2024?") == "quý IV/2024"
    assert read_period("Sở Nội vụ có những việc nào đến hạn trong quý IV/2024?", today) == (
        D(2024, 10, 1),
        D(2024, 12, 31),
    )


# -- the assistant --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from kb_support import assistant_over

    with assistant_over(tmp_path_factory.mktemp("deadlines-ask"), [PLANS]) as a:
        yield a


def test_asks_what_falls_due_in_a_quarter(assistant: object, monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant._compose_due as due

    monkeypatch.setattr(due, "_today", lambda: D(2024, 10, 15))
    ans = assistant.ask("Sở Nội vụ có những việc nào đến hạn trong quý IV/2024?")  # type: ignore[attr-defined]
    assert ans.intent == "due" and ans.found and ans.filters["agency"] == "Sở Nội vụ"
    text = ans.answer
    assert "01/10/2024 đến 31/12/2024" in text and "**31/12/2024**" in text and "Thường xuyên" in text
    items = ["- " + item for item in ("\n" + text).split("\n- ")[1:]]  # a row: its head line and its fields
    dated = [item for item in items if item.startswith("- **31/12/2024**")]
    assert len(dated) == 5 and all(
        "Sở Nội vụ" in item and item.splitlines()[0].rstrip().endswith("]") for item in dated
    )
    assert "30/11/2024" not in text  # the districts' deadline, not the department's
    assert len(ans.citations) >= 5
    no_marks = assistant.ask("So Noi vu co nhung viec nao den han trong quy IV/2024?")  # type: ignore[attr-defined]
    assert no_marks.intent == "due" and no_marks.answer.count("- **31/12/2024**") == 5


def test_asks_what_is_overdue(assistant: object, monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant._compose_due as due

    monkeypatch.setattr(due, "_today", lambda: D(2024, 12, 10))
    ans = assistant.ask("việc nào đã quá hạn?")  # type: ignore[attr-defined]
    assert ans.intent == "due" and ans.found
    assert "tính đến 10/12/2024" in ans.answer and "**30/09/2024**" in ans.answer and "**30/11/2024**" in ans.answer
    assert "31/12/2024" not in ans.answer and "Thường xuyên**" not in ans.answer  # ongoing is never overdue
    assert "chưa đọc được" in ans.answer  # the unread deadlines are counted
    chosen = assistant.ask("Sở Nội vụ có việc nào quá hạn tính đến 01/10/2024?")  # type: ignore[attr-defined]
    assert "tính đến 01/10/2024" in chosen.answer and chosen.answer.count("- **") == 1


@pytest.mark.parametrize(
    "written",
    ["31/02/2025", "Trước 31/02/2025", "32/13/2024", "Trong 15 ngày", "Hoàn thành trong 30 ngày kể từ ngày ban hành"],
)
def test_a_day_that_does_not_exist_or_a_count_of_days_is_not_read_as_another_period(written: str) -> None:
    """ "31/02/2025" is no day: it is unread, not February (nor 2031 from "31"); "15" in "trong 15 ngày" counts
    days, it is not the year 2015."""
    d = read_deadline(written, 2024)
    assert d.kind == "unread" and d.due is None and d.text == written


def test_short_years_are_read_after_their_word_or_slash() -> None:
    assert read_deadline("Năm 24", 2023).due == D(2024, 12, 31)
    assert read_deadline("Quý IV/24", 2023).due == D(2024, 12, 31)
    assert read_deadline("ngày 15-20 hằng tháng", 2024).start == D(2024, 1, 1)  # not 2020 from "20"
