"""Agency mentions: one mention to its canonical name, a cell of several, mentions in free text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.textnorm import clean_line, nfc
from ingest.vocab_places import Places
from ingest.vocab_text import PhraseTable, Token, phrase_key, tokenize

_BULLET_RE = re.compile(r"^[\s\-–—+•*·]+")
# (?<!…): a run of trailing marks is tried from its first character only, not again from each of the others
_TRAIL_RE = re.compile(r"(?<![\s.,;:/*\-–—])[\s.,;:/*\-–—]+$")
_QUALIFIER_LEAD = frozenset({"cua"})
_LEVELS = ("thành phố", "thị xã", "quận", "huyện", "tỉnh")  # level words a canonical name may end with
_MAX_NAME_WORDS = 12  # an unknown agency name is cut after this many words


@dataclass(frozen=True)
class AgencyMention:
    """An agency named in a text: ``text[start:end] == surface``; ``canonical`` is its vocabulary name."""

    start: int
    end: int
    surface: str
    canonical: str


def clean_name(text: str) -> str:
    """NFC, spaces collapsed, bullets, bold markers and trailing punctuation removed."""
    text = clean_line(text.replace("**", ""))
    return _TRAIL_RE.sub("", _BULLET_RE.sub("", text)).strip()


class AgencyMatcher:
    """Agency look-ups built once by the vocabulary loader.

    Args:
        aliases: ``(alias, canonical)`` pairs, canonical names included.
        head_words: multi-word heads that make unknown text agency-shaped ("Trung tâm", "Văn phòng").
        single_heads: one-word heads that must be followed by a capitalised word ("Sở", "Ban").
        clause_stops: phrases after which a cell continues with a clause, not an agency.
        joiners: words that join two agencies ("và", "cùng với").
        places: the province/locality tables, for trailing place qualifiers.
        source: the data file, for error messages.
        name_stops: verbs and function words that end an unknown name in free text ("xây dựng", "của").
        holders: titles that may stand before an agency and are not part of it ("Giám đốc", "Thủ trưởng").
    """

    def __init__(
        self,
        aliases: Sequence[tuple[str, str]],
        head_words: Sequence[str],
        single_heads: Sequence[str],
        clause_stops: Sequence[str],
        joiners: Sequence[str],
        places: Places,
        source: str,
        name_stops: Sequence[str] = (),
        holders: Sequence[str] = (),
    ) -> None:
        self.table: PhraseTable[str] = PhraseTable(aliases, source)
        self.heads = tuple(sorted({nfc(h).lower() for h in head_words}, key=len, reverse=True))
        self.single_heads = frozenset(nfc(h).lower() for h in single_heads)
        self.head_keys: PhraseTable[bool] = PhraseTable(
            [(h, True) for h in head_words] + [(h, True) for h in single_heads], source
        )
        self.stops: PhraseTable[bool] = PhraseTable(((s, True) for s in clause_stops), source)
        self.joiners: PhraseTable[bool] = PhraseTable(((j, True) for j in joiners), source)
        self._distributive_heads = frozenset(phrase_key(h)[0] for h in single_heads)
        self._acronym_heads = frozenset(nfc(h) for h in (*head_words, *single_heads) if h.isupper())
        self.name_stops: PhraseTable[bool] = PhraseTable(((w, True) for w in name_stops), source)
        self.holders: PhraseTable[bool] = PhraseTable(((w, True) for w in holders), source)
        self.places = places

    # -- pieces -----------------------------------------------------------------------------------
    def _qualifier_end(self, tokens: Sequence[Token], j: int) -> int:
        """Skip a trailing place qualifier: "tỉnh Lạng Sơn", "của tỉnh", ", thành phố Biên Hòa"."""
        while j < len(tokens):
            k = j
            if tokens[k].hard_gap:
                break
            comma = tokens[k].comma_gap
            if tokens[k].key in _QUALIFIER_LEAD and not comma:
                k += 1
                if k >= len(tokens) or tokens[k].hard_gap or tokens[k].comma_gap:
                    break
            lv = self.places.level_table.match_at(tokens, k)
            if lv:
                k = lv[0]
                if k < len(tokens) and not tokens[k].hard_gap and not tokens[k].comma_gap:
                    place = self.places.match_at(tokens, k)
                    if place:
                        k = place[0]
                    else:  # an unlisted place written with capitals: "huyện Xín Mần"
                        while k < len(tokens) and tokens[k].capitalised and not tokens[k].gap.strip():
                            k += 1
                j = k
                continue
            if comma:
                break
            place = self.places.match_at(tokens, k)
            if place:
                j = place[0]
                continue
            break
        return j

    def _joiner_end(self, tokens: Sequence[Token], j: int) -> int | None:
        if tokens[j].key == "va":  # "và" is optional inside phrases, so the table cannot hold it
            return j + 1
        m = self.joiners.match_at(tokens, j)
        return m[0] if m else None

    def _boundary(self, tokens: Sequence[Token], j: int) -> bool:
        if j >= len(tokens):
            return True
        t = tokens[j]
        if t.hard_gap or t.comma_gap or self.stops.match_at(tokens, j):
            return True
        k = self._joiner_end(tokens, j)
        if k:
            return k >= len(tokens) or bool(self.table.match_at(tokens, k) or self.head_keys.match_at(tokens, k))
        return False

    def generic(self, text: str) -> str | None:
        """Unknown but agency-shaped text, cleaned; ``None`` when it does not start with a head word."""
        name = clean_name(text)
        words = name.split()
        if not 2 <= len(words) <= 16:
            return None
        low = name.lower()
        if any(low.startswith(h + " ") for h in self.heads):
            return name
        first = words[0].lower().strip(",;:")
        if first in self.single_heads and words[1][:1].isupper():
            return name
        return None

    def _segment_end(self, tokens: Sequence[Token], i: int, stop_at_alias: bool = False) -> int:
        j = i + 1
        while not self._boundary(tokens, j) and not (stop_at_alias and self.table.match_at(tokens, j)):
            j += 1
        return j

    # -- public verbs -----------------------------------------------------------------------------
    def canonical(self, text: str) -> str | None:
        """One agency mention → its canonical name (see :meth:`ingest.vocab.Vocabulary.canonical_agency`)."""
        text = nfc(text or "")
        tokens = tokenize(text)
        if not tokens:
            return None
        m = self.table.match_at(tokens, 0)
        if m:
            j = self._qualifier_end(tokens, m[0])
            if self._boundary(tokens, j):
                return m[1]
        end = 1  # one mention: only a hard separator or a clause ends it, commas may be part of a name
        while end < len(tokens) and not tokens[end].hard_gap and not self.stops.match_at(tokens, end):
            end += 1
        generic = self.generic(text[: tokens[end - 1].end])
        if generic:
            return generic
        return m[1] if m else None

    def _distributive(self, text: str, tokens: Sequence[Token], i: int) -> tuple[int, list[str]] | None:
        """ "Các Phòng: Nội vụ, Tư pháp, …" → each item with the head in front."""
        if i + 2 >= len(tokens) or tokens[i].key != "cac" or tokens[i + 1].key not in self._distributive_heads:
            return None
        if ":" not in tokens[i + 2].gap:
            return None
        head = tokens[i + 1].surface[:1].upper() + tokens[i + 1].surface[1:].lower()
        j = i + 2
        while j < len(tokens) and (j == i + 2 or not re.search(r"[;\n()]", tokens[j].gap)):
            j += 1
        names: list[str] = []
        for item in re.split(r"[,;]", text[tokens[i + 2].start : tokens[j - 1].end]):
            parts = [item]
            if self.canonical_exact(f"{head} {item}") is None and self.canonical_exact(item) is None:
                parts = re.split(r"(?<!\s)\s+(?:và|va)\s+", item)
            for part in parts:
                if not part.strip():
                    continue
                name = self.canonical_exact(f"{head} {part}") or self.canonical_exact(part)
                name = name or self.generic(f"{head} {clean_name(part)}")
                if name:
                    names.append(name)
        return j, names

    def canonical_exact(self, text: str) -> str | None:
        """The canonical name when the whole text is a known alias (plus a place qualifier)."""
        tokens = tokenize(nfc(text))
        m = self.table.match_at(tokens, 0) if tokens else None
        if m and self._qualifier_end(tokens, m[0]) == len(tokens):
            return m[1]
        return None

    def split(self, cell: str) -> tuple[str, ...]:
        """An agency-list cell → canonical names (see :meth:`ingest.vocab.Vocabulary.split_agencies`)."""
        text = nfc(cell or "")
        tokens = tokenize(text)
        out: list[str] = []
        i = 0
        while i < len(tokens):
            joiner = self._joiner_end(tokens, i)
            if joiner:
                i = joiner
                continue
            m = self.table.match_at(tokens, i)
            if m:
                j = self._qualifier_end(tokens, m[0])
                if self._boundary(tokens, j):
                    out.append(m[1])
                    i = j
                    continue
            if self.stops.match_at(tokens, i):
                break
            dist = self._distributive(text, tokens, i)
            if dist:
                out += dist[1]
                i = dist[0]
                continue
            j = self._segment_end(tokens, i, stop_at_alias=True)
            generic = self.generic(text[tokens[i].start : tokens[j - 1].end])
            if generic:
                out.append(generic)
            elif m:
                out.append(m[1])
            i = j
        return tuple(dict.fromkeys(out))

    def _level_name(self, tokens: Sequence[Token], end: int, stop: int, name: str) -> str:
        """``name`` with the level its mention states after the alias ("Văn phòng UBND thành phố" is the
        city's office, not the province's): a canonical name that ends in a level word takes the written one."""
        for k in range(end, stop):
            lv = self.places.level_table.match_at(tokens, k)
            if lv:
                level = lv[1]
                for word in _LEVELS:
                    if name.endswith(" " + word):
                        return name if word == level else f"{name[: -len(word)]}{level}"
                return name
        return name

    def _head_at(self, tokens: Sequence[Token], i: int, after_title: bool = False) -> int | None:
        """The end of an agency head word written at ``tokens[i]`` ("Trung tâm", "Sở" + a capitalised word);
        after a title ("Người đứng đầu các cơ quan") the head may be written in lower case."""
        t = tokens[i]
        if not t.surface[:1].isupper() and not after_title:
            return None
        if len(t.surface) > 1 and t.surface.isupper() and nfc(t.surface) not in self._acronym_heads:
            return None  # "CỘNG HÒA XÃ HỘI CHỦ NGHĨA": a heading in capitals, not a name
        if t.gap.endswith(("/", "-")) and not t.gap.strip(" -/"):
            return None  # "số 2454/QĐ-UBND ngày …": the issuer code of a document number
        m = self.head_keys.match_at(tokens, i)
        if m is None:
            return None
        written = " ".join(nfc(x.surface).lower() for x in tokens[i : m[0]])
        if written not in self.heads and written not in self.single_heads:
            return None  # "So Thuong mai" typed without diacritics is no agency by its head alone
        if m[0] == i + 1 and nfc(t.surface).lower() in self.single_heads:
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if nxt is None or not nxt.capitalised or nxt.gap.strip():
                return None
        return m[0]

    def _open_end(self, tokens: Sequence[Token], i: int, head_end: int) -> int:
        """Where an unknown name that starts with a head word ends: punctuation, a clause, a verb or
        function word, a joiner before another agency, or after its place qualifier."""
        j = max(head_end, i + 1)
        limit = min(len(tokens), i + _MAX_NAME_WORDS)
        while j < limit:
            if self._boundary(tokens, j) or self.name_stops.match_at(tokens, j) or self.holders.match_at(tokens, j):
                break
            if tokens[j].gap.strip(" -–&") or tokens[j].key.isdigit():
                break
            if self.places.level_table.match_at(tokens, j):
                return self._qualifier_end(tokens, j)
            if self.table.match_at(tokens, j) and j > head_end:
                break
            j += 1
        return j

    def find(self, text: str) -> list[AgencyMention]:
        """Every agency mention in free text (see :meth:`ingest.vocab.Vocabulary.find_agencies`).

        Known names (aliases, longest first, with a place qualifier) come back canonical, keeping the
        level the text writes; an unknown name that starts with a head word ("Liên đoàn Lao động tỉnh",
        "Chi cục Thuế khu vực …") comes back as written, up to its boundary. A title before a name
        ("Giám đốc Sở Tư pháp") is not part of it.
        """
        tokens = tokenize(text)
        found: list[AgencyMention] = []
        i = 0
        after_title = False
        while i < len(tokens):
            title = self.holders.match_at(tokens, i) if tokens[i].capitalised else None
            # "Trưởng Phòng Nội vụ", "Giám đốc Sở Tư pháp": the title of the person who heads a named body
            if (
                title
                and title[0] < len(tokens)
                and tokens[title[0]].capitalised
                and not tokens[title[0]].gap.strip()
                and (self.table.match_at(tokens, title[0]) or self._head_at(tokens, title[0]) is not None)
            ):
                i, after_title = title[0], True
                continue
            m = self.table.match_at(tokens, i)
            if m:
                j = self._qualifier_end(tokens, m[0])
                start, end = tokens[i].start, tokens[j - 1].end
                found.append(AgencyMention(start, end, text[start:end], self._level_name(tokens, m[0], j, m[1])))
                i, after_title = j, False
                continue
            title = self.holders.match_at(tokens, i) if tokens[i].capitalised or after_title else None
            if title:
                i, after_title = title[0], True
                continue
            head = self._head_at(tokens, i, after_title)
            after_title = False
            if head is not None:
                j = self._open_end(tokens, i, head)
                start, end = tokens[i].start, tokens[j - 1].end
                surface = text[start:end]
                name = clean_name(surface)
                if len(name.split()) >= 2:
                    found.append(AgencyMention(start, end, surface, name))
                    i = j
                    continue
            i += 1
        return found
