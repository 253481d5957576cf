"""Assignments stated in prose.

- "Giao Sở Nội vụ chủ trì, phối hợp với … tổ chức …" and "Cơ quan tham mưu thực hiện: …; Cơ quan phối
  hợp: …": lead and coordinating agencies of the sentence.
- A "TỔ CHỨC THỰC HIỆN" section numbered by agency ("1. Sở Nội vụ" + its bullets, or "2. Trưởng các
  phòng, ban có trách nhiệm …"): the agency leads everything in its item.
- A solution group under an index heading ("(4) Nội dung về Cải cách thủ tục hành chính … Giải pháp
  khắc phục: …"): a record for that component, led by the units it names or by the plan's issuer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ingest.model import Assignment, Document, stable_id
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


def _leading_agency(vocab: Any, text: str, cues: Cues) -> str | None:
    """The agency a sentence or item opens with, after "Giao"/"Đề nghị", within its first words."""
    body = re.sub(r"^[\s\-+•*]+", "", text)
    f = fold(body)
    for verb in cues.prose["assign_verbs"]:
        if f.startswith(verb + " "):
            body = body[len(verb) + 1 :]
            break
    for mention in vocab.find_agencies(body[:160]):
        # "Công chức, viên chức Bộ phận một cửa của Sở …": the unit may follow a few words naming its staff
        if (
            mention.start <= 3
            or mention.start <= 40
            and not any(v in fold(body[: mention.start]) for v in cues.task_verbs)
        ):
            return str(mention.canonical)
        break
    return None


def _coop(vocab: Any, text: str, lead: str) -> tuple[str, ...]:
    f = fold(text)
    pos = f.find("phoi hop")
    if pos < 0:
        return ()
    tail = text[pos : pos + 400]
    names = [m.canonical for m in vocab.find_agencies(tail)]
    return tuple(dict.fromkeys(n for n in names if n != lead))


def prose_assignments(units: Sequence[ProseUnit], doc: Document, vocab: Any, cues: Cues) -> list[Assignment]:
    """Assignments found in the prose units of one document."""
    out: list[Assignment] = []
    for unit in units:
        titles = " ".join(fold(h.title) for h in unit.path)
        in_impl = any(k in titles for k in cues.prose["implementation_sections"])
        item_lead = None
        if in_impl and unit.path and unit.path[-1].kind in ("arabic", "letter"):
            item_lead = _leading_agency(vocab, unit.path[-1].title, cues)
        if item_lead:
            out.append(_make(doc, unit, "", unit.text, (item_lead,), _coop(vocab, unit.text, item_lead), "prose"))
            continue
        comp = _solution_component(vocab, unit, cues)
        if comp is not None:
            lead = tuple(dict.fromkeys(a for a in _bullet_leads(vocab, unit.text, cues))) or (
                (doc.issuer,) if doc.issuer and doc.level in ("sở", "huyện", "thị xã") else ()
            )
            out.append(_make(doc, unit, comp, unit.text, lead, (), "prose"))
            continue
        for sentence in re.split(r"(?<=[.;])\s+(?=[A-ZĐÀ-Ỹ\-+])|\n", unit.text):
            f = fold(sentence)
            if not (f.lstrip("-+ ").startswith(cues.prose["assign_verbs"]) or "co quan tham muu" in f):
                continue
            lead_name = _leading_agency(vocab, sentence, cues)
            if lead_name:
                out.append(_make(doc, unit, "", sentence, (lead_name,), _coop(vocab, sentence, lead_name), "prose"))
    return out


def _bullet_leads(vocab: Any, text: str, cues: Cues) -> list[str]:
    leads = []
    for line in text.split("\n"):
        if line.lstrip().startswith(("+", "-")):
            name = _leading_agency(vocab, line, cues)
            if name:
                leads.append(name)
    return leads


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
