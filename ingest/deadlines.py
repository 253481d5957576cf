"""Deadlines as written in plans, read into a due date or a recurrence an official can track.

A plan writes its deadlines in words: "Thường xuyên", "Trước ngày 30/11/2024", "Quý IV năm 2024",
"Tháng 12 hằng năm", "Năm 2024 và các năm tiếp theo", "Định kỳ hằng quý". :func:`read_deadline` reads one such
cell into a :class:`Deadline` that keeps the text as written beside what it means:

* ``date``: a day ("Trước ngày 30/11/2024" → due 30/11/2024; "cuối năm 2024", "đến hết 2024" → 31/12/2024);
* ``period``: a span whose last day is the due date ("Quý IV/2024" → 01/10–31/12/2024, "Năm 2024",
  "Tháng 6/2025", "6 tháng đầu năm 2025", "giai đoạn 2021-2025");
* ``recurring``: an RFC 5545 rule ("Tháng 12 hằng năm" → ``FREQ=YEARLY;BYMONTH=12``, "Định kỳ hằng quý" →
  ``FREQ=MONTHLY;INTERVAL=3``), each occurrence due on the last day of its period unless a day is written,
  periods aligned on the calendar year; ``start`` and ``until`` bound it ("Năm 2024 và các năm tiếp theo");
* ``ongoing``: "Thường xuyên", "Liên tục", "Từ tháng 10/2024" — never overdue;
* ``unread``: what depends on something else ("Theo quy định", "Sau khi có kết quả kiểm tra"), a blank cell,
  or words with no date in them; the text stays as written and callers count these.

Several deadlines in one cell ("Quý II/2024 và Quý IV/2024", "trước ngày 01/9/2024; trước ngày 01/12/2024")
give the earliest as the deadline and the rest in ``others``. A year left out ("Quý IV", "Cả năm") is the
plan's year when the caller gives it, else the deadline is unread. Words are data
(``ingest/vocab/deadlines.toml``), matched after folding, so "Quy IV/2024" and "quí IV/2024" read the same.
"""

from __future__ import annotations

import calendar
import functools
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ingest.textnorm import nfc, strip_diacritics

__all__ = ["KINDS", "Deadline", "find_period", "read_deadline", "read_period"]

VOCAB_FILE = Path(__file__).parent / "vocab" / "deadlines.toml"
KINDS = ("date", "period", "recurring", "ongoing", "unread")
MAX_CHARS = 400  # a longer cell is prose, not a deadline: only its beginning is read
_TOKEN_RE = re.compile(r"\d+|[^\W\d_]+|[^\w\s]")
_DASHES = frozenset("-–—")
_DATE_SEPS = frozenset("/-.")
_ROMAN = ("", "I", "II", "III", "IV")
_UNIT_FREQ = {"year": ("YEARLY", 1), "quarter": ("MONTHLY", 3), "month": ("MONTHLY", 1), "week": ("WEEKLY", 1),
              "day": ("DAILY", 1)}  # fmt: skip


@dataclass(frozen=True)
class Deadline:
    """One written deadline and what it means (see the module docstring for the kinds).

    Attributes:
        text: the deadline exactly as written.
        kind: "date" | "period" | "recurring" | "ongoing" | "unread".
        start: first day of the period, of a recurrence, or of ongoing work; else ``None``.
        due: the due date (last day of a period; first occurrence of an anchored recurrence).
        rrule: the recurrence rule ("FREQ=YEARLY;BYMONTH=12"), "" unless recurring.
        until: last day a recurrence runs to ("giai đoạn 2021-2025" → 31/12/2025), else ``None``.
        others: the other deadlines of the same cell, each read the same way.

    Example:
        >>> d = read_deadline("Quý IV năm 2024")
        >>> d.kind, d.start, d.due, d.describe()
        ('period', datetime.date(2024, 10, 1), datetime.date(2024, 12, 31), 'Quý IV/2024')
    """

    text: str
    kind: str = "unread"
    start: date | None = None
    due: date | None = None
    rrule: str = ""
    until: date | None = None
    others: tuple[Deadline, ...] = field(default=())

    @property
    def read(self) -> bool:
        """Whether the deadline was normalised (any kind but "unread")."""
        return self.kind != "unread"

    @property
    def written(self) -> bool:
        """Whether the cell holds any text at all (a blank cell is unread but nothing to count)."""
        return bool(self.text.strip())

    def parts(self) -> tuple[Deadline, ...]:
        """This deadline and its ``others``."""
        return (replace(self, others=()), *self.others)

    def occurrences(self, start: date, end: date) -> list[date]:
        """The due dates within ``start``–``end`` (both included), recurrences expanded, every part included.

        An ongoing or unread deadline has none.
        """
        found: set[date] = set()
        for part in self.parts():
            if part.kind == "recurring":
                found.update(_expand(part, start, end))
            elif part.kind in ("date", "period") and part.due and start <= part.due <= end:
                found.add(part.due)
        return sorted(found)

    def final_due(self) -> date | None:
        """The last due date of a dated deadline (date or period parts), else ``None``."""
        dues = [p.due for p in self.parts() if p.kind in ("date", "period") and p.due]
        return max(dues, default=None)

    def overdue(self, on: date) -> bool:
        """Whether every dated due date has passed by ``on``; recurring, ongoing and unread never are."""
        last = self.final_due()
        return last is not None and last < on

    def next_due(self, on: date, horizon_years: int = 5) -> date | None:
        """The first due date on or after ``on`` (within ``horizon_years``)."""
        ahead = self.occurrences(on, _add_years(on, horizon_years))
        return ahead[0] if ahead else None

    def recurrence_words(self) -> str:
        """The recurrence in Vietnamese words ("hằng năm, tháng 12"), "" unless recurring."""
        return _recurrence_words(self) if self.kind == "recurring" else ""

    def describe(self) -> str:
        """The normalised deadline in words that :func:`read_deadline` reads back to the same deadline.

        Returns:
            "30/11/2024", "Quý IV/2024", "Hằng năm, tháng 12, từ năm 2024", "Thường xuyên" … joined by "; "
            for several; the text as written when unread.
        """
        if not self.read:
            return self.text
        return "; ".join(_describe_one(p) for p in self.parts() if p.read)


# -- vocabulary ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Vocab:
    phrases: dict[str, tuple[tuple[tuple[str, ...], str], ...]]  # first word → (words, label), longest first
    numerals: dict[str, tuple[tuple[tuple[str, ...], int], ...]]
    write: dict[str, str]


def _key(word: str) -> str:
    return strip_diacritics(nfc(word).lower())


def _words_of(phrase: str) -> tuple[str, ...]:
    return tuple(_key(t) for t in _TOKEN_RE.findall(phrase))


def _table(entries: list[tuple[str, Any]]) -> dict[str, tuple[tuple[tuple[str, ...], Any], ...]]:
    by_first: dict[str, list[tuple[tuple[str, ...], Any]]] = {}
    for phrase, value in entries:
        words = _words_of(phrase)
        if words:
            by_first.setdefault(words[0], []).append((words, value))
    return {k: tuple(sorted(v, key=lambda item: -len(item[0]))) for k, v in by_first.items()}


@functools.lru_cache(maxsize=4)
def _vocab(path: Path = VOCAB_FILE) -> _Vocab:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
        words = [(alias, label) for label, aliases in data["words"].items() for alias in aliases]
        numerals = [(alias, int(n)) for n, aliases in data["numerals"].items() for alias in aliases]
        return _Vocab(_table(words), _table(numerals), dict(data["write"]))
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(
            f"{path}: expected the deadline vocabulary (deadlines.toml), could not read it: {exc}"
        ) from exc


# -- tokens ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Tok:
    key: str  # folded word, digits, or one punctuation character
    start: int
    end: int

    @property
    def num(self) -> int | None:
        return int(self.key) if self.key.isdigit() and len(self.key) <= 4 else None


@functools.lru_cache(maxsize=1024)
def _fold_char(c: str) -> str:
    folded = strip_diacritics(c.lower())
    return folded if len(folded) == 1 else c  # keeps offsets: one character for one character


def _tokens(text: str) -> list[_Tok]:
    folded = "".join(_fold_char(c) for c in text)
    return [_Tok(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(folded)]


def _match(toks: list[_Tok], i: int, table: dict[str, Any]) -> tuple[Any, int]:
    """The value of the longest phrase of ``table`` at ``toks[i]`` and its length in tokens, else (None, 0)."""
    if i >= len(toks):
        return None, 0
    for words, value in table.get(toks[i].key, ()):
        if tuple(t.key for t in toks[i : i + len(words)]) == words:
            return value, len(words)
    return None, 0


# -- spans: what one expression names --------------------------------------------------------------------
@dataclass
class _Span:
    grain: str  # "day", "dom" (a day of every month), "month", "quarter", "year", "months", "years", "range"
    y1: int | None
    m1: int = 1
    m2: int = 12
    day: int | None = None
    y2: int | None = None
    mod: str = ""  # "before", "until", "end", "since", "within", "whole", "" — the word in front of it
    a: int = 0  # token range, for the text of one part
    b: int = 0
    start_day: int | None = None  # a range's first day ("Từ 01/10/2024 đến …")

    def first(self) -> date:
        assert self.y1 is not None
        return date(self.y1, self.m1, self.start_day or (self.day if self.grain == "day" and self.day else 1))

    def last(self) -> date:
        year = self.y2 if self.y2 is not None else self.y1
        assert year is not None
        return date(year, self.m2, self.day or calendar.monthrange(year, self.m2)[1])


def _year(n: int | None, raw: str = "") -> int | None:
    if n is None:
        return None
    if len(raw) == 2:
        return 2000 + n
    return n if 1900 <= n <= 2100 and len(raw) == 4 else None


def _valid(y: int | None, m: int, d: int) -> bool:
    if not 1 <= m <= 12:
        return False
    return 1 <= d <= calendar.monthrange(y or 2024, m)[1]  # a year-less day may be 29/2


class _Reader:
    """Reads time expressions from tokens; ``today`` allows relative ones ("quý này", "năm tới")."""

    def __init__(self, toks: list[_Tok], today: date | None = None) -> None:
        self.toks, self.today, self.v = toks, today, _vocab()

    def label(self, i: int) -> tuple[str | None, int]:
        value, n = _match(self.toks, i, self.v.phrases)
        return value, n

    def key(self, i: int) -> str:
        return self.toks[i].key if 0 <= i < len(self.toks) else ""

    def numeral(self, i: int, top: int, words: bool = True) -> tuple[int | None, int]:
        """A number 1…``top`` at ``i`` (digits, a Roman numeral, a word when ``words``) and the index after it.

        In a list ("Quý II, IV/2024") only digits and Roman numerals count: "tháng 12, năm 2024" is no May.
        """
        if i >= len(self.toks):
            return None, i
        tok = self.toks[i]
        n = tok.num if len(tok.key) <= 2 else None
        if n is None and (words or set(tok.key) <= set("ivx")):
            n, k = _match(self.toks, i, self.v.numerals)
            i += max(k, 1) - 1
        return (n, i + 1) if n is not None and 1 <= n <= top else (None, i)

    def year_after(self, i: int) -> tuple[int | None, int]:
        """A year right after a period: "/2024" (or "/24"), "-2024", "năm 2024", " 2024", "năm nay"."""
        key, nxt = self.key(i), self.key(i + 1)
        if key == "/" and nxt.isdigit():
            y = _year(self.toks[i + 1].num, nxt)
            return (y, i + 2) if y else (None, i)
        if (key in _DASHES and len(nxt) == 4) or (self.label(i) == ("year", 1) and len(nxt) in (2, 4)):
            y = _year(self.toks[i + 1].num, nxt)
            return (y, i + 2) if y else (None, i)
        if len(key) == 4 and key.isdigit():
            y = _year(self.toks[i].num, key)
            return (y, i + 1) if y else (None, i)
        if key == "," and self.label(i + 1) == ("year", 1) and len(self.key(i + 2)) == 4:  # "Tháng 12, năm 2024"
            return self.year_after(i + 1)
        if self.today and self.label(i) == ("year", 1):  # "quý IV năm nay"
            rel, j = self.relative(i + 1)
            if rel is not None:
                return self.today.year + rel, j
        return None, i

    def relative(self, i: int) -> tuple[int | None, int]:
        """0 for "này"/"nay", 1 for "tới"/"sau" (only when reading a question)."""
        if self.today is None:
            return None, i
        lab, n = self.label(i)
        return ({"this": 0, "next": 1}.get(lab or ""), i + n) if lab in ("this", "next") else (None, i)

    def impossible_date(self, i: int) -> int:
        """The index after a day that does not exist ("31/02/2025", "32/13/2024", "30/02"), else 0: such a date
        is read as nothing, never as the month or the year its pieces would make ("02/2025", "2013")."""
        t = self.toks
        if i + 2 >= len(t) or t[i].num is None or len(t[i].key) > 2 or self.key(i + 1) not in _DATE_SEPS:
            return 0
        sep, m = self.key(i + 1), t[i + 2].num
        if m is None or len(self.key(i + 2)) > 2:
            return 0
        j, y = i + 3, None
        if self.key(j) == sep and j + 1 < len(t) and t[j + 1].num is not None:
            y, j = _year(t[j + 1].num, self.key(j + 1)), j + 2
            if y is None:
                return 0
        if y is None and sep != "/":  # "15-20": a range of days, not a date
            return 0
        return 0 if _valid(y, m, t[i].num or 0) else j

    def date_at(self, i: int) -> tuple[_Span | None, int]:
        """ "30/11/2024", "30-11-2024", "30/11", "30 tháng 11 năm 2024"."""
        t = self.toks
        d = t[i].num if i < len(t) else None
        if d is None or len(t[i].key) > 2:
            return None, i
        if self.key(i + 1) in _DATE_SEPS and i + 2 < len(t) and t[i + 2].num is not None:
            sep, m, j = self.key(i + 1), t[i + 2].num, i + 3
            if len(self.key(i + 2)) == 4:
                return None, i  # "6/2025" is a month
        elif self.label(i + 1) == ("month", 1) and i + 2 < len(t) and t[i + 2].num is not None:
            sep, m, j = "", t[i + 2].num, i + 3
        else:
            return None, i
        assert m is not None
        if sep and self.key(j) == sep and self.key(j + 1).isdigit():
            y = _year(t[j + 1].num, self.key(j + 1))
            j = j + 2 if y else j
        else:
            y, j = self.year_after(j)
        if not _valid(y, m, d):
            return None, i
        return _Span("day", y, m, m, d), j

    def periods(self, i: int, unit: str, top: int) -> tuple[list[_Span], int]:
        """ "Quý IV/2024", "Quý II và IV/2024", "Quý III-IV/2024", "tháng 12", "tháng 10 - 12/2024"."""
        size = 3 if unit == "quarter" else 1
        n, j = self.numeral(i + 1, top)
        if n is None:
            rel, j = self.relative(i + 1)
            if rel is None or self.today is None:
                return [], i
            now = (self.today.month - 1) // size + 1 + rel
            year = self.today.year + (now - 1) // (12 // size)
            now = (now - 1) % (12 // size) + 1
            return [_Span(unit, year, (now - 1) * size + 1, now * size)], j
        items: list[tuple[int, int]] = [(n, n)]
        while True:
            sep, (lab, n_lab) = self.key(j), self.label(j)
            if sep in (",", "&") or lab == "and":
                m, k = self.numeral(j + (n_lab if lab == "and" else 1), top, words=False)
                if m is None:
                    break
                items.append((m, m))
            elif sep in _DASHES or lab == "until":
                m, k = self.numeral(j + (n_lab if lab == "until" else 1), top, words=False)
                if m is None or m < items[-1][0]:
                    break
                items[-1] = (items[-1][0], m)
            else:
                break
            j = k
        y, j = self.year_after(j)
        spans = [_Span(unit if a == b else "months", y, (a - 1) * size + 1, b * size) for a, b in items]
        return spans, j

    def expr(self, i: int) -> tuple[list[_Span], int]:
        """The time expression at token ``i`` (several for a list), and the index after it; ``[]`` if none."""
        lab, n = self.label(i)
        tok = self.toks[i]
        if lab == "quarter":
            return self.periods(i, "quarter", 4)
        if lab == "month":
            return self.periods(i, "month", 12)
        if lab == "day":
            span, j = self.date_at(i + n)
            if span:
                return [span], j
            d = self.toks[i + n].num if i + n < len(self.toks) else None
            if d is not None and 1 <= d <= 31 and len(self.key(i + n)) <= 2:
                return [_Span("dom", None, day=d)], i + n + 1  # "ngày 15 hằng tháng"
            return [], i
        if lab == "stage":  # "giai đoạn 2021-2025", "giai đoạn năm 2021 - 2025"
            k = i + n + (1 if self.label(i + n) == ("year", 1) else 0)
            y = _year(self.toks[k].num, self.key(k)) if k < len(self.toks) else None
            return self.years_from(y, k + 1) if y else ([], i)
        if lab == "year":
            y, j = self.year_after(i)
            if y is not None:
                return self.years_from(y, j)
            rel, j = self.relative(i + n)
            if rel is not None and self.today is not None:
                return [_Span("year", self.today.year + rel)], j
            return [_Span("year", None)], i + n  # "cả năm", "trong năm": the plan's year
        if lab == "half" and self.label(i + n)[0] in ("first", "end") and self.label(i + n + 1)[0] == "year":
            first = self.label(i + n)[0] == "first"
            y, j = self.year_after(i + n + 1)
            return [_Span("months", y, 1 if first else 7, 6 if first else 12)], j if y else i + n + 2
        if tok.num is not None:
            if self.label(i + 1)[0] == "month" and self.label(i + 2)[0] in ("first", "end"):
                if self.label(i + 3)[0] == "year" and 1 <= tok.num <= 12:  # "6 tháng đầu năm 2025"
                    first = self.label(i + 2)[0] == "first"
                    y, j = self.year_after(i + 3)
                    span = _Span("months", y, 1 if first else 13 - tok.num, tok.num if first else 12)
                    return [span], j if y else i + 4
                return [], i
            span, j = self.date_at(i)
            if span:
                return [span], j
            if self.key(i + 1) == "/" and len(self.key(i + 2)) == 4 and 1 <= tok.num <= 12:  # "6/2025"
                y = _year(self.toks[i + 2].num, self.key(i + 2))
                return ([_Span("month", y, tok.num, tok.num)], i + 3) if y else ([], i)
            # a bare number is a year only when written in full: "15" in "trong 15 ngày" is a count of days
            # ("năm 24", "quý IV/24" read their short year after the word or the "/")
            y = _year(tok.num, tok.key) if len(tok.key) == 4 else None
            if y:
                return self.years_from(y, i + 1)
        return [], i

    def years_from(self, y: int, j: int) -> tuple[list[_Span], int]:
        """A year, or a run of years when "-2025" / "đến 2025" follows ("2021-2025")."""
        sep_n = 1 if self.key(j) in _DASHES else self.label(j)[1] if self.label(j)[0] == "until" else 0
        if sep_n:
            k = j + sep_n + (1 if self.label(j + sep_n) == ("year", 1) else 0)
            y2 = _year(self.toks[k].num, self.key(k)) if k < len(self.toks) else None
            if y2 and y2 > y:
                return [_Span("years", y, 1, 12, y2=y2)], k + 1
        return [_Span("year", y)], j


# -- one cell --------------------------------------------------------------------------------------------
@dataclass
class _Group:
    """What the words between two ";" say."""

    spans: list[_Span] = field(default_factory=list)
    freq: tuple[str, int] | None = None
    ongoing: bool = False
    periodic: bool = False
    conditional: bool = False


_MODS = frozenset({"before", "until", "end", "since", "within", "whole"})
_KEPT = frozenset({"before", "until", "end", "since"})  # words that change the date: kept with a part's text


def _scan(toks: list[_Tok], today: date | None = None) -> list[_Group]:
    """Read the groups of a cell: spans with the word in front of them, recurrence and ongoing words."""
    r = _Reader(toks, today)
    groups, g, pending, depth, i = [], _Group(), "", 0, 0
    pending_at = 0
    while i < len(toks):
        key = toks[i].key
        if key in "([":
            depth, i = depth + 1, i + 1
            continue
        if key in ")]":
            depth, i = max(0, depth - 1), i + 1
            continue
        if depth:  # a note in brackets: "(báo cáo quý III năm 2024)"
            i += 1
            continue
        if key == ";":
            groups.append(g)
            g, pending, i = _Group(), "", i + 1
            continue
        lab, n = r.label(i)
        if lab == "every" or (lab == "periodic" and r.label(i + n)[0] in _UNIT_FREQ):
            unit = r.label(i + n)[0]
            if unit in _UNIT_FREQ:
                g.freq, i = _UNIT_FREQ[str(unit)], i + n + 1
                continue
            g.periodic, i = True, i + n
            continue
        if lab in ("yearly", "onward"):
            g.freq, i = ("YEARLY", 1), i + n
            continue
        if lab == "semiannual":
            g.freq, i = ("MONTHLY", 6), i + n
            continue
        if lab == "periodic":
            g.periodic, i = True, i + n
            continue
        if lab == "ongoing":
            g.ongoing, i = True, i + n
            continue
        if lab == "conditional":
            g.conditional = g.conditional or not (g.spans or g.freq)
            i += n
            continue
        if lab in _MODS:
            pending, pending_at, i = str(lab), i, i + n
            continue
        if _frequency_at(r, i, g.periodic):  # "định kỳ 6 tháng", "6 tháng/lần", "3 tháng một lần"
            g.freq, i = ("MONTHLY", toks[i].num or 1), i + 2
            continue
        if skip := r.impossible_date(i):
            i = skip
            continue
        spans, j = r.expr(i)
        if not spans or (
            spans[0].grain == "year" and spans[0].y1 is None and pending not in ("whole", "within", "end")
        ):
            i += max(n, 1)
            continue
        for s in spans:
            s.mod, s.a, s.b = pending, pending_at if pending in _KEPT else i, j
        if pending == "until" and g.spans and g.spans[-1].mod == "since" and len(spans) == 1:
            g.spans[-1] = _merge(g.spans[-1], spans[0])
        elif r.key(j) in _DASHES and len(spans) == 1:
            after, k = r.expr(j + 1)
            if len(after) == 1:
                spans, j = [_merge(spans[0], after[0])], k
            g.spans += spans
        else:
            g.spans += spans
        pending, i = "", j
    groups.append(g)
    return groups


def _frequency_at(r: _Reader, i: int, periodic: bool) -> bool:
    """Whether "N tháng" at ``i`` is a frequency: after "định kỳ", or before "lần" / "/lần"."""
    num = r.toks[i].num
    if not num or not 1 <= num <= 12 or r.label(i + 1)[0] != "month":
        return False
    times = r.label(i + 2)[0] == "times" or (r.key(i + 2) == "/" and r.label(i + 3)[0] == "times")
    return periodic and r.label(i + 2)[0] not in ("first", "end") or times


def _merge(a: _Span, b: _Span) -> _Span:
    """ "Từ tháng 10/2024 đến tháng 12/2024", "01/10/2024 - 31/12/2024": one range."""
    y1 = a.y1 if a.y1 is not None else b.y1
    y2 = b.y2 if b.y2 is not None else b.y1 if b.y1 is not None else y1
    first = a.day if a.grain == "day" else None
    return _Span("range", y1, a.m1, b.m2, b.day if b.grain == "day" else None, y2, a.mod or "since", a.a, b.b, first)


def _fill_years(spans: list[_Span], plan_year: int | None) -> None:
    """A year left out takes the year of the next span that has one ("Quý II và IV/2024"), else the plan's."""
    for k, s in enumerate(spans):
        if s.y1 is None and s.grain != "dom":
            s.y1 = next((t.y1 for t in spans[k + 1 :] if t.y1 is not None), plan_year)


def read_deadline(text: str, plan_year: int | None = None) -> Deadline:
    """Read one deadline as written in a plan.

    Args:
        text: the deadline cell or phrase as written (kept as it is in ``Deadline.text``).
        plan_year: the plan's year, given to a deadline written without one ("Quý IV", "Cả năm").

    Returns:
        The :class:`Deadline`; kind "unread" when the words say no date the reader can place.

    Example:
        >>> read_deadline("Trước ngày 30/11/2024").due
        datetime.date(2024, 11, 30)
        >>> read_deadline("Tháng 12 hằng năm", 2024).rrule
        'FREQ=YEARLY;BYMONTH=12'
    """
    src = nfc(text or "")[:MAX_CHARS]
    toks = _tokens(src)
    parts = [p for g in _scan(toks) for p in _parts_of(g, plan_year, src, toks)]
    if not parts and "(" in src:  # the brackets held the only date: read them too
        inner = _tokens(src.replace("(", " ").replace(")", " "))
        parts = [p for g in _scan(inner) for p in _parts_of(g, plan_year, src, inner)]
    if not parts:
        return Deadline(text or "")
    parts.sort(key=_order)
    return replace(parts[0], text=text, others=tuple(parts[1:]))


def _order(d: Deadline) -> tuple[int, date]:
    rank = {"date": 0, "period": 0, "recurring": 1, "ongoing": 2}[d.kind]
    return (rank if d.due else rank + 3, d.due or date.max)


def _slice(src: str, toks: list[_Tok], a: int, b: int) -> str:
    if not toks or b <= a:
        return src
    return src[toks[a].start : toks[min(b, len(toks)) - 1].end]


def _parts_of(g: _Group, plan_year: int | None, src: str, toks: list[_Tok]) -> list[Deadline]:
    if g.conditional and not g.spans and not g.freq:
        return []
    if g.freq:
        return _recurring(g, plan_year, src, toks)
    spans = [s for s in g.spans if s.grain != "dom"]
    _fill_years(spans, plan_year)
    out = []
    for s in spans:
        if s.y1 is None:
            continue
        part = src if len(spans) == 1 else _slice(src, toks, s.a, s.b)
        if s.mod == "since" and s.grain != "range":
            out.append(Deadline(part, "ongoing", s.first()))
        elif s.mod == "before":
            due = s.last() if s.grain == "day" else s.first() - timedelta(days=1)
            out.append(Deadline(part, "date", None, due))
        elif s.mod in ("until", "end") or s.grain == "day":
            out.append(Deadline(part, "date", None, s.last()))
        else:
            out.append(Deadline(part, "period", s.first(), s.last()))
    if not out and g.ongoing:
        out.append(Deadline(src, "ongoing"))
    elif g.ongoing and all(d.kind == "ongoing" for d in out):
        out = [Deadline(src, "ongoing", min(d.start for d in out if d.start))]
    return out


def _recurring(g: _Group, plan_year: int | None, src: str, toks: list[_Tok]) -> list[Deadline]:
    """One rule per month named ("Tháng 6 và tháng 12 hằng năm"), bounded by the years named."""
    assert g.freq is not None
    freq, interval = g.freq
    start: date | None = None
    until: date | None = None
    by: list[tuple[int | None, int | None]] = []
    for s in g.spans:
        if s.grain == "dom":
            by.append((None, s.day))
        elif s.mod == "until" and s.y1 is not None:
            until = s.last()
        elif s.grain in ("years", "range") and s.y1 is not None:
            start, until = s.first(), s.last()
        else:
            if s.y1 is not None:
                start = min(start, s.first()) if start else s.first()
            if freq == "YEARLY" and s.grain not in ("year", "years"):
                by.append((s.m2, s.day if s.grain == "day" else None))
    if start is None and plan_year is not None:
        start = date(plan_year, 1, 1)
    rules = []
    for month, day in by or [(None, None)]:
        rule = f"FREQ={freq}"
        if freq == "MONTHLY" and interval > 1:
            rule += f";INTERVAL={interval}"
        if freq == "YEARLY" and month:
            rule += f";BYMONTH={month}"
        if day and freq in ("YEARLY", "MONTHLY"):
            rule += f";BYMONTHDAY={day}"
        rules.append(rule)
    out = []
    for rule in dict.fromkeys(rules):
        d = Deadline(src, "recurring", start, None, rule, until)
        out.append(replace(d, due=d.next_due(start)) if start else d)
    return out


# -- expanding a rule ------------------------------------------------------------------------------------
def _rule(rrule: str) -> dict[str, str]:
    return dict(p.split("=", 1) for p in rrule.split(";") if "=" in p)


def _add_years(d: date, n: int) -> date:
    return date(min(d.year + n, 9999), d.month, min(d.day, 28) if d.month == 2 else d.day)


def _month_end(y: int, m: int, day: int | None) -> date | None:
    last = calendar.monthrange(y, m)[1]
    return date(y, m, day) if day and day <= last else date(y, m, last) if not day else None


def _expand(d: Deadline, lo: date, hi: date) -> list[date]:
    rule = _rule(d.rrule)
    lo = max(lo, d.start) if d.start else lo
    hi = min(hi, d.until) if d.until else hi
    if hi < lo:
        return []
    freq, day = rule.get("FREQ"), int(rule["BYMONTHDAY"]) if "BYMONTHDAY" in rule else None
    out: list[date | None] = []
    if freq == "YEARLY":
        month = int(rule.get("BYMONTH", 12))
        out = [_month_end(y, month, day) for y in range(lo.year, hi.year + 1)]
    elif freq == "MONTHLY":
        step = int(rule.get("INTERVAL", 1))
        months = range(lo.year * 12 + lo.month - 1, hi.year * 12 + hi.month)
        if 12 % step == 0:  # periods of the calendar year: quarters end in March, June, September, December
            out = [_month_end(m // 12, m % 12 + 1, day) for m in months if (m % 12 + 1) % step == 0]
        else:
            base = (d.start or lo).year * 12 + (d.start or lo).month - 1
            out = [_month_end(m // 12, m % 12 + 1, day) for m in months if (m - base + 1) % step == 0]
    elif freq == "WEEKLY":  # the end of each week (Sunday)
        first = lo + timedelta(days=(6 - lo.weekday()) % 7)
        out = [first + timedelta(weeks=k) for k in range((hi - first).days // 7 + 1)]
    elif freq == "DAILY":
        out = [lo + timedelta(days=k) for k in range((hi - lo).days + 1)]
    return [x for x in out if x is not None and lo <= x <= hi]


# -- writing back ----------------------------------------------------------------------------------------
def dmy(d: date | None) -> str:
    """A day as Vietnamese writes it: "30/11/2024" ("" for none)."""
    if d is None:
        return ""
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def _describe_one(d: Deadline) -> str:
    w = _vocab().write
    if d.kind == "date" and d.due:
        return dmy(d.due)
    if d.kind == "period" and d.start and d.due:
        return _describe_period(d.start, d.due, w)
    if d.kind == "recurring":
        return _recurrence_words(d, capital=True)
    if d.kind == "ongoing":
        return w["ongoing"] + (f", từ {dmy(d.start)}" if d.start else "")
    return d.text


def _describe_period(start: date, due: date, w: dict[str, str]) -> str:
    whole_start = start.day == 1
    whole_end = due.day == calendar.monthrange(due.year, due.month)[1]
    if whole_start and whole_end and start.year == due.year:
        y, m1, m2 = start.year, start.month, due.month
        if (m1, m2) == (1, 12):
            return w["year"].format(year=y)
        if m1 == m2:
            return w["month"].format(month=m1, year=y)
        if m2 - m1 == 2 and m1 % 3 == 1:
            return w["quarter"].format(roman=_ROMAN[m2 // 3], year=y)
        if m1 == 1:
            return w["first_months"].format(n=m2, year=y)
        if m2 == 12:
            return w["last_months"].format(n=13 - m1, year=y)
    if whole_start and whole_end and (start.month, due.month) == (1, 12):
        return w["years"].format(year=start.year, year2=due.year)
    return w["span"].format(start=dmy(start), due=dmy(due))


def _recurrence_words(d: Deadline, capital: bool = False) -> str:
    w = _vocab().write
    rule = _rule(d.rrule)
    freq, step = rule.get("FREQ", ""), int(rule.get("INTERVAL", 1))
    day = int(rule["BYMONTHDAY"]) if "BYMONTHDAY" in rule else None
    words = []
    if freq == "YEARLY":
        words.append(w["yearly"])
        if "BYMONTH" in rule:
            month = int(rule["BYMONTH"])
            words.append(f"ngày {day:02d}/{month:02d}" if day else f"tháng {month}")
    elif freq == "MONTHLY":
        words.append(w["monthly"] if step == 1 else w["quarterly"] if step == 3 else w["every_months"].format(n=step))
        if day:
            words.append(f"ngày {day}")
    else:
        words.append(w["weekly"] if freq == "WEEKLY" else w["daily"])
    if d.start:
        words.append(f"từ năm {d.start.year}" if (d.start.month, d.start.day) == (1, 1) else f"từ {dmy(d.start)}")
    if d.until:
        words.append(f"đến năm {d.until.year}" if (d.until.month, d.until.day) == (12, 31) else f"đến {dmy(d.until)}")
    text = ", ".join(words)
    return text[:1].upper() + text[1:] if capital else text


# -- periods a person types ------------------------------------------------------------------------------
def _first_span(text: str, today: date) -> tuple[_Span, str, list[_Tok]] | None:
    src = nfc(text or "")[:2000]
    toks = _tokens(src)
    for g in _scan(toks, today):
        spans = [s for s in g.spans if s.grain != "dom"]
        _fill_years(spans, today.year)
        for s in spans:
            if s.y1 is not None:
                return s, src, toks
    return None


def read_period(text: str, today: date) -> tuple[date, date] | None:
    """The window a person names ("quý IV/2024", "tháng 12/2024", "năm 2025", "30/11/2024", "6 tháng cuối năm
    2024", "quý này", "năm tới"): its first and last day; a year left out is this year; "trước 30/11/2024" is
    from the start of that year to that day. ``None`` when the text names no period.

    Example:
        >>> read_period("Sở Nội vụ có những việc nào đến hạn trong quý IV/2024?", date(2025, 1, 1))
        (datetime.date(2024, 10, 1), datetime.date(2024, 12, 31))
    """
    found = _first_span(text, today)
    if found is None:
        return None
    s = found[0]
    if s.mod in ("before", "until", "end"):
        due = s.last() if s.grain == "day" or s.mod != "before" else s.first() - timedelta(days=1)
        return date(due.year, 1, 1), due
    if s.grain == "day":
        return s.last(), s.last()
    return s.first(), s.last()


def find_period(text: str) -> str | None:
    """The words of ``text`` that name a period or a day ("trong quý IV/2024" → "quý IV/2024"), else ``None``.

    Relative periods ("quý này", "năm tới") count; the word in front ("trước", "đến") is kept.
    """
    found = _first_span(text, date.today())
    if found is None:
        return None
    s, src, toks = found
    return _slice(src, toks, s.a, s.b) or None
