"""Filter clauses and row-to-dict conversions for the record queries of :class:`index_store.Store`.

Every comparison is on :func:`ingest.textnorm.fold`-ed text, so "dong nai", "Đồng Nai" and "ĐỒNG NAI" are
the same province. A vocabulary, when given, adds the canonical spelling of what the user typed
("so tnmt" → "Sở Tài nguyên và Môi trường", "par" → "PAR INDEX").
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ingest.textnorm import fold

# "tỉnh Đồng Nai", "TP. Hồ Chí Minh": the filter should match the bare province name too.
_PROVINCE_PREFIX = re.compile(r"^(tinh|thanh pho|tp\.?)\s+")


def _call(vocab: Any, method: str, text: str) -> Any:
    fn = getattr(vocab, method, None) if vocab is not None else None
    return fn(text) if fn else None


def _in(column: str, keys: set[str]) -> str:
    return f"{column} IN ({', '.join('?' * len(keys))})"


def filters(
    alias: str, *, province: str | None, plan_index: str | None, doc: str | None, vocab: Any = None,
    agency: str | None = None, text: str | None = None,
) -> tuple[list[str], list[Any]]:  # fmt: skip
    """WHERE clauses and their parameters for a query over ``<alias>`` joined with ``documents d``.

    Args:
        alias: the record table's alias ("a" for assignments, "s" for scores).
        province: matched against the document's province.
        plan_index: matched against the record's plan index.
        doc: a doc_id, source file name, path or document number.
        vocab: optional vocabulary with ``find_provinces``, ``match_index`` and ``canonical_agency``.
        agency: folded substring of the lead + coordinating agencies (assignments only).
        text: folded substring of the record's ``search_text`` (assignments only).

    Returns:
        (clauses to AND together, parameters in order).
    """
    where: list[str] = []
    params: list[Any] = []
    if province:
        keys = {fold(province), _PROVINCE_PREFIX.sub("", fold(province))}
        keys |= {fold(p) for p in _call(vocab, "find_provinces", province) or ()}
        where.append(_in("d.province_key", keys))
        params.extend(sorted(keys))
    if plan_index:
        keys = {fold(plan_index)} | ({fold(c)} if (c := _call(vocab, "match_index", plan_index)) else set())
        where.append(_in(f"{alias}.plan_index_key", keys))
        params.extend(sorted(keys))
    if doc:
        where.append("(d.doc_id = ? OR fold(d.source) = ? OR fold(d.doc_number) = ? OR d.path = ?)")
        params.extend([doc, fold(doc), fold(doc), doc])
    if agency:
        needles = {fold(agency)} | ({fold(c)} if (c := _call(vocab, "canonical_agency", agency)) else set())
        where.append("(" + " OR ".join(f"instr({alias}.agencies_key, ?) > 0" for _ in needles) + ")")
        params.extend(sorted(needles))
    if text:
        where.append(f"instr({alias}.search_text, ?) > 0")
        params.append(fold(text))
    return where, params


def assignment_dict(r: sqlite3.Row) -> dict[str, Any]:
    """One ``planqa records --json`` object."""
    return {
        "doc_id": r["doc_id"], "source": r["source"], "province": r["province"], "plan_index": r["plan_index"],
        "component": r["component"], "target": r["target"], "tasks": r["tasks"], "lead": json.loads(r["lead"]),
        "coop": json.loads(r["coop"]), "deadline": r["deadline"], "location": r["location"],
        "record_id": r["record_id"], "doc_number": r["doc_number"], "span": [r["span_start"], r["span_end"]],
        "source_kind": r["source_kind"],
    }  # fmt: skip


def score_dict(r: sqlite3.Row) -> dict[str, Any]:
    """One score/target record: figures as written, ``values`` as ``[[label, value], …]``."""
    return {
        "doc_id": r["doc_id"], "source": r["source"], "province": r["province"], "plan_index": r["plan_index"],
        "component": r["component"], "values": json.loads(r["values"]), "location": r["location"],
        "unit": r["unit"], "record_id": r["record_id"], "doc_number": r["doc_number"],
        "span": [r["span_start"], r["span_end"]],
    }  # fmt: skip


def document_dict(r: sqlite3.Row) -> dict[str, Any]:
    """One ``planqa docs --json`` object: metadata plus record counts."""
    keys = ("doc_id", "source", "title", "doc_number", "issuer", "province", "locality", "level", "year")
    item: dict[str, Any] = {k: r[k] for k in keys}
    item["indices"] = json.loads(r["indices"])
    item["counts"] = {"assignments": r["n_assignments"], "scores": r["n_scores"], "passages": r["n_passages"]}
    item.update(issue_date=r["issue_date"], path=r["path"], content_hash=r["content_hash"])
    item.update(warnings=json.loads(r["warnings"]), ingested_at=r["ingested_at"])
    item.update(fmt=r["fmt"], signer=r["signer"], ocr_pages=json.loads(r["ocr_pages"]))
    item["corrected"] = json.loads(r["corrected"])
    return item


def embedding_rows(model: str, items: Mapping[str, bytes] | Iterable[tuple[str, bytes]]) -> list[tuple[Any, ...]]:
    """``embedding_cache`` rows for ``{text_hash: float32 bytes}``; the dimension is the byte length / 4.

    Raises:
        ValueError: a vector that is empty or not a whole number of float32 values.
    """
    rows = []
    for text_hash, vector in items.items() if isinstance(items, Mapping) else items:
        blob = bytes(vector)
        if not blob or len(blob) % 4:
            raise ValueError(f"embedding for {text_hash} must be float32 bytes, got {len(blob)} bytes")
        rows.append((model, text_hash, len(blob) // 4, blob))
    return rows


def embedding_selects(model: str, hashes: Iterable[str], chunk: int = 500) -> Iterator[tuple[str, tuple[str, ...]]]:
    """SELECT statements for the cached vectors of ``hashes``, in chunks under SQLite's variable limit."""
    wanted = list(dict.fromkeys(hashes))
    for i in range(0, len(wanted), chunk):
        part = wanted[i : i + chunk]
        marks = ", ".join("?" * len(part))
        yield (
            f"SELECT text_hash, vector FROM embedding_cache WHERE model = ? AND text_hash IN ({marks})",
            (model, *part),
        )
