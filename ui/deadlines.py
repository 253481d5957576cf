"""Deadlines an official can track: the Nhiệm vụ view by time, and its .xlsx and .ics files.

Gradio-free: plain functions over assignment records (the ``planqa records --json`` dicts, as
``Store.assignments()`` returns them) and documents, for the app and the CLI. Each deadline is read by
:func:`ingest.deadlines.read_deadline` with the plan's year for a deadline written without one; the text as
written is always shown beside its reading.

Example:
    >>> rows = due_rows(store.assignments(), store.documents(), agency="Sở Nội vụ",
    ...                 within=parse_period("quý IV/2024", date.today()))  # doctest: +SKIP
    >>> write_ics(rows, Path("out"), "so-noi-vu-quy-iv-2024")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ingest.deadlines import Deadline, dmy, read_deadline, read_period
from ingest.textnorm import fold

__all__ = ["HEADERS", "STATUSES", "DueRow", "due_rows", "parse_period", "write_ics", "write_xlsx"]

OVERDUE, IN_PERIOD, ONGOING, UNREAD = "quá hạn", "đến hạn trong kỳ", "thường xuyên", "chưa đọc được hạn"
UPCOMING, RECURRING = "chưa đến hạn", "định kỳ"
STATUSES = (OVERDUE, IN_PERIOD, UPCOMING, RECURRING, ONGOING, UNREAD)
HEADERS = (
    "Văn bản", "Tỉnh", "STT", "Nội dung (thành phần)", "Nhiệm vụ/giải pháp", "Chủ trì", "Phối hợp",
    "Thời hạn (như văn bản)", "Hạn (chuẩn hóa)", "Lặp lại", "Tình trạng", "Vị trí",
)  # fmt: skip
_WIDTHS = (16, 12, 8, 30, 60, 28, 28, 22, 14, 22, 16, 30)
SUMMARY_CHARS = 80


@dataclass(frozen=True)
class DueRow:
    """One assignment in the view by time.

    Attributes:
        record_id, doc_number, province, index (the row's number in its table, from its location), component,
        task (whole), lead, coop, location: from the record.
        deadline: the deadline as written. due: the normalised due date "dd/mm/yyyy" ("" when none).
        recurrence: in words ("hằng năm, tháng 12"). status: one of :data:`STATUSES`.
        reading: the :class:`ingest.deadlines.Deadline`. dues: the due dates the row is listed for.
        plan_index: the record's index (PAPI, PAR INDEX …).
    """

    record_id: str
    doc_number: str
    province: str
    index: str
    component: str
    task: str
    lead: tuple[str, ...]
    coop: tuple[str, ...]
    deadline: str
    due: str
    recurrence: str
    status: str
    location: str
    reading: Deadline
    dues: tuple[date, ...] = ()
    plan_index: str = ""

    def cells(self) -> list[str]:
        """The row as the cells of :data:`HEADERS`."""
        return [
            self.doc_number, self.province, self.index, self.component, self.task, "; ".join(self.lead),
            "; ".join(self.coop), self.deadline, self.due, self.recurrence, self.status, self.location,
        ]  # fmt: skip


def parse_period(text: str, today: date) -> tuple[date, date] | None:
    """What a person types in the view as a window: "quý IV/2024", "tháng 12/2024", "năm 2025",
    "30/11/2024", "6 tháng cuối năm 2024", "quý này" → (first day, last day); ``None`` when it names none."""
    return read_period(text, today)


def _documents(documents: Mapping[str, Any] | Iterable[Any]) -> dict[str, Any]:
    """Documents by id: ``Document`` objects, or the ``planqa docs --json`` dicts the app's catalog holds."""
    items: Iterable[Any] = documents.values() if isinstance(documents, Mapping) else documents
    out: dict[str, Any] = {}
    for d in items:
        doc: Any = SimpleNamespace(**d) if isinstance(d, Mapping) else d
        out[str(doc.doc_id)] = doc
    return out


def _names(agency: str, record: Mapping[str, Any]) -> bool:
    key = fold(agency)
    return any(key == fold(n) or key in fold(n) for n in [*record.get("lead", ()), *record.get("coop", ())])


def _row_number(location: str) -> str:
    """The last step of a location ("Phụ lục 11 › I. Chỉ số PAPI › 4" → "4") when it is a number."""
    last = location.split(" › ")[-1].strip() if location else ""
    return last if last[:1].isdigit() and len(last) <= 12 else ""


def due_rows(
    records: Sequence[Mapping[str, Any]],
    documents: Mapping[str, Any] | Iterable[Any],
    *,
    agency: str | None = None,
    within: tuple[date, date] | None = None,
    overdue_on: date | None = None,
    today: date | None = None,
) -> list[DueRow]:
    """The assignments by time, soonest due first.

    Args:
        records: assignment records (dicts). A record without a written deadline has nothing to track
            and is left out.
        documents: the documents (by id, or a list), for each plan's year.
        agency: only rows that name it as lead or coordinating agency (case- and accent-insensitive).
        within: only rows with a due date in this window (recurrences expanded), and ongoing work, which is
            listed with its note ("thường xuyên") and is never overdue.
        overdue_on: only rows whose last due date is before this day.
        today: the day "quá hạn" is told from when ``overdue_on`` is not given (default: today).

    Returns:
        The rows; with no time filter every written deadline is listed, unread ones too
        ("chưa đọc được hạn").
    """
    docs = _documents(documents)
    ref = overdue_on or today or date.today()
    out: list[tuple[tuple[int, date], DueRow]] = []
    for r in records:
        written = str(r.get("deadline") or "")
        if not written.strip() or (agency and not _names(agency, r)):
            continue
        doc = docs.get(str(r.get("doc_id")))
        d = read_deadline(written, doc.year if doc else None)
        picked = _listed(d, within, overdue_on, ref)
        if picked is None:
            continue
        status, dues = picked
        shown = dues[0] if dues else d.next_due(ref) if d.kind == "recurring" else d.due
        row = DueRow(
            str(r.get("record_id") or ""),
            str(r.get("doc_number") or r.get("source") or (doc.doc_number if doc else "")),
            str(r.get("province") or (doc.province if doc else "")),
            _row_number(str(r.get("location") or "")),
            str(r.get("component") or ""),
            str(r.get("tasks") or r.get("target") or ""),
            tuple(r.get("lead") or ()),
            tuple(r.get("coop") or ()),
            written,
            dmy(shown),
            d.recurrence_words(),
            status,
            str(r.get("location") or ""),
            d,
            tuple(dues),
            str(r.get("plan_index") or ""),
        )  # fmt: skip
        rank = STATUSES.index(status) if status in (ONGOING, UNREAD) else 0
        out.append(((rank, shown or date.max), row))
    out.sort(key=lambda item: item[0])
    return [row for _, row in out]


def _listed(
    d: Deadline, within: tuple[date, date] | None, overdue_on: date | None, ref: date
) -> tuple[str, list[date]] | None:
    """The status of a reading and the due dates it is listed for, or ``None`` when the filters leave it out."""
    if d.kind == "unread":
        return (UNREAD, []) if within is None and overdue_on is None else None
    if d.kind == "ongoing":
        return (ONGOING, []) if overdue_on is None else None
    late = d.overdue(ref)
    if overdue_on is not None and not late:
        return None
    if within is not None:
        dues = d.occurrences(*within)
        if not dues:
            return None
        return (OVERDUE if late else IN_PERIOD), dues
    dues = [p.due for p in d.parts() if p.kind in ("date", "period") and p.due]
    if late:
        return OVERDUE, sorted(dues)
    if d.kind == "recurring" and not dues:
        return RECURRING, []
    return UPCOMING, sorted(dues)


def write_xlsx(rows: Sequence[DueRow], folder: Path, stem: str) -> Path:
    """Write the rows as ``<stem>.xlsx``: a bold header row, column widths, wrapped text, dates as written."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Thời hạn"
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(v) for v in row.cells()])
    for n, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in sheet.iter_rows():
        for cell in line:
            cell.alignment = wrap
    sheet.freeze_panes = "A2"
    book.save(path)
    return path


def _cell(value: str) -> str:
    """Plan text as a cell's text: a leading "=", "+", "-", "@" would make a spreadsheet read a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _summary(row: DueRow) -> str:
    task = " ".join((row.task or row.component or row.deadline).split())
    short = task if len(task) <= SUMMARY_CHARS else task[: SUMMARY_CHARS - 1].rstrip() + "…"
    who = ", ".join(row.lead) or row.province
    return f"{who}: {short}" if who else short


def _ical_rule(part: Deadline) -> dict[str, Any]:
    """The part's rule for a calendar: each occurrence on the last day of its period unless a day is written."""
    rule: dict[str, Any] = {}
    for item in part.rrule.split(";"):
        name, _, value = item.partition("=")
        rule[name.lower()] = value if name == "FREQ" else int(value)
    if rule.get("freq") in ("YEARLY", "MONTHLY") and "bymonthday" not in rule:
        rule["bymonthday"] = -1
    if rule.get("freq") == "YEARLY" and "bymonth" not in rule:
        rule["bymonth"] = 12
    if rule.get("freq") == "WEEKLY":
        rule["byday"] = "SU"
    if part.until:
        rule["until"] = part.until
    return rule


def write_ics(rows: Sequence[DueRow], folder: Path, stem: str, *, today: date | None = None) -> Path:
    """Write the rows as an iCalendar file ``<stem>.ics`` an official can import.

    One all-day event per due date (DTSTART the due date), or one event with an RRULE per recurrence (from
    its first occurrence on or after its start, else ``today``); ongoing and unread deadlines have no day
    and are left out. SUMMARY is the lead agency and the task cut short; DESCRIPTION the whole task, the
    component, the deadline as written, the plan and where the row stands; UIDs come from the record id,
    so a re-export updates the same events.
    """
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//planqa//Thời hạn nhiệm vụ//VI")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", stem)
    stamp = date.today() if today is None else today
    for row in rows:
        description = "\n".join(
            line for line in (
                row.task, f"Nội dung: {row.component}" if row.component else "",
                f"Thời hạn (như văn bản): {row.deadline}", f"Kế hoạch: {row.doc_number} ({row.province})",
                f"Vị trí: {row.location}" if row.location else "",
                f"Phối hợp: {'; '.join(row.coop)}" if row.coop else "",
            ) if line
        )  # fmt: skip
        for n, (first, rule) in enumerate(_events(row, stamp)):
            event = Event()
            event.add("uid", f"{row.record_id}-{n}@planqa")
            event.add("dtstamp", datetime.combine(stamp, time(0), tzinfo=UTC))
            event.add("summary", _summary(row))
            event.add("description", description)
            event.add("dtstart", first)
            event.add("dtend", first + timedelta(days=1))
            if rule:
                event.add("rrule", rule)
            cal.add_component(event)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.ics"
    path.write_bytes(cal.to_ical())
    return path


def _events(row: DueRow, today: date) -> list[tuple[date, dict[str, Any] | None]]:
    """(first day, rule or None) of each event a row gives."""
    out: list[tuple[date, dict[str, Any] | None]] = []
    fixed = set(row.dues)
    for part in row.reading.parts():
        if part.kind == "recurring":
            first = part.next_due(part.start or today)
            if first:
                out.append((first, _ical_rule(part)))
        elif part.kind in ("date", "period") and part.due and (not row.dues or part.due in fixed):
            out.append((part.due, None))
    return out
