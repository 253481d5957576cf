"""Slots of a question: place, plan index, index component, agency, year and document number.

Every look-up goes through the vocabulary (``ingest.vocab``), so spellings, abbreviations and missing
diacritics are handled once, there. Component mentions are found as whole aliases of the taxonomy
(``ingest/vocab/indices.toml``), longest and most specific first; a quoted phrase is matched on its own.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant._query_cues import Word, words
from ingest.textnorm import fold
from ingest.vocab import Component, Vocabulary
from ingest.vocab_load import read_toml

_QUOTED_RE = re.compile(
    r"(?<!\w)(?:'([^'\n]{3,150})'|\"([^\"\n]{3,150})\"|“([^”\n]{3,150})”|‘([^’\n]{3,150})’|«([^»\n]{3,150})»)"
)
_YEAR_RE = re.compile(r"(?<![\d/.,-])(20[0-3]\d)(?![\d/]|\.\d)")  # plans speak of 2000–2039
_RANGE_RE = re.compile(r"(?<!\d)(20\d\d)\s*[-–—]\s*(20\d\d)(?!\d)")
_PLAUSIBLE_YEARS = range(2000, 2036)  # "kế hoạch 2039" is a plan's number, "kế hoạch 2025" a year
_DOC_RE = re.compile(r"(?<![\d/])(\d{1,5})/(?:(?:19|20)\d\d/)?([A-ZĐ]{1,6}(?:-[A-ZĐa-z0-9]{1,10})*)")
_BARE_DOC_RE = re.compile(r"\b(?:kh|ke hoach|plan)\s+(?:so\s+|no\s+)?(\d{1,5})\b")
_LEVEL_WORDS = frozenset({"huyen", "quan", "thi", "thanh", "tp", "tx"})
_ASSIGN_RE = re.compile(r"\b(?:giao|giao cho|assigns? to|assigned to|to the)$")  # folded text before a mention
_INITIALS_RE = re.compile(r"(?<![\w&/-])([A-ZĐ]{2,4})(?![\w&/-])")


@dataclass(frozen=True)
class Slots:
    """What one question names by itself (nothing inherited)."""

    provinces: tuple[str, ...] = ()
    province_candidates: tuple[str, ...] = ()  # an ambiguous initialism ("ĐN") could be any of these
    locality: str | None = None
    indices: tuple[str, ...] = ()
    index_named: bool = False  # the index is named, not only implied by the component
    component: Component | None = None
    component_text: str | None = None
    quoted: str | None = None  # a quoted phrase that is not in the taxonomy
    agencies: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    doc_number: str | None = None
    spans: tuple[tuple[int, int], ...] = ()  # character spans of quoted phrases, the component, agencies


@dataclass(frozen=True)
class _Alias:
    key: tuple[str, ...]
    component: Component
    indices_containing: frozenset[str]  # indices with an alias that contains this one


@functools.lru_cache(maxsize=4)
def _aliases(vocab: Vocabulary) -> dict[str, list[_Alias]]:
    """Every component name and alias as folded words (abbreviations expanded, "và" dropped), by first word."""
    by_path = {
        (c.index, c.dimension, c.sub): c for name in vocab.canonical_index_names() for c in vocab.components(name)
    }
    raw: list[tuple[tuple[str, ...], Component]] = []
    for entry in read_toml(vocab.folder / "indices.toml").get("index", []):
        for dim in entry.get("dimension", []):
            nodes = [(dim, None)] + [(sub, sub) for sub in dim.get("sub", [])]
            for node, sub in nodes:
                comp = by_path.get((entry["name"], dim["name"], sub["name"] if sub else None))
                for alias in (node["name"], *node.get("aliases", [])):
                    key = _key(vocab, alias)
                    if comp and len(key) >= 2:
                        raw.append((key, comp))
    table: dict[str, list[_Alias]] = {}
    for key, comp in raw:
        inside = frozenset(c.index for k, c in raw if _contains(k, key))
        table.setdefault(key[0], []).append(_Alias(key, comp, inside))
    return table


def _key(vocab: Vocabulary, text: str) -> tuple[str, ...]:
    return tuple(w.key for w in _expanded(vocab, text) if w.key != "va")


def _contains(big: tuple[str, ...], small: tuple[str, ...]) -> bool:
    return any(big[i : i + len(small)] == small for i in range(len(big) - len(small) + 1))


def _expanded(vocab: Vocabulary, text: str) -> list[Word]:
    """Words of ``text`` with abbreviations expanded word by word; spans stay in ``text``."""
    out: list[Word] = []
    for w in words(text):
        surface = text[w.start : w.end]
        full = vocab.expand_abbreviations(surface)
        out += [w] if full == surface else [Word(x.key, x.low, w.start, w.end, w.sentence) for x in words(full)]
    return out


def _component(vocab: Vocabulary, text: str, scope: Sequence[str]) -> tuple[Component, str, tuple[int, int]] | None:
    """The most specific component named in ``text``: the longest whole alias, a sub over its dimension.

    Without a known index, an alias that is also part of another index's alias ("thủ tục hành chính")
    says nothing and is skipped.
    """
    ws = [w for w in _expanded(vocab, text) if w.key != "va"]
    table = _aliases(vocab)
    found: list[tuple[int, int, Component]] = []
    for i, w in enumerate(ws):
        for alias in table.get(w.key, ()):
            n = len(alias.key)
            if tuple(x.key for x in ws[i : i + n]) != alias.key or ws[i + n - 1].sentence != w.sentence:
                continue
            if (alias.component.index in scope) if scope else len(alias.indices_containing) == 1:
                found.append((i, i + n, alias.component))
    if not found:
        return None
    best = max(found, key=lambda f: (f[1] - f[0], f[2].sub is not None, -f[0]))
    subs = [f for f in found if f[2].sub and f[2].dimension == best[2].dimension and f[2].index == best[2].index]
    if best[2].sub is None and subs:
        best = max(subs, key=lambda f: (f[1] - f[0], -f[0]))
    start, end = ws[best[0]].start, ws[best[1] - 1].end
    return best[2], text[start:end], (start, end)


@functools.lru_cache(maxsize=4)
def _initials(vocab: Vocabulary) -> dict[str, tuple[str, ...]]:
    """Province initialisms ("LS" → Lạng Sơn; "ĐN" → Đồng Nai, Đà Nẵng, Đắk Nông), from the names."""
    table: dict[str, list[str]] = {}
    for name in vocab.provinces():
        letters = "".join(p[0].upper() for p in re.split(r"[\s-]+", name) if p)
        table.setdefault(letters, []).append(name)
    return {k: tuple(v) for k, v in table.items()}


def _locality(vocab: Vocabulary, text: str, province: str) -> str | None:
    """The locality of ``province`` the text names ("huyện Tam Đường", "Tam Đường", "TP Biên Hòa").

    A province's own name is stepped over, so "Đắk Lắk" is not read as the district "Lắk".
    """
    ws = words(text)
    i = 0
    while i < len(ws):
        step = 1
        if text[ws[i].start].isupper() or ws[i].key in _LEVEL_WORDS:
            for n in (4, 3, 2, 1):
                if i + n > len(ws):
                    continue
                prov, loc, _ = vocab.resolve_place(text[ws[i].start : ws[i + n - 1].end])
                if prov and loc and prov == province:
                    return loc
                if prov and not loc:
                    step = n
                    break
        i += step
    return None


def _places(vocab: Vocabulary, text: str, context: str | None) -> tuple[tuple[str, ...], tuple[str, ...], str | None]:
    """``(provinces, candidates, locality)``; an initialism ("LS") counts when unambiguous or the context decides."""
    provinces = vocab.find_provinces(text)
    if provinces:
        return provinces, (), _locality(vocab, text, provinces[0]) if len(provinces) == 1 else None
    skip = {k.upper() for k in vocab.abbreviations()} | {n.upper() for n in vocab.canonical_index_names()}
    covered = [(m.start, m.end) for m in vocab.find_agencies(text)]
    for m in _INITIALS_RE.finditer(text):
        if m.group(1) in skip or any(s <= m.start() < e for s, e in covered):
            continue
        names = _initials(vocab).get(m.group(1), ())
        if len(names) == 1:
            return names, (), None
        if context is not None and context in names:
            return (context,), (), None
        if names:
            return (), names, None
    return (), (), None


def detect(
    vocab: Vocabulary,
    text: str,
    named_indices: Sequence[str] = (),
    index_scope: Sequence[str] = (),
    context_province: str | None = None,
) -> Slots:
    """Everything ``text`` names by itself.

    Args:
        vocab: the vocabulary.
        text: the question (already capped and NFC).
        named_indices: indices the question names in its own words ("sự hài lòng"), used when it names
            none of the vocabulary's index names.
        index_scope: indices to look for components in when the question names none (a follow-up's).
        context_province: the conversation's province, used only to read an ambiguous initialism ("ĐN").
    """
    provinces, candidates, locality = _places(vocab, text, context_province)
    named = vocab.find_indices(text)
    indices = named or tuple(named_indices)
    scope = indices or tuple(index_scope)
    component, component_text, quoted = None, None, None
    spans = [m.span() for m in _QUOTED_RE.finditer(text)]
    for m in _QUOTED_RE.finditer(text):
        phrase = next(g for g in m.groups() if g).strip()
        comp = vocab.match_component(phrase, scope[0] if len(scope) == 1 else None)
        if comp is None and (vocab.find_provinces(phrase) or vocab.find_agencies(phrase) or vocab.find_indices(phrase)):
            continue
        component, component_text = comp, phrase
        quoted = None if comp else phrase
        break
    if component is None and quoted is None:
        # an index only hinted at ("sự hài lòng") gives way to a component of another index; an inherited one
        # does not ("kết quả giải quyết TTHC" after a PAR INDEX question is not the SIPAS criterion)
        found = _component(vocab, text, scope) or (_component(vocab, text, ()) if named_indices and not named else None)
        if found:
            component, component_text, span = found
            spans.append(span)
            if indices and not named and found[0].index not in indices:  # the hint gives way
                indices = (found[0].index,)
    mentions = vocab.find_agencies(text)
    # the unit being assigned comes first: "KH 45 của UBND tỉnh giao Sở KH&ĐT nhiệm vụ gì?"
    assigned = [m for m in mentions if _ASSIGN_RE.search(fold(text[max(0, m.start - 12) : m.start]))]
    agencies = tuple(dict.fromkeys(m.canonical for m in assigned + mentions))
    spans += [(m.start, m.end) for m in mentions]
    doc = _doc(vocab, text)
    period = {y for m in _RANGE_RE.finditer(text) for y in m.groups()}  # "giai đoạn 2018-2020" names no one year
    years = tuple(
        dict.fromkeys(
            int(y) for y in _YEAR_RE.findall(text) if y != doc and y not in period and int(y) in _PLAUSIBLE_YEARS
        )
    )
    return Slots(
        provinces,
        candidates,
        locality,
        indices or ((component.index,) if component else ()),
        bool(named) or bool(indices),
        component,
        component_text,
        quoted,
        agencies,
        years,
        doc,
        tuple(spans),
    )


def _doc(vocab: Vocabulary, text: str) -> str | None:
    """The plan's number: "336/KH-UBND", else a bare "336" from "KH 336", "kế hoạch 336", "plan 336"."""
    for m in _DOC_RE.finditer(text):
        if m.group(2).split("-")[0] == "KH":
            return f"{m.group(1)}/{m.group(2)}"
    for m in _BARE_DOC_RE.finditer(" ".join(w.key for w in words(text))):
        if not re.fullmatch(r"(?:19|20)\d\d", m.group(1)) or int(m.group(1)) not in _PLAUSIBLE_YEARS:
            return m.group(1)
    return None
