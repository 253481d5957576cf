"""Question understanding: a typed question (+ the previous turn) → a :class:`QueryPlan`.

Pure and fast: no I/O after the vocabulary and ``assistant/vocab/intents.toml`` are loaded (once).
Only the first :data:`MAX_SCAN_CHARS` characters of a question are scanned for cues and slots, so a
pasted 10,000-character text costs the same as a long question; the plan keeps the whole question.

Rules, in short:

* **Slots** come from the vocabulary: provinces (directly, through a locality, or an initialism such as
  "LS" when only one province has it, or the conversation's province decides between several: "ĐN");
  plan index (one named index; several named → ``None``, all kept in ``plan_indices``); component (a quoted
  phrase first, else the longest whole alias in the question, a sub-dimension over its dimension); the
  index of an unambiguous component when no index is named; agencies; year (20xx, not inside a document
  number); the plan's number ("336/KH-UBND", or "336" from "KH 336" / "kế hoạch 336" / "plan 336").
* **Intent** from cue groups in precedence order (other places → "which agency" → a unit's tasks → roles
  such as "chủ trì" → solutions → fact kinds), so "ai ký" is a signer fact and "đơn vị nào … mục tiêu bao
  nhiêu" stays an agency look-up with ``fact_kind`` "target".
* **Follow-ups**: a question inherits the province, locality, plan index and document it leaves out; the
  year, component and agency only when it is elliptic ("Còn Sở Tư pháp?", "Hạn khi nào?") or has no
  subject of its own — a question that names an index, a component or a unit ("PAPI có mấy chỉ số nội
  dung?", "What is PAPI?") starts fresh but for the place.
  A new province drops the old locality and document. A component is looked for within the previous index
  first ("Còn chất lượng nước?" after a PAPI question), which then counts as inherited. An elliptic question
  ("Còn …?", "… thì sao?", "What about …?") without a cue of its own keeps the previous intent and fact
  kind. A question about other places never inherits the place.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from assistant._query_cues import CueReading, load_cues, words
from assistant._query_slots import Slots, detect
from ingest.deadlines import find_period  # deadlines (issue 16): the period slot
from ingest.textnorm import nfc
from ingest.vocab import Vocabulary

__all__ = ["MAX_SCAN_CHARS", "QueryPlan", "understand"]

MAX_SCAN_CHARS = 2000
_PLACE_FREE_FACTS = frozenset({"count"})
_YEAR_FACTS = frozenset({"score", "rank"})


@dataclass(frozen=True)
class QueryPlan:
    """What a question asks and about what; the ``filters`` of ``planqa ask --json`` come from here.

    Attributes:
        question: the question as typed (NFC).
        intent: "agency_lookup" | "unit_tasks" | "precedent" | "fact" | "due" | "other".
        province: the canonical province, else ``None`` (also when several are named).
        locality: a district-level unit of that province ("Tam Đường"), else ``None``.
        plan_index: "PAPI" | "PAR INDEX" | "SIPAS" | "PCI" when exactly one is meant, else ``None``.
        component: a taxonomy path ("Quản trị môi trường › Chất lượng nước") or the user's quoted phrase.
        component_text: the words the user used for the component.
        agency: the first agency named (canonical), else ``None``.
        year: the first year named (2023), else ``None``.
        doc_number: "336/KH-UBND", or "336" from "KH 336".
        fact_kind: score | target | rank | deadline | doc_number | date | signer | basis | count | None.
        language: "en" when the question is framed in English, else "vi".
        keywords: content words for retrieval (cue phrases and function words removed, abbreviations expanded).
        inherited: names of the slots taken from the previous turn.
        missing: slots the answer would differ by that the question leaves open.
        plan_indices, provinces, agencies, years, fact_kinds: every value named, in order.
        province_candidates: the provinces an ambiguous initialism ("ĐN") may stand for.
        period: the words naming a period or a day ("quý IV/2024", "trước 30/11/2024", "năm nay"), else ``None``;
            read by ``ingest.deadlines.read_period`` when the question asks what falls due.
        elliptic: the question leans on the previous turn (it is searched with the conversation).
        translations: for a question framed in English, the Vietnamese words plans use for its words
            (``[glossary]`` in intents.toml); searched with the question.
    """

    question: str
    intent: str = "other"
    province: str | None = None
    locality: str | None = None
    plan_index: str | None = None
    component: str | None = None
    component_text: str | None = None
    agency: str | None = None
    year: int | None = None
    doc_number: str | None = None
    fact_kind: str | None = None
    language: str = "vi"
    keywords: tuple[str, ...] = ()
    inherited: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    plan_indices: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    fact_kinds: tuple[str, ...] = ()
    province_candidates: tuple[str, ...] = ()
    elliptic: bool = False  # leans on the previous turn ("Còn Sở Tư pháp?", "Hạn khi nào?")
    translations: tuple[str, ...] = ()  # Vietnamese words for an English question's words ("proposed" → "đề nghị")
    period: str | None = None  # deadlines (issue 16): "quý IV/2024" in "việc nào đến hạn trong quý IV/2024?"


def understand(question: str, vocab: Vocabulary, previous: QueryPlan | None = None) -> QueryPlan:
    """Read one question, as the next turn after ``previous`` when given.

    Args:
        question: as typed: Vietnamese with or without diacritics, officials' abbreviations, or English
            mixed with Vietnamese terms. Only the first :data:`MAX_SCAN_CHARS` characters are scanned.
        vocab: the vocabulary (``ingest.vocab.load_vocabulary()``).
        previous: the plan of the previous turn of the conversation, if any.

    Returns:
        The :class:`QueryPlan`; an empty question gives intent "other" and no slots.

    Example:
        >>> plan = understand("Cơ quan nào phụ trách chất lượng nước ở Đồng Nai?", load_vocabulary())
        >>> plan.intent, plan.province, plan.plan_index, plan.component
        ('agency_lookup', 'Đồng Nai', 'PAPI', 'Quản trị môi trường › Chất lượng nước')
    """
    text = nfc(question or "")
    scan = text[:MAX_SCAN_CHARS]
    if not scan.strip():
        return QueryPlan(question=text)
    ws = words(scan)
    cues = load_cues()
    slots = detect(
        vocab,
        scan,
        cues.indices_in(ws),
        (previous.plan_index,) if previous and previous.plan_index else (),
        previous.province if previous else None,
    )
    reading = cues.read(ws, slots.spans)
    # "Còn …?", "… thì sao?" lean on the previous turn whatever they name; a short question only when it
    # names no index, component or unit of its own ("What is PAPI?" is a new subject)
    subject = bool(slots.indices and slots.index_named) or bool(slots.component or slots.quoted or slots.agencies)
    follow = previous is not None and (cues.explicitly_elliptic(ws) or (reading.elliptic and not subject))
    intent, fact_kind = _intent(reading, previous if follow else None)
    own = _own(slots)
    language = reading.language or (previous.language if previous else "vi")
    translations = cues.translations(ws) if language == "en" else ()
    plan = QueryPlan(
        question=text,
        intent=intent,
        fact_kind=fact_kind,
        fact_kinds=reading.fact_kinds,
        language=language,
        keywords=tuple(dict.fromkeys(_keywords(vocab, scan, reading) + translations)),
        translations=translations,
        period=find_period(scan),  # deadlines (issue 16)
        **own,
    )
    if previous is not None:
        plan = _inherit(
            plan, previous, follow, bool(slots.provinces), slots.index_named, cues.refers_back(ws, slots.spans)
        )
    return _with_missing(plan)


def _intent(reading: CueReading, previous: QueryPlan | None) -> tuple[str, str | None]:
    kind = reading.fact_kinds[0] if reading.fact_kinds else None
    if reading.intent:
        return reading.intent, kind
    if kind:
        return "fact", kind
    if previous is not None:  # an elliptic follow-up without a cue of its own
        return previous.intent, previous.fact_kind
    return "other", None


def _own(slots: Slots) -> dict[str, Any]:
    comp = slots.component
    index = slots.indices[0] if len(slots.indices) == 1 else None
    return {
        "province": slots.provinces[0] if len(slots.provinces) == 1 else None,
        "provinces": slots.provinces,
        "province_candidates": slots.province_candidates,
        "locality": slots.locality,
        "plan_index": index,
        "plan_indices": slots.indices,
        "component": comp.path if comp else slots.quoted,
        "component_text": slots.component_text,
        "agency": slots.agencies[0] if slots.agencies else None,
        "agencies": slots.agencies,
        "year": slots.years[0] if slots.years else None,
        "years": slots.years,
        "doc_number": slots.doc_number,
    }


def _inherit(
    plan: QueryPlan, prev: QueryPlan, follow: bool, names_place: bool, names_index: bool, refers_back: bool = False
) -> QueryPlan:
    """Fill the slots ``plan`` leaves open from ``prev`` (see the module docstring for the rules)."""
    take: dict[str, Any] = {}
    other_places = plan.intent == "precedent" and not follow
    moved = names_place and plan.province != prev.province
    if not names_place and not plan.province_candidates and not other_places:
        take.update(province=prev.province, locality=prev.locality, province_candidates=prev.province_candidates)
    if not plan.plan_indices or (not names_index and plan.plan_index == prev.plan_index):
        take["plan_index"] = prev.plan_index  # also when the component was read within the previous index
    if not plan.doc_number and not moved and not other_places:
        take["doc_number"] = prev.doc_number
    # a question with a subject of its own ("PAPI có mấy chỉ số nội dung?", "What is PAPI?") keeps the place
    # of the conversation but not its unit, component or year; an elliptic one ("Còn Sở Tư pháp?", "Hạn khi
    # nào?") keeps everything it does not replace
    subject = bool(plan.plan_indices or plan.component or plan.agencies)
    lean = follow or (not subject and len(plan.keywords) <= 3)
    take["elliptic"] = lean
    if not plan.years and (lean or (plan.intent == "fact" and not subject)):
        take["year"] = prev.year
    if not plan.component and (follow or (lean and not plan.agencies)):
        take.update(component=prev.component, component_text=prev.component_text)
    if not plan.agencies and (lean or refers_back):
        take["agency"] = prev.agency
    if not plan.period and lean:  # deadlines (issue 16): "Còn Sở Tư pháp?" after "… đến hạn trong quý IV?"
        take["period"] = prev.period
    elliptic = take.pop("elliptic")
    values = {k: v for k, v in take.items() if v}
    if not values:
        return replace(plan, elliptic=elliptic)
    names = tuple(
        k for k in ("province", "locality", "plan_index", "component", "agency", "year", "doc_number") if k in values
    )
    return _replace(plan, inherited=names, elliptic=elliptic, **values)


def _with_missing(plan: QueryPlan) -> QueryPlan:
    missing = []
    if (
        plan.province is None
        and plan.intent in ("agency_lookup", "unit_tasks", "fact")
        and plan.fact_kind not in _PLACE_FREE_FACTS
    ):
        missing.append("province")
    if (
        plan.plan_index is None
        and not plan.component
        and (plan.intent == "agency_lookup" or plan.fact_kind in _YEAR_FACTS | {"target"})
    ):
        missing.append("plan_index")
    if plan.agency is None and plan.intent == "unit_tasks":
        missing.append("agency")
    if plan.year is None and plan.intent == "fact" and plan.fact_kind in _YEAR_FACTS:
        missing.append("year")
    return _replace(plan, missing=tuple(missing)) if missing else plan


def _replace(plan: QueryPlan, **changes: Any) -> QueryPlan:
    return replace(plan, **changes)


def _keywords(vocab: Vocabulary, text: str, reading: CueReading) -> tuple[str, ...]:
    """Content words, lower-case, abbreviations expanded, cue phrases and function words left out."""
    cues = load_cues()
    ws = words(text)
    out: list[str] = []
    for i, w in enumerate(ws):
        if i in reading.covered or cues.is_stopword(ws, i):
            continue
        surface = text[w.start : w.end]
        full = vocab.expand_abbreviations(surface)
        out += [surface.lower()] if full == surface else [x.low for x in words(full)]
    return tuple(dict.fromkeys(out))
