"""Index names and index components (PAPI dimensions and sub-dimensions, PAR INDEX fields, …)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ingest.vocab_text import PhraseTable, phrase_key, tokenize

_NUMBERING_RE = re.compile(r"^\s*(?:[\dIVXivx]+(?:[.)]\d+)*[.)]?|[a-zđ][.)])\s+")
MIN_SCORE = 0.75


@dataclass(frozen=True)
class Component:
    """One node of an index taxonomy; ``sub`` is ``None`` for a dimension itself.

    ``path`` reads "Quản trị môi trường › Chất lượng nước" (or just the dimension).
    """

    index: str
    dimension: str
    sub: str | None
    path: str


class ComponentMatcher:
    """Index and component look-ups built once by the vocabulary loader.

    Args:
        indices: ``(index name, aliases, [(Component, aliases), …])`` in data order.
        strip_prefixes: folded phrases removed from the start before matching ("chi so thanh phan").
        stopwords: folded words ignored by the fuzzy score.
        expand: the abbreviation expander, applied before matching ("KNTC" → "khiếu nại, tố cáo").
        source: the data file, for error messages.
    """

    def __init__(
        self,
        indices: Sequence[tuple[str, Sequence[str], Sequence[tuple[Component, Sequence[str]]]]],
        strip_prefixes: Sequence[str],
        stopwords: Sequence[str],
        expand: Callable[[str], str],
        source: str,
    ) -> None:
        self.names = tuple(name for name, _, _ in indices)
        self.index_table: PhraseTable[str] = PhraseTable(
            ((a, name) for name, aliases, _ in indices for a in (name, *aliases)), source
        )
        self._expand = expand
        self._prefixes = sorted((tuple(p.split()) for p in strip_prefixes), key=len, reverse=True)
        self._stop = frozenset(stopwords)
        self._components: dict[str, tuple[Component, ...]] = {}
        self._exact: dict[str, dict[tuple[str, ...], Component]] = {}
        self._fuzzy: list[tuple[Component, frozenset[str]]] = []
        for name, _, comps in indices:
            self._components[name] = tuple(c for c, _ in comps)
            exact: dict[tuple[str, ...], Component] = {}
            for comp, aliases in comps:
                label = comp.sub or comp.dimension
                for alias in (label, *aliases):
                    key = self._key(alias)
                    if key in exact and exact[key] != comp:
                        raise ValueError(
                            f"{source}: component alias {alias!r} of {name} is given to both "
                            f"{exact[key].path!r} and {comp.path!r}; keep it on one"
                        )
                    exact[key] = comp
                    words = frozenset(key) - self._stop
                    if words:
                        self._fuzzy.append((comp, words))
            self._exact[name] = exact
        # every name and alias as written, for putting OCR's diacritics right ("Quản trị môi trưòng")
        self.spelling: PhraseTable[bool] = PhraseTable(
            ((a, True) for _, aliases, comps in indices for c, more in comps for a in (c.sub or c.dimension, *more)),
            source,
        )

    def _key(self, text: str) -> tuple[str, ...]:
        text = _NUMBERING_RE.sub("", self._expand(text))
        key = phrase_key(text)
        changed = True
        while changed:
            changed = False
            for p in self._prefixes:
                if len(key) > len(p) and key[: len(p)] == p:
                    key, changed = key[len(p) :], True
                    break
            m = self.index_table.match_at(tokenize(" ".join(key)), 0) if key else None
            if m and m[0] < len(key):
                key, changed = key[m[0] :], True
        return key

    def indices_in(self, text: str) -> tuple[str, ...]:
        """Canonical index names mentioned in ``text``, in order of first mention."""
        return tuple(dict.fromkeys(v for _, _, v in self.index_table.find_all(tokenize(text or ""))))

    def components(self, index: str) -> tuple[Component, ...]:
        """Every component of an index (dimensions and their subs, data order); ``()`` if unknown."""
        return self._components.get(self.index_table.get(index) or index, ())

    def match(self, text: str, plan_index: str | None = None) -> Component | None:
        """The component a heading or cell names (see :meth:`ingest.vocab.Vocabulary.match_component`)."""
        if not text or not text.strip():
            return None
        scope: tuple[str, ...]
        if plan_index:
            canonical = self.index_table.get(plan_index)
            scope = (canonical,) if canonical else ()
        else:
            scope = self.indices_in(text) or self.names
        key = self._key(text)
        if not key:
            return None
        for name in scope:
            comp = self._exact.get(name, {}).get(key)
            if comp:
                return comp
        words = frozenset(key) - self._stop
        if len(words) < 2:
            return None
        best: tuple[float, float, int] = (0.0, 0.0, 0)
        found: Component | None = None
        for comp, alias_words in self._fuzzy:
            if comp.index not in scope:
                continue
            overlap = len(words & alias_words)
            if overlap < 2:
                continue
            score = overlap / min(len(words), len(alias_words))
            jaccard = overlap / len(words | alias_words)
            rank = (score, jaccard, overlap)
            if score >= MIN_SCORE and rank > best:
                best, found = rank, comp
        return found
