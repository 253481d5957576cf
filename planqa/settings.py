"""Every setting planqa reads from the environment, declared once.

Only the edges (the CLI, later the UI start-up) call :func:`resolve`; everything below them receives
plain arguments. The README lists each setting; a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    """One environment setting.

    Args:
        name: the attribute/flag name, e.g. ``kb`` (``--kb``).
        env: the environment variable, e.g. ``PLANQA_KB``.
        default: used when the variable is unset or empty.
        help: one sentence for ``--help`` and the README.
    """

    name: str
    env: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        name="kb",
        env="PLANQA_KB",
        default="./kb",
        help="knowledge-base folder (created if missing); relative paths are taken from the working directory",
    ),
)


def get(name: str) -> Setting:
    """The declared setting called ``name``.

    Raises:
        KeyError: no such setting.
    """
    for setting in SETTINGS:
        if setting.name == name:
            return setting
    raise KeyError(f"no setting called {name!r}; known: {', '.join(s.name for s in SETTINGS)}")


def resolve(environ: Mapping[str, str]) -> dict[str, str]:
    """Each setting's value: the environment variable when set and non-empty, else the default.

    Args:
        environ: usually ``os.environ``, passed in by the caller so tests can use a plain dict.

    Returns:
        ``{name: value}`` for every declared setting.
    """
    return {s.name: environ.get(s.env) or s.default for s in SETTINGS}
