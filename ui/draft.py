"""A draft appendix a drafter can start from ("Soạn dự thảo"): solutions taken from other provinces' plans.

The drafter chooses a place (a province, in the knowledge base or not, or a district), an index and the
components to improve (by default the ones the place scored lowest on). Each row of the draft is one
precedent: a row of another province's plan filed under the same taxonomy node, whatever words that plan
used for the component. Nothing is invented: a task is a precedent's task as written; a target or a
deadline is carried only when it suits any place ("100% …", "Thường xuyên"); agencies are mapped to the
draft's level from data (``ingest/vocab/levels.toml``: "Sở Nội vụ" → "Phòng Nội vụ" for a district);
every other cell is left for the drafter. Every filled cell carries a marker that points at a line of
the "Nguồn" list: document number · issuer · province · year — appendix › row. The level mapping is
:mod:`ui.levels`; the Word file and the app's preview are written by :mod:`ui.draft_docx`.

Example:
    >>> rows, docs = service.assignments(), service.catalog().documents  # doctest: +SKIP
    >>> draft = build_draft(rows, docs, place="Bình Phước", plan_index="PAPI",
    ...                     components=["Quản trị môi trường › Chất lượng nước"])  # doctest: +SKIP
    >>> ui.draft_docx.write_draft_docx(draft, Path("du-thao.docx"))  # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.textnorm import fold, fold_words
from ingest.vocab import Component, Vocabulary, load_vocabulary
from ui import taxonomy
from ui.levels import Levels, Target, load_levels, map_name, resolve_target
from ui.taxonomy import value_of

HEADERS = ("STT", "Chỉ số", "Chỉ tiêu", "Nhiệm vụ, giải pháp", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian")
BLANK = "(để trống cho người soạn)"
PER_COMPONENT = 5  # precedent rows per component; a drafter reads a handful, not every plan's wording
SAME_TASK = 0.8  # word-set overlap (Jaccard) at which two tasks are one solution worded twice
_FIGURE = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:(%)|/\s*(\d+(?:[.,]\d+)?))?")
_YEAR = re.compile(r"(?:19|20)\d\d")
# legal references keep their numbers in any plan: "Nghị định số 59/2012/NĐ-CP", "04/NQ-CP", "10/01/2022"
_LEGAL = re.compile(r"\d+(?:/\d+)*/[A-ZĐ][\wĐđ]*(?:-[\wĐđ]+)*|\b\d{1,2}/\d{1,2}/\d{4}\b")


class DraftError(ValueError):
    """The draft cannot be made as asked; the message is a sentence for the drafter."""


# -- plain data in, either dicts (``planqa records --json``) or the ingest dataclasses --------------------
def _has(text: str, phrases: Iterable[str]) -> bool:
    """Whether folded ``phrases`` occur in ``text`` as whole words (or as written, for a symbol like "%")."""
    words = f" {fold_words(text)} "
    low = fold(text)
    return any((f" {p} " in words) if re.search(r"\w", p) else (p in low) for p in phrases)


def _same_province(vocab: Vocabulary, a: str, b: str) -> bool:
    if not a or not b:
        return False
    return fold(a) == fold(b) or (vocab.province_of(a) or a) == (vocab.province_of(b) or b)


# -- taxonomy nodes ---------------------------------------------------------------------------------------
def node_of(vocab: Vocabulary, plan_index: str, component: str) -> Component | None:
    """The taxonomy node a record's component path is filed under, or ``None`` (one rule for the app's
    tree, comparison, charts and drafts: :func:`ui.taxonomy.node_of`)."""
    node: Component | None = taxonomy.node_of(vocab, plan_index, component)
    return node


def _relation(asked: Component | None, asked_key: str, node: Component | None, key: str) -> int | None:
    """0: the record is filed under the asked node (or one of its subs); 1: under the asked sub's dimension."""
    if asked is None or node is None:
        return 0 if asked is None and node is None and key == asked_key else None
    if node.path == asked.path or (asked.sub is None and node.dimension == asked.dimension):
        return 0
    if asked.sub is not None and node.sub is None and node.dimension == asked.dimension:
        return 1
    return None


# -- weakest components -----------------------------------------------------------------------------------
def _figure(value: str, percent: bool) -> tuple[float | None, float] | None:
    """ "2.99/10.00" → (0.299, 2.99); "65,5%" → (0.655, 65.5); "2,99" → (None, 2.99); a rank in brackets
    ("80.23% (xếp thứ 45/63)") is not the figure."""
    m = _FIGURE.search(re.sub(r"\([^)]*\)", " ", value or ""))
    if not m:
        return None
    number = float(m.group(1).replace(",", "."))
    if m.group(3):
        top = float(m.group(3).replace(",", "."))
        return (number / top if top else None), number
    return (number / 100 if m.group(2) or percent else None), number


def _latest_result(values: Sequence[Sequence[str]], levels: Levels) -> tuple[int, float | None, float] | None:
    """(year, result/max, figure) of the latest result among a score row's values; targets and ranks skipped."""
    best: tuple[int, float | None, float] | None = None
    for label, value in values:
        if _has(label, levels.target_labels + levels.rank_labels):
            continue
        figure = _figure(value, _has(label, levels.percent_labels))
        if figure is None:
            continue
        year = max((int(y) for y in _YEAR.findall(label)), default=0)
        if best is None or year > best[0]:
            best = (year, *figure)
    return best


def weakest_components(
    scores: Sequence[Any], documents: Sequence[Any], province: str, plan_index: str, n: int = 3,
    *, vocab: Vocabulary | None = None,
) -> list[str]:  # fmt: skip
    """The components of ``plan_index`` with the lowest latest result in ``province``'s score rows.

    Results are compared as result/max ("0.39/3.33" is below "1.72/2.50"), or as written when no row of the
    index gives a maximum; the finest scored level is compared (a dimension whose sub-dimensions are scored
    gives way to them); rows that are no node of the taxonomy (a total) are left out.

    Args:
        scores: score records (``Store.scores()`` dicts, or ``ingest.model.Score``).
        documents: the documents they belong to (dicts or ``ingest.model.Document``), for their province.
        province: "Đồng Nai", "dong nai".
        plan_index: "PAPI", "PAR INDEX", "SIPAS", "PCI".
        n: how many to return.

    Returns:
        Taxonomy paths, lowest first, e.g. ``["Quản trị môi trường › Chất lượng nước", …]``; ``[]`` when the
        province has no score rows for the index.
    """
    vocab = vocab or load_vocabulary()
    levels = load_levels(vocab.folder)
    index = vocab.match_index(plan_index) or plan_index
    docs = {value_of(d, "doc_id", ""): d for d in documents}
    found: dict[str, tuple[int, float | None, float, int, Component]] = {}
    order = {c.path: i for i, c in enumerate(vocab.components(index))}
    for s in scores:
        doc = docs.get(value_of(s, "doc_id", ""))
        where = value_of(s, "province", "") or (value_of(doc, "province", "") if doc is not None else "")
        if (
            not _same_province(vocab, where, province)
            or (vocab.match_index(value_of(s, "plan_index", "")) or "") != index
        ):
            continue
        node = node_of(vocab, index, value_of(s, "component", ""))
        result = _latest_result(value_of(s, "values", ()), levels) if node else None
        if node is None or result is None:
            continue
        if node.path not in found or result[0] > found[node.path][0]:
            found[node.path] = (*result, order.get(node.path, len(order)), node)
    scored_dims = {v[4].dimension for v in found.values() if v[4].sub}
    leaves = [v for v in found.values() if v[4].sub or v[4].dimension not in scored_dims]
    scaled = [v for v in leaves if v[1] is not None]
    ranked = sorted(scaled, key=lambda v: (v[1], v[3])) if scaled else sorted(leaves, key=lambda v: (v[2], v[3]))
    return [v[4].path for v in ranked[: max(n, 0)]]


# -- precedents -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Precedent:
    """One row of another plan that a draft may reuse, with where it stands.

    ``level`` is the agency level the plan speaks for ("tỉnh", "huyện"; "" when the plan does not say).
    ``broader``: filed under the asked sub-dimension's dimension, not under it. ``also``: citations of the
    same solution worded (almost) the same in other rows, merged into this one.
    """

    record_id: str
    doc_id: str
    source: str
    doc_number: str
    issuer: str
    province: str
    level: str
    year: int | None
    plan_index: str
    component: str
    node: str
    target: str
    tasks: str
    lead: tuple[str, ...]
    coop: tuple[str, ...]
    deadline: str
    location: str
    broader: bool = False
    also: tuple[str, ...] = ()

    def cite(self) -> str:
        """ "336/KH-UBND · UBND tỉnh Đồng Nai · Đồng Nai · 2024 — Phụ lục 11 › I. Chỉ số PAPI › 4"."""
        head = " · ".join(
            p for p in (self.doc_number or self.source, self.issuer, self.province, str(self.year or "")) if p
        )
        return f"{head} — {self.location}" if self.location else head


def _plan_level(doc: Any, levels: Levels, vocab: Vocabulary) -> str:
    """The agency level a plan speaks for: a province's or a department's plan "tỉnh", a district's "huyện";
    a "thành phố" without a locality is a centrally-run city, a province."""
    level = str(value_of(doc, "level", "")).strip().lower()
    if (
        level == "thành phố"
        and not value_of(doc, "locality", "")
        and vocab.province_kind(value_of(doc, "province", "")) == "thành phố"
    ):
        return "tỉnh"
    return levels.levels.get(level, "")


def is_solution(text: str, vocab: Vocabulary) -> bool:
    """Whether a record's task text is a task: not empty, and not just an agency's name (a table's unit
    column read as the task)."""
    text = " ".join((text or "").split())
    return bool(text) and fold_words(vocab.canonical_agency(text) or "") != fold_words(text)


def _words(text: str) -> frozenset[str]:
    return frozenset(fold_words(text).split())


def _date_key(doc: Any) -> tuple[int, int, int]:
    parts = [int(p) if p.isdigit() else 0 for p in re.split(r"[/.-]", str(value_of(doc, "issue_date", "")))]
    day, month = (parts + [0, 0])[:2] if len(parts) >= 3 else (0, 0)
    return int(value_of(doc, "year", 0) or 0), month, day


def precedents(
    records: Sequence[Any], documents: Sequence[Any], plan_index: str, component: str, *,
    exclude_province: str, vocab: Vocabulary | None = None,
) -> list[Precedent]:  # fmt: skip
    """Rows of other provinces' plans for the taxonomy node ``component`` names, best first.

    Best first: rows filed under the node itself before rows filed under its dimension; rows with a task and
    a lead agency first; then the most recent plan. A task worded (almost) the same as a better row's is
    merged into it (its citation kept in ``also``).

    Args:
        records: assignment records (``planqa records --json`` dicts, or ``ingest.model.Assignment``).
        documents: their documents (dicts or ``ingest.model.Document``): province, number, issuer, year.
        plan_index: "PAPI", "PAR INDEX", "SIPAS", "PCI".
        component: a taxonomy path ("Quản trị môi trường › Chất lượng nước") or a plan's wording of it.
        exclude_province: the drafting province, whose own plans are no precedent.

    Returns:
        :class:`Precedent` rows; ``[]`` when no other province plans anything for the node.
    """
    vocab = vocab or load_vocabulary()
    levels = load_levels(vocab.folder)
    index = vocab.match_index(plan_index) or plan_index
    asked = node_of(vocab, index, component)
    asked_key = fold_words(component.split(" › ")[-1])
    docs = {value_of(d, "doc_id", ""): d for d in documents}
    nodes: dict[str, Component | None] = {}
    ranked: list[tuple[tuple[Any, ...], Precedent]] = []
    for i, r in enumerate(records):
        doc = docs.get(value_of(r, "doc_id", ""), {})
        province = value_of(r, "province", "") or value_of(doc, "province", "")
        if (
            _same_province(vocab, province, exclude_province)
            or (vocab.match_index(value_of(r, "plan_index", "")) or "") != index
        ):
            continue
        path = value_of(r, "component", "")
        if path not in nodes:
            nodes[path] = node_of(vocab, index, path)
        relation = _relation(asked, asked_key, nodes[path], fold_words(path.split(" › ")[-1]))
        if relation is None:
            continue
        node = nodes[path]
        p = Precedent(
            record_id=value_of(r, "record_id", ""), doc_id=value_of(r, "doc_id", ""), source=value_of(r, "source", "") or value_of(doc, "source", ""),
            doc_number=value_of(r, "doc_number", "") or value_of(doc, "doc_number", ""), issuer=value_of(doc, "issuer", ""),
            province=province, level=_plan_level(doc, levels, vocab), year=value_of(doc, "year", None), plan_index=index,
            component=path, node=node.path if node else "", target=value_of(r, "target", ""), tasks=value_of(r, "tasks", ""),
            lead=tuple(value_of(r, "lead", ())), coop=tuple(value_of(r, "coop", ())), deadline=value_of(r, "deadline", ""),
            location=value_of(r, "location", ""), broader=relation == 1,
        )  # fmt: skip
        task = is_solution(p.tasks, vocab)
        recency = _date_key(doc)
        ranked.append(((relation, not (task and p.lead), not task, tuple(-x for x in recency), i), p))
    kept: list[tuple[frozenset[str], Precedent, list[str]]] = []
    for _, p in sorted(ranked, key=lambda x: x[0]):
        words = _words(p.tasks or p.target)
        twin = next((k for k in kept if words and len(words & k[0]) / len(words | k[0]) >= SAME_TASK), None)
        if twin is not None:
            twin[2].append(p.cite())
        else:
            kept.append((words, p, []))
    return [Precedent(**{**p.__dict__, "also": tuple(also)}) for _, p, also in kept]


# -- the draft --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    """A line of the "Nguồn" list: the precedent row marker ``n`` points at."""

    n: int
    precedent: Precedent
    mapped: tuple[tuple[str, str], ...] = ()  # (agency as the precedent names it, as the draft names it)

    def line(self) -> str:
        """ "[1] 336/KH-UBND · UBND tỉnh Đồng Nai · Đồng Nai · 2024 — Phụ lục 11 › I. Chỉ số PAPI › 4"."""
        text = f"[{self.n}] {self.precedent.cite()}"
        if self.mapped:
            text += "; cơ quan theo cấp: " + "; ".join(f"{a} → {b}" for a, b in self.mapped)
        if self.precedent.also:
            text += "; cùng giải pháp tại: " + "; ".join(self.precedent.also)
        return text


@dataclass(frozen=True)
class DraftRow:
    """One row of the draft table; ``""`` is a cell left for the drafter; ``n`` is the source marker."""

    stt: int
    component: str
    target: str
    tasks: str
    lead: tuple[str, ...]
    coop: tuple[str, ...]
    deadline: str
    n: int | None


@dataclass(frozen=True)
class DraftPlan:
    """A draft appendix: its title, the table rows and the sources their markers point at."""

    title: str
    subtitle: str
    note: str
    target: Target
    plan_index: str
    components: tuple[str, ...]
    rows: tuple[DraftRow, ...]
    sources: tuple[Source, ...]


def _generic_target(text: str, levels: Levels, vocab: Vocabulary, src: str, dst: str) -> bool:
    """A target any place may adopt: it names no place, no level of the source's own that the draft lacks,
    and no figure but whole ones ("100%"); "Trên 80%", "ít nhất 03 sáng kiến" were set for one place."""
    if not text.strip() or vocab.find_provinces(text):
        return False
    if src != dst and _has(text, [fold(w) for w in levels.words.get(src, ())]):
        return False
    rest = _LEGAL.sub(" ", text)
    figures = re.findall(r"\d+(?:[.,]\d+)*\s*%?", rest)
    return all(re.sub(r"\s+", "", f) in levels.generic_figures for f in figures)


def _recurring(deadline: str, levels: Levels) -> bool:
    low = fold_words(deadline)
    return bool(low) and any(low == p or low.startswith(p + " ") for p in levels.recurring) and not _YEAR.search(low)


def build_draft(
    records: Sequence[Any], documents: Sequence[Any], scores: Sequence[Any] = (), *, place: str,
    plan_index: str, components: Sequence[str] = (), level: str = "tỉnh", per_component: int = PER_COMPONENT,
    vocab: Vocabulary | None = None,
) -> DraftPlan:  # fmt: skip
    """Compose the draft for ``place`` from the precedents of other provinces' plans.

    Args:
        records: assignment records of the knowledge base (``planqa records --json`` dicts).
        documents: their documents (``planqa docs --json`` dicts, e.g. ``service.catalog().documents``).
        scores: score records; used for the default components (the place's weakest) when none are given.
        place: a province ("Bình Phước", in the knowledge base or not) or a locality ("Tam Đường").
        plan_index: "PAPI", "PAR INDEX", "SIPAS", "PCI".
        components: taxonomy paths (or a plan's wording of them) to improve; default: the weakest three.
        level: "tỉnh" or "huyện" (or the locality's own word: "thị xã", "thành phố", "quận").
        per_component: precedent rows per component.

    Returns:
        The :class:`DraftPlan`; a component no other plan has a row for gets one row left for the drafter.

    Raises:
        DraftError: the place or index is unknown, or no component is chosen and the place has no scores.
    """
    vocab = vocab or load_vocabulary()
    levels = load_levels(vocab.folder)
    target = resolve_target(place, level, vocab=vocab)
    if not target.province:
        raise DraftError(
            f"Không nhận ra tỉnh/thành phố “{place}”; hãy nhập tên một tỉnh, thành phố (có dấu hoặc không dấu, vd. “Bình Phước”, “binh phuoc”)"
        )
    index = vocab.match_index(plan_index) or ""
    if not index:
        raise DraftError(f"Không nhận ra chỉ số “{plan_index}”; hãy chọn PAPI, PAR INDEX, SIPAS hoặc PCI")
    chosen = [c.strip() for c in components if c and c.strip()]
    chosen = chosen or weakest_components(scores, documents, target.province, index, vocab=vocab)
    if not chosen:
        raise DraftError(f"Chưa chọn thành phần nào của Chỉ số {index}, và {target.label} chưa có điểm số trong kho")
    rows: list[DraftRow] = []
    sources: list[Source] = []
    used: set[str] = set()
    for component in dict.fromkeys(chosen):
        node = node_of(vocab, index, component)
        label = node.path if node else component
        found = [
            p
            for p in precedents(records, documents, index, component, exclude_province=target.province, vocab=vocab)
            if is_solution(p.tasks, vocab) and p.record_id not in used  # a row serves the first component only
        ]
        if not found:
            rows.append(DraftRow(len(rows) + 1, label, "", "", (), (), "", None))
            continue
        for p in found[:per_component]:
            used.add(p.record_id)
            n = len(sources) + 1
            src = p.level
            mapped: list[tuple[str, str]] = []

            def carry(
                names: tuple[str, ...], src: str = src, mapped: list[tuple[str, str]] = mapped
            ) -> tuple[str, ...]:
                out = []
                for a in names:
                    b = map_name(vocab, levels, a, target, src or None)
                    if b != a:
                        mapped.append((a, b))
                    out.append(b)
                return tuple(dict.fromkeys(out))

            lead, coop = carry(p.lead), carry(p.coop)
            target_text = (
                p.target if _generic_target(p.target, levels, vocab, src or target.level, target.level) else ""
            )
            deadline = p.deadline if _recurring(p.deadline, levels) else ""
            rows.append(DraftRow(len(rows) + 1, label, target_text, p.tasks, lead, coop, deadline, n))
            sources.append(Source(n, p, tuple(dict.fromkeys(mapped))))
    return DraftPlan(
        title="PHỤ LỤC … (DỰ THẢO)",
        subtitle=f"Nhiệm vụ, giải pháp nâng cao Chỉ số {index} của {target.label}",
        note=(
            "Bản dự thảo do planqa soạn từ các dòng nhiệm vụ, giải pháp trong kế hoạch của địa phương khác. "
            "Mỗi ô đã điền có số chú thích trỏ tới dòng nguồn ở mục Nguồn; cơ quan đã được chuyển sang cấp "
            f"tương ứng; ô ghi “{BLANK}” dành cho người soạn điền theo tình hình địa phương."
        ),
        target=target,
        plan_index=index,
        components=tuple(dict.fromkeys(chosen)),
        rows=tuple(rows),
        sources=tuple(sources),
    )


def draft_for(
    service: Any, province: str, level: str, plan_index: str, components: Sequence[str], folder: Path | str
) -> tuple[str, Path]:
    """The app's "Soạn dự thảo": the Markdown preview and the .docx written into ``folder``.

    Args:
        service: a ``ui.service.PlanqaService``.
        province: the place typed or picked ("Bình Phước", "Tam Đường").
        level: "tỉnh" or "huyện".
        plan_index: "PAPI", "PAR INDEX", "SIPAS", "PCI".
        components: the components to improve; empty: the place's weakest (when it has score rows).
        folder: where the .docx goes (a folder the caller owns).

    Raises:
        DraftError: a sentence for the drafter (unknown place or index, nothing chosen).
    """
    from ui.export import slug

    documents = service.catalog().documents
    scores = scores_of(service) if not [c for c in components if c and c.strip()] else []
    draft = build_draft(
        service.assignments(), documents, scores, place=province, plan_index=plan_index, components=components,
        level=level, vocab=service.vocab,
    )  # fmt: skip
    from ui.draft_docx import draft_markdown, write_draft_docx

    path = write_draft_docx(draft, Path(folder) / f"{slug('du thao', draft.plan_index, draft.target.label)}.docx")
    return draft_markdown(draft), path


def scores_of(service: Any) -> list[dict[str, Any]]:
    """The knowledge base's score records: ``service.scores()`` when the service has it, else read from its
    store file directly (read-only; SQLite lets a reader in beside the service's own connection)."""
    if callable(getattr(service, "scores", None)):
        return list(service.scores())
    from index_store.sqlite_store import Store

    with Store(service.kb_dir, readonly=True) as store:
        return store.scores()


def weakest_for(service: Any, province: str, plan_index: str, n: int = 3) -> list[str]:
    """The components to pre-fill the app's picker with: ``province``'s weakest of ``plan_index``."""
    vocab = service.vocab
    place = vocab.province_of(province or "") or province
    return weakest_components(scores_of(service), service.catalog().documents, place, plan_index, n, vocab=vocab)
