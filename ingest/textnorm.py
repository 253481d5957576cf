"""Vietnamese text normalisation: NFC, one tone-mark placement, and a diacritic-free fold for matching.

Plans arrive composed (NFC) or decomposed (NFD, e.g. from Windows-1258 or macOS), and with either
tone placement for "oa", "oe", "uy" at the end of a syllable ("hoá"/"hóa", "Uỷ"/"Ủy"). We keep the
placement most Vietnamese administrative text uses today (the mark on the first vowel: "hóa", "hòa",
"Ủy", "thúy"), so the same word is always the same string. ``fold`` is what every comparison uses.
"""

from __future__ import annotations

import re
import unicodedata

_TONES = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # grave, acute, hook, tilde, dot below
_PAIRS = (("o", "a"), ("o", "e"), ("u", "y"))


def _build_tone_map() -> dict[str, str]:
    table: dict[str, str] = {}
    for first, second in _PAIRS:
        for tone in _TONES:
            for f, s in ((first, second), (first.upper(), second.upper()), (first.upper(), second)):
                legacy = f + unicodedata.normalize("NFC", s + tone)
                modern = unicodedata.normalize("NFC", f + tone) + s
                table[legacy] = modern
    return table


_TONE_MAP = _build_tone_map()
# Only at the end of a syllable ("hoà" but not "hoàn"), and never after "q" ("quý" keeps its mark on y).
# Every legacy pair is o/O/u/U and a toned a/e/y: the pattern opens with that class, which the regex engine
# scans for quickly; the pairs it finds that are not legacy ones ("oý") are left as they are.
_TONE_RE = re.compile(
    "[" + "".join(sorted({k[0] for k in _TONE_MAP})) + "][" + "".join(sorted({k[1] for k in _TONE_MAP})) + r"](?!\w)"
)
_SPACES = " \t\u00a0\u2000-\u200b\u202f\u3000"
# a run of spaces to rewrite: one that is not a plain space, or two and more (a lone " " is left alone)
_SPACE_RE = re.compile(f"[{_SPACES[1:]}][{_SPACES}]*| [{_SPACES}]+")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\ufeff\u200c\u200d\u2060\u00ad"), None)


def _modern_tone(m: re.Match[str]) -> str:
    pair = m.group(0)
    if m.start() and m.string[m.start() - 1] in "qQ":
        return pair
    return _TONE_MAP.get(pair, pair)


def nfc(text: str) -> str:
    """Compose to NFC and move legacy tone marks: ``nfc("Uỷ ban ... hoà")`` → ``"Ủy ban ... hòa"``."""
    text = unicodedata.normalize("NFC", text)
    if any(chr(code) in text for code in _ZERO_WIDTH):  # translate() is slow: only when there is one to drop
        text = text.translate(_ZERO_WIDTH)
    return _TONE_RE.sub(_modern_tone, text)


def clean_line(line: str) -> str:
    """NFC, non-breaking and odd spaces to one space, trimmed."""
    return _SPACE_RE.sub(" ", nfc(line)).strip()


def normalize_text(text: str) -> str:
    """Normalise a whole document: NFC, unified line endings, spaces collapsed inside lines.

    Line structure is kept (tables flattened one cell per line depend on it); tabs are kept because
    tab-separated tables depend on them.
    """
    text = nfc(text).replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for line in text.split("\n"):
        if "\t" in line:
            lines.append("\t".join(_SPACE_RE.sub(" ", cell).strip() for cell in line.split("\t")).rstrip("\t"))
        else:
            lines.append(_SPACE_RE.sub(" ", line).strip())
    return "\n".join(lines)


_COMBINING_RE = re.compile("[\u0300-\u036f]")  # the marks Vietnamese (and most Latin text) decomposes into
_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")


def strip_diacritics(text: str) -> str:
    """Remove every combining mark and map đ/Đ to d/D (case kept)."""
    text = _COMBINING_RE.sub("", unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D")))
    if any(unicodedata.category(c) == "Mn" for c in _NON_ASCII_RE.findall(text)):  # marks of other scripts
        text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """The matching key: lower-case, no diacritics, đ→d, whitespace collapsed (as the eval scorer does)."""
    text = strip_diacritics(unicodedata.normalize("NFC", text or "").lower())
    return re.sub(r"\s+", " ", text).strip()


def fold_words(text: str) -> str:
    """``fold`` with punctuation turned into spaces, for phrase look-ups: "Sở TN&MT" → "so tn mt"."""
    return re.sub(r"\s+", " ", re.sub(r"[^\w]+", " ", fold(text))).strip()
