"""Word segmentation for BM25: underthesea words and diacritic-free syllables, with abbreviations expanded.

The index and the query go through the same :class:`Segmenter`, so "TNMT", "Sở TN&MT" and
"tài nguyên và môi trường" meet on the same tokens, and "chat luong nuoc" meets "Chất lượng nước"
in the folded field. One-syllable words are kept: in Vietnamese they carry meaning ("nước", "đất").
"""

from __future__ import annotations

import functools
import re
import sys
import threading
from collections.abc import Callable
from typing import Any

from ingest.textnorm import fold_words, nfc

MAX_QUERY_WORDS = 512
SCHEME = 3  # bump when the token scheme below changes, so saved indexes are rebuilt
_WARM_UP = "Sở Tài nguyên và Môi trường chủ trì, phối hợp với UBND các huyện."
_WORDLIKE = re.compile(r"\w")


def truncate(text: str, max_words: int = MAX_QUERY_WORDS) -> str:
    """The first ``max_words`` whitespace-separated words of ``text`` (a 10,000-character query stays cheap)."""
    words = (text or "").split(maxsplit=max_words)
    return " ".join(words[:max_words])


# underthesea's package import also imports these optional pipelines when their dependencies are installed;
# "translate" pulls in transformers and torch (with the st extra: 10–15 s of a cold `planqa ask`, measured
# with python -X importtime). planqa uses word_tokenize only.
_UNUSED_UNDERTHESEA = tuple(
    f"underthesea.{name}"
    for name in (
        "pipeline.translate", "pipeline.classification", "pipeline.sentiment", "pipeline.lang_detect",
        "pipeline.dependency_parse", "agent", "address",
    )
)  # fmt: skip


def _import_underthesea() -> Any:
    """``import underthesea`` with its unused optional pipelines skipped (a ``None`` entry in
    ``sys.modules`` makes their import raise ImportError, which underthesea treats as "not installed");
    the entries are removed again, so an explicit import of one of them later still works."""
    blocked = [name for name in _UNUSED_UNDERTHESEA if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        import underthesea
    finally:
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    return underthesea


class Segmenter:
    """underthesea word segmentation plus a folded-syllable view, both with abbreviation expansion.

    The underthesea model is global and not thread-safe, so calls are serialised with a lock; the
    model is imported and warmed once here, never lazily from several threads.

    Args:
        vocab: an ``ingest.vocab.Vocabulary`` (its ``expand_abbreviations`` and ``abbreviations``);
            the bundled one when ``None``.

    Example:
        >>> seg = Segmenter()
        >>> seg.words("Sở TNMT chủ trì")
        ['sở', 'tnmt', 'chủ_trì', 'tài_nguyên', 'và', 'môi_trường']
    """

    def __init__(self, vocab: Any = None) -> None:
        underthesea = _import_underthesea()
        word_tokenize = underthesea.word_tokenize

        if vocab is None:
            from ingest.vocab import load_vocabulary

            vocab = load_vocabulary()
        self._tokenize: Callable[[str], list[str]] = word_tokenize
        self._expand: Callable[[str], str] = vocab.expand_abbreviations
        # "tnmt", "hdnd", "tn mt" typed in lower case or without diacritics: the query-side look-up.
        self._folded_abbr = {fold_words(k).replace(" ", ""): v for k, v in vocab.abbreviations().items()}
        self._lock = threading.Lock()
        self.name = f"underthesea-{underthesea.__version__}"
        self.words(_WARM_UP)

    def _segment(self, text: str) -> list[str]:
        with self._lock:
            tokens = self._tokenize(text)
        return [t.lower().replace(" ", "_") for t in tokens if _WORDLIKE.search(t)]

    def _with_expansions(self, text: str, query: bool) -> str:
        """``text`` followed by the expansions of its abbreviations (the abbreviation itself stays)."""
        text = nfc(text or "")
        extra: list[str] = []
        for word in text.split():
            expanded = self._expand(word)
            if expanded != word:
                extra.append(expanded)
            elif query and len(key := fold_words(word).replace(" ", "")) >= 3 and key in self._folded_abbr:
                extra.append(self._folded_abbr[key])
        if query:
            extra = list(dict.fromkeys(extra))
        # " . " keeps underthesea from gluing an expansion to the word before it.
        return " . ".join([text, *extra])

    def words(self, text: str, *, query: bool = False) -> list[str]:
        """Lower-cased underthesea words, syllables joined by "_", punctuation dropped.

        Args:
            text: a passage or a query.
            query: also expand lower-case / unaccented abbreviations ("so tnmt"), which the
                case-sensitive document-side expansion leaves alone.
        """
        return self._segment(self._with_expansions(text, query))

    def folded(self, text: str, *, query: bool = False) -> list[str]:
        """Diacritic-free, lower-cased syllables, then each pair of neighbours.

        The pairs give back some of the word order that syllables lose: "chat luong nuoc" scores
        higher on "Chất lượng nước" than on a row with "chất lượng" and "nước" far apart (on the
        dev questions, hit@5 of the sparse index went from 0.83 to 0.92 with them).

        Example:
            >>> Segmenter().folded("Chất lượng nước")
            ['chat', 'luong', 'nuoc', 'chat_luong', 'luong_nuoc']
        """
        syllables = fold_words(self._with_expansions(text, query)).split()
        return syllables + [f"{a}_{b}" for a, b in zip(syllables, syllables[1:], strict=False)]


@functools.lru_cache(maxsize=1)
def default_segmenter() -> Segmenter:
    """One warmed :class:`Segmenter` per process (with the bundled vocabulary)."""
    return Segmenter()
