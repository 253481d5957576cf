"""Question → query plan → records and passages → cited answer.

Question understanding (pure, no I/O): :func:`understand` reads one question (as the next turn after a
previous :class:`QueryPlan`), :class:`Conversation` keeps the turns.
"""

from assistant.conversation import Conversation, Turn
from assistant.query import MAX_SCAN_CHARS, QueryPlan, understand

__all__ = ["MAX_SCAN_CHARS", "Conversation", "QueryPlan", "Turn", "understand"]
