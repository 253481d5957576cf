"""Benchmark: what guarding the derived indexes costs at start-up, and what a rebuild costs after damage.

1. The integrity record (``index_store.vectors.check_files`` before Chroma/FAISS read a byte, and
   ``record_files`` after opening, writing and closing) on synthetic stores of ``--sizes`` vectors
   (384 dims, the e5-small and MiniLM size), compared with the alternative of probe-opening the Chroma
   store in a child process (a fresh interpreter that imports chromadb, opens the store and queries it,
   so a crash kills only the child).
2. PDF parsing in the sandbox (a child process with time and memory limits) against parsing in-process,
   on a generated plan PDF of ``--pages`` pages.
3. With ``--kb`` (a knowledge base with a dense index, e.g. built with ``PLANQA_EMBEDDER=st:…``): the
   time to open and sync it clean, and to rebuild its vector index after the HNSW file is garbled or the
   folder deleted (from the embedding cache: nothing is embedded again). The knowledge base is copied
   first and never written.

Usage:
    .venv/bin/python -m eval.bench_recovery [--sizes 1000,20000] [--runs 5] [--pages 20] [--kb KB] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

_PROBE = """
import sys, chromadb
from chromadb.config import Settings
client = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False))
col = client.get_collection("planqa_passages")
n = col.count()
got = col.get(limit=1, offset=n - 1, include=["embeddings"])
col.query(query_embeddings=[got["embeddings"][0]], n_results=1)
"""


def _median_s(func: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 4)


def _folder_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 1)


def _open_close(opener: Callable[[Path], Any], folder: Path) -> None:
    opener(folder).close()


def bench_record(sizes: Sequence[int], runs: int, work: Path) -> list[dict[str, Any]]:
    """Start-up cost of the integrity record, per store size, for Chroma and FAISS."""
    from index_store.integrity import check_files, record_files
    from index_store.vec_chroma import ChromaIndex
    from index_store.vec_faiss import IDS_FILE, INDEX_FILE, FaissIndex

    rows = []
    rng = np.random.default_rng(7)
    for size in sizes:
        vectors = rng.standard_normal((size, 384)).astype(np.float32)
        ids = [f"p{i:07d}" for i in range(size)]
        chroma, faiss_dir = work / f"chroma-{size}", work / f"faiss-{size}"
        index = ChromaIndex.embedded(chroma)
        index.add(ids, vectors)
        index.close()
        flat = FaissIndex(faiss_dir, 384)
        flat.add(ids, vectors)
        flat.close()
        probe = [sys.executable, "-c", _PROBE, str(chroma)]
        rows.append(
            {
                "vectors": size,
                "chroma_mb": _folder_mb(chroma),
                "chroma_check_s": _median_s(partial(check_files, chroma, "bench"), runs),
                "chroma_record_s": _median_s(partial(record_files, chroma), runs),
                "chroma_open_close_s": _median_s(partial(_open_close, ChromaIndex.embedded, chroma), runs),
                "chroma_child_probe_s": _median_s(partial(subprocess.run, probe, check=True), runs),
                "faiss_mb": _folder_mb(faiss_dir),
                "faiss_check_s": _median_s(partial(check_files, faiss_dir, "bench", (INDEX_FILE, IDS_FILE)), runs),
                "faiss_open_s": _median_s(partial(_open_close, partial(FaissIndex, dim=384), faiss_dir), runs),
            }
        )
    return rows


def bench_pdf(pages: int, runs: int, work: Path) -> dict[str, Any]:
    """Sandboxed against in-process parsing of one generated PDF (needs fpdf2 and the DejaVu font)."""
    from fpdf import FPDF

    from ingest.limits import Limits
    from ingest.readers._pdf import read_pages, read_pdf

    font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(font))
    pdf.set_font("DejaVu", size=10)
    line = "Sở Tài nguyên và Môi trường chủ trì, phối hợp với UBND các huyện, thành phố thực hiện nhiệm vụ."
    for _ in range(pages):
        pdf.add_page()
        for _ in range(30):
            pdf.multi_cell(w=0, text=line, new_x="LMARGIN", new_y="NEXT")
    data = bytes(pdf.output())
    limits = Limits()
    return {
        "pages": pages,
        "in_process_s": _median_s(lambda: read_pages(data, "bench.pdf", limits), runs),
        "sandboxed_s": _median_s(lambda: read_pdf(data, "bench.pdf", limits), runs),
    }


class _CacheOnly:
    """The embedder that built the index, by name and dimension only: a rebuild must come from the cache."""

    def __init__(self, name: str, dim: int) -> None:
        self.name, self.dim = name, dim

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        raise AssertionError(f"{len(texts)} passages were not in the embedding cache")

    def embed_query(self, text: str) -> np.ndarray:
        raise AssertionError("no query is embedded while syncing")


def bench_rebuild(kb: Path, work: Path, runs: int) -> dict[str, Any]:
    """Open-and-sync time of a copy of ``kb``: clean, after a garbled HNSW file, after the folder is deleted."""
    from index_store.knowledge_base import KnowledgeBase

    kind = "chroma" if (kb / "chroma").is_dir() else "faiss"
    out: dict[str, Any] = {"kb": str(kb), "vector_index": kind}

    def sync(damage: Callable[[Path], None] | None) -> float:
        times = []
        for run in range(runs):
            copy = work / f"kb-{run}"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(kb, copy)
            if damage:
                damage(copy / kind)
            messages: list[str] = []
            start = time.perf_counter()
            with KnowledgeBase(copy, embedder=embedder, vector_kind=kind, log=messages.append) as knowledge:
                knowledge.sync()
            times.append(time.perf_counter() - start)
        return round(statistics.median(times), 3)

    def garble(folder: Path) -> None:
        target = max(folder.rglob("data_level0.bin"), key=lambda p: p.stat().st_size, default=None)
        target = target or folder / "index.faiss"
        data = bytearray(target.read_bytes())
        data[len(data) // 4 : len(data) // 2] = os.urandom(len(data) // 2 - len(data) // 4)
        target.write_bytes(bytes(data))

    from index_store.vectors import open_vector_index

    index = open_vector_index(kind, kb, 1) if kind == "faiss" else None
    if kind == "chroma":
        from index_store.vec_chroma import ChromaIndex

        probe = work / "probe"
        shutil.copytree(kb / "chroma", probe)
        index = ChromaIndex.embedded(probe)
    assert index is not None
    manifest = index.read_manifest() or {}
    index.close()
    embedder = _CacheOnly(str(manifest.get("embedder")), int(manifest.get("dim") or 0))
    out["passages"] = manifest.get("count")
    out["clean_open_sync_s"] = sync(None)
    out["garbled_rebuild_s"] = sync(garble)
    out["deleted_rebuild_s"] = sync(lambda folder: shutil.rmtree(folder))
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print their figures (JSON lines with ``--json``)."""
    parser = argparse.ArgumentParser(prog="python -m eval.bench_recovery", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,20000", help="vectors per synthetic store, comma-separated")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure; the median is reported (default 5)")
    parser.add_argument("--pages", type=int, default=20, help="pages of the generated PDF (default 20)")
    parser.add_argument("--kb", type=Path, help="a knowledge base with a dense index, for rebuild times (copied)")
    parser.add_argument("--json", action="store_true", help="one JSON object per figure set")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="planqa-recovery-") as tmp:
        work = Path(tmp)
        results: list[dict[str, Any]] = [
            {"record": row} for row in bench_record([int(s) for s in args.sizes.split(",")], args.runs, work)
        ]
        results.append({"pdf": bench_pdf(args.pages, args.runs, work)})
        if args.kb:
            results.append({"rebuild": bench_rebuild(args.kb, work, args.runs)})
    for item in results:
        print(json.dumps(item, ensure_ascii=False) if args.json else item)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
