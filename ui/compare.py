"""Side by side: what each document plans for one index component (for drafters).

A passage filed under the component (or one of its sub-components) is a direct finding. A document that
covers the index but files nothing under the component gets its best passage that names the component
("… Có 05 nhóm tiêu chí sau: Tiếp cận dịch vụ; …"), marked as related, so a drafter sees that it is
mentioned without a plan of its own. Every finding keeps its passage id and location: it is cited.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from index_store.protocols import Filters
from ingest.textnorm import fold

PER_DOCUMENT = 8  # findings shown per document; the column says how many more there are


@dataclass(frozen=True)
class Finding:
    """One cited passage in a column."""

    n: int
    passage_id: str
    kind: str  # "assignment", "score", "prose", …
    component: str
    text: str
    location: str
    agencies: tuple[str, ...]
    related: bool  # True: the passage names the component but is not filed under it


@dataclass(frozen=True)
class Column:
    """One document's findings, in document order; ``more`` counts those left out."""

    document: dict[str, Any]
    findings: tuple[Finding, ...]
    more: int = 0


def _under(component: str, path: str) -> bool:
    return component == path or component.startswith(path + " › ")


def _distinct(passages: Sequence[Any]) -> list[Any]:
    """The passages in order, dropping a repeat of a text already shown (the same row in two appendices)."""
    seen: set[str] = set()
    out = []
    for p in passages:
        if fold(p.text) not in seen:
            seen.add(fold(p.text))
            out.append(p)
    return out


def compare(kb: Any, documents: Sequence[dict[str, Any]], plan_index: str, path: str) -> list[Column]:
    """Findings for ``plan_index``'s component ``path`` in each document, documents with direct findings first.

    Args:
        kb: an open ``index_store.knowledge_base.KnowledgeBase``.
        documents: ``planqa docs --json`` objects (the catalog's).
        plan_index: "SIPAS", "PAPI", "PAR INDEX" or "PCI".
        path: a component path, e.g. "Cung ứng dịch vụ hành chính công › Tiếp cận dịch vụ".

    Returns:
        One column per document that has something on the component; numbering runs across columns.
    """
    kb.sync()
    direct: dict[str, list[Any]] = defaultdict(list)
    for p in kb.passages.values():
        if p.plan_index == plan_index and p.kind != "document" and p.component and _under(p.component, path):
            direct[p.doc_id].append(p)
    leaf = fold(path.split(" › ")[-1])
    related: dict[str, list[Any]] = {}
    for doc in documents:
        if doc["doc_id"] not in direct and plan_index in doc["indices"]:
            hits = kb.search(f"{path.split(' › ')[-1]} {plan_index}", k=5, filters=Filters(doc=doc["doc_id"]))
            named = [h.passage for h in hits if leaf in fold(h.passage.text)]
            if named:
                related[doc["doc_id"]] = named[:1]
    columns: list[Column] = []
    n = 0
    ordered = sorted(documents, key=lambda d: (d["doc_id"] not in direct, fold(d["province"] or ""), d["source"]))
    for doc in ordered:
        passages = direct.get(doc["doc_id"]) or related.get(doc["doc_id"])
        if not passages:
            continue
        unique = _distinct(passages)
        findings = []
        for p in unique[:PER_DOCUMENT]:
            n += 1
            is_related = doc["doc_id"] not in direct
            findings.append(
                Finding(n, p.passage_id, p.kind, p.component, p.text, p.location, tuple(p.agencies), is_related)
            )
        columns.append(Column(doc, tuple(findings), more=len(unique) - len(findings)))
    return columns
