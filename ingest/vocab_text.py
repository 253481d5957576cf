"""Token streams and phrase tables for vocabulary matching.

Matching works on word tokens, each folded (lower-case, no diacritics, đ→d) but keeping its span in
the original string, so a match maps straight back to the text it came from, whatever the input's
normalisation (NFC, NFD, no diacritics, legacy tone placement). Punctuation between words is kept
as the token's ``gap``: dashes and spacing never matter, but a ``;``, a line break or a bracket ends
a phrase. "và" and "&" are optional inside phrases ("Sở TN&MT" = "Sở TN và MT").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from ingest.textnorm import fold, nfc

V = TypeVar("V")

_TOKEN_RE = re.compile(r"[\w\u0300-\u036f]+")
_HARD_GAP_RE = re.compile(r"[;\n\r\t()\[\]:|]")
OPTIONAL = frozenset({"va"})


@dataclass(frozen=True, slots=True)
class Token:
    """One word: its folded ``key``, its span in the source string and the text before it."""

    key: str
    start: int
    end: int
    gap: str
    surface: str

    @property
    def hard_gap(self) -> bool:
        """True when the text before this word ends a phrase (``;``, line break, bracket, colon)."""
        return bool(_HARD_GAP_RE.search(self.gap))

    @property
    def comma_gap(self) -> bool:
        """True when a comma stands before this word."""
        return "," in self.gap

    @property
    def capitalised(self) -> bool:
        """True when the word starts with an upper-case letter or digit."""
        return self.surface[:1].isupper() or self.surface[:1].isdigit()


@functools.lru_cache(maxsize=65536)
def _fold_word(word: str) -> str:
    return fold(word)


@functools.lru_cache(maxsize=65536)
def _accented(word: str) -> str:
    """The word as written, lower-case NFC with modern tone placement; ``""`` when it has no diacritics."""
    low = nfc(word).lower()
    return low if _fold_word(word) != low else ""


def _spelled(token: Token, spellings: set[str]) -> bool:
    """A word written without diacritics matches any spelling; with diacritics it must be one of them."""
    written = _accented(token.surface)
    return not written or written in spellings or "" in spellings


def _respell(chars: list[str], token: Token, spelling: str) -> None:
    """Write ``spelling`` over ``token`` in ``chars`` with the token's capitals (same length only)."""
    written = token.surface
    if len(spelling) != len(written):
        return
    for k, (old, new) in enumerate(zip(written, spelling, strict=True)):
        chars[token.start + k] = new.upper() if old.isupper() else new


def tokenize(text: str) -> list[Token]:
    """Cut ``text`` into folded word tokens with spans into ``text`` itself."""
    tokens: list[Token] = []
    prev = 0
    for m in _TOKEN_RE.finditer(text):
        key = _fold_word(m.group())
        if not key:
            prev = m.end()
            continue
        tokens.append(Token(key, m.start(), m.end(), text[prev : m.start()], m.group()))
        prev = m.end()
    return tokens


def phrase_key(phrase: str) -> tuple[str, ...]:
    """The lookup key of a phrase: folded words without the optional "và"."""
    return tuple(t.key for t in tokenize(phrase) if t.key not in OPTIONAL)


class PhraseTable(Generic[V]):
    """Phrases (as folded word sequences) → values, matched longest-first at a token position.

    Args:
        entries: ``(phrase, value)`` pairs. The same phrase with two different values is an error.
        source: a name for error messages (the data file).

    Raises:
        ValueError: when one phrase maps to two different values.
    """

    def __init__(self, entries: Iterable[tuple[str, V]], source: str = "") -> None:
        self._exact: dict[tuple[str, ...], V] = {}
        # the accented spellings seen at each position: "bảo tính" must not match "Báo tỉnh"
        self._spellings: dict[tuple[str, ...], tuple[set[str], ...]] = {}
        origin: dict[tuple[str, ...], str] = {}
        for phrase, value in entries:
            words = [t for t in tokenize(phrase) if t.key not in OPTIONAL]
            key = tuple(t.key for t in words)
            if not key:
                continue
            spellings = self._spellings.setdefault(key, tuple(set() for _ in key))
            for seen, t in zip(spellings, words, strict=True):
                seen.add(_accented(t.surface))
            if key in self._exact and self._exact[key] != value:
                raise ValueError(
                    f"{source}: alias {phrase!r} maps to both {self._exact[key]!r} and {value!r} "
                    f"(also written {origin[key]!r}); give it to one entry only"
                )
            self._exact[key] = value
            origin.setdefault(key, phrase)
        by_first: dict[str, list[tuple[tuple[str, ...], V]]] = {}
        for key, value in self._exact.items():
            by_first.setdefault(key[0], []).append((key, value))
        for items in by_first.values():
            items.sort(key=lambda kv: len(kv[0]), reverse=True)
        self._by_first = by_first

    def __len__(self) -> int:
        return len(self._exact)

    def get(self, phrase: str) -> V | None:
        """The value of exactly this phrase, or ``None``."""
        return self._exact.get(phrase_key(phrase))

    def keys(self) -> Iterable[tuple[str, ...]]:
        """Every stored key."""
        return self._exact.keys()

    def match_at(self, tokens: Sequence[Token], i: int, *, accents: bool = True) -> tuple[int, V] | None:
        """The longest phrase starting at ``tokens[i]``: ``(end, value)`` with ``end`` exclusive.

        Optional words ("và") in the text are skipped inside a phrase; a phrase never runs across
        a hard gap (``;``, line break, bracket, colon). ``accents=False`` ignores how the text places
        its diacritics (OCR text: "Môi trưòng" is "Môi trường").
        """
        found = self._find(tokens, i, accents)
        return None if found is None else (found[0], self._exact[found[1]])

    def _find(self, tokens: Sequence[Token], i: int, accents: bool) -> tuple[int, tuple[str, ...], list[Token]] | None:
        """:meth:`match_at` with the phrase's key and the tokens that matched its words."""
        if i >= len(tokens):
            return None
        candidates = self._by_first.get(tokens[i].key)
        if not candidates:
            return None
        for key, _ in candidates:
            spellings = self._spellings[key]
            if accents and not _spelled(tokens[i], spellings[0]):
                continue
            matched = [tokens[i]]
            j = i + 1
            for n, word in enumerate(key[1:], start=1):
                while j < len(tokens) and tokens[j].key in OPTIONAL and word not in OPTIONAL:
                    j += 1
                if j >= len(tokens) or tokens[j].key != word or tokens[j].hard_gap:
                    break
                if accents and not _spelled(tokens[j], spellings[n]):
                    break
                matched.append(tokens[j])
                j += 1
            else:
                return j, key, matched
        return None

    def repair(self, text: str) -> str:
        """``text`` with the diacritics of every phrase of the table put back as the table spells them.

        For text read by OCR, which gets tone marks wrong ("Sở Tài nguyên và Môi trưòng", "Sở Nội vu"):
        a phrase that matches once diacritics are ignored is rewritten letter for letter, keeping the
        text's capitals, where its word has one spelling in the table. Lengths never change, so offsets
        into the text stay valid.
        """
        tokens = tokenize(text)
        chars = list(text)
        i = 0
        while i < len(tokens):
            found = self._find(tokens, i, accents=False)
            if found is None:
                i += 1
                continue
            end, key, matched = found
            for token, spelled in zip(matched, self._spellings[key], strict=True):
                options = {s for s in spelled if s}
                if len(options) == 1 and _accented(token.surface) not in options:
                    _respell(chars, token, options.pop())
            i = end
        return "".join(chars)
        candidates = self._by_first.get(tokens[i].key)
        if not candidates:
            return None
        for key, value in candidates:
            spellings = self._spellings[key]
            if not _spelled(tokens[i], spellings[0]):
                continue
            j = i + 1
            ok = True
            for n, word in enumerate(key[1:], start=1):
                while j < len(tokens) and tokens[j].key in OPTIONAL and word not in OPTIONAL:
                    j += 1
                if j >= len(tokens) or tokens[j].key != word or tokens[j].hard_gap:
                    ok = False
                    break
                if not _spelled(tokens[j], spellings[n]):
                    ok = False
                    break
                j += 1
            if ok:
                return j, value
        return None

    def find_all(self, tokens: Sequence[Token]) -> list[tuple[int, int, V]]:
        """All non-overlapping matches, left to right, longest first: ``(i, end, value)``."""
        found = []
        i = 0
        while i < len(tokens):
            m = self.match_at(tokens, i)
            if m:
                found.append((i, m[0], m[1]))
                i = m[0]
            else:
                i += 1
        return found
