"""Question cues: what a question asks for (intent, fact kind), whether it leans on the previous turn,
and which language it is framed in. The phrases are data, in ``assistant/vocab/intents.toml``."""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.textnorm import fold, nfc

INTENTS_FILE = Path(__file__).parent / "vocab" / "intents.toml"
_WORD_RE = re.compile(r"\w+")
_BREAK_RE = re.compile(r"[?!;\n]|\.(?:\s|$)")
_WILDCARDS = {"*": 3, "**": 12}


@dataclass(frozen=True, slots=True)
class Word:
    """One word of a question: folded ``key``, lower-case NFC ``low``, span, and sentence number."""

    key: str
    low: str
    start: int
    end: int
    sentence: int

    @property
    def accented(self) -> bool:
        """True when the word was typed with diacritics (so its spelling must match a cue's)."""
        return self.key != self.low


@functools.lru_cache(maxsize=65536)
def _fold_word(word: str) -> tuple[str, str]:
    low = nfc(word).lower()
    return fold(low), low


def words(text: str) -> list[Word]:
    """Cut ``text`` into :class:`Word` s; sentences end at "?", "!", ";", ". " and line breaks."""
    out: list[Word] = []
    sentence, prev = 0, 0
    for m in _WORD_RE.finditer(text):
        if _BREAK_RE.search(text, prev, m.start()):
            sentence += 1
        key, low = _fold_word(m.group())
        out.append(Word(key, low, m.start(), m.end(), sentence))
        prev = m.end()
    return out


# A cue part: (folded key, lower-case spelling) for a word, or ("*", max words) for a wildcard.
Part = tuple[str, Any]


def _parts(cue: str) -> tuple[Part, ...]:
    parts: list[Part] = []
    for raw in cue.split():
        if raw in _WILDCARDS:
            parts.append(("*", _WILDCARDS[raw]))
        else:
            key, low = _fold_word(raw)
            parts.append((key, low))
    if not parts or parts[0][0] == "*":
        raise ValueError(f"{INTENTS_FILE}: cue {cue!r} must start with a word, got a wildcard or nothing")
    return tuple(parts)


def _same(word: Word, part: Part) -> bool:
    key, spelled = part  # a word typed with diacritics must be the cue's word ("bản" is not "ban")
    return word.key == key and (not word.accented or word.low == spelled)


class CueTable:
    """Cue phrases → labels, found anywhere in a word list (all matches, overlapping allowed)."""

    def __init__(self, entries: Iterable[tuple[str, str]]) -> None:
        self._by_first: dict[str, list[tuple[tuple[Part, ...], str]]] = {}
        for cue, label in entries:
            parts = _parts(cue)
            self._by_first.setdefault(parts[0][0], []).append((parts, label))
        for items in self._by_first.values():
            items.sort(key=lambda item: len(item[0]), reverse=True)

    def _end(self, ws: Sequence[Word], i: int, parts: Sequence[Part], sentence: int) -> int | None:
        if not parts:
            return i
        key, arg = parts[0]
        if key == "*":
            for n in range(1, arg + 1):
                if i + n > len(ws) or ws[i + n - 1].sentence != sentence:
                    return None
                end = self._end(ws, i + n, parts[1:], sentence)
                if end is not None:
                    return end
            return None
        if i < len(ws) and ws[i].sentence == sentence and _same(ws[i], parts[0]):
            return self._end(ws, i + 1, parts[1:], sentence)
        return None

    def find(self, ws: Sequence[Word]) -> list[tuple[int, int, str]]:
        """Every ``(start, end, label)`` match, word indices, ``end`` exclusive."""
        found = []
        for i, w in enumerate(ws):
            for parts, label in self._by_first.get(w.key, ()):
                end = self._end(ws, i, parts, w.sentence)
                if end is not None:
                    found.append((i, end, label))
        return found


@dataclass(frozen=True)
class CueReading:
    """What the cues say about one question."""

    intent: str | None  # from the intent groups, None when none fired (facts are decided by the caller)
    fact_kinds: tuple[str, ...]  # in the order asked; "count" only when nothing more specific
    covered: frozenset[int]  # indices of words that belong to a cue (not content words)
    elliptic: bool  # "Còn …?", "… thì sao?", "What about …?"
    language: str | None  # "en", "vi", or None when the words do not tell


class Cues:
    """The cue tables of ``intents.toml``; build with :func:`load_cues`."""

    def __init__(self, data: dict[str, Any]) -> None:
        groups = data.get("group") or []
        self.group_intents = tuple(str(g["intent"]) for g in groups)
        self.groups = CueTable((c, str(n)) for n, g in enumerate(groups) for c in g["cues"])
        self.facts = CueTable((c, kind) for kind, cues in data.get("fact", {}).items() for c in cues)
        self.fact_order = tuple(data.get("fact", {}))
        self.indices = CueTable((c, name) for name, cues in data.get("index", {}).items() for c in cues)
        self.shield = CueTable((c, "") for c in data.get("shield", {}).get("cues", []))
        follow = data.get("followup", {})
        self.starts = CueTable((c, "") for c in follow.get("starts", []))
        self.ends = CueTable((c, "") for c in follow.get("ends", []))
        self.short_words = int(follow.get("short_words", 4))
        self.anaphora = CueTable((c, "") for c in follow.get("anaphora", []))
        lang = data.get("language", {})
        self.english = frozenset(lang.get("english", [])) - frozenset(lang.get("ambiguous", []))
        self.vietnamese = CueTable((w, "") for w in lang.get("vietnamese", []))
        self.stopwords = CueTable((w, "") for w in data.get("keywords", {}).get("stopwords", []))
        figures = data.get("figures", {})
        self.figure_words = frozenset(fold(w) for w in figures.get("words", []))
        self.component_words = tuple(fold(w) for w in figures.get("components", []))
        self.part_words = tuple(fold(w) for w in figures.get("parts", []))
        self.glossary = CueTable((en, en) for en in data.get("glossary", {}))
        self._glossary = {fold(en): tuple(vi) for en, vi in data.get("glossary", {}).items()}

    def translations(self, ws: Sequence[Word]) -> tuple[str, ...]:
        """The Vietnamese words plans use for the English words of a question ("proposed" → "đề nghị")."""
        found = [vi for _, _, en in sorted(self.glossary.find(ws)) for vi in self._glossary[fold(en)]]
        return tuple(dict.fromkeys(found))

    def indices_in(self, ws: Sequence[Word]) -> tuple[str, ...]:
        """Plan indices named by a question-level phrase ("sự hài lòng" → SIPAS), in order of mention."""
        return tuple(dict.fromkeys(label for _, _, label in sorted(self.indices.find(ws))))

    def is_stopword(self, ws: Sequence[Word], i: int) -> bool:
        """True when word ``i`` is a function word (accent-aware, as cues are)."""
        return any(end == 1 for _, end, _ in self.stopwords.find(ws[i : i + 1]))

    def read(self, ws: Sequence[Word], names: Iterable[tuple[int, int]] = ()) -> CueReading:
        """Find every cue in ``ws`` and sum them up (see :class:`CueReading`).

        Args:
            ws: the question's words.
            names: character spans of names (a quoted phrase, a component, an agency): no cue inside
                them counts ("Tiep can dat dai" holds "cần đạt" without diacritics).
        """
        spans = list(names)
        named = {i for i, w in enumerate(ws) if any(s <= w.start < e for s, e in spans)}
        shields = [(s, e) for s, e, _ in self.shield.find(ws)]

        def visible(hits: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
            return [
                h for h in hits
                if not named.intersection(range(h[0], h[1]))
                and not any(s < h[1] and h[0] < e and not (h[0] <= s and e <= h[1]) for s, e in shields)
            ]  # fmt: skip

        groups = visible(self.groups.find(ws))
        facts = visible(self.facts.find(ws))
        covered = {i for s, e, _ in groups + facts for i in range(s, e)}
        intent = self.group_intents[min(int(n) for _, _, n in groups)] if groups else None
        ranked = sorted(facts, key=lambda h: (h[0], -(h[1] - h[0]), self.fact_order.index(h[2])))
        kinds = [k for _, _, k in ranked if k != "count"] or [k for _, _, k in ranked]
        content = [i for i in range(len(ws)) if i not in covered and not self.is_stopword(ws, i)]
        elliptic = self._elliptic(ws) or (len(content) <= self.short_words and intent is None and not kinds)
        return CueReading(intent, tuple(dict.fromkeys(kinds)), frozenset(covered), elliptic, self._language(ws))

    def refers_back(self, ws: Sequence[Word], names: Iterable[tuple[int, int]] = ()) -> bool:
        """True when a unit is named by its kind alone ("thì Sở phải làm gì?"), outside the names found."""
        spans = list(names)
        return any(
            not any(s <= ws[i].start < e for s, e in spans) and (j >= len(ws) or not ws[j].low[:1].isupper())
            for i, j, _ in self.anaphora.find(ws)
        )

    def explicitly_elliptic(self, ws: Sequence[Word]) -> bool:
        """True for "Còn …?", "… thì sao?", "What about …?" (a follow-up by its words, whatever it names)."""
        return self._elliptic(ws)

    def _elliptic(self, ws: Sequence[Word]) -> bool:
        if not ws:
            return False
        first_of = {w.sentence: i for i, w in reversed(list(enumerate(ws)))}
        if any(s in first_of.values() for s, _, _ in self.starts.find(ws)):
            return True
        last_of = {w.sentence: i + 1 for i, w in enumerate(ws)}
        return any(e in last_of.values() for _, e, _ in self.ends.find(ws))

    def _language(self, ws: Sequence[Word]) -> str | None:
        en = sum(1 for w in ws if not w.accented and w.key in self.english)
        vi = len(self.vietnamese.find(ws))
        if en >= 2 and en > vi:
            return "en"
        if vi or any(w.accented for w in ws):
            return "vi"
        return None


@functools.lru_cache(maxsize=4)
def load_cues(path: Path = INTENTS_FILE) -> Cues:
    """Read (once per path) the cue file.

    Raises:
        ValueError: the file is missing or malformed; the message names it.
    """
    try:
        with open(path, "rb") as fh:
            return Cues(tomllib.load(fh))
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: expected the question-cue file (intents.toml), could not read it: {exc}") from exc
