"""The index taxonomies as a browsable tree, with the plans' rows filed under the node they belong to.

Every index (PAPI, PAR INDEX, SIPAS, PCI) comes from the vocabulary's data file with its dimensions and
sub-dimensions, numbered in data order ("2. Công khai, minh bạch", "2.1 Tiếp cận thông tin"). A record's
component string ("Công khai, minh bạch › Tiếp cận thông tin", "7. Quản trị môi trường › 7.1 …",
"Mức độ hài lòng của người dân đối với việc xây dựng, tổ chức thực hiện chính sách") is mapped to a node
by :func:`node_of`: the deepest part of the path that names a node wins. A loose (fuzzy) match is only
kept when the words of the text and of one of the node's names (its aliases included) contain one
another, so "Công tác kiểm tra CCHC" is not filed under "Cải cách tài chính công" for sharing "cải
cách … chính … công". A row that names no node stays visible under "Khác (chưa khớp nội dung chỉ số)".
"""

from __future__ import annotations

import functools
import html
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.textnorm import fold

OTHER = "Khác (chưa khớp nội dung chỉ số)"
GENERAL = "Chung cho cả chỉ số"
SEP = " › "
_NUMBERING = re.compile(r"^\s*(?:[\dIVXivx]+(?:[.)]\d+)*[.)]?|[a-zđ][.)])\s+")


@dataclass(frozen=True)
class Node:
    """One node of the tree: an index, a dimension, a sub-dimension, or the index's "Chung"/"Khác" rows.

    Attributes:
        index: "PAPI", "PAR INDEX", "SIPAS" or "PCI".
        path: the component path ("Công khai, minh bạch › Tiếp cận thông tin"); "" for the index itself.
        name: the node's own name ("Tiếp cận thông tin"), the index name, or :data:`GENERAL` / :data:`OTHER`.
        number: "2", "2.1" in data order; "" for the index and the extra nodes.
        kind: "index", "dimension", "sub", "general" or "other".
        rows: the records filed under exactly this node, in the order given.
        children: the nodes below.
        count: rows here and below.
    """

    index: str
    path: str
    name: str
    number: str
    kind: str
    rows: tuple[dict[str, Any], ...] = ()
    children: tuple[Node, ...] = field(default=())
    count: int = 0

    @property
    def label(self) -> str:
        """ "2. Công khai, minh bạch", "2.1 Tiếp cận thông tin", "PAPI"."""
        if not self.number:
            return self.name
        return f"{self.number}. {self.name}" if "." not in self.number else f"{self.number} {self.name}"


# -- the taxonomy data -----------------------------------------------------------------------------------
@functools.lru_cache(maxsize=8)
def _names(folder: Path) -> dict[tuple[str, str], tuple[str, ...]]:
    """Every node's names (canonical + aliases) by ``(index, path)``."""
    data = tomllib.loads((folder / "indices.toml").read_text(encoding="utf-8"))
    names: dict[tuple[str, str], tuple[str, ...]] = {}
    for index in data.get("index", []):
        for dim in index.get("dimension", []):
            names[(index["name"], dim["name"])] = (dim["name"], *dim.get("aliases", []))
            for sub in dim.get("sub", []):
                names[(index["name"], f"{dim['name']}{SEP}{sub['name']}")] = (sub["name"], *sub.get("aliases", []))
    return names


def _words(vocab: Any, text: str) -> frozenset[str]:
    # every word counts: the matcher's stopwords fold "tài" (finance) and "tại" (at) to one key
    return frozenset(vocab.fold_tokens(_NUMBERING.sub("", vocab.expand_abbreviations(text))))


def _names_it(vocab: Any, comp: Any, text: str) -> bool:
    """Whether ``text`` and one of ``comp``'s names contain one another's words (not a loose overlap)."""
    names = _names(Path(vocab.folder))
    words = _words(vocab, text)
    if not words:
        return False
    for name in names.get((comp.index, comp.path), (comp.sub or comp.dimension,)):
        other = _words(vocab, name)
        if other and (other <= words or words <= other):
            return True
    return False


def canonical_index(vocab: Any, plan_index: str | None) -> str:
    """The canonical name of ``plan_index`` ("par" → "PAR INDEX"), or "" when it names no index."""
    if not plan_index:
        return ""
    names = vocab.canonical_index_names()
    if plan_index in names:
        return plan_index
    found = vocab.match_index(plan_index)
    return str(found) if found in names else ""


@functools.lru_cache(maxsize=8192)
def node_of(vocab: Any, plan_index: str | None, component: str | None) -> Any:
    """The taxonomy node (an ``ingest.vocab.Component``) a record's component string is filed under.

    Args:
        vocab: the ``ingest.vocab.Vocabulary``.
        plan_index: the record's index ("PAPI", "par index").
        component: the record's component path as stored.

    Returns:
        The node, or ``None`` when no part of the path names one of the index's nodes.

    Example:
        >>> from ingest.vocab import load_vocabulary
        >>> node_of(load_vocabulary(), "PAPI", "7. Quản trị môi trường › 7.3 Chất lượng nguồn nước").path
        'Quản trị môi trường › Chất lượng nước'
    """
    index = canonical_index(vocab, plan_index)
    if not index or not component or not component.strip():
        return None
    known = {c.path: c for c in vocab.components(index)}
    if component in known:
        return known[component]
    parts = [p.strip() for p in component.split("›") if p.strip()]
    found = []
    for part in parts:
        comp = vocab.match_component(part, index)
        found.append(comp if comp is not None and _names_it(vocab, comp, part) else None)
    deepest = next((c for c in reversed(found) if c is not None), None)
    if deepest is None:
        return None
    # a parent part that names a dimension wins over a child that names another dimension's node
    parent = next((c for c in found if c is not None), None)
    if parent is not None and parent.dimension != deepest.dimension:
        return known.get(parent.dimension, parent)
    return deepest


def names_index(vocab: Any, plan_index: str, component: str) -> bool:
    """Whether ``component`` is empty or only names the index ("Chỉ số hài lòng về … (SIPAS)")."""
    text = (component or "").strip()
    if not text:
        return True
    return vocab.match_index(text) == canonical_index(vocab, plan_index) and node_of(vocab, plan_index, text) is None


@functools.lru_cache(maxsize=8)
def _total_words(folder: Path) -> frozenset[str]:
    data = tomllib.loads((folder / "structure.toml").read_text(encoding="utf-8"))
    return frozenset(data.get("table", {}).get("total_rows", []))


def is_total(vocab: Any, component: str | None) -> bool:
    """ "TỔNG", "Tổng cộng": a row that totals a table (the words are ``structure.toml``'s ``total_rows``)."""
    last = (component or "").split("›")[-1]
    return fold(last).strip(" :") in _total_words(Path(vocab.folder))


def numbers(vocab: Any, index: str) -> dict[str, str]:
    """``{path: "2" | "2.1"}`` for every node of ``index``, numbered in data order."""
    out: dict[str, str] = {}
    dims: dict[str, int] = {}
    subs: dict[str, int] = defaultdict(int)
    for comp in vocab.components(index):
        if comp.sub is None:
            dims[comp.dimension] = len(dims) + 1
            out[comp.path] = str(dims[comp.dimension])
        else:
            dims.setdefault(comp.dimension, len(dims) + 1)
            subs[comp.dimension] += 1
            out[comp.path] = f"{dims[comp.dimension]}.{subs[comp.dimension]}"
    return out


def component_label(vocab: Any, index: str, path: str) -> str:
    """The picker's label of a node: "PAPI · 2. Công khai, minh bạch › Tiếp cận thông tin"."""
    number = numbers(vocab, index).get(path, "")
    dim, _, sub = path.partition(SEP)
    head = f"{number.split('.')[0]}. {dim}" if number else dim
    return f"{index} · {head}{SEP + sub if sub else ''}"


# -- the tree --------------------------------------------------------------------------------------------
def value_of(item: Any, key: str, default: Any = None) -> Any:
    """``key`` of a record or document given as a dict (``planqa records --json``) or as an ingest
    dataclass; ``default`` when it is missing or ``None``."""
    value = item.get(key, default) if isinstance(item, Mapping) else getattr(item, key, default)
    return default if value is None else value


def tree(
    vocab: Any, records: Iterable[Any], documents: Sequence[Any] = (), plan_index: str | None = None
) -> list[Node]:
    """Every index with its dimensions and sub-dimensions, each with the assignment rows filed under it.

    Args:
        vocab: the ``ingest.vocab.Vocabulary`` (the taxonomy is its data file).
        records: assignment records (``planqa records --json`` dicts or ``ingest.model.Assignment``).
        documents: ``planqa docs --json`` dicts (or ``Document``s), to give a row its document number and
            province when the record lacks them.
        plan_index: only this index ("PAPI"); every index when ``None``.

    Returns:
        One :class:`Node` per index in data order; below each, its dimensions (with their subs), then
        "Chung cho cả chỉ số" (rows that name only the index) and "Khác (chưa khớp nội dung chỉ số)"
        (rows whose component names no node) when they have rows.
    """
    docs = {value_of(d, "doc_id"): d for d in documents}
    wanted = canonical_index(vocab, plan_index) if plan_index else ""
    by_node: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for rec in records:
        index = canonical_index(vocab, value_of(rec, "plan_index"))
        if not index or (wanted and index != wanted):
            continue
        row = _row(rec, docs.get(value_of(rec, "doc_id")))
        component = row["component"]
        node = node_of(vocab, index, component)
        key = node.path if node is not None else GENERAL if names_index(vocab, index, component) else OTHER
        by_node[(index, key)].append(row)
    out = []
    for index in vocab.canonical_index_names():
        if wanted and index != wanted:
            continue
        nums = numbers(vocab, index)
        dims: list[Node] = []
        comps = vocab.components(index)
        for dim in (c for c in comps if c.sub is None):
            subs = [
                _node(index, c.path, c.sub or "", nums[c.path], "sub", by_node[(index, c.path)], ())
                for c in comps
                if c.sub is not None and c.dimension == dim.dimension
            ]
            dims.append(
                _node(index, dim.path, dim.dimension, nums[dim.path], "dimension", by_node[(index, dim.path)], subs)
            )
        for extra, kind in ((GENERAL, "general"), (OTHER, "other")):
            if by_node[(index, extra)]:
                dims.append(_node(index, extra, extra, "", kind, by_node[(index, extra)], ()))
        out.append(_node(index, "", index, "", "index", [], dims))
    return out


def _node(
    index: str, path: str, name: str, number: str, kind: str, rows: list[dict[str, Any]], children: Sequence[Node]
) -> Node:
    count = len(rows) + sum(c.count for c in children)
    return Node(index, path, name, number, kind, tuple(rows), tuple(children), count)


def _row(rec: Any, doc: Any) -> dict[str, Any]:
    """A record as the plain fields a tree row shows."""

    def pick(key: str) -> Any:
        value = value_of(rec, key)
        return value if value not in (None, "") else (value_of(doc, key) if doc is not None else None)

    return {
        "record_id": value_of(rec, "record_id") or "",
        "doc_id": value_of(rec, "doc_id") or "",
        "plan_index": value_of(rec, "plan_index") or "",
        "component": value_of(rec, "component") or "",
        "target": value_of(rec, "target") or "",
        "tasks": value_of(rec, "tasks") or "",
        "lead": tuple(value_of(rec, "lead") or ()),
        "coop": tuple(value_of(rec, "coop") or ()),
        "deadline": value_of(rec, "deadline") or "",
        "location": value_of(rec, "location") or "",
        "doc_number": pick("doc_number") or pick("source") or "",
        "province": pick("province") or "",
    }


# -- HTML ------------------------------------------------------------------------------------------------
def _e(text: Any) -> str:
    return html.escape(str(text or ""), quote=True)


def _row_html(row: Mapping[str, Any]) -> str:
    what = row["tasks"] or row["target"] or row["component"]
    lead = "; ".join(row["lead"])
    coop = "; ".join(row["coop"])
    agencies = f'<span class="pq-tree-lead">Chủ trì: {_e(lead)}</span>' if lead else ""
    if coop:
        agencies += f' <span class="pq-tree-coop">Phối hợp: {_e(coop)}</span>'
    where = " · ".join(_e(p) for p in (row["doc_number"], row["province"]) if p)
    deadline = f' <span class="pq-tree-deadline">Thời hạn: {_e(row["deadline"])}</span>' if row["deadline"] else ""
    named = (
        f'<div class="pq-tree-component">{_e(row["component"])}</div>' if row["component"] and not row["tasks"] else ""
    )
    return (
        f'<li class="pq-tree-row"><div class="pq-tree-task">{_e(what)}</div>{named}'
        f'<div class="pq-tree-agencies">{agencies}{deadline}</div>'
        f'<div class="pq-tree-loc">{where}{" — " if where and row["location"] else ""}{_e(row["location"])}</div></li>'
    )


def _node_html(node: Node, opened: bool) -> str:
    count = f' <span class="pq-tree-count">({node.count} dòng)</span>'
    rows = f'<ul class="pq-tree-rows">{"".join(_row_html(r) for r in node.rows)}</ul>' if node.rows else ""
    children = "".join(_node_html(c, False) for c in node.children)
    body = rows + (f'<div class="pq-tree-children">{children}</div>' if children else "")
    if not body:
        return f'<div class="pq-tree-node pq-tree-{node.kind} pq-tree-empty">{_e(node.label)}{count}</div>'
    attr = " open" if opened else ""
    return (
        f'<details class="pq-tree-node pq-tree-{node.kind}"{attr}><summary>{_e(node.label)}{count}</summary>'
        f"{body}</details>"
    )


def tree_html(nodes: Sequence[Node], open_index: str | None = None) -> str:
    """The tree as nested ``<details>``; ``open_index`` names the index shown open.

    Every plan text goes through ``html.escape``; class names start with ``pq-``. A node without rows
    below it is shown (the taxonomy is complete) but cannot be opened.
    """
    if not nodes:
        return '<div class="pq-empty">Chưa có chỉ số nào trong bộ từ vựng.</div>'
    return '<div class="pq-tree">' + "".join(_node_html(n, n.index == open_index) for n in nodes) + "</div>"
