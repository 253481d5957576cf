"""Evidence: the sentences of retrieved passages that answer what a question asks.

Every answer rests on these. A passage is cut into sentences (a table row stays whole: its cells belong
together); each sentence is scored by the question's words it holds (weighted by how rare they are among
the candidates, with a bonus for words that stand together as in the question), by how well its passage
ranked, and by whether it holds what the question asks for: an agency with a role for "ai / cơ quan nào",
a date for "khi nào", a figure for "bao nhiêu", a document reference for "văn bản nào", a signature for
"ai ký", a frequency for "định kỳ / bao lâu". The roles come from the same finder ingestion uses
(:func:`ingest.roles.find_roles`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ingest.roles import LEAD, Role, find_roles, is_qualifier
from ingest.sentences import sentence_spans
from ingest.textnorm import fold

ROW_KINDS = frozenset({"assignment", "score"})  # a table row is one piece of evidence
_LIST_TAIL = 500
_ROLE_CANDIDATES = 24  # sentences whose agencies and roles are read, best lexical matches first  # a sentence that ends with ":" takes the list after it, up to this many characters
_MAX_SENTENCE = 1000
_ITEM_RE = re.compile(r"^\s*(?:[0-9]{1,2}(?:\.[0-9]{1,2})*|[IVX]{1,4}|[a-zđ])[.)]\s+")
_LABEL_ONLY_RE = re.compile(r"^\s*(?:[0-9]{1,2}(?:\.[0-9]{1,2})*|[IVX]{1,4}|[a-zđ])[.)]$")
_WORD_RE = re.compile(r"\w+")

FIGURE_RE = re.compile(
    r"\d+(?:[.,]\d+)?\s*(?:%|điểm|diem|/\s*\d+(?:[.,]\d+)?)|\b\d+[.,]\d+\b|(?:thứ|hạng|nhóm)\s+\d+|\b\d+\s+(?:bậc|cuộc|lần)",
    re.IGNORECASE,
)
DATE_RE = re.compile(
    r"\b\d{1,2}/\d{1,2}/(?:19|20)\d\d\b|ngày\s+\d{1,2}\s+tháng\s+\d{1,2}|\bquý\s+(?:[IV]+|[1-4])\b"
    r"|\btháng\s+\d{1,2}(?:/(?:19|20)\d\d)?|\b(?:trước|chậm nhất|hoàn thành trong|đến)\s+(?:ngày|tháng|năm|quý)",
    re.IGNORECASE,
)
DOCREF_RE = re.compile(
    r"\b\d{1,5}[-/](?:(?:19|20)\d\d/)?[A-ZĐ][A-ZĐa-z0-9]*(?:[-/][A-ZĐa-z0-9]+)*"
    r"|\b(?:Nghị quyết|Quyết định|Chỉ thị|Kế hoạch|Thông báo|Công văn|Văn bản|Luật|Nghị định|Thông tư|Chương trình)"
    r"\s+(?:số\s+)?[\w/.-]*\d[\w/.-]*"
)
FREQUENCY_RE = re.compile(
    r"định kỳ|\bhằng (?:năm|quý|tháng|tuần|ngày)|\bhàng (?:năm|quý|tháng|tuần|ngày)|\b(?:6|sáu|03|3|ba) tháng"
    r"|\bmỗi (?:năm|quý|tháng|tuần)|thường xuyên|\b\d+ lần",
    re.IGNORECASE,
)
_NOT_FIGURE_RE = re.compile(
    r"\b\d{1,2}/\d{1,2}/(?:19|20)\d\d\b|\b\d{1,5}[-/](?:(?:19|20)\d\d/)?[A-ZĐ][A-ZĐa-z]*|\b(?:ngày|quý)\s+\d{1,2}(?:/\d{1,2})?",
    re.IGNORECASE,
)


class _Figures:
    """A figure in a text once its dates and document numbers are taken out ("25/5/2024" and
    "277/TB-UBND" are no figures; "2.99/10.00", "85 điểm", "99,85%", "thứ 4" are)."""

    def search(self, text: str) -> re.Match[str] | None:
        return FIGURE_RE.search(_NOT_FIGURE_RE.sub(" ", text))

    def finditer(self, text: str) -> list[re.Match[str]]:
        blanked = _NOT_FIGURE_RE.sub(lambda m: " " * len(m.group(0)), text)
        return list(FIGURE_RE.finditer(blanked))


FIGURES = _Figures()
SIGNATURE_RE = re.compile(r"\b(?:KT|TM|TL|TUQ)\.|Người ký|\bký\b|CHỦ TỊCH|GIÁM ĐỐC|TRƯỞNG BAN", re.IGNORECASE)

# what a question asks for (from its intent and fact kind) → the pattern a sentence that answers holds
ASKS: dict[str, Any] = {
    "figure": FIGURES,
    "when": DATE_RE,
    "document": DOCREF_RE,
    "frequency": FREQUENCY_RE,
    "signer": SIGNATURE_RE,
}


def ask_of(intent: str, fact_kind: str | None) -> str:
    """What a question asks for: "who", "tasks", "solutions", "figure", "when", "document", "signer",
    "frequency" or "other"."""
    if intent == "agency_lookup":
        return "who"
    if intent == "unit_tasks":
        return "tasks"
    if intent == "precedent":
        return "solutions"
    return {
        "score": "figure", "target": "figure", "rank": "figure", "count": "figure", "deadline": "when",
        "date": "when", "basis": "document", "doc_number": "document", "signer": "signer",
        "frequency": "frequency",
    }.get(fact_kind or "", "other")  # fmt: skip


@dataclass(frozen=True)
class Sentence:
    """One sentence (or table row) of a retrieved passage, scored for a question."""

    hit: Any  # index_store.protocols.Hit
    rank: int  # 1-based rank of its passage among the hits
    text: str
    start: int  # offsets into hit.passage.text
    end: int
    score: float
    coverage: float  # share of the question's term weight the sentence (with its passage header) holds
    roles: tuple[Role, ...] = ()
    lead_in: str = (
        ""  # the line that governs it ("14. Báo Đồng Nai", "Đề nghị Ủy ban MTTQ tỉnh:"), when its roles come from there
    )

    @property
    def passage(self) -> Any:
        return self.hit.passage

    def has_role(self, *roles: str) -> bool:
        """True when an agency in it has one of ``roles`` ("lead", "coop")."""
        return any(r.role in roles for r in self.roles)


def split_sentences(passage: Any) -> list[tuple[int, int, str]]:
    """``(start, end, text)`` of each sentence of a passage; a table row is one sentence."""
    text = passage.text
    if passage.kind in ROW_KINDS or len(text) <= 160:
        return [(0, len(text), text)]
    out = sentence_spans(text)
    pieces: list[tuple[int, int]] = []
    for s, e in out:
        prev = text[pieces[-1][0] : pieces[-1][1]] if pieces else ""
        if pieces and is_qualifier(text[s:e]) and e - pieces[-1][0] <= _MAX_SENTENCE:
            s = pieces.pop()[0]  # "Thời gian: Quý II/2024" under its item: one piece of evidence
        elif pieces and (_LABEL_ONLY_RE.match(prev) or _is_heading(prev)):
            # "14." before "Đài Phát thanh …" is the item's number; "1.7. Xây dựng … Chính quyền số" heads what follows
            s = pieces.pop()[0]
        while e - s > _MAX_SENTENCE:  # a run-on list: cut at "; " or ", " near the limit
            cut = max(text.rfind("; ", s, s + _MAX_SENTENCE), text.rfind(", ", s, s + _MAX_SENTENCE))
            cut = cut + 1 if cut > s + 100 else s + _MAX_SENTENCE
            pieces.append((s, cut))
            s = cut
        pieces.append((s, e))
    # "Có 05 nhóm tiêu chí sau:" / "Giải pháp khắc phục:" introduce the list that answers: keep them together
    joined: list[tuple[int, int]] = []
    open_list = False  # the last piece introduced a list ("…sau:") that its items ("A;", "B;", "C.") continue
    for s, e in pieces:
        last = text[joined[-1][0] : joined[-1][1]].rstrip() if joined else ""
        listed = last.endswith(":") or (open_list and last.endswith((";", ",")))
        if joined and listed and e - joined[-1][0] <= _LIST_TAIL + 200:
            joined[-1] = (joined[-1][0], e)
            open_list = True
        else:
            joined.append((s, e))
            open_list = False
    return [(s, e, text[s:e].strip()) for s, e in joined if text[s:e].strip()]


def _is_heading(line: str) -> bool:
    """A numbered heading line with nothing after it ("1.7. Xây dựng và phát triển Chính quyền số")."""
    line = line.strip()
    return bool(_ITEM_RE.match(line)) and len(line.split()) <= 16 and not line.endswith((".", ";", ":"))


def terms(words: Iterable[str]) -> list[str]:
    """Folded syllables of the question's content words, in order, without repeats."""
    out: list[str] = []
    for w in words:
        out += _WORD_RE.findall(fold(w))
    return list(dict.fromkeys(t for t in out if len(t) > 1 or t.isdigit()))


def rank_sentences(
    hits: Sequence[Any], query_terms: Sequence[str], ask: str, vocab: Any, *, extra_terms: Sequence[str] = (),
    extra_weight: float = 0.5, year: int | None = None, limit: int = 12, named: Sequence[str] = (),
) -> list[Sentence]:  # fmt: skip
    """The sentences of ``hits`` best first for a question with these terms that asks for ``ask``.

    Args:
        hits: retrieved passages, best first.
        query_terms: the question's folded content syllables (:func:`terms`).
        ask: what the question asks for (:func:`ask_of`).
        vocab: the vocabulary (agency mentions for the roles).
        extra_terms: terms of the conversation's earlier turns.
        extra_weight: their weight (the question's own terms weigh 1).
        year: a year the question names; a figure sentence that states it counts more.
        limit: how many passages to read.
        named: document numbers the question names ("277/TB-UBND"): a sentence that holds one is about it.
    """
    pool: list[tuple[int, Any, int, int, str, set[str], str, str, set[str]]] = []
    for rank, hit in enumerate(hits[:limit], start=1):
        header = _WORD_RE.findall(fold(hit.passage.header))
        pieces = split_sentences(hit.passage)
        before = ""
        for (start, end, text), lead_in in zip(pieces, lead_ins([p[2] for p in pieces]), strict=True):
            folded = fold(text)
            words = set(_WORD_RE.findall(folded)) | set(header) | set(_WORD_RE.findall(fold(lead_in)))
            # the sentence before it ("… (PCI) năm 2023. Theo đó, tỉnh đạt 68,56 điểm") counts half
            near = set(_WORD_RE.findall(fold(before))) - words
            pool.append((rank, hit, start, end, text, words, folded, lead_in, near))
            before = text
    if not pool:
        return []
    weights = {t: 1.0 for t in query_terms}
    for t in extra_terms:
        weights.setdefault(t, extra_weight)
    df = {t: sum(1 for item in pool if t in item[5]) for t in weights}
    idf = {t: math.log(1 + len(pool) / (1 + df[t])) * w for t, w in weights.items()}
    total = sum(idf.values()) or 1.0
    pairs = [f"{a} {b}" for a, b in zip(query_terms, query_terms[1:], strict=False)]
    base = []
    for rank, hit, start, end, text, words, folded, lead_in, near in pool:
        held = sum(v for t, v in idf.items() if t in words) + 0.5 * sum(v for t, v in idf.items() if t in near)
        joined = sum(1 for p in pairs if p in folded)
        prior = 1.0 / (1 + 0.15 * (rank - 1))
        lexical = (held / total + 0.08 * joined) * prior / (1 + 0.15 * math.log1p(len(text) / 200))
        base.append((lexical, held / total, rank, hit, start, end, text, lead_in, near))
    # roles are read only for the sentences that can win (the bonus at most doubles a score)
    base.sort(key=lambda b: -b[0])
    cutoff = base[min(len(base), _ROLE_CANDIDATES) - 1][0] / 2 if base else 0.0
    out = []
    for lexical, coverage, rank, hit, start, end, text, lead_in, near in base:
        roles: tuple[Role, ...] = ()
        governing = ""
        if ask in ("who", "tasks") and lexical >= cutoff and hit.passage.kind not in ("document", "signature"):
            roles = tuple(find_roles(text, vocab))
            if lead_in and not any(r.role in (LEAD, "coop") for r in roles):
                inherited = tuple(find_roles(_as_subject(lead_in), vocab))
                if any(r.role in (LEAD, "coop") for r in inherited):
                    roles, governing = inherited, lead_in
        bonus = _ask_bonus(ask, text, roles, year, near_year=bool(year) and str(year) in near)
        if named and any(n in text for n in named):
            bonus += 0.8
        out.append(Sentence(hit, rank, text, start, end, lexical * (1 + bonus), coverage, roles, governing))
    out.sort(key=lambda s: (-s.score, s.rank, s.start))
    return out


def lead_ins(pieces: Sequence[str]) -> list[str]:
    """For each sentence of a passage, the line that governs it: the nearest earlier line that ends with
    ":" ("Đề nghị Ủy ban MTTQ Việt Nam tỉnh:"), else the passage's first line when it is a short item
    heading ("14. Đài Phát thanh và Truyền hình Đồng Nai, Báo Đồng Nai"); "" for none."""
    head = pieces[0] if pieces else ""
    heading = head if len(head.split()) <= 20 and (head.rstrip().endswith(":") or _ITEM_RE.match(head)) else ""
    out = []
    for i in range(len(pieces)):
        lead = next((pieces[j] for j in range(i - 1, -1, -1) if pieces[j].rstrip().endswith(":")), "")
        out.append(lead or (heading if i > 0 else ""))
    return out


def _as_subject(lead_in: str) -> str:
    """A heading line read as the subject of what follows it ("14. Báo Đồng Nai" → "Báo Đồng Nai:")."""
    line = _ITEM_RE.sub("", lead_in.strip()).rstrip(" :")
    return f"{line}:"


def _ask_bonus(ask: str, text: str, roles: Sequence[Role], year: int | None, near_year: bool = False) -> float:
    if ask in ("who", "tasks"):
        return 0.6 if any(r.role == LEAD for r in roles) else 0.3 if any(r.role == "coop" for r in roles) else 0.0
    pattern = ASKS.get(ask)
    if pattern is None:
        return 0.0
    bonus = 0.5 if pattern.search(text) else 0.0
    if ask == "figure" and year is not None and bonus and (near_year or re.search(rf"(?<![/\d]){year}\b", text)):
        bonus += 0.4
    return bonus


TARGET_RE = re.compile(
    r"nhóm|phấn đấu|mục tiêu|chỉ tiêu|xếp (?:hạng|thứ|loại|vào)|trở lên|\btop\b|\btốp\b|đứng đầu|ít nhất|duy trì|cải thiện",
    re.IGNORECASE,
)


def mentions_year_figure(texts: Iterable[str], year: int, window: int = 250, targets: bool = False) -> bool:
    """Whether a text states a figure for ``year``: the year written on its own (not in a date) with a
    figure close after it, or just before it ("Phấn đấu năm 2024 đạt từ 85 điểm trở lên", "(PCI) năm 2023.
    Theo đó, tỉnh đạt 68,56 điểm", "Năm 2023: 2.99/10.00"); with ``targets``, a goal in words counts too
    ("nằm trong nhóm tốt vào năm 2020")."""
    alone = re.compile(rf"(?<![/\d-]){year}(?![/\d])")
    for text in texts:
        for m in alone.finditer(text):
            near = alone.sub(" ", text[max(0, m.start() - 60) : m.start()] + " " + text[m.end() : m.end() + window])
            if FIGURES.search(near) or (targets and TARGET_RE.search(near)):
                return True
    return False
