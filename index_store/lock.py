"""One writer per knowledge base: an exclusive, non-blocking lock file inside the folder.

SQLite already serialises write transactions, but a whole ``planqa ingest`` run (many documents, and
later the derived indexes) must not interleave with another writer's run. Readers never take the lock:
WAL mode lets them read while a writer works. A knowledge base this process may not write (a read-only
mount, another user's folder) is refused here, before anything is opened, with :class:`KbReadOnly`.
"""

from __future__ import annotations

import errno
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from index_store.sqlite_store import DB_FILES
from index_store.writable import KbReadOnly, read_only_reason, write_problem

LOCK_NAME = ".planqa.lock"
_NOT_OURS = {errno.EROFS, errno.EACCES, errno.EPERM}


def _read_only(kb_dir: Path, reason: str) -> KbReadOnly:
    return KbReadOnly(
        f"the knowledge base {kb_dir} is read-only: {reason}; nothing was changed. Copy it to a writable "
        f"folder (cp -r {kb_dir} NEW_DIR) and use --kb NEW_DIR, or run planqa as its owner"
    )


class KbLocked(RuntimeError):
    """Another process (or another :class:`KbLock` in this one) is writing the knowledge base."""


class KbLock:
    """Exclusive writer lock on a knowledge-base folder; fails at once instead of waiting.

    Args:
        kb_dir: the knowledge-base folder (created if missing).

    Example:
        >>> with KbLock(Path("kb")):  # doctest: +SKIP
        ...     store.upsert(parsed)
    """

    def __init__(self, kb_dir: Path | str) -> None:
        self.kb_dir = Path(kb_dir)
        if self.kb_dir.exists() and not self.kb_dir.is_dir():
            raise NotADirectoryError(f"--kb {self.kb_dir} is a file; a knowledge base is a folder")
        self.lock_file = self.kb_dir / LOCK_NAME
        # thread_local=False: one run may hand the store to worker threads; the lock belongs to the run.
        self._lock = FileLock(self.lock_file, timeout=0, thread_local=False)

    def acquire(self) -> KbLock:
        """Take the lock.

        Raises:
            KbLocked: when another writer holds it.
            KbReadOnly: when this process may not write the knowledge base.
        """
        reason = read_only_reason(self.kb_dir, DB_FILES)
        if reason is not None:
            raise _read_only(self.kb_dir, reason)
        try:
            self.kb_dir.mkdir(parents=True, exist_ok=True)
            self._lock.acquire(timeout=0)
        except Timeout:  # a TimeoutError, i.e. an OSError: caught first
            raise KbLocked(
                f"the knowledge base {self.kb_dir} is being written by another planqa process "
                f"(lock {self.lock_file}); wait for it to finish or use another --kb"
            ) from None
        except OSError as err:
            if err.errno not in _NOT_OURS:
                raise  # a full disk, say: the caller reports it
            # the checks above passed but the file system said no (NFS, ACLs, chattr +i)
            raise _read_only(self.kb_dir, write_problem(err, self.kb_dir) or str(err)) from err
        return self

    def release(self) -> None:
        """Give the lock back (a no-op when not held)."""
        if self._lock.is_locked:
            self._lock.release()

    @property
    def is_locked(self) -> bool:
        """Whether this object holds the lock."""
        return self._lock.is_locked

    def __enter__(self) -> KbLock:
        return self.acquire()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
