"""What the knowledge base holds, as choices for the app's pickers, and typed text resolved against them.

Every list is read from the stored documents, records and passages (never from a fixed list), so the
pickers offer only what an answer can come from. Typed text is resolved the way questions are: "so tnmt"
→ "Sở Tài nguyên và Môi trường", "dong nai" → "Đồng Nai", "tiep can dich vu" → the SIPAS component.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ingest.textnorm import fold


@dataclass(frozen=True)
class Catalog:
    """Choices for the pickers, each sorted for a reader.

    Attributes:
        provinces: provinces with at least one document.
        indices: plan indices covered by a document or a record, in the vocabulary's order.
        agencies: every lead or coordinating agency of an assignment record.
        components: ``(index, component path)`` pairs that passages are filed under, in taxonomy order.
        documents: ``planqa docs --json`` objects.
    """

    provinces: tuple[str, ...]
    indices: tuple[str, ...]
    agencies: tuple[str, ...]
    components: tuple[tuple[str, str], ...]
    documents: tuple[dict[str, Any], ...]


def build_catalog(store: Any, passages: Sequence[Any], vocab: Any) -> Catalog:
    """Read the choices from an open ``index_store.Store`` and its passages."""
    documents = tuple(store.document_rows())
    records = store.assignments()
    provinces = sorted({d["province"] for d in documents if d["province"]}, key=fold)
    held = {i for d in documents for i in d["indices"]} | {r["plan_index"] for r in records if r["plan_index"]}
    order = list(vocab.canonical_index_names())
    indices = [i for i in order if i in held] + sorted(held - set(order))
    agencies = Counter(a for r in records for a in (*r["lead"], *r["coop"]) if a)
    present = {(p.plan_index, p.component) for p in passages if p.plan_index and p.component}
    present |= {(r["plan_index"], r["component"]) for r in records if r["plan_index"] and r["component"]}
    known = [(i, c.path) for i in order for c in vocab.components(i)]
    components = [pair for pair in known if pair in present] + sorted(present - set(known))
    return Catalog(
        provinces=tuple(provinces),
        indices=tuple(indices),
        agencies=tuple(sorted(agencies, key=fold)),
        components=tuple(components),
        documents=documents,
    )


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
    """``(index, component path)`` for a picker value ("SIPAS|…") or typed text ("tiep can dich vu (SIPAS)")."""
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
    matches = [pair for pair in catalog.components if key in fold(pair[1])]
    return matches[0] if matches else None
