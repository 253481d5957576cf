"""👍/👎 on an answer, with an optional comment, kept in the knowledge base: the start of a gold set from real use.

Gradio-free: :class:`ui.service.PlanqaService` calls these on its worker thread (the thread that owns the
SQLite connection), the app's handlers call the service. What a user sends is checked here and refused
with a Vietnamese sentence (``ValueError``); what is stored is the question, the earlier questions, the
answer as shown, its citations and the filters it was given under (see :meth:`index_store.Store.add_feedback`).
``planqa feedback --json`` exports it.

Example:
    >>> record_feedback(store, "up", "", "Sở Y tế Đồng Nai được giao những nhiệm vụ gì?", [],
    ...                 answer.to_json(), {"province": "Đồng Nai"})  # doctest: +SKIP
    'Cảm ơn, đã ghi nhận đánh giá.'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.assistant import MAX_QUESTION_CHARS
from index_store import Store
from index_store._schema import MAX_COMMENT_CHARS
from ingest.textnorm import fold
from ui.messages import kind_vi, sendable

if TYPE_CHECKING:
    from index_store.knowledge_base import KnowledgeBase

THANKS = "Cảm ơn, đã ghi nhận đánh giá."
MAX_EARLIER = 50  # earlier questions kept with a feedback (the app replays at most 20)
MAX_ANSWER_CHARS = 200_000  # far above any composed answer; refuses a client that posts a whole book
MAX_CITATIONS = 200
# what a rating may be sent as: Gradio's LikeData.liked (True/False), the CLI's up/down, a number, an emoji
_RATINGS: dict[str, int] = {
    "up": 1, "+1": 1, "1": 1, "like": 1, "👍": 1, "tot": 1, "dung": 1,
    "down": -1, "-1": -1, "dislike": -1, "👎": -1, "chua tot": -1, "khong tot": -1, "sai": -1,
}  # fmt: skip
_CONTROL = re.compile(r"[^\S\n]+|[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # runs of spaces/tabs, control characters


def _text(value: str) -> str:
    """NFC, a lone surrogate (half of a character a client cut in two) as U+FFFD."""
    return unicodedata.normalize("NFC", sendable(value))


def parse_rating(value: Any) -> int:
    """A rating as sent by the app or a client → 1 (👍) or -1 (👎).

    Args:
        value: ``True``/``False`` (Gradio's ``LikeData.liked``), 1/-1, "up"/"down", "👍"/"👎", "tốt"/"chưa tốt".

    Raises:
        ValueError: anything else, in Vietnamese.

    Example:
        >>> parse_rating(True), parse_rating("down"), parse_rating("Tốt")
        (1, -1, 1)
    """
    if isinstance(value, bool):
        return 1 if value else -1
    if isinstance(value, int) and value in (1, -1):
        return value
    if isinstance(value, str) and (key := " ".join(fold(value).split())) in _RATINGS:
        return _RATINGS[key]
    raise ValueError(f"Đánh giá phải là 👍 (up) hoặc 👎 (down); nhận được {str(value)[:40]!r}.")


def clean_comment(comment: Any) -> tuple[str, bool]:
    """A comment as it is kept: NFC, control characters dropped, spaces collapsed (line breaks kept), cut to
    :data:`~index_store._schema.MAX_COMMENT_CHARS` characters; and whether it was cut.

    Raises:
        ValueError: a comment that is not text.
    """
    if comment is None:
        return "", False
    if not isinstance(comment, str):
        raise ValueError(f"Góp ý phải là một đoạn chữ; nhận được {kind_vi(comment)}.")
    text = _CONTROL.sub(lambda m: " " if m.group().isspace() else "", _text(comment))
    text = "\n".join(line.strip() for line in text.strip().splitlines())
    if len(text) <= MAX_COMMENT_CHARS:
        return text, False
    return text[:MAX_COMMENT_CHARS].rstrip(), True


@dataclass(frozen=True)
class Feedback:
    """A feedback checked and ready to store (see :func:`check`)."""

    rating: int
    question: str
    answer: str
    comment: str = ""
    comment_cut: bool = False
    turns: tuple[str, ...] = ()
    citations: tuple[dict[str, Any], ...] = ()
    found: bool | None = None
    agencies: tuple[str, ...] = ()
    filters: dict[str, Any] = field(default_factory=dict)


def check(
    rating: str | int | bool, comment: str | None, question: str, turns: Sequence[str] | None,
    answer_json: Mapping[str, Any], filters: Mapping[str, Any] | None,
) -> Feedback:  # fmt: skip
    """Check what a user sent with a rating.

    Args:
        rating: see :func:`parse_rating`.
        comment: optional; a longer one than 2,000 characters is cut (``comment_cut``).
        question: the question answered; ``answer_json["question"]`` when empty.
        turns: the earlier questions of the conversation, oldest first.
        answer_json: the answer as ``planqa ask --json`` gives it (answer, citations, found, agencies).
        filters: the filters the answer was given under, or ``None``.

    Raises:
        ValueError: a sentence in Vietnamese naming what is wrong (an unknown rating, no answer, …).
    """
    value = parse_rating(rating)
    if not isinstance(answer_json, Mapping):
        raise ValueError(f"Câu trả lời được đánh giá phải là một đối tượng JSON; nhận được {kind_vi(answer_json)}.")
    answer = answer_json.get("answer")
    if not isinstance(answer, str) or not answer.strip():
        raise ValueError("Chưa có câu trả lời nào để đánh giá; hãy đặt câu hỏi, rồi đánh giá câu trả lời.")
    if len(answer) > MAX_ANSWER_CHARS:
        raise ValueError(f"Câu trả lời dài {len(answer)} ký tự, quá {MAX_ANSWER_CHARS}; không lưu được đánh giá.")
    asked = question if isinstance(question, str) and question.strip() else answer_json.get("question")
    if not isinstance(asked, str) or not asked.strip():
        raise ValueError("Không rõ câu hỏi của câu trả lời này; hãy đánh giá ngay trên câu trả lời trong hội thoại.")
    if turns is None:
        turns = []
    if isinstance(turns, str) or not isinstance(turns, Sequence) or not all(isinstance(t, str) for t in turns):
        raise ValueError(f"Các câu hỏi trước phải là một danh sách câu hỏi; nhận được {kind_vi(turns)}.")
    citations = answer_json.get("citations") or []
    if not isinstance(citations, list | tuple) or not all(isinstance(c, Mapping) for c in citations):
        raise ValueError("Nguồn trích dẫn của câu trả lời phải là một danh sách đối tượng, như planqa ask --json.")
    if len(citations) > MAX_CITATIONS:
        raise ValueError(f"Câu trả lời có {len(citations)} nguồn, quá {MAX_CITATIONS}; không lưu được đánh giá.")
    if filters is not None and not isinstance(filters, Mapping):
        raise ValueError(f"Bộ lọc phải là một đối tượng như {{'province': 'Đồng Nai'}}; nhận được {kind_vi(filters)}.")
    agencies = answer_json.get("agencies") or []
    found = answer_json.get("found")
    note, cut = clean_comment(comment)
    return Feedback(
        rating=value, question=_text(asked.strip())[:MAX_QUESTION_CHARS], answer=_text(answer), comment=note,
        comment_cut=cut, turns=tuple(_text(t.strip())[:MAX_QUESTION_CHARS] for t in turns[-MAX_EARLIER:]),
        citations=tuple(dict(c) for c in citations), found=found if isinstance(found, bool) else None,
        agencies=tuple(str(a) for a in agencies if isinstance(a, str)) if isinstance(agencies, list) else (),
        filters={str(k): v for k, v in (filters or {}).items() if v not in (None, "")},
    )  # fmt: skip


def _store(store_or_kb: Store | KnowledgeBase) -> Store:
    return store_or_kb if isinstance(store_or_kb, Store) else store_or_kb.store


def add_feedback(
    store_or_kb: Store | KnowledgeBase, rating: str | int | bool, comment: str | None, question: str,
    turns: Sequence[str] | None, answer_json: Mapping[str, Any], filters: Mapping[str, Any] | None,
) -> int:  # fmt: skip
    """Check and store a feedback (one transaction); returns its id, for a comment added afterwards.

    Arguments as :func:`check`.

    Raises:
        ValueError: bad input (Vietnamese), nothing stored.
        index_store.writable.KbReadOnly: the knowledge base cannot be written, nothing stored.
    """
    return _save(_store(store_or_kb), check(rating, comment, question, turns, answer_json, filters))


def _save(store: Store, fb: Feedback) -> int:
    return store.add_feedback(
        rating=fb.rating, question=fb.question, answer=fb.answer, citations=fb.citations, comment=fb.comment,
        conversation=fb.turns, filters=fb.filters, found=fb.found, agencies=fb.agencies,
    )  # fmt: skip


def record_feedback(
    store_or_kb: Store | KnowledgeBase, rating: str | int | bool, comment: str | None, question: str,
    turns: Sequence[str] | None, answer_json: Mapping[str, Any], filters: Mapping[str, Any] | None,
) -> str:  # fmt: skip
    """Store a feedback and say so in Vietnamese (with a note when the comment was cut).

    Arguments and errors as :func:`add_feedback`.

    Example:
        >>> record_feedback(kb, "down", "Thiếu Sở Xây dựng", "Ai phụ trách chất lượng nước?", [], answer, None)
        ... # doctest: +SKIP
        'Cảm ơn, đã ghi nhận đánh giá.'
    """
    fb = check(rating, comment, question, turns, answer_json, filters)
    _save(_store(store_or_kb), fb)
    return THANKS + (_cut_note() if fb.comment_cut else "")


def _cut_note() -> str:
    return f" Góp ý dài quá {MAX_COMMENT_CHARS:,} ký tự nên chỉ giữ {MAX_COMMENT_CHARS:,} ký tự đầu.".replace(",", ".")


def comment_feedback(store_or_kb: Store | KnowledgeBase, feedback_id: int, comment: str | None) -> str:
    """Add the comment typed after a 👍/👎 to that feedback (replacing an earlier one); says what happened.

    Raises:
        index_store.writable.KbReadOnly: the knowledge base cannot be written.
    """
    note, cut = clean_comment(comment)
    if not note:
        return "Chưa có nội dung góp ý."
    if isinstance(feedback_id, bool) or not isinstance(feedback_id, int):
        return "Hãy bấm 👍 hoặc 👎 trên một câu trả lời trước khi gửi góp ý."
    if not _store(store_or_kb).set_feedback_comment(feedback_id, note):
        return "Không tìm thấy đánh giá để thêm góp ý; hãy bấm 👍 hoặc 👎 trên câu trả lời lần nữa."
    return "Cảm ơn, đã lưu góp ý." + (_cut_note() if cut else "")
