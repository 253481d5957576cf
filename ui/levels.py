"""Agencies of one level of government said at another: a province plan's "Sở Nội vụ" is a district's
"Phòng Nội vụ", "UBND tỉnh" a district's "UBND huyện", a province's name in an agency the target's name.

The rules are data (``ingest/vocab/levels.toml``): whole names, level words at the end of a name ("Thanh tra
tỉnh" → "Thanh tra huyện"), head words ("Sở X" → "Phòng X", kept only when the vocabulary knows the result);
a name no rule maps is kept and marked :data:`UNMATCHED` for the drafter. Used by :mod:`ui.draft`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.textnorm import fold
from ingest.vocab import Vocabulary, load_vocabulary
from ingest.vocab_load import read_toml

UNMATCHED = "(cần xác định đơn vị tương ứng)"


# -- data: levels.toml ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Entry:
    source: str
    targets: tuple[str, ...]
    within: frozenset[str]  # target level words the entry is for; empty: all


@dataclass(frozen=True)
class Levels:
    """What ``levels.toml`` says: level words, agency mapping rules, and what may be carried to a draft."""

    levels: Mapping[str, str]
    words: Mapping[str, tuple[str, ...]]
    names: Mapping[tuple[str, str], tuple[_Entry, ...]]
    heads: Mapping[tuple[str, str], tuple[tuple[str, str], ...]]
    target_labels: tuple[str, ...]
    rank_labels: tuple[str, ...]
    percent_labels: tuple[str, ...]
    recurring: tuple[str, ...]
    generic_figures: tuple[str, ...]


def _strings(value: Any, where: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
        raise ValueError(f"{where}: expected a string or a list of strings, got {value!r}")
    return tuple(" ".join(v.split()) for v in items)


@functools.lru_cache(maxsize=4)
def load_levels(folder: Path) -> Levels:
    """Read ``levels.toml`` from a vocabulary folder (once per folder).

    Raises:
        ValueError: the file is missing or malformed; the message names the file and the key.
    """
    path = Path(folder) / "levels.toml"
    data = read_toml(path)
    names: dict[tuple[str, str], tuple[_Entry, ...]] = {}
    heads: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}
    for i, rule in enumerate(data.get("rule", [])):
        where = f"{path} [[rule]] #{i + 1}"
        key = (_strings(rule.get("from"), f"{where} from")[0], _strings(rule.get("to"), f"{where} to")[0])
        names[key] = tuple(
            _Entry(
                _strings(e.get("from"), f"{where} names.from")[0],
                _strings(e.get("to"), f"{where} names.to"),
                frozenset(_strings(e["in"], f"{where} names.in")) if "in" in e else frozenset(),
            )
            for e in rule.get("names", [])
        )
        heads[key] = tuple(
            (_strings(h.get("from"), f"{where} heads.from")[0], _strings(h.get("to"), f"{where} heads.to")[0])
            for h in rule.get("heads", [])
        )
    carry = data.get("carry", {})

    def folded(key: str) -> tuple[str, ...]:
        return tuple(fold(w) for w in _strings(carry.get(key, []) or [], f"{path} [carry] {key}"))

    return Levels(
        levels={k: _strings(v, f"{path} [levels] {k}")[0] for k, v in data.get("levels", {}).items()},
        words={k: _strings(v, f"{path} [level_words] {k}") for k, v in data.get("level_words", {}).items()},
        names=names,
        heads=heads,
        target_labels=folded("target_labels"),
        rank_labels=folded("rank_labels"),
        percent_labels=folded("percent_labels"),
        recurring=folded("recurring_deadlines"),
        generic_figures=tuple(re.sub(r"\s+", "", f) for f in folded("generic_figures")),
    )


# -- the target place and agency levels -------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """Where the draft is for: ``level`` is an agency level ("tỉnh", "huyện"), ``word`` the place's own
    level word ("tỉnh", "thành phố", "huyện", "thị xã", …), ``label`` how the title names it."""

    province: str
    locality: str
    level: str
    word: str
    label: str


def resolve_target(place: str, level: str = "tỉnh", *, vocab: Vocabulary | None = None) -> Target:
    """The draft's place from what the drafter typed or picked ("Bình Phước", "tam duong", level "huyện").

    A province not in the knowledge base is fine; a name the vocabulary does not know gives a
    ``Target`` with an empty ``province`` (:func:`build_draft` refuses it).
    """
    vocab = vocab or load_vocabulary()
    levels = load_levels(vocab.folder)
    place = " ".join((place or "").split())
    level = (level or "").strip().lower()
    agency_level = levels.levels.get(level, "tỉnh")
    province, locality, loc_level = vocab.resolve_place(place) if place else ("", "", "")
    province = province or (vocab.province_of(place) or "" if place else "")
    kind = (vocab.province_kind(province) or "tỉnh") if province else "tỉnh"
    if agency_level != "huyện":  # a draft is for a province or for a district; any other level reads as the province
        return Target(province, "", "tỉnh", kind, f"{kind} {province}" if province else place)
    word = loc_level or (level if level in levels.words.get("huyện", ()) else "huyện")
    label = f"{word} {locality}" if locality else f"{word} … ({kind} {province})"
    return Target(province, locality, "huyện", word, label)


def _known_at(vocab: Vocabulary, name: str, level: str) -> str | None:
    canonical = vocab.canonical_agency(name)
    return canonical if canonical and vocab.agency_level(canonical) == level else None


def _with_word(name: str, levels: Levels, level: str, word: str) -> str:
    """``name`` with its closing level word put to the target's own ("UBND huyện" → "UBND thị xã")."""
    if " các " in f" {fold(name)} ":  # "UBND các huyện, thành phố" names the level below, not a place
        return name
    for w in sorted(levels.words.get(level, ()), key=len, reverse=True):
        if fold(name).endswith(" " + fold(w)) and w != word:
            return name[: -len(w)] + word
    return name


def _replace_provinces(name: str, vocab: Vocabulary, province: str) -> str | None:
    """``name`` with another province's name put to ``province``; ``None`` when it names a place that cannot
    be carried (a locality of that province)."""
    for other in vocab.find_provinces(name):
        if other == province:
            continue
        key, low = fold(other), fold(name)
        at = low.find(key)
        if not province or at < 0 or len(low) != len(name):
            return None
        name = name[:at] + province + name[at + len(other) :]
    return name


def map_name(vocab: Vocabulary, levels: Levels, name: str, target: Target, source_level: str | None) -> str:
    canonical = vocab.canonical_agency(name) or name
    own = vocab.agency_level(canonical)
    if own == "sở":  # a department's own units ("Văn phòng Sở") have no counterpart in another plan
        return f"{name} {UNMATCHED}"
    src = levels.levels.get((source_level or "").strip().lower())
    if src is None and own and " các " not in f" {fold(canonical)} ":  # "UBND các huyện, …" speaks from above
        src = levels.levels.get(own)
    if src is None or src == target.level:
        carried = _replace_provinces(name, vocab, target.province)
        return _with_word(carried, levels, target.level, target.word) if carried else f"{name} {UNMATCHED}"
    for entry in levels.names.get((src, target.level), ()):
        if fold(entry.source) == fold(canonical) and (not entry.within or target.word in entry.within):
            return " / ".join(t.replace("{level}", target.word) for t in entry.targets)
    default = levels.words.get(target.level, ("",))[0]
    words = sorted(levels.words.get(src, ()), key=len, reverse=True)
    if " các " not in f" {fold(canonical)} ":
        for w in words:
            if fold(canonical).endswith(" " + fold(w)):
                known = _known_at(vocab, canonical[: -len(w)] + default, target.level)
                if known:
                    return _with_word(known, levels, target.level, target.word)
                break
    for head, to in levels.heads.get((src, target.level), ()):
        if fold(canonical).startswith(fold(head) + " "):
            known = _known_at(vocab, to + canonical[len(head) :], target.level)
            if known:
                return known
    if own in ("xã", "", target.level):  # communes, one-stop desks and the target's own level stay as named
        return canonical
    return f"{canonical} {UNMATCHED}"


def map_agency(
    name: str, target_level: str, target_place: str, *, source_level: str | None = None,
    vocab: Vocabulary | None = None,
) -> str | None:  # fmt: skip
    """The agency of the draft's place that matches ``name`` of a precedent's plan.

    Args:
        name: as the precedent names it ("Sở Nội vụ", "Công an tỉnh Đồng Nai", "UBND các huyện, thành phố").
        target_level: the draft's level ("tỉnh", "huyện", "thị xã", "thành phố", "quận").
        target_place: the draft's province or locality ("Bình Phước", "Tam Đường").
        source_level: the precedent plan's level ("tỉnh", "sở", "huyện"); default: the agency's own level.

    Returns:
        The counterpart ("Phòng Nội vụ", "Công an tỉnh Bình Phước", "UBND các xã, phường, thị trấn"),
        alternatives joined by " / ", or the name marked "(cần xác định đơn vị tương ứng)" when the data
        knows no counterpart; ``None`` for an empty name.

    Example:
        >>> map_agency("Sở Tài nguyên và Môi trường", "huyện", "Bình Phước")
        'Phòng Tài nguyên và Môi trường'
    """
    name = " ".join((name or "").split())
    if not name:
        return None
    vocab = vocab or load_vocabulary()
    return map_name(
        vocab, load_levels(vocab.folder), name, resolve_target(target_place, target_level, vocab=vocab), source_level
    )
