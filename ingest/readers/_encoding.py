"""Decide how a text file's bytes are encoded: UTF-8, UTF-16 (with or without BOM) or Windows-1258.

The order matters. NULs never occur in UTF-8 or Windows-1258 text, but mostly-ASCII UTF-16 is valid
UTF-8 byte for byte ("A\\0B\\0"), so BOMs and the NUL pattern are checked before UTF-8. Windows-1258
decodes almost any byte string, so it is accepted only when the result reads as Vietnamese; anything
with control characters is junk (a binary file renamed .txt) and is refused rather than ingested.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from ..errors import CorruptDocument, EncodingError

_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")
# Windows-1252 text (French, German…) also decodes as Windows-1258, and shares à é ê ô with Vietnamese;
# what it never yields is a letter beyond Latin-1 (ă đ ơ ư ĩ ũ and the U+1EA0–U+1EF9 block: ả ạ ế ộ …),
# which most Vietnamese sentences are full of.
_WORD_RE = re.compile(r"\w+")
_SAMPLE = 8192  # bytes looked at for the NUL pattern; enough to be sure, cheap on big files


def _is_junk(ch: str) -> bool:
    return ch not in _ALLOWED_CONTROLS and (ch == "\ufffd" or unicodedata.category(ch) in ("Cc", "Co", "Cn", "Cs"))


def _junk_share(text: str) -> float:
    """Share of characters that never appear in a plan: controls, U+FFFD, private-use, unassigned."""
    if not text:
        return 0.0
    # each distinct character is judged once (a plan has a few hundred), then the junk ones are dropped in one pass
    junk = [ch for ch in set(text) if _is_junk(ch)]
    if not junk:
        return 0.0
    kept = text.translate(dict.fromkeys(map(ord, junk)))
    return (len(text) - len(kept)) / len(text)


def _reads_as_vietnamese(text: str) -> bool:
    """Mostly letters, and a good share of words carry a Vietnamese letter beyond Latin-1 (plans: ~half)."""
    text = unicodedata.normalize("NFC", text)
    words = _WORD_RE.findall(text)
    if not words:
        return False
    letters = sum(ch.isalpha() for ch in text)
    visible = sum(not ch.isspace() for ch in text)
    vietnamese_words = sum(any(ch.isalpha() and ord(ch) > 0xFF for ch in w) for w in words)
    return letters >= 0.5 * visible and vietnamese_words >= 0.15 * len(words)


def _utf16_by_nuls(data: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when NULs sit on one byte parity (ASCII in UTF-16), else ``None``."""
    sample = data[:_SAMPLE]
    half = max(len(sample) // 2, 1)
    even = sample[0::2].count(0) / half
    odd = sample[1::2].count(0) / half
    if odd > 0.2 and even < 0.02:
        return "utf-16-le"
    if even > 0.2 and odd < 0.02:
        return "utf-16-be"
    return None


def _corrupt(name: str, what: str) -> CorruptDocument:
    return CorruptDocument(
        f"{name}: expected text (UTF-8, UTF-16 or Windows-1258), found {what}; "
        "it looks like a binary or damaged file — open it in an editor and save it as UTF-8 text"
    )


def decode_bytes(data: bytes, name: str) -> tuple[str, str]:
    """Decode a text file's bytes.

    Args:
        data: the file's bytes.
        name: the file name, for messages.

    Returns:
        ``(text, encoding)``, the encoding one of ``utf-8``, ``utf-8-sig``, ``utf-16-le``,
        ``utf-16-be``, ``utf-16`` (with BOM) or ``cp1258``. The text is not normalised yet.

    Raises:
        CorruptDocument: the bytes are not text (control characters, NULs, undecodable bytes).
        EncodingError: text-like bytes in an encoding that is not one of the above.
    """
    candidates: list[str]
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]  # Python's utf-16 reads the BOM and drops it
    elif b"\0" in data[:_SAMPLE]:
        guess = _utf16_by_nuls(data)
        if guess is None:
            raise _corrupt(name, "NUL bytes with no UTF-16 pattern")
        candidates = [guess]
    else:
        candidates = ["utf-8", "cp1258"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _junk_share(text) > 0.01:
            raise _corrupt(name, f"{_junk_share(text):.0%} control or unassigned characters when read as {encoding}")
        if encoding == "cp1258" and not _reads_as_vietnamese(text):
            raise EncodingError(
                f"{name}: expected UTF-8, UTF-16 or Windows-1258 Vietnamese text, found bytes that are not UTF-8 "
                "and do not read as Vietnamese in Windows-1258; convert the file to UTF-8 (e.g. "
                "`iconv -f <encoding> -t UTF-8`) and ingest it again"
            )
        return text, encoding
    raise _corrupt(name, f"bytes that cannot be decoded as {' or '.join(candidates)}")
