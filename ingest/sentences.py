"""Sentences of a plan's text: what records (``ingest.structure``) and evidence (``assistant.evidence``) read.

A line is always its own piece (bullets, label lines, table-like lines); inside a line, a sentence ends at
".", "!" or "?" before a capital, a digit, a bullet or an opening quote. "TP. Hồ Chí Minh" or "1.2" do not
end one (no space, or no capital after it); a run-on list is cut later by whoever reads it.
"""

from __future__ import annotations

import re

_SENTENCE_RE = re.compile(r"\n+|(?<=[.!?])\s+(?=[\-+•*(\"“A-ZĐÀ-Ỹ0-9])")
_ABBREVIATIONS = frozenset({"TP", "TX", "KT", "TM", "TL", "TUQ", "Q", "P", "ThS", "TS", "PGS", "GS", "Tp"})
_LONGEST = max(map(len, _ABBREVIATIONS)) + 1  # with its full stop


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each non-empty sentence or line of ``text``, in order.

    Example:
        >>> [text[s:e] for s, e in sentence_spans(text := "Giao Sở Nội vụ chủ trì. Sở Tư pháp phối hợp.\\n- Phòng A")]
        ['Giao Sở Nội vụ chủ trì.', 'Sở Tư pháp phối hợp.', '- Phòng A']
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _SENTENCE_RE.finditer(text):
        if "\n" not in m.group(0) and _ends_with_abbreviation(text, pos, m.start()):
            continue  # "TP. Hồ Chí Minh", "KT. CHỦ TỊCH": an abbreviation, not the end of a sentence
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def _ends_with_abbreviation(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` ends with "TP." or another abbreviation standing as a word of its own.

    Only the last few characters are looked at: a sentence that runs on past thousands of "TP." (each one
    skipped) would otherwise be searched again from its start at every one of them.
    """
    window = text[max(start, end - _LONGEST - 1) : end]
    word = window.rsplit(None, 1)[-1] if window.strip() else ""
    standalone = len(word) < len(window) or end - len(word) == start  # a space before it, or the piece's start
    return standalone and word.endswith(".") and word[:-1] in _ABBREVIATIONS
