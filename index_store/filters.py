"""Metadata filters → the set of passage ids a search may return.

Every comparison is on :func:`ingest.textnorm.fold`-ed text, and the vocabulary adds what the user
meant: "dong nai" or a locality ("Tam Đường") → its province, "so tnmt" → "Sở Tài nguyên và Môi
trường", "par" → "PAR INDEX", "chat luong nuoc" → the component "Quản trị môi trường › Chất lượng
nước". The set is then handed to both retrievers, which restrict their scoring to it.

An unknown province (or any filter that matches nothing) gives an empty set, never "everything":
the caller can then say that no plan of that province is loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from index_store.protocols import Filters
from ingest.model import Document, Passage
from ingest.textnorm import fold

_PROVINCE_PREFIX = re.compile(r"^(tinh|thanh pho|tp\.?)\s+")


def _keys(*values: str | None) -> set[str]:
    return {fold(v) for v in values if v}


def _province_keys(province: str, vocab: Any) -> set[str]:
    keys = _keys(province, _PROVINCE_PREFIX.sub("", fold(province)))
    if vocab is not None:
        keys |= _keys(*vocab.find_provinces(province), vocab.province_of(province))
    return keys


def _index_keys(plan_index: str, vocab: Any) -> set[str]:
    return _keys(plan_index, vocab.match_index(plan_index) if vocab is not None else None)


def _component_needles(component: str, plan_index: str | None, vocab: Any) -> set[str]:
    needles = _keys(component)
    found = vocab.match_component(component, plan_index) if vocab is not None else None
    if found is not None:
        needles |= _keys(found.sub or found.dimension)
    return needles


def _agency_needles(agency: str, vocab: Any) -> set[str]:
    return _keys(agency, vocab.canonical_agency(agency) if vocab is not None else None)


def _doc_ids(ref: str, documents: Iterable[Document]) -> set[str]:
    key = fold(ref)
    return {
        d.doc_id
        for d in documents
        if ref in (d.doc_id, d.path) or key in (fold(d.source), fold(d.doc_number) if d.doc_number else None)
    }


def allowed_passages_of(
    passages: Sequence[Passage], documents: Sequence[Document], f: Filters, vocab: Any = None
) -> set[str] | None:
    """:func:`allowed_passages` over passages and documents already in memory."""
    if f.is_empty():
        return None
    by_doc = {d.doc_id: d for d in documents}
    keep = list(passages)
    if f.province:
        keys = _province_keys(f.province, vocab)
        keep = [p for p in keep if fold(p.province or getattr(by_doc.get(p.doc_id), "province", "") or "") in keys]
    if f.plan_index:
        keys = _index_keys(f.plan_index, vocab)

        def names_index(p: Passage) -> bool:
            # Prose carries no plan index of its own ("IV. Tổ chức thực hiện: báo cáo trước ngày …" serves
            # every index of its plan): keep it when its plan covers the index or it names the index.
            if p.plan_index:
                return fold(p.plan_index) in keys
            doc = by_doc.get(p.doc_id)
            if doc is not None and keys & _keys(*doc.indices):
                return True
            return vocab is not None and bool(keys & _keys(*vocab.find_indices(p.header + "\n" + p.text)))

        keep = [p for p in keep if names_index(p)]
    if f.component:
        needles = _component_needles(f.component, f.plan_index, vocab)
        keep = [p for p in keep if any(n in fold(p.component) for n in needles)]
    if f.agency:
        needles = _agency_needles(f.agency, vocab)
        keep = [p for p in keep if any(n in fold(" | ".join((*p.agencies, p.header))) for n in needles)]
    if f.doc:
        ids = _doc_ids(f.doc, documents)
        keep = [p for p in keep if p.doc_id in ids]
    return {p.passage_id for p in keep}


def allowed_passages(
    store: Any, filters: Filters, vocab: Any = None, passages: Sequence[Passage] | None = None
) -> set[str] | None:
    """The ids of the passages that pass every filter set in ``filters``.

    Args:
        store: an :class:`index_store.Store` (its ``passages()`` and ``documents()``).
        filters: province, plan index, component, agency, document; each matches aliases and
            unaccented spellings ("dong nai", "par", "so tnmt", "336/KH-UBND").
        vocab: an ``ingest.vocab.Vocabulary``; without it only folded spellings match.
        passages: the store's passages when the caller already holds them (saves a read).

    Returns:
        ``None`` when no filter is set (everything is allowed), else the set of allowed passage ids
        (empty when nothing matches, e.g. a province with no plan).

    Example:
        >>> allowed_passages(store, Filters(province="dong nai", agency="so tnmt"), vocab)  # doctest: +SKIP
    """
    if filters.is_empty():
        return None
    return allowed_passages_of(store.passages() if passages is None else passages, store.documents(), filters, vocab)
