"""Assignments stated in prose, read by the shared role finder (:mod:`ingest.roles`).

- A sentence that makes an agency lead ("Giao Sở Nội vụ chủ trì, phối hợp với …", "- Phòng X theo dõi,
  phối hợp với Y …", "+ Phòng X: Tham mưu …", "Giám đốc Sở X có trách nhiệm …", "UBND tỉnh giao Sở X …",
  "Sở Nội vụ về nội dung A; Sở Tư pháp về nội dung B"): a record with its lead and coordinating agencies.
- Role label lines ("Cơ quan tham mưu thực hiện: …", "Cơ quan phối hợp: …", "Đơn vị chủ trì/thực hiện:
  …") and an item headed by an agency's name ("1. Sở Nội vụ" + its bullets, as in "TỔ CHỨC THỰC HIỆN"):
  one record for the whole item.
- A solution group under an index heading ("(4) Nội dung về Cải cách thủ tục hành chính … Giải pháp
  khắc phục: …") that names no unit, in a department's own plan: a record for that component, carried
  by the department. The issuer of a province's or district's plan is never made lead by default.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ingest.model import Assignment, Document, stable_id
from ingest.roles import find_roles, is_role_label, leads_and_coops
from ingest.sentences import sentence_spans
from ingest.structure._cues import Cues
from ingest.structure._sections import Heading
from ingest.textnorm import fold

_DEADLINE = re.compile(
    r"(?:trước|đến|chậm nhất|hoàn thành trong)\s+(?:ngày\s+)?\d{1,2}/\d{1,2}/\d{4}(?:\s*\([^)]*\))?", re.I
)


@dataclass(frozen=True)
class ProseUnit:
    """Paragraphs under one heading: the text of one numbered item or one solution group."""

    path: tuple[Heading, ...]
    text: str
    span: tuple[int, int]
    location: str
    plan_index: str


def deadlines(text: str) -> str:
    """Deadlines written in prose: "trước ngày 05/9/2024 (báo cáo quý III năm 2024)"."""
    return "; ".join(dict.fromkeys(m.group(0).strip() for m in _DEADLINE.finditer(text)))


def _heading_agency(vocab: Any, title: str) -> str | None:
    """The agency a numbered item is about when its heading is the agency's name ("2. Văn phòng HĐND và
    UBND huyện", "1. Sở Nội vụ:"); a heading that only mentions one ("1. Tăng cường … của Sở Nội vụ") is not."""
    body = re.sub(r"^[\s\-+•*]+", "", title).rstrip(" :.")
    mentions = vocab.find_agencies(body[:200])
    if len(mentions) == 1 and mentions[0].start <= 3 and mentions[0].end >= 0.7 * len(body):
        return str(mentions[0].canonical)
    return None


def _sentences(text: str) -> list[str]:
    """Lines and sentences of a unit (:func:`ingest.sentences.sentence_spans`); a label line ("Cơ quan phối
    hợp: A; B; C") stays whole."""
    return [text[s:e] for s, e in sentence_spans(text)]


def _clause_records(sentence: str, vocab: Any) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """A one-paragraph list ("Phòng Nội vụ về nội dung A; Phòng Tư pháp về nội dung B; …") as one record
    per clause when each clause has a lead of its own; otherwise the sentence as one record."""
    whole = leads_and_coops(find_roles(sentence, vocab))
    clauses = [c.strip() for c in sentence.split(";") if c.strip()]
    if len(clauses) > 1 and len(whole[0]) > 1:
        parts: list[tuple[list[str], tuple[str, ...], dict[str, None]]] = []  # clauses, leads, coops
        for clause in clauses:
            leads, coops = leads_and_coops(find_roles(clause, vocab))
            if leads or not parts:
                parts.append(([clause], leads, dict.fromkeys(coops)))
            else:  # "Sở Nội vụ về nội dung A; nội dung B; Sở Tư pháp về …": B is still Sở Nội vụ's
                parts[-1][0].append(clause)
                parts[-1][2].update(dict.fromkeys(coops))
        if sum(1 for _, leads, _ in parts if leads) >= 2:
            return [("; ".join(c), leads, tuple(coops)) for c, leads, coops in parts if leads]
    return [(sentence, *whole)] if whole[0] else []


def prose_assignments(units: Sequence[ProseUnit], doc: Document, vocab: Any, cues: Cues) -> list[Assignment]:
    """Assignments found in the prose units of one document.

    Each sentence is read by the role finder (:func:`ingest.roles.find_roles`); a sentence with a lead
    agency is a record. Label lines ("Cơ quan tham mưu thực hiện: …", "Cơ quan phối hợp: …") and an item
    headed by an agency's name ("1. Phòng Nội vụ" + its bullets) assign the whole item.
    """
    out: list[Assignment] = []
    for unit in units:
        item_lead = _heading_agency(vocab, unit.path[-1].title) if unit.path else None
        labelled: tuple[list[str], list[str]] = ([], [])
        lines = _sentences(unit.text)
        sentence_records = []
        for sentence in lines:
            roles = find_roles(sentence, vocab)
            if roles and is_role_label(sentence, vocab):
                leads, coops = leads_and_coops(roles)
                labelled[0].extend(leads)
                labelled[1].extend(coops)
            elif any(r.role == "lead" for r in roles):
                sentence_records += _clause_records(sentence, vocab)
        lead = tuple(dict.fromkeys(([item_lead] if item_lead else []) + labelled[0]))
        if lead:
            named = labelled[1] or [c for line in lines for c in leads_and_coops(find_roles(line, vocab))[1]]
            coop = tuple(dict.fromkeys(a for a in named if a not in lead))
            item_comp = _solution_component(vocab, unit, cues) or ""
            out.append(_make(doc, unit, item_comp, unit.text, lead, coop, "prose"))
            # a sentence in the item that gives the work to another unit ("- Phòng Tư pháp tham mưu …")
            for sentence, leads, coops in sentence_records:
                if not set(leads) <= set(lead):
                    out.append(_make(doc, unit, item_comp, sentence, leads, coops, "prose"))
            continue
        comp = _solution_component(vocab, unit, cues)
        if comp is not None:
            # a solution group ("(4) Nội dung về Cải cách TTHC … Giải pháp khắc phục: + Các phòng, đơn vị …"):
            # one record for the component, carried by the units its sentences name — or, in a department's
            # own plan that names none, by the department
            leads = tuple(dict.fromkeys(a for _, ls, _ in sentence_records for a in ls))
            coops = tuple(dict.fromkeys(a for _, _, cs in sentence_records for a in cs if a not in leads))
            own = (doc.issuer,) if doc.issuer and doc.level == "sở" else ()
            out.append(_make(doc, unit, comp, unit.text, leads or own, coops, "prose"))
            continue
        if len(sentence_records) > 1 and len({leads for _, leads, _ in sentence_records}) == 1:
            # one unit, one lead ("4. Giao Thanh tra tỉnh chủ trì … Hoàn thành trước 31/5/2024."): the item
            coops = tuple(dict.fromkeys(c for _, _, cs in sentence_records for c in cs))
            out.append(_make(doc, unit, "", unit.text, sentence_records[0][1], coops, "prose"))
            continue
        if len(sentence_records) == 1 and len(lines) <= 4:
            sentence_records = [(unit.text, *sentence_records[0][1:])]
        for sentence, leads, coops in sentence_records:
            out.append(_make(doc, unit, "", sentence, leads, coops, "prose"))
    return out


def _solution_component(vocab: Any, unit: ProseUnit, cues: Cues) -> str | None:
    if not unit.plan_index or not unit.path:
        return None
    head = unit.path[-1]
    if head.kind not in ("arabic", "paren", "small", "letter") or len(head.title.split()) > 18:
        return None
    title = head.title.strip(' “”"*')
    prefixes = cues.prose["component_prefixes"]
    changed = True
    while changed:  # "Triển khai chỉ số hài lòng về “Kết quả giải quyết TTHC”" → "Kết quả giải quyết TTHC"
        changed = False
        for prefix in prefixes:
            if fold(title).startswith(prefix + " "):
                title = title[len(prefix) + 1 :].strip(' “”"*')
                changed = True
    if "chi so" in fold(title) and vocab.match_index(title):
        return None  # "Đối với Chỉ số PAPI": the heading names the index itself, not one of its components
    comp = vocab.match_component(title, unit.plan_index)
    return str(comp.path) if comp is not None else None


def _make(
    doc: Document, unit: ProseUnit, component: str, text: str, lead: tuple[str, ...], coop: tuple[str, ...], kind: str
) -> Assignment:
    rid = stable_id(doc.doc_id, unit.location, text[:200], lead)
    return Assignment(
        rid,
        doc.doc_id,
        unit.plan_index,
        component,
        "",
        text.strip(),
        lead,
        coop,
        deadlines(text),
        unit.location,
        unit.span,
        kind,
    )
