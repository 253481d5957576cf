"""Hybrid retrieval: BM25 and dense vectors, each restricted to the allowed passages, fused by rank.

Reciprocal-rank fusion (``1 / (60 + rank)`` summed over the retrievers, each contributing its top
``max(50, 5k)``) needs no score calibration between BM25 and cosine similarity, and a passage that
both retrievers rank well beats one that only a single retriever likes. Filters are applied inside
each retriever (a BM25 weight mask, the vector index's ``allowed`` ids), never after a top-k cut.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from index_store.protocols import Embedder, Hit, VectorIndex
from index_store.segment import truncate
from index_store.sparse import SparseIndex
from ingest.model import Passage

RRF_K0 = 60
MODES = ("fused", "sparse", "dense")


def rrf(
    rankings: Mapping[str, list[str]], k0: int = RRF_K0, weights: Mapping[str, float] | None = None
) -> list[tuple[str, float, dict[str, int]]]:
    """Reciprocal-rank fusion of ranked id lists.

    Args:
        rankings: ``{"sparse": [id, …], "dense": [id, …]}``, each best first.
        k0: the rank offset (60 as in Cormack et al. 2009).
        weights: a weight per retriever (1.0 when not given).

    Returns:
        ``[(id, fused score, {retriever: 1-based rank})]``, best first; ties broken by the best
        single rank, then by id, so the order never depends on dict or set iteration.
    """
    scores: dict[str, float] = {}
    ranks: dict[str, dict[str, int]] = {}
    for name, ids in rankings.items():
        weight = (weights or {}).get(name, 1.0)
        for rank, pid in enumerate(ids, start=1):
            scores[pid] = scores.get(pid, 0.0) + weight / (k0 + rank)
            ranks.setdefault(pid, {})[name] = rank
    order = sorted(scores, key=lambda pid: (-scores[pid], min(ranks[pid].values()), pid))
    return [(pid, scores[pid], ranks[pid]) for pid in order]


UNACCENTED_DENSE_WEIGHT = 0.05
# a fused candidate of the plan index / province / agency the query names scores up to this much more
# (eval/retrieval_eval: hit@5 and MRR by weight in the README); it reorders, it never excludes
FACET_WEIGHT = 0.3


class HybridRetriever:
    """Sparse, dense or fused search over one knowledge base's passages.

    Args:
        sparse: the BM25 index.
        vectors: the vector index, or ``None`` for sparse-only retrieval.
        embedder: embeds the query for ``vectors``; required when ``vectors`` is given.
        passages: every indexed passage by id (hits carry the full passage).
        facet_weight: how much more a fused candidate that fits what the query names may score (its score is
            multiplied by ``1 + facet_weight × fit``, fit in [0, 1]); 0 turns the preference off.

    Raises:
        ValueError: a vector index without an embedder, or a negative or non-finite ``facet_weight``.
    """

    def __init__(
        self,
        sparse: SparseIndex,
        vectors: VectorIndex | None,
        embedder: Embedder | None,
        passages: Mapping[str, Passage],
        facet_weight: float = FACET_WEIGHT,
    ) -> None:
        if vectors is not None and embedder is None:
            raise ValueError("a vector index needs the embedder that built it, got embedder=None")
        if not (isinstance(facet_weight, int | float) and 0 <= facet_weight < float("inf")):
            raise ValueError(f"facet_weight must be a finite number >= 0, got {facet_weight!r}")
        self.sparse, self.vectors, self.embedder, self.passages = sparse, vectors, embedder, passages
        self.facet_weight = float(facet_weight)

    def _sparse(self, query: str, n: int, allowed: Collection[str] | None) -> list[tuple[str, float]]:
        mask = None if allowed is None else self.sparse.mask(allowed)
        return [(pid, s) for pid, s in self.sparse.search(query, n, mask) if pid in self.passages]

    def _dense(self, query: str, n: int, allowed: Collection[str] | None) -> list[tuple[str, float]]:
        if self.vectors is None or self.embedder is None:
            return []
        found = self.vectors.search(self.embedder.embed_query(query), n, allowed)
        return [(pid, s) for pid, s in found if pid in self.passages]

    def search(
        self,
        query: str,
        k: int = 10,
        allowed: set[str] | None = None,
        mode: str = "fused",
        prefer: Callable[[Passage], float] | None = None,
    ) -> list[Hit]:
        """The ``k`` best passages for ``query``.

        Args:
            query: as typed ("co quan nao phu trach chat luong nuoc", "Sở TNMT Đồng Nai"); cut to
                its first 512 words.
            k: how many hits at most.
            allowed: passage ids the search may return (``None``: all); an empty set gives [].
            mode: "fused" (both retrievers, RRF), "sparse" or "dense". "fused" without a vector
                index is sparse search.
            prefer: how well a passage fits what the query names, in [0, 1] (``Facets.match``); in
                "fused" mode a candidate's score is multiplied by ``1 + facet_weight × prefer(passage)``.

        Returns:
            Hits best first. ``score`` is the fused RRF score in "fused" mode, else the retriever's
            own score (BM25, cosine); ``ranks`` says where each retriever ranked the passage.

        Raises:
            ValueError: an unknown mode, or "dense" without a vector index.

        Example:
            >>> retriever.search("Sở TNMT Đồng Nai chất lượng nước", k=5)  # doctest: +SKIP
        """
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        if mode == "dense" and self.vectors is None:
            raise ValueError("dense search needs a vector index; build one with an embedder (PLANQA_EMBEDDER)")
        query = truncate(query)
        if not query.strip() or k <= 0 or (allowed is not None and not allowed):
            return []
        n = max(50, 5 * k)
        if mode == "sparse":
            found = self._sparse(query, k, allowed)
            return [Hit(self.passages[pid], s, {"sparse": r}) for r, (pid, s) in enumerate(found, start=1)]
        if mode == "dense":
            found = self._dense(query, k, allowed)
            return [Hit(self.passages[pid], s, {"dense": r}) for r, (pid, s) in enumerate(found, start=1)]
        rankings = {"sparse": [pid for pid, _ in self._sparse(query, n, allowed)]}
        if self.vectors is not None:
            rankings["dense"] = [pid for pid, _ in self._dense(query, n, allowed)]
        # the embedding model reads Vietnamese typed without diacritics poorly (dense hit@5 0.1 on such
        # questions against 0.92 with diacritics, eval/retrieval_eval): BM25's folded field leads then
        weights = {"dense": UNACCENTED_DENSE_WEIGHT} if query.isascii() else None
        fused = rrf(rankings, weights=weights)
        if prefer is not None:
            fused = sorted(
                ((pid, score * (1 + self.facet_weight * prefer(self.passages[pid])), r) for pid, score, r in fused),
                key=lambda item: (-item[1], min(item[2].values()), item[0]),
            )
        return [Hit(self.passages[pid], score, ranks) for pid, score, ranks in fused[:k]]
