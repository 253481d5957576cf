"""Soft scope: which documents a question may be answered from.

What a question names (a province, a plan's number) excludes a document only when the document is
*known* to be about something else: a plan whose province was read as Lạng Sơn is out for a question
about Đồng Nai, but a page whose province was not recognised stays in (it ranks by its text). The plan
index, component, agency and year never exclude: they reorder (``facets``) and decide what evidence is
needed. Filters a user sets (UI, ``--province``) still exclude, in the retrievers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant._view import KbView, label
from index_store.facets import Facets
from ingest.textnorm import fold


@dataclass(frozen=True)
class Scope:
    """The documents a question may be answered from.

    Attributes:
        docs: the allowed doc_ids (``None``: every document).
        known: documents known to be about what the question names (its province, its plan), or that
            say so in their text; evidence from the others is weaker.
        missing: why nothing can answer, when nothing is in scope ("không có kế hoạch nào của Bình Dương").
    """

    docs: frozenset[str] | None
    known: frozenset[str]
    missing: str = ""
    placeless: frozenset[str] = frozenset()  # documents whose metadata and text name no province at all


def scope_for(plan: Any, view: KbView, vocab: Any) -> Scope:
    """The scope of a question (:class:`assistant.query.QueryPlan`) over the knowledge base ``view``.

    A document of another province (as its header or text tells) is out; one that names no province at
    all stays in and may answer (a portal page that only says "của tỉnh"); the question's province is
    "missing" only when no document is of it, names it, or names no province.
    """
    ids = set(view.documents)
    restricted = False
    number = getattr(plan, "doc_number", None)
    if number:
        named = {i for i in ids if _same_number(number, view.documents[i].doc_number)}
        if named:
            ids, restricted = named, True
    known = set(ids)
    province = getattr(plan, "province", None)
    if province:
        key = fold(province)
        same = {i for i in ids if fold(view.documents[i].province) == key}
        unknown = {i for i in ids if not view.documents[i].province}
        if same | unknown != ids:
            ids, restricted = same | unknown, True
        known = same | {i for i in unknown if view.doc_mentions(i, province)}
        placeless = frozenset(i for i in unknown - known if placeless_doc(view, i, vocab))
        if not known and not placeless:
            return Scope(
                frozenset(ids), frozenset(), label(getattr(plan, "language", "vi"), "no_plan_of", province=province)
            )
        return Scope(frozenset(ids) if restricted else None, frozenset(known), "", placeless)
    return Scope(frozenset(ids) if restricted else None, frozenset(known))


def placeless_doc(view: KbView, doc_id: str, vocab: Any) -> bool:
    """Whether a document's metadata and text name no province at all (cached per view)."""
    key = ("placeless", doc_id)
    if key not in view.memo:
        doc = view.documents[doc_id]
        text = " ".join(p.text for p in view.doc_passages(doc_id))
        view.memo[key] = not doc.province and not vocab.find_provinces(text)
    return bool(view.memo[key])


def _same_number(asked: str, doc_number: str) -> bool:
    asked, have = fold(asked), fold(doc_number)
    if not have:
        return False
    return have == asked or ("/" not in asked and have.startswith(asked + "/"))


def facets_of(plan: Any, vocab: Any) -> Facets:
    """What the question names, as the facets retrieval prefers (never excludes)."""
    index = getattr(plan, "plan_index", None)
    indices = tuple(getattr(plan, "plan_indices", ()) or ((index,) if index else ()))
    province = getattr(plan, "province", None)
    component = getattr(plan, "component", None)
    found = vocab.match_component(component, index) if component else None
    return Facets(
        indices=indices,
        provinces=(province,) if province else (),
        # "ai chủ trì tập huấn cho công chức Bộ phận một cửa?": the agency a who-question names is its topic
        agencies=() if getattr(plan, "intent", "") == "agency_lookup" else tuple(getattr(plan, "agencies", ()) or ()),
        components=((found.index, found.path),) if found is not None else (),
    )
