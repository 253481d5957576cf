"""Metadata filters → the set of passage ids a search may return.

Every comparison is on :func:`ingest.textnorm.fold`-ed text, and the vocabulary adds what the user
meant: "dong nai" or a locality ("Tam Đường") → its province, "so tnmt" → "Sở Tài nguyên và Môi
trường", "par" → "PAR INDEX", "chat luong nuoc" → the component "Quản trị môi trường › Chất lượng
nước". The set is then handed to both retrievers, which restrict their scoring to it.
:class:`FilterIndex` folds every passage's fields once, so a filter costs a few array operations per
query whatever the number of passages.

An unknown province (or any filter that matches nothing) gives an empty set, never "everything":
the caller can then say that no plan of that province is loaded.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

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


class _Column:
    """One filterable field of every passage, folded once: distinct values and each row's value code.

    A filter then tests each distinct value once (a plan has a few dozen provinces, indices and
    components however many passages it has) and maps the answer to rows with one numpy take.
    """

    def __init__(self, raw: Iterable[str], key: Callable[[str], str] = fold) -> None:
        codes: dict[str, int] = {}
        rows = [codes.setdefault(value, len(codes)) for value in raw]
        self.codes = np.asarray(rows, dtype=np.int32)
        self.values = [key(value) for value in codes]  # folded, in code order

    def where(self, test: Callable[[str], bool]) -> np.ndarray:
        """A boolean per row: ``test`` of the row's folded value."""
        ok = np.fromiter((test(v) for v in self.values), dtype=bool, count=len(self.values))
        return ok[self.codes] if len(self.codes) else np.zeros(0, dtype=bool)


class FilterIndex:
    """The filterable fields of a knowledge base's passages, folded once, for :meth:`allowed` per query.

    Built from the passages and documents already in memory (``KnowledgeBase`` builds one per sync, on
    the first filtered search); a filter then costs a few array operations, not a fold of every passage
    (at 100k passages: milliseconds instead of seconds). Columns are built on first use; the indices a
    prose passage names are read from its text only when a plan-index filter needs them, once.

    Args:
        passages: every passage of the knowledge base.
        documents: their documents (province and covered indices of prose passages come from there).
        vocab: an ``ingest.vocab.Vocabulary``; without it only folded spellings match.
    """

    def __init__(self, passages: Sequence[Passage], documents: Sequence[Document], vocab: Any = None) -> None:
        self.passages, self.documents, self.vocab = list(passages), list(documents), vocab
        self.ids = [p.passage_id for p in self.passages]
        self._by_doc = {d.doc_id: d for d in self.documents}
        self._columns: dict[str, _Column] = {}
        self._mentions: dict[int, set[str]] = {}  # row → folded indices its text names (prose rows only)
        self._lock = threading.Lock()

    def _column(self, name: str) -> _Column:
        with self._lock:
            if name not in self._columns:
                self._columns[name] = _Column(self._raw(name), str if name == "doc" else fold)
            return self._columns[name]

    def _raw(self, name: str) -> Iterator[str]:
        by_doc = self._by_doc
        for p in self.passages:
            if name == "province":
                yield p.province or getattr(by_doc.get(p.doc_id), "province", "") or ""
            elif name == "plan_index":
                yield p.plan_index
            elif name == "component":
                yield p.component
            elif name == "agency":
                yield " | ".join((*p.agencies, p.header))
            else:
                yield p.doc_id

    def _names_index(self, keys: set[str], keep: np.ndarray) -> np.ndarray:
        """Rows whose plan index is one of ``keys``. Prose carries no plan index of its own ("IV. Tổ chức
        thực hiện: báo cáo trước ngày …" serves every index of its plan): it passes when its plan covers the
        index or its text names it."""
        own = self._column("plan_index")
        ok = own.where(lambda v: v in keys)
        prose = keep & own.where(lambda v: not v)
        covered = {d.doc_id for d in self.documents if keys & _keys(*d.indices)}
        ok |= prose & self._column("doc").where(lambda v: v in covered)
        if self.vocab is not None:
            for row in np.flatnonzero(prose & ~ok).tolist():
                if row not in self._mentions:
                    p = self.passages[row]
                    self._mentions[row] = _keys(*self.vocab.find_indices(p.header + "\n" + p.text))
                ok[row] = bool(keys & self._mentions[row])
        return ok

    def allowed(self, f: Filters) -> set[str] | None:
        """The ids of the passages that pass every filter set in ``f`` (``None`` when none is set)."""
        if f.is_empty():
            return None
        keep = np.ones(len(self.ids), dtype=bool)
        vocab = self.vocab
        if f.province:
            keys = _province_keys(f.province, vocab)
            keep &= self._column("province").where(lambda v: v in keys)
        if f.plan_index:
            keep &= self._names_index(_index_keys(f.plan_index, vocab), keep)
        if f.component:
            needles = _component_needles(f.component, f.plan_index, vocab)
            keep &= self._column("component").where(lambda v: any(n in v for n in needles))
        if f.agency:
            needles = _agency_needles(f.agency, vocab)
            keep &= self._column("agency").where(lambda v: any(n in v for n in needles))
        if f.doc:
            ids = _doc_ids(f.doc, self.documents)
            keep &= self._column("doc").where(lambda v: v in ids)
        if f.docs is not None:
            docs = f.docs
            keep &= self._column("doc").where(lambda v: v in docs)
        return set(itertools.compress(self.ids, keep.tolist()))


def allowed_passages_of(
    passages: Sequence[Passage], documents: Sequence[Document], f: Filters, vocab: Any = None
) -> set[str] | None:
    """:func:`allowed_passages` over passages and documents already in memory (a one-off
    :class:`FilterIndex`; keep one when filtering the same passages repeatedly)."""
    return FilterIndex(passages, documents, vocab).allowed(f)


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
