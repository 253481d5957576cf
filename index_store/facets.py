"""What a query names — plan index, province, agency — used to rewrite and to rank, never to exclude.

Officials type "Sở TC Đồng Nai …" or "sipas 2023 cua dong nai …": the vocabularies resolve the
abbreviation and the unaccented names, so the query can carry the canonical agency name to BM25 and
the embedder, and passages of the named index / province / agency can rank above look-alikes of
another index (a PAR INDEX score row reads like a SIPAS one). Filters stay the way to exclude
(:mod:`index_store.filters`); a facet only reorders the candidates both retrievers found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ingest.model import Passage
from ingest.textnorm import fold


@dataclass(frozen=True)
class Facets:
    """The plan indices, components (index, path), provinces and agencies (canonical names) a query names."""

    indices: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    components: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.indices or self.provinces or self.agencies or self.components)

    def match(self, passage: Passage, issuer: str = "") -> float:
        """How well ``passage`` fits the named facets, in [0, 1]: the mean over them of 1 (it belongs
        to the facet), ½ (it says nothing of it: a paragraph tied to no index or agency) or 0 (another).
        A passage of a plan that ``issuer`` (an agency) issued belongs to that agency."""
        agency = bool(set(passage.agencies) & set(self.agencies)) or issuer in self.agencies
        component = any(
            passage.plan_index == index and (passage.component + " › ").startswith(path + " › ")
            for index, path in self.components
        )
        credits = [
            _credit(passage.plan_index, passage.plan_index in self.indices) if self.indices else None,
            _credit(passage.component, component) if self.components else None,
            _credit(passage.province, passage.province in self.provinces) if self.provinces else None,
            _credit(passage.agencies, agency) if self.agencies else None,
        ]
        named = [c for c in credits if c is not None]
        return sum(named) / len(named) if named else 0.0


def _credit(value: object, matches: bool) -> float:
    return 1.0 if matches else 0.0 if value else 0.5


def query_facets(query: str, vocab: Any) -> Facets:
    """The facets ``query`` names, through the vocabularies' aliases (with or without diacritics).

    Example:
        >>> query_facets("Sở TC Đồng Nai được giao chỉ tiêu PAPI nào?", load_vocabulary())  # doctest: +SKIP
        Facets(indices=('PAPI',), provinces=('Đồng Nai',), agencies=('Sở Tài chính',), components=())
    """
    agencies = tuple(dict.fromkeys(m.canonical for m in vocab.find_agencies(query)))
    indices = tuple(vocab.find_indices(query))
    found = vocab.match_component(query, indices[0] if len(indices) == 1 else None)
    components = ((found.index, found.path),) if found is not None else ()
    return Facets(indices, tuple(vocab.find_provinces(query)), agencies, components)


def rewrite(query: str, facets: Facets) -> str:
    """``query`` followed by the canonical names of the agencies it names by alias ("Sở TC" → "Sở Tài chính")."""
    folded = fold(query)
    extra = [name for name in facets.agencies if fold(name) not in folded]
    return " ".join([query, *extra]) if extra else query
