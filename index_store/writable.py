"""Whether a knowledge base can be written, and, when a write failed, whether the disk was the reason.

A knowledge base may be read-only to this process (a read-only mount, another user's folder, a file in it
that this user may not write) or its disk may be full. planqa still *reads* such a knowledge base:
derived indexes it cannot save are built in memory for the run (:mod:`index_store.knowledge_base`), and
writers are refused with one sentence (:class:`KbReadOnly`, raised by :class:`index_store.KbLock`).
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

LOW_SPACE_BYTES = 1 << 20
"""Below this much free space, a write that failed without saying why is put down to a full disk."""
_NO_SPACE = {errno.ENOSPC, errno.EDQUOT}
_NOT_ALLOWED = {errno.EROFS, errno.EACCES, errno.EPERM}
_NO_SPACE_WORDS = ("no space left on device", "disk is full", "os error 28", "quota exceeded")
_READ_ONLY_WORDS = ("read-only file system", "readonly database", "os error 30")


class KbReadOnly(PermissionError):
    """This process may not write the knowledge base (read-only file system, another user's folder).

    A :class:`PermissionError`, so code that already treats any ``OSError`` of the folder as "cannot
    write here" keeps doing so; ``str()`` is the sentence for a person.
    """


def _existing(path: Path) -> Path:
    """``path``, or its nearest ancestor that exists."""
    path = Path(path).absolute()
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def _mount_point(path: Path) -> Path:
    """The mount point of the file system holding ``path`` (an existing path)."""
    path = path.resolve()
    device = path.stat().st_dev
    while path.parent != path and path.parent.stat().st_dev == device:
        path = path.parent
    return path


def _user(uid: int) -> str:
    try:
        import pwd

        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except (ImportError, KeyError):
        return f"uid {uid}"


def _may_write(path: Path) -> bool:
    return os.access(path, os.W_OK, effective_ids=os.access in os.supports_effective_ids)


def read_only_reason(kb_dir: Path | str, files: Iterable[str] = ()) -> str | None:
    """Why this process may not write ``kb_dir`` (or create it, when it does not exist yet), or ``None``.

    Args:
        kb_dir: the knowledge-base folder.
        files: names inside it that a writer must also write when they exist (the SQLite file and its
            ``-wal`` and ``-shm``).

    Returns:
        A clause for a message, e.g. "its file system (/mnt/plans) is mounted read-only" or "the folder
        belongs to alice (uid 1000) and this process runs as bob (uid 1001)"; ``None`` when writable.

    Example:
        >>> read_only_reason("/proc/kb")  # doctest: +SKIP
        'it is on a file system mounted read-only (at /proc)'
    """
    kb = Path(kb_dir)
    where = _existing(kb)
    try:
        if os.statvfs(where).f_flag & os.ST_RDONLY:
            return f"it is on a file system mounted read-only (at {_mount_point(where)})"
    except OSError:  # statvfs is not everywhere (and not on every file system): the checks below still hold
        pass
    me = _user(os.geteuid())
    if not _may_write(where):
        owner = _user(where.stat().st_uid)
        what = "the folder" if where == kb.absolute() else f"it does not exist and its parent {where}"
        return f"{what} belongs to {owner} and this process, running as {me}, may not write it"
    for name in files:
        path = kb / name
        if path.exists() and not _may_write(path):
            return f"{name} in it belongs to {_user(path.stat().st_uid)} and this process, running as {me}, may not write it"
    return None


def free_bytes(path: Path | str) -> int | None:
    """Free space on the file system holding ``path`` (as this user may use it), or ``None`` when unknown."""
    try:
        return shutil.disk_usage(_existing(Path(path))).free
    except OSError:
        return None


def _no_space(path: Path) -> str:
    free = free_bytes(path)
    left = "" if free is None else f", {free // 1024} KB free"
    return f"no space left on the device holding {_existing(path)}{left}"


def write_problem(err: BaseException, path: Path | str) -> str | None:
    """Whether a failed write under ``path`` failed because of the disk: full, read-only or not ours.

    The error and its causes are read first (``OSError`` errno, SQLite's "database or disk is full",
    Chroma's "No space left on device (os error 28)"); an error that does not say (SQLite's "disk I/O
    error" when its shared-memory file cannot grow) is then put down to the disk when the disk is nearly
    full or read-only now.

    Args:
        err: what the write raised.
        path: where it wrote, e.g. the knowledge-base folder.

    Returns:
        A clause for a message ("no space left on the device holding /data, 0 KB free", a
        :func:`read_only_reason`), or ``None`` when the disk is not the reason.
    """
    path = Path(path)
    seen: set[int] = set()
    cause: BaseException | None = err
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        text = str(cause).lower()
        code = cause.errno if isinstance(cause, OSError) else None
        if code in _NO_SPACE or any(words in text for words in _NO_SPACE_WORDS):
            return _no_space(path)
        if code in _NOT_ALLOWED or any(words in text for words in _READ_ONLY_WORDS):
            return read_only_reason(path) or f"writing is not allowed ({cause})"
        cause = cause.__cause__ or cause.__context__
    free = free_bytes(path)
    if free is not None and free < LOW_SPACE_BYTES:
        return _no_space(path)
    return read_only_reason(path)
