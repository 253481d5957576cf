"""A conversation: the turns so far, each with its :class:`~assistant.query.QueryPlan`.

A follow-up ("Còn chất lượng nước?", "Thời hạn là khi nào?") is read against the plan of the last turn.

Example:
    >>> conv = Conversation()
    >>> conv.add("Ở Đồng Nai, cơ quan nào phụ trách Quản trị môi trường trong PAPI?", vocab).province
    'Đồng Nai'
    >>> plan = conv.add("Còn chất lượng nước?", vocab)
    >>> plan.province, plan.component, plan.inherited
    ('Đồng Nai', 'Quản trị môi trường › Chất lượng nước', ('province', 'plan_index'))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from assistant.query import QueryPlan, understand
from ingest.vocab import Vocabulary

__all__ = ["Conversation", "Turn"]


@dataclass(frozen=True)
class Turn:
    """One question as typed and how it was understood."""

    question: str
    plan: QueryPlan
    cited: tuple[str, ...] = ()  # passage ids the answer cited, best first (a follow-up's first candidates)


class Conversation:
    """The turns of one conversation, oldest first."""

    def __init__(self) -> None:
        self.turns: list[Turn] = []

    def add(self, question: str, vocab: Vocabulary) -> QueryPlan:
        """Understand ``question`` as the next turn and record it.

        Args:
            question: the question as typed.
            vocab: the vocabulary (``ingest.vocab.load_vocabulary()``).

        Returns:
            Its plan, with the slots it inherited from the previous turn listed in ``inherited``.
        """
        plan = understand(question, vocab, self.last_plan())
        self.record(question, plan)
        return plan

    def record(self, question: str, plan: QueryPlan) -> None:
        """Append a turn understood elsewhere (e.g. after UI filters were applied to its plan)."""
        self.turns.append(Turn(question, plan))

    def cite(self, passage_ids: Sequence[str]) -> None:
        """Record the passages the last turn's answer cited."""
        if self.turns:
            self.turns[-1] = replace(self.turns[-1], cited=tuple(passage_ids))

    def last_plan(self) -> QueryPlan | None:
        """The plan of the last turn, ``None`` before the first question."""
        return self.turns[-1].plan if self.turns else None

    def clear(self) -> None:
        """Forget every turn (a new conversation)."""
        self.turns.clear()

    def __len__(self) -> int:
        return len(self.turns)
