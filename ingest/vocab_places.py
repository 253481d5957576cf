"""Provinces and their localities: which province a place name belongs to, and at what level."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ingest.textnorm import nfc
from ingest.vocab_text import PhraseTable, Token, phrase_key, tokenize

_RANK = {"thành phố": 3, "quận": 3, "thị xã": 2, "huyện": 1}


@dataclass(frozen=True)
class Locality:
    """A district-level unit: its name, level ("huyện", "thị xã", "thành phố", "quận") and province."""

    name: str
    level: str
    province: str


class Places:
    """Province and locality look-ups built once from ``provinces.toml`` (see :func:`load_places`)."""

    def __init__(
        self,
        provinces: Sequence[tuple[str, str, Sequence[str]]],
        localities: Sequence[Locality],
        level_words: Mapping[str, Sequence[str]],
        source: str,
    ) -> None:
        self.names = tuple(name for name, _, _ in provinces)
        self.kinds = {name: kind for name, kind, _ in provinces}
        entries: list[tuple[str, str]] = []
        for name, kind, aliases in provinces:
            entries += [(name, name), (f"{kind} {name}", name)] + [(a, name) for a in aliases]
            if kind == "thành phố":
                entries.append((f"TP {name}", name))
        self.province_table: PhraseTable[str] = PhraseTable(entries, source)
        by_key: dict[tuple[str, ...], list[Locality]] = {}
        for loc in localities:  # "Tam Đường" and "Tam Dương" share a folded key
            by_key.setdefault(phrase_key(loc.name), []).append(loc)
        self.locality_table: PhraseTable[tuple[Locality, ...]] = PhraseTable(
            ((locs[0].name, tuple(locs)) for locs in by_key.values()), source
        )
        self.level_table: PhraseTable[str] = PhraseTable(
            ((w, level) for level, words in level_words.items() for w in words), source
        )
        self.localities = tuple(localities)

    # -- resolution -------------------------------------------------------------------------------
    @staticmethod
    def _pick(locs: Sequence[Locality], level: str | None, surface: Sequence[Token] = ()) -> Locality | None:
        if len(locs) > 1 and surface:  # written with diacritics: "Tam Đường" is not "Tam Dương"
            written = tuple(nfc(t.surface).lower() for t in surface)
            same = [loc for loc in locs if tuple(nfc(t.surface).lower() for t in tokenize(loc.name)) == written]
            if same:
                locs = same
        if level:
            same = [loc for loc in locs if loc.level == level]
            if same:
                locs = same
        best = max(_RANK.get(loc.level, 0) for loc in locs)
        top = [loc for loc in locs if _RANK.get(loc.level, 0) == best]
        return top[0] if len({loc.province for loc in top}) == 1 else None

    def match_at(
        self, tokens: Sequence[Token], i: int, bare_localities: bool = True
    ) -> tuple[int, str, Locality | None] | None:
        """A place starting at ``tokens[i]``: ``(end, province, locality or None)``.

        Tries "<level word> <locality>", then a province name or alias, then (when
        ``bare_localities``) a locality name without a level word.
        """
        lv = self.level_table.match_at(tokens, i)
        if lv:
            j, level = lv
            loc = self.locality_table.match_at(tokens, j)
            if loc and level != "tỉnh":
                picked = self._pick(loc[1], level, tokens[j : loc[0]])
                if picked:
                    return loc[0], picked.province, picked
        prov = self.province_table.match_at(tokens, i)
        if prov:
            return prov[0], prov[1], None
        if bare_localities:
            loc = self.locality_table.match_at(tokens, i)
            if loc:
                picked = self._pick(loc[1], None, tokens[i : loc[0]])
                if picked:
                    return loc[0], picked.province, picked
        return None

    def find_provinces(self, text: str) -> tuple[str, ...]:
        """Provinces named in ``text`` (directly or through a locality), in order of first mention.

        A bare locality counts only when written with capitals ("Tam Đường", not "thống nhất"),
        since many district names are also ordinary words.
        """
        tokens = tokenize(text)
        found: list[str] = []
        i = 0
        while i < len(tokens):
            m = self.match_at(tokens, i, bare_localities=False)
            if m is None:
                loc = self.locality_table.match_at(tokens, i)
                if loc and all(t.capitalised for t in tokens[i : loc[0]]):
                    picked = self._pick(loc[1], None, tokens[i : loc[0]])
                    if picked:
                        m = (loc[0], picked.province, picked)
            if m:
                if m[1] not in found:
                    found.append(m[1])
                i = m[0]
            else:
                i += 1
        return tuple(found)

    def resolve(self, name: str) -> tuple[str, Locality | None] | None:
        """A whole place name → ``(province, locality or None)``; provinces win over same-named cities."""
        tokens = tokenize(name)
        if not tokens:
            return None
        m = self.match_at(tokens, 0)
        if m and m[0] == len(tokens):
            return m[1], m[2]
        return None

    def province_of(self, name: str) -> str | None:
        """The province of a province or locality name ("Tam Đường" → "Lai Châu"), else ``None``."""
        whole = self.resolve(name)
        if whole:
            return whole[0]
        found = self.find_provinces(name)
        return found[0] if found else None

    def locality_level(self, name: str) -> str | None:
        """The level of a locality ("Long Khánh" → "thành phố"), else ``None``."""
        tokens = tokenize(name)
        lv = self.level_table.match_at(tokens, 0)
        start = lv[0] if lv else 0
        loc = self.locality_table.match_at(tokens, start)
        if not loc or loc[0] != len(tokens):
            return None
        picked = self._pick(loc[1], lv[1] if lv else None, tokens[start:])
        if picked is None:
            levels = {x.level for x in loc[1]}
            return levels.pop() if len(levels) == 1 else None
        return picked.level

    def locality(self, name: str) -> Locality | None:
        """The locality a name designates, with its province, else ``None``."""
        whole = self.resolve(name)
        if whole and whole[1]:
            return whole[1]
        tokens = tokenize(name)
        lv = self.level_table.match_at(tokens, 0)
        start = lv[0] if lv else 0
        loc = self.locality_table.match_at(tokens, start)
        if loc and loc[0] == len(tokens):
            return self._pick(loc[1], lv[1] if lv else None, tokens[start:])
        return None
