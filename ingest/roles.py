"""Who does what in a sentence: agency mentions with their role (lead, coordinating, assigning).

One rule reads the shapes plans write assignments in, from the cue words of ``ingest/vocab/roles.toml``:

* a label before ":" that names a role ("Cơ quan chủ trì: Sở Y tế", "Cơ quan phối hợp: …", "Đơn vị chủ
  trì/thực hiện: …") gives that role to every agency after it;
* otherwise agencies are taken in groups (names joined only by commas, "và", "cùng"), and a group's role
  comes from the cue just before it ("Giao Sở X", "đề nghị Sở X" → lead; "phối hợp với Sở Y, Sở Z" →
  coordinating), else from the cue just after it ("Sở X chủ trì", "Phòng X: Tham mưu …", "Sở X làm đầu
  mối" → lead; "UBND tỉnh giao …" → assigning), else — for the group that opens its clause — from what
  it does ("Sở Du lịch xây dựng …", "Sở Nội vụ về nội dung A; Sở Tư pháp về nội dung B" → lead).

A title before a name ("Giám đốc Sở Tư pháp có trách nhiệm chủ trì …") is not part of it. An agency the
sentence only mentions gets the role "mention". The issuer of a plan is never made lead here: only what
the sentence says counts.

Example:
    >>> [(r.agency, r.role) for r in find_roles("Giao Sở Nội vụ chủ trì, phối hợp với Sở Tư pháp.", vocab)]
    [('Sở Nội vụ', 'lead'), ('Sở Tư pháp', 'coop')]
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ingest.textnorm import fold
from ingest.vocab_load import read_toml
from ingest.vocab_text import PhraseTable, tokenize

ROLES_FILE = Path(__file__).with_name("vocab") / "roles.toml"
LEAD, COOP, ASSIGNER, MENTION = "lead", "coop", "assigner", "mention"
_CLAUSE_RE = re.compile(r"[;]|[.!?](?=\s+[^\s\d])")
_LABEL_MARKS = "-–+•*"  # bullets and dashes that may open a label line, with spaces
_LABEL_CHARS = 60  # a label is 2 to 60 characters before its colon
_FILLERS = frozenset({"cho", "giup", "voi", "cac"})
_PREPOSITION_RE = re.compile(r"\b(?:cua|tai|cho|voi|ve|doi voi|trong|thuoc|boi|qua|den|tu)\s*$")
# possessive runs (*+): the joining word cannot start with a space or a comma, so giving some back never helps
_GROUP_GAP_RE = re.compile(r"^[\s,]*+(?:(?:và|va|cùng|cung|với|voi)\s*+)?[\s,]*+$", re.IGNORECASE)


@dataclass(frozen=True)
class Role:
    """An agency named in a text, with what the text makes it do."""

    agency: str  # canonical name (the level the text writes is kept), or the name as written
    role: str  # "lead" | "coop" | "assigner" | "mention"
    start: int
    end: int


@dataclass(frozen=True)
class _Cues:
    table: PhraseTable[str]  # cue phrase → "lead" | "coop" | "assign" | "act"
    label_nouns: tuple[str, ...]
    label_roles: tuple[str, ...]
    holders: PhraseTable[bool]  # "Giám đốc", "Thủ trưởng": a title between a cue and the agency it names
    qualifier_labels: tuple[str, ...]  # "thời gian", "cơ quan phối hợp": a line that qualifies the item above


@functools.lru_cache(maxsize=4)
def _cues(path: Path = ROLES_FILE) -> _Cues:
    data = read_toml(path)
    try:
        entries = [(cue, kind) for kind in ("lead", "coop", "assign", "act") for cue in data[kind]]
        # a phrase listed under two kinds keeps the first (lead before coop before assign before act)
        seen: dict[str, str] = {}
        for cue, kind in entries:
            seen.setdefault(fold(cue), kind)
        table = PhraseTable(((cue, seen[fold(cue)]) for cue, _ in entries), str(path))
        return _Cues(
            table,
            tuple(fold(w) for w in data["label_nouns"]),
            tuple(fold(w) for w in data["label_roles"]),
            PhraseTable(((w, True) for w in data["holders"]), str(path)),
            tuple(fold(w) for w in data.get("qualifier_labels", [])),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path}: missing or malformed key {exc}; expected lead, coop, assign, act lists") from exc


def _label_of(text: str) -> tuple[str, int, int] | None:
    """The label a line opens with, before its first colon: ``(label, end of label, end of the colon and the
    spaces after it)``, or ``None``. Bullets and dashes before it are dropped; the label is 2 to 60 characters,
    on one line, with the spaces before the colon left out ("- Cơ quan phối hợp : Sở Y tế" → "Cơ quan phối hợp").

    What ``^[\\s\\-–+•*]*([^:\\n]{2,60}?)\\s*:\\s*`` matched, found without backtracking: that pattern tried
    every split of a long run of spaces or dashes, quadratic in its length.
    """
    colon = text.find(":")
    if colon < 2:
        return None
    marks = 0  # the run of spaces, bullets and dashes the line opens with
    while marks < colon and (text[marks].isspace() or text[marks] in _LABEL_MARKS):
        marks += 1
    reach = len(text[:colon].rstrip())  # only spaces may stand between the label and its colon
    # the longest opening run first (it gives back characters to the label only when it must), then the
    # shortest label; a label may not hold a line break
    for start in range(min(marks, colon - 2), max(0, reach - _LABEL_CHARS) - 1, -1):
        end = max(reach, start + 2)
        if end - start <= _LABEL_CHARS and "\n" not in text[start:end]:
            after = colon + 1
            while after < len(text) and text[after].isspace():
                after += 1
            return text[start:end], end, after
    return None


def _label(text: str, mentions: Sequence[Any], cues: _Cues) -> tuple[str, int] | None:
    """``(role, end of label)`` when ``text`` opens with a role label ("Cơ quan phối hợp: …")."""
    found = _label_of(text)
    if found is None or any(x.start < found[1] for x in mentions):
        return None
    label = fold(found[0])
    if not any(r in label for r in cues.label_roles):
        return None
    if not any(n in label for n in cues.label_nouns) and not any(
        kind in (LEAD, COOP) for _, _, kind in cues.table.find_all(tokenize(found[0]))
    ):
        return None
    return (COOP if "phoi hop" in label and "chu tri" not in label else LEAD), found[2]


def _clauses(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _CLAUSE_RE.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def find_roles(text: str, vocab: Any, cues_path: Path = ROLES_FILE) -> list[Role]:
    """Every agency ``text`` names, in order, with its role (see the module docstring); cached, because
    answering reads the same sentences of a plan question after question.

    Args:
        text: a sentence, a bullet or a label line of a plan, letter, decision or news page.
        vocab: the vocabulary (``ingest.vocab.load_vocabulary()``) that finds agency mentions.

    Returns:
        One :class:`Role` per mention; "lead" and "coop" only where a cue says so.
    """
    return list(_roles(text, vocab, cues_path))


@functools.lru_cache(maxsize=50_000)
def _roles(text: str, vocab: Any, cues_path: Path) -> tuple[Role, ...]:
    return tuple(_find_roles(text, vocab, cues_path))


def _find_roles(text: str, vocab: Any, cues_path: Path) -> list[Role]:
    cues = _cues(cues_path)
    mentions = vocab.find_agencies(text)
    if not mentions:
        return []
    out: list[Role] = []
    offset = 0
    # mentions come left to right: the ones of a line or a clause are a slice, found by bisection (a long
    # text of many lines and mentions is read in one pass, not lines × mentions)
    starts = [m.start for m in mentions]
    for line in text.split("\n"):
        lo, hi = bisect_left(starts, offset), bisect_left(starts, offset + len(line))
        inside = mentions[lo:hi]
        if inside:
            label = _label(line, [_shift(m, -offset) for m in inside], cues)
            if label is not None:
                role, end = label
                out += [Role(m.canonical, role if m.start - offset >= end else MENTION, m.start, m.end) for m in inside]
            else:
                for start, end in _clauses(line):
                    a, b = bisect_left(starts, offset + start, lo, hi), bisect_left(starts, offset + end, lo, hi)
                    if a < b:
                        out += _clause_roles(text, offset + start, offset + end, mentions[a:b], cues)
        offset += len(line) + 1
    return out


def _shift(mention: Any, by: int) -> Any:
    return replace(mention, start=mention.start + by, end=mention.end + by)


def _clause_roles(text: str, start: int, end: int, mentions: Sequence[Any], cues: _Cues) -> list[Role]:
    clause = text[start:end]
    hits = [
        (tokens[i].start + start, tokens[j - 1].end + start, kind)
        for tokens in (tokenize(clause),)
        for i, j, kind in cues.table.find_all(tokens)
    ]
    # cue matches do not overlap and come left to right, so their starts and their ends both increase: the
    # cues between two points are a slice of them
    hit_starts, hit_ends = [s for s, _, _ in hits], [e for _, e, _ in hits]

    def between(lo: int, hi: int) -> range:
        return range(bisect_left(hit_starts, lo), bisect_right(hit_ends, hi))

    groups: list[list[Any]] = []
    for m in mentions:
        if groups and _GROUP_GAP_RE.match(text[groups[-1][-1].end : m.start]):
            groups[-1].append(m)
        else:
            groups.append([m])
    out: list[Role] = []
    prev_end = start
    for n, group in enumerate(groups):
        g_start, g_end = group[0].start, group[-1].end
        nxt = groups[n + 1][0].start if n + 1 < len(groups) else end
        # cues inside a mention are part of its name ("Ban Chỉ đạo"), never cues
        before_at = between(prev_end, g_start)
        before = [hits[k][2] for k in before_at]
        after = [hits[k][2] for k in between(g_end, nxt)]
        gap_before = text[prev_end:g_start]
        # "… của bộ phận một cửa chưa đảm bảo": a name after a preposition is no subject
        governed = bool(_PREPOSITION_RE.search(fold(gap_before)))
        # a subject opens its clause: nothing before it but numbering, bullets, a title or an opening phrase
        # ending in a comma ("Trên cơ sở đó, Sở X …"); "cán bộ HĐND xã …" names staff, not the body acting
        bare = not re.search(r"\w", _strip_titles(gap_before, cues)) or gap_before.rstrip().endswith(",")
        opens = n == 0 and bare and not governed and not any(k in (LEAD, COOP, "act") for k in before)
        subject = opens or ":" in gap_before[-3:]
        colon_after = text[g_end:nxt].lstrip().startswith(":")
        first_after = after[0] if after else None
        last = before[-1] if before else None
        direct = last if last is not None and _adjacent(text, hit_ends[before_at[-1]], g_start, cues) else None
        if direct == "assign" or (last == "assign" and first_after not in ("assign",)):
            # "đề nghị Ủy ban MTTQ phối hợp …" asks it to coordinate; "Giao Sở X phối hợp với Sở Y …" makes X act
            loose_coop = first_after == COOP and not fold(text[g_end:nxt]).startswith("phoi hop voi")
            role = COOP if loose_coop else LEAD
        elif direct == COOP:
            role = COOP
        elif direct in (LEAD, "act"):
            role = MENTION  # "tham mưu UBND tỉnh …", "theo hướng dẫn của Sở Nội vụ": the advised or cited body
        elif first_after == "assign":
            role = ASSIGNER
        elif first_after == LEAD or colon_after or subject and first_after in ("act", COOP):
            role = LEAD
        elif last == COOP:
            role = COOP
        else:
            role = MENTION
        out += [Role(m.canonical, role, m.start, m.end) for m in group]
        prev_end = g_end
    return out


def _strip_titles(text: str, cues: _Cues) -> str:
    """``text`` without numbering, bullets and the titles of the persons who head bodies ("Giám đốc")."""
    tokens = tokenize(text)
    kept, k = [], 0
    while k < len(tokens):
        m = cues.holders.match_at(tokens, k)
        if m:
            k = m[0]
            continue
        if not re.fullmatch(r"[\divxlc]+|[a-zđ]", tokens[k].key):
            kept.append(tokens[k].surface)
        k += 1
    return " ".join(kept)


def _adjacent(text: str, cue_end: int, g_start: int, cues: _Cues) -> bool:
    """Whether the last cue before a group, ending at ``cue_end``, stands right before it ("giao cho Thủ
    trưởng các sở …")."""
    gap = tokenize(text[cue_end:g_start])
    k = 0
    while k < len(gap):
        m = cues.holders.match_at(gap, k)
        if m:
            k = m[0]
        elif gap[k].key in _FILLERS:
            k += 1
        else:
            return False
    return True


def is_role_label(line: str, vocab: Any, cues_path: Path = ROLES_FILE) -> bool:
    """A label line that gives agencies a role: "Cơ quan chủ trì: …", "Đơn vị phối hợp: …" (not "Nội dung
    về cải cách TTHC: …, bộ phận một cửa …")."""
    return _label(line, vocab.find_agencies(line), _cues(cues_path)) is not None


def is_qualifier(line: str, cues_path: Path = ROLES_FILE) -> bool:
    """A line that qualifies the item above it: a short label and a colon ("Thời gian: Quý II/2024",
    "Cơ quan phối hợp: Phòng Tư pháp", "- Đơn vị chủ trì: …")."""
    found = _label_of(line)
    if found is None or len(found[0].split()) > 6:
        return False
    label = fold(found[0])
    return any(label.startswith(w) for w in _cues(cues_path).qualifier_labels)


def leads_and_coops(roles: Sequence[Role]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The lead agencies and the coordinating ones (not also leads), each in order, without repeats."""
    leads = tuple(dict.fromkeys(r.agency for r in roles if r.role == LEAD))
    coops = tuple(dict.fromkeys(r.agency for r in roles if r.role == COOP and r.agency not in leads))
    return leads, coops
