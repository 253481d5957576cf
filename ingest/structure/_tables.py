"""Read a table (Word, PDF, tab-separated, markdown or rebuilt from flattened lines) into row records.

Header rows give each column a role (row number, name, target, tasks, lead, coop, deadline, or a
figure column such as "Năm 2023 · Điểm số"). Group rows ("I / Chỉ số PAPI", "4 / Kiểm soát tham
nhũng…" followed by "4.1") set the index or the parent component of the rows under them; a cell
merged with the row above ("") takes that row's value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.model import Table
from ingest.structure._cues import Cues, header_role, is_total_row, parse_stt
from ingest.textnorm import fold

_FIGURE = re.compile(r"\d")
_YEAR = re.compile(r"20\d\d")


@dataclass(frozen=True)
class Row:
    """One body row, its cells by role, and where it stands in the table's groups."""

    stt: str
    group: str  # the group row title above it ("Chỉ số PAPI"), "" when none
    parent: str  # the parent component row ("4. Kiểm soát tham nhũng trong khu vực công"), "" when none
    cells: dict[str, str]
    values: tuple[tuple[str, str], ...]  # figure columns: (label, value)
    is_group: bool = False


@dataclass(frozen=True)
class TableReading:
    """A table's rows and whether it assigns work (tasks/agencies) or states figures."""

    kind: str  # "assignment" or "score"
    rows: tuple[Row, ...]
    labels: tuple[str, ...]
    agency_column: bool = True  # a column of lead or coordinating agencies


def _header_rows(table: Table) -> int:
    count = 1
    for row in table.rows[1:3]:
        first = row[0].strip() if row else ""
        numeric = any(_FIGURE.search(c) and not re.fullmatch(r"(năm|nam)\s+20\d\d", fold(c)) for c in row)
        if first == "" and not numeric and any(c.strip() for c in row):
            count += 1
        else:
            break
    return count


def _labels(table: Table, n_head: int) -> list[str]:
    width = max(len(r) for r in table.rows)
    head = [list(r) + [""] * (width - len(r)) for r in table.rows[:n_head]]
    if n_head > 1:  # carry a merged group label to the right over its sub-columns
        for j in range(1, width):
            if not head[0][j].strip() and head[1][j].strip() and head[1][j - 1].strip():
                head[0][j] = head[0][j - 1]
    labels: list[str] = []
    for j in range(width):
        parts = [h[j].strip() for h in head if h[j].strip()]
        # an empty label right of a figure label is the second half of a merged header cell
        carried = labels[j - 1] if j > 1 and not parts and _YEAR.search(labels[j - 1]) else ""
        labels.append(" · ".join(dict.fromkeys(parts)) or carried)
    return labels


def read_table(table: Table, cues: Cues) -> TableReading | None:
    """Read a table. Returns None when it has no header this reader understands."""
    if len(table.rows) < 2:
        return None
    n_head = _header_rows(table)
    labels = _labels(table, n_head)
    roles = [header_role(label, cues) for label in labels]
    if "stt" not in roles[:1]:
        roles[0] = "stt" if not labels[0] or fold(labels[0]) in cues.roles["stt"] else roles[0]
    figures = any(r == "value" or _YEAR.search(label) for r, label in zip(roles[1:], labels[1:], strict=False))
    kind = "assignment" if "tasks" in roles or ({"lead", "coop"} & set(roles) and not figures) else "score"
    if kind == "assignment" and "tasks" not in roles:
        # "STT / Nội dung / Cơ quan chủ trì / …": with no task column, the content column is the work itself
        for j, (role, label) in enumerate(zip(roles, labels, strict=False)):
            if role == "component" and not any(k in fold(label) for k in ("chi so", "tieu chi", "linh vuc")):
                roles[j] = "tasks"
                break
    if kind == "score":
        # the first text column names the row; every other column but agencies and deadline is a figure
        name_col = next((j for j, r in enumerate(roles) if j and r not in ("lead", "coop", "deadline")), None)
        if name_col is None:
            return None
        roles = [
            r if j == 0 or r in ("lead", "coop", "deadline") else "component" if j == name_col else "value"
            for j, r in enumerate(roles)
        ]
        if "value" not in roles:
            return None
    body = [list(r) + [""] * (len(labels) - len(r)) for r in table.rows[n_head:]]
    rows: list[Row] = []
    group = parent = ""
    parent_stt: tuple[int, ...] | None = None
    previous: dict[str, str] = {}
    for i, cells in enumerate(body):
        by_role: dict[str, str] = {}
        values = []
        for label, role, cell in zip(labels, roles, cells, strict=False):
            cell = _clean_cell(cell, role, table.origin)
            if role == "value":
                values.append((label, cell))
            elif role in by_role:
                by_role[role] = (by_role[role] + "\n" + cell).strip()
            else:
                by_role[role] = cell
        stt = by_role.get("stt", "")
        name = by_role.get("component", "") or (by_role.get("tasks", "") if "component" not in roles else "")
        parsed = parse_stt(stt) if stt else None
        filled = [v for r, v in by_role.items() if r != "stt" and v] + [v for _, v in values if v]
        if parsed and parsed[0] == "roman" and len(filled) <= 1:
            group, parent, parent_stt, previous = filled[0] if filled else "", "", None, {}
            rows.append(Row(stt, group, "", by_role, (), is_group=True))
            continue
        nxt = parse_stt(body[i + 1][0].strip()) if i + 1 < len(body) and body[i + 1] else None
        if (
            parsed
            and parsed[0] == "arabic"
            and nxt
            and nxt[0] == "arabic"
            and nxt[1][: len(parsed[1])] == parsed[1]
            and len(nxt[1]) > len(parsed[1])
        ):
            parent, parent_stt = f"{stt}. {name}".strip(), parsed[1]
            rows.append(Row(stt, group, "", by_role, tuple(values), is_group=True))
            previous = dict(by_role)
            continue
        if parent_stt and not (
            parsed and parsed[1][: len(parent_stt)] == parent_stt and len(parsed[1]) > len(parent_stt)
        ):
            parent, parent_stt = "", None
        if kind == "assignment" and not is_total_row(name, cues):
            for role in ("tasks", "deadline", "lead", "coop"):
                if role in roles and not by_role.get(role) and previous.get(role):
                    by_role[role] = previous[role]  # merged with the row above
        rows.append(Row(stt, group, parent, by_role, tuple(values)))
        previous = dict(by_role)
    return TableReading(kind, tuple(rows), tuple(labels), bool({"lead", "coop"} & set(roles)))


def _clean_cell(cell: str, role: str, origin: str) -> str:
    """A PDF cell wraps where the column ends: only a bullet starts a new line. Short cells are one line."""
    cell = cell.strip()
    if origin == "pdf":
        # a run of spaces holding a line break that no bullet follows becomes one space; the run is read once
        # from its first character ((?<!\s), possessive *+), not again from each of its characters
        cell = re.sub(r"(?<!\s)[^\S\n]*+\n(?![-+•])\s*+", " ", cell)
    if role in ("lead", "coop"):
        cell = "; ".join(" ".join(line.split()) for line in cell.split("\n") if line.strip())
    elif role not in ("tasks", "target"):
        cell = " ".join(cell.split())
    return cell
