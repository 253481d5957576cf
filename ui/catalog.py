"""What the knowledge base holds, as choices for the app's pickers, and typed text resolved against them.

Every list is read from the stored documents, records and passages (never from a fixed list), so the
pickers offer only what an answer can come from. Typed text is resolved the way questions are: "so tnmt"
→ "Sở Tài nguyên và Môi trường", "dong nai" → "Đồng Nai", "tiep can dich vu" → the SIPAS component.

The components offered are the nodes of the index taxonomies (``ingest/vocab/indices.toml``) that some
record or passage is filed under (:func:`ui.taxonomy.node_of`), so the spellings plans use ("Công khai minh
bạch …" / "Công khai, minh bạch …") are one entry, and a table's "TỔNG" row is none.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ingest.textnorm import fold
from ui.taxonomy import SEP, canonical_index, component_label, is_total, node_of


@dataclass(frozen=True)
class Catalog:
    """Choices for the pickers, each sorted for a reader.

    Attributes:
        provinces: provinces with at least one document.
        indices: plan indices covered by a document or a record, in the vocabulary's order.
        agencies: every lead or coordinating agency of an assignment record.
        components: ``(index, node path)`` of the taxonomy nodes that records or passages are filed under,
            in taxonomy order.
        documents: ``planqa docs --json`` objects.
        component_labels: the picker label of each of ``components``, with the number of documents filed
            under the node or below it: "PAPI · 2. Công khai, minh bạch › Tiếp cận thông tin (3 văn bản)".
        other_components: ``(index, component)`` as written, for rows that name no taxonomy node (PAR
            INDEX's criteria, "Dịch vụ hành chính cấp xã/phường"): typed text still finds them.
    """

    provinces: tuple[str, ...]
    indices: tuple[str, ...]
    agencies: tuple[str, ...]
    components: tuple[tuple[str, str], ...]
    documents: tuple[dict[str, Any], ...]
    component_labels: tuple[str, ...] = ()
    other_components: tuple[tuple[str, str], ...] = ()


def build_catalog(store: Any, passages: Sequence[Any], vocab: Any) -> Catalog:
    """Read the choices from an open ``index_store.Store`` and its passages."""
    documents = tuple(store.document_rows())
    records = store.assignments()
    provinces = sorted({d["province"] for d in documents if d["province"]}, key=fold)
    held = {i for d in documents for i in d["indices"]} | {r["plan_index"] for r in records if r["plan_index"]}
    order = list(vocab.canonical_index_names())
    indices = [i for i in order if i in held] + sorted(held - set(order))
    agencies = Counter(a for r in records for a in (*r["lead"], *r["coop"]) if a)
    filed = [(p.plan_index, p.component, p.doc_id) for p in passages if p.kind != "document"]
    filed += [(r["plan_index"], r["component"], r["doc_id"]) for r in records]
    docs, others = _file_components(vocab, filed)
    components = [(i, c.path) for i in order for c in vocab.components(i) if docs.get((i, c.path))]
    return Catalog(
        provinces=tuple(provinces),
        indices=tuple(indices),
        agencies=tuple(sorted(agencies, key=fold)),
        components=tuple(components),
        documents=documents,
        component_labels=tuple(f"{component_label(vocab, i, p)} ({len(docs[(i, p)])} văn bản)" for i, p in components),
        other_components=tuple(sorted(others, key=lambda pair: (pair[0], fold(pair[1])))),
    )


def _file_components(
    vocab: Any, filed: Sequence[tuple[str, str, str]]
) -> tuple[dict[tuple[str, str], set[str]], set[tuple[str, str]]]:
    """The documents filed under each taxonomy node (a sub's count toward its dimension too), and the
    ``(index, component)`` pairs that name no node (totals and bare index names left out)."""
    docs: dict[tuple[str, str], set[str]] = defaultdict(set)
    others: set[tuple[str, str]] = set()
    for plan_index, component, doc_id in filed:
        index = canonical_index(vocab, plan_index)
        if not index or not component:
            continue
        node = node_of(vocab, index, component)
        if node is None:
            if not is_total(vocab, component) and vocab.match_index(component) != index:
                others.add((index, component))
            continue
        docs[(index, node.path)].add(doc_id)
        if node.sub is not None:
            docs[(index, node.dimension)].add(doc_id)
    return docs, others


def component_choices(catalog: Catalog) -> list[tuple[str, str]]:
    """(label, "INDEX|path") for the comparison picker, e.g.
    ("SIPAS · 2. Cung ứng dịch vụ hành chính công › Tiếp cận dịch vụ (3 văn bản)",
    "SIPAS|Cung ứng dịch vụ hành chính công › Tiếp cận dịch vụ")."""
    labels = catalog.component_labels or tuple(f"{i} · {p}" for i, p in catalog.components)
    return [(label, f"{i}|{p}") for label, (i, p) in zip(labels, catalog.components, strict=True)]


def resolve_agency(text: str | None, catalog: Catalog, vocab: Any) -> str:
    """The agency of ``catalog`` that typed ``text`` names ("so tnmt", "tài nguyên"), else the text as typed."""
    text = (text or "").strip()
    if not text or text in catalog.agencies:
        return text
    canonical = vocab.canonical_agency(text)
    if canonical in catalog.agencies:
        return str(canonical)
    key = fold(text)
    matches = [a for a in catalog.agencies if key in fold(a)]
    return matches[0] if len(matches) == 1 else (canonical or text)


def resolve_province(text: str | None, catalog: Catalog, vocab: Any) -> str:
    """The province typed ``text`` names ("dong nai", "tỉnh Đồng Nai"), else the text as typed."""
    text = (text or "").strip()
    if not text or text in catalog.provinces:
        return text
    found = vocab.find_provinces(text)
    return str(found[0]) if found else text


def resolve_index(text: str | None, vocab: Any) -> str:
    """The plan index typed ``text`` names ("par" → "PAR INDEX"), else the text as typed."""
    text = (text or "").strip()
    return (vocab.match_index(text) or text) if text else ""


def resolve_component(text: str | None, catalog: Catalog, vocab: Any) -> tuple[str, str] | None:
    """``(index, component path)`` for a picker value ("SIPAS|…") or typed text ("tiep can dich vu (SIPAS)").

    A picker value is taken as given (old values that name a component as written keep working); typed
    text is matched against the taxonomy first, then as a folded substring of the offered nodes, their
    labels ("2. Công khai" finds the dimension) and the components that name no node.
    """
    text = (text or "").strip()
    if not text:
        return None
    if "|" in text:
        index, _, path = text.partition("|")
        return index, path
    component = vocab.match_component(text, vocab.match_index(text))
    if component is not None:
        return component.index, component.path
    key = fold(text)
    labels = catalog.component_labels or tuple("" for _ in catalog.components)
    for pair, label in zip(catalog.components, labels, strict=True):
        if key in fold(pair[1]) or key in fold(label.partition(" · ")[2].replace(SEP, " ")):
            return pair
    matches = [pair for pair in catalog.other_components if key in fold(pair[1])]
    return matches[0] if matches else None
