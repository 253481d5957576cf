"""Find tables that a converter flattened to one cell per line, and rebuild their rows and columns.

A flattened Word table looks like::

    STT / Chỉ số/nội dung / Chỉ tiêu/kết quả / Nhiệm vụ/giải pháp / Thời gian hoàn thành   (header cells)
    I / Chỉ số PAPI                                                                        (group row)
    1 / Tri thức công dân / Nâng cao kiến thức… / Thực hiện Kế hoạch… / Thường xuyên        (a row)

one cell per line, a cell possibly running over several "- " lines, and cells merged with the row
above simply missing. Rows start at a row number that follows the previous one (so a rank "15"
after row "1" stays a cell); cells are then put in their columns by what they read like.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

from ingest.model import Para, Table
from ingest.structure._cues import (
    Cues,
    header_role,
    is_deadline,
    is_successor,
    is_total_row,
    is_year,
    parse_stt,
    task_score,
)
from ingest.textnorm import fold

_HEADING_WITH_TEXT = re.compile(r"^(?:[IVX]{1,4}|\d{1,2}(?:\.\d{1,2})*)\.?\s+\S.{3,}")
_APPENDIX = re.compile(r"^phu luc\b")

AgencyTest = Callable[[str], bool]


def _ends_table(text: str) -> bool:
    f = fold(text)
    return bool(_APPENDIX.match(f)) or f in ("stt", "tt") or bool(_HEADING_WITH_TEXT.match(text))


def _is_header_cell(text: str) -> bool:
    stt = parse_stt(text)
    return len(text.split()) <= 9 and not text.startswith(("-", "+")) and (stt is None or is_year(stt))


def find_flat_tables(paras: Sequence[Para], cues: Cues, is_agency: AgencyTest) -> list[tuple[int, int, Table]]:
    """Find flattened tables among consecutive paragraphs.

    Returns:
        ``(first, last, table)`` triples: the table replaces ``paras[first:last]``. The table's first
        row(s) are its header; a two-level header gives two header rows.
    """
    found: list[tuple[int, int, Table]] = []
    i = 0
    while i < len(paras):
        if fold(paras[i].text) not in cues.roles["stt"]:
            i += 1
            continue
        j = i + 1
        labels = [paras[i].text]
        while j < len(paras) and _is_header_cell(paras[j].text) and len(labels) < 12:
            labels.append(paras[j].text)
            j += 1
        rows, end = _collect_rows(paras, j, labels, cues)
        if len(labels) >= 3 and rows:
            table = _build_table(labels, rows, cues, is_agency)
            found.append((i, end, Table(table, paras[i].start, paras[end - 1].end, "flat")))
            i = end
        else:
            i += 1
    return found


def _collect_rows(paras: Sequence[Para], j: int, labels: list[str], cues: Cues) -> tuple[list[list[str]], int]:
    roles = [header_role(label, cues) for label in labels]
    score_mode = not ({"tasks", "lead", "coop"} & set(roles))
    rows: list[list[str]] = []
    prev = None
    last_roman = 0
    width = 0
    while j < len(paras):
        text = paras[j].text
        if _ends_table(text):
            break
        stt = parse_stt(text)
        new_row = stt is not None and is_successor(prev, last_roman, stt)
        if not new_row and stt and stt[0] == "roman" and stt[1][0] == last_roman and j + 1 < len(paras):
            # a group number repeated by mistake ("III / Chỉ số PAR" … "III / Chỉ số PCI"): a new group
            # when a short title follows and the current row already has cells
            nxt = paras[j + 1].text
            new_row = bool(rows) and len(rows[-1]) > 2 and len(nxt.split()) <= 8 and parse_stt(nxt) is None
        if new_row and score_mode and rows and width and len(rows[-1]) < width and stt and stt[0] != "roman":
            new_row = False  # an unfilled score row: a bare number is one of its figures (a rank)
        if new_row and stt is not None:
            if rows:
                width = max(width, len(rows[-1]))
            rows.append([text.rstrip(".")])
            prev = stt
            if stt[0] == "roman":
                last_roman = stt[1][0]
        elif is_total_row(text, cues):
            rows.append(["", text])  # "TỔNG" names the row; it has no number
        elif rows:
            rows[-1].append(text)
        else:
            rows.append(["", text])
        j += 1
    return rows, j


def _build_table(
    labels: list[str], rows: list[list[str]], cues: Cues, is_agency: AgencyTest
) -> tuple[tuple[str, ...], ...]:
    roles = [header_role(label, cues) for label in labels]
    if {"tasks", "lead", "coop"} & set(roles):
        roles[0] = "stt"
        body = []
        for row in rows:
            body.extend(_split_group(row, roles, cues, is_agency))
        return (tuple(labels), *body)
    widths = Counter(len(r) for r in rows if parse_stt(r[0]) is not None)
    n_leaf = widths.most_common(1)[0][0] if widths else len(labels)
    header = _two_level_header(labels, n_leaf)
    body = [
        tuple((r + [""] * n_leaf)[:n_leaf]) if len(r) <= n_leaf else (*r[: n_leaf - 1], "\n".join(r[n_leaf - 1 :]))
        for r in rows
    ]
    return (*header, *body)


def _two_level_header(labels: list[str], n_leaf: int) -> list[tuple[str, ...]]:
    extra = len(labels) - n_leaf
    if extra <= 0:
        return [tuple(labels + [""] * (n_leaf - len(labels)))]
    subs = n_leaf - 2
    groups = len(labels) - 2 - subs
    if groups <= 0 or subs % groups:
        return [tuple(labels[:n_leaf])]
    span = subs // groups
    top = labels[:2] + [g if k == 0 else "" for g in labels[2 : 2 + groups] for k in range(span)]
    return [tuple(top), ("", "", *labels[2 + groups :])]


def _split_group(row: list[str], roles: list[str], cues: Cues, is_agency: AgencyTest) -> list[tuple[str, ...]]:
    """A roman group row ("II / Chỉ số PAR / …cells…") becomes its title row plus a row without a number."""
    stt = parse_stt(row[0]) if row[0] else None
    if stt and stt[0] == "roman" and len(row) > 2:
        title = (row[0], row[1]) + ("",) * (len(roles) - 2)
        return [title, assign_cells("", row[2:], roles, cues, is_agency, has_component=False)]
    return [assign_cells(row[0], row[1:], roles, cues, is_agency)]


def assign_cells(
    stt: str, lines: list[str], roles: list[str], cues: Cues, is_agency: AgencyTest, has_component: bool = True
) -> tuple[str, ...]:
    """Put a row's lines into its columns: deadline and agencies from the end, the name first,
    and the lines between split into target and tasks where they start reading like actions."""
    cells = {"stt": stt}
    rest = list(lines)
    tail_roles = [r for r in roles[1:] if r in ("lead", "coop", "deadline")]
    for role in reversed(tail_roles):
        if not rest:
            break
        if role == "deadline" and is_deadline(rest[-1], cues) or role in ("lead", "coop") and is_agency(rest[-1]):
            cells[role] = rest.pop()
    text_roles = [r for r in roles[1:] if r not in ("lead", "coop", "deadline")]
    if text_roles and text_roles[0] == "component":
        text_roles = text_roles[1:]
        if has_component and rest:
            cells["component"] = rest.pop(0)
    if len(text_roles) == 1:
        cells[text_roles[0]] = "\n".join(rest)
    elif len(text_roles) >= 2:
        k = split_point(rest, cues)
        cells[text_roles[0]] = "\n".join(rest[:k])
        cells[text_roles[1]] = "\n".join(rest[k:])
    return tuple(cells.get(r, "") if i else stt for i, r in enumerate(roles))


def _items(lines: list[str]) -> list[list[str]]:
    items: list[list[str]] = []
    bound = False  # after "…:" the following bullet lines belong to the same cell
    for line in lines:
        if items and (line.startswith("+") or bound and line.startswith("-")):
            items[-1].append(line)
            continue
        items.append([line])
        bound = line.rstrip().endswith(":")
    return items


def split_point(lines: list[str], cues: Cues) -> int:
    """Index of the first task line among the lines between a row's name and its deadline.

    Targets come first, tasks second. A single line is a target (its tasks cell is merged with
    the row above); otherwise the split with the best agreement with the task/target wording wins,
    preferring a change of style (plain line → "- " bullets) and a one-item target.
    """
    items = _items(lines)
    if len(items) <= 1:
        return len(lines)
    # in tenths, so the running sums are exact (task scores are tenths) and a cell of thousands of items is
    # scored in one pass: the value of a split is (task wording after it) − (task wording before it)
    tenths = [round(task_score(item[0], cues) * 10) for item in items]
    total, before = sum(tenths), 0
    best, best_k = None, 1
    for k in range(1, len(items)):
        before += tenths[k - 1]
        value = (total - before) - before
        if items[k - 1][0].startswith("-") != items[k][0].startswith("-"):
            value += 10
        if k == 1:
            value += 3
        if best is None or value > best:
            best, best_k = value, k
    return sum(len(item) for item in items[:best_k])
