"""Mark, in a cited passage, the words it shares with the question and the agencies the answer names.

A single Vietnamese syllable ("các", "của", "được") matches almost any passage, so a question word is
marked only as part of a pair of consecutive words that the question also has ("môi trường", "Đồng Nai"),
or when it is an acronym ("PAPI", "TNMT"). Matching ignores case and diacritics, as the search does.

Example:
    >>> highlight_html("Sở Tài nguyên và Môi trường chủ trì", "co quan nao lo moi truong")
    'Sở Tài nguyên và <mark>Môi trường</mark> chủ trì'
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from ingest.textnorm import fold

_WORD = re.compile(r"\w+")
_QUESTION, _AGENCY = 1, 2
_CLASSES = {_QUESTION: "", _AGENCY: ' class="pq-agency"'}


def _words(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), fold(m.group())) for m in _WORD.finditer(text)]


def _is_acronym(word: str) -> bool:
    return len(word) >= 3 and word.isupper() and word.isalpha()


def _question_marks(words: list[tuple[int, int, str]], question: str) -> set[int]:
    asked = [w for _, _, w in _words(question)]
    pairs = set(zip(asked, asked[1:], strict=False))
    acronyms = {fold(m.group()) for m in _WORD.finditer(question) if _is_acronym(m.group())}
    marked: set[int] = set()
    for i, (_, _, word) in enumerate(words):
        if word in acronyms:
            marked.add(i)
        if i + 1 < len(words) and (word, words[i + 1][2]) in pairs:
            marked.update((i, i + 1))
    return marked


def _phrase_spans(words: list[tuple[int, int, str]], phrases: Sequence[str]) -> list[tuple[int, int]]:
    spans = []
    folded = [w for _, _, w in words]
    for phrase in phrases:
        target = [w for _, _, w in _words(phrase)]
        n = len(target)
        for i in range(len(folded) - n + 1 if n else 0):
            if folded[i : i + n] == target:
                spans.append((words[i][0], words[i + n - 1][1]))
    return spans


def _runs(text: str, words: list[tuple[int, int, str]], marked: set[int]) -> list[tuple[int, int]]:
    """Character spans of marked words, words separated only by spaces joined into one span."""
    spans: list[tuple[int, int]] = []
    for i in sorted(marked):
        start, end, _ = words[i]
        if spans and i - 1 in marked and not text[spans[-1][1] : start].strip():
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def highlight_html(text: str, question: str, phrases: Sequence[str] = ()) -> str:
    """``text`` escaped for HTML, with ``<mark>`` around the words shared with ``question`` and around ``phrases``.

    Args:
        text: the passage as stored (NFC).
        question: the question as typed, with or without diacritics.
        phrases: whole names to mark (the agencies the answer names); marked with class ``pq-agency``.

    Returns:
        HTML; marked words separated only by spaces share one ``<mark>``; everything else is escaped text.
    """
    words = _words(text)
    named = _phrase_spans(words, phrases)
    asked = [
        (a, b)
        for a, b in _runs(text, words, _question_marks(words, question))
        if not any(a < y and x < b for x, y in named)
    ]
    spans = sorted([(a, b, _AGENCY) for a, b in named] + [(a, b, _QUESTION) for a, b in asked])
    out: list[str] = []
    pos = 0
    for start, end, kind in spans:
        if start < pos:  # overlapping names ("Sở Y tế" inside a longer one): the first wins
            continue
        out.append(html.escape(text[pos:start]))
        out.append(f"<mark{_CLASSES[kind]}>{html.escape(text[start:end])}</mark>")
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)
