"""Row-level cues: row numbers (STT), deadlines, task/target wording, header roles.

The word lists live in ``ingest/vocab/structure.toml``; this module only applies them.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ingest.textnorm import fold

_ROMAN = {
    "I": 1,
    "II": 2,
    "III": 3,
    "IV": 4,
    "V": 5,
    "VI": 6,
    "VII": 7,
    "VIII": 8,
    "IX": 9,
    "X": 10,
    "XI": 11,
    "XII": 12,
}
# a row number of any length ("7", "4.1", "105", "1203."): a table of 1,500 rows numbers them all
_STT_RE = re.compile(r"^(\d+(?:\.\d+){0,3})\.?$|^([IVX]{1,4})\.?$")
_DATE_RE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{1,2}/20\d\d\b")


@dataclass(frozen=True)
class Cues:
    """The cue lists of structure.toml, folded."""

    deadline_starts: tuple[str, ...]
    deadline_max_words: int
    task_verbs: tuple[str, ...]
    target_words: tuple[str, ...]
    roles: dict[str, tuple[str, ...]]
    prose: dict[str, tuple[str, ...]]


@lru_cache(maxsize=4)
def load_cues(path: Path | None = None) -> Cues:
    """Load the cue lists (cached). Raises ValueError naming the file when a key is missing."""
    path = path or Path(__file__).resolve().parent.parent / "vocab" / "structure.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        return Cues(
            deadline_starts=tuple(data["deadline"]["starts"]),
            deadline_max_words=int(data["deadline"]["max_words"]),
            task_verbs=tuple(data["task"]["verbs"]),
            target_words=tuple(data["target"]["words"]),
            roles={k: tuple(v) for k, v in data["table"].items()},
            prose={k: tuple(v) for k, v in data["prose"].items()},
        )
    except KeyError as err:
        raise ValueError(f"{path}: missing key {err} in the structure cues") from err


Stt = tuple[str, tuple[int, ...]]  # ("roman", (2,)) or ("arabic", (4, 1))


def parse_stt(text: str) -> Stt | None:
    """Parse a row number alone on its line: "4", "4.1", "2.", "II" → its kind and numbers."""
    m = _STT_RE.match(text.strip())
    if not m:
        return None
    if m.group(1):
        return ("arabic", tuple(int(x) for x in m.group(1).split(".")))
    return ("roman", (_ROMAN[m.group(2)],)) if m.group(2) in _ROMAN else None


def is_successor(prev: Stt | None, last_roman: int, cand: Stt) -> bool:
    """Whether ``cand`` can number the row after ``prev`` (so "15" after "1" is a cell, not a row).

    Args:
        prev: the last row number seen in this table (``None`` before the first row).
        last_roman: the last Roman group number seen (0 when none).
        cand: the candidate number.
    """
    kind, nums = cand
    if kind == "roman":
        return nums[0] == last_roman + 1
    if prev is None or prev[0] == "roman":
        # a table (or a group) may start mid-numbering when it continues from an earlier page; a year
        # ("2024" under "Năm") is a figure, not where the numbering starts
        return (len(nums) == 1 and not is_year(cand)) or nums[-1] == 1
    p = prev[1]
    if nums == p + (1,):
        return True
    return any(nums == p[:k] + (p[k] + 1,) for k in range(len(p)))


def is_year(stt: Stt) -> bool:
    """A bare number that reads as a year (1900–2100): a column label or a figure rather than a row number."""
    return stt[0] == "arabic" and len(stt[1]) == 1 and 1900 <= stt[1][0] <= 2100


def is_deadline(text: str, cues: Cues) -> bool:
    """A short cell that reads as a deadline: "Thường xuyên", "Trước ngày 30/11/2024", "Quý IV năm 2024"."""
    f = fold(text).lstrip("-+• ").strip()
    if not f or len(f.split()) > cues.deadline_max_words:
        return False
    if f.startswith(cues.deadline_starts):
        return True
    return bool(_DATE_RE.fullmatch(f) or re.fullmatch(r"(\d{1,2}/)?\d{1,2}/20\d\d", f))


def task_score(line: str, cues: Cues) -> float:
    """How much a line reads like a task (positive) rather than a target (negative)."""
    f = fold(line).lstrip("-+•* ").strip()
    score = 0.0
    if f.startswith(cues.task_verbs):
        score += 1.0
    if any(w in f for w in cues.target_words):
        score -= 0.6
    if re.search(r"\d\s*%", f):  # not "\d+": that tries every digit of a long number again
        score -= 0.6
    return score


def header_role(label: str, cues: Cues) -> str:
    """The role of a header cell: stt, lead, coop, deadline, tasks, target, component, value or other.

    A two-level header's label ("Cơ quan thực hiện · Phối hợp") is read from its lowest level up: the
    sub-column says what the column holds, the group above only when the sub-column says nothing.
    """
    for part in (*reversed(label.split(" · ")), label) if " · " in label else (label,):
        f = fold(part)
        if f in cues.roles["stt"]:
            return "stt"
        for role in ("lead", "coop", "deadline", "tasks", "target", "component", "value"):
            if any(k in f for k in cues.roles[role]):
                return role
    return "other"


def is_total_row(text: str, cues: Cues) -> bool:
    """ "TỔNG", "Tổng cộng": a row that totals a table."""
    return fold(text).strip(" :") in cues.roles["total_rows"]
