"""The system of record: one SQLite file per knowledge base, plus the writer lock.

``Store`` holds documents, assignment and score records, passages and the embedding cache;
derived indexes (BM25, vectors) are rebuilt from it. ``KbLock`` keeps a second writer out.
"""

from index_store.lock import KbLock, KbLocked
from index_store.sqlite_store import DB_NAME, Store, StoreError

__all__ = ["DB_NAME", "KbLock", "KbLocked", "Store", "StoreError"]
