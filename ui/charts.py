"""Figures a trainer can show: each component's result against its target, read from the score records.

A score record keeps its figures as written, with their column labels: ``(("Năm 2023", "2.99/10.00"),
("Chỉ tiêu đến năm 2025", "5.10/10.00"))``. :func:`read_value` reads one cell ("2.99/10.00", "2,99",
"65,5%", "≥ 5,10", "Trên 75%", "80.23% (xếp thứ 45/63)"); a cell it cannot read as one figure ("Tăng 0,5
điểm", "20-30") is listed in :attr:`ChartData.unread`, never guessed. A column label says whether the
figure is a result or a target (the labels plans write: "Chỉ tiêu đến năm 2025", "Mục tiêu năm 2024"),
its year, and whether it is a rank ("Thứ hạng", "Vị trí xếp hạng"), which is kept aside and not drawn.

:func:`score_series` builds a plan's chart (one item per score row, in taxonomy order); :func:`across_plans`
one component across plans (one item per plan). :func:`figure` draws either as grouped horizontal bars
(matplotlib, Agg, no pyplot state, DejaVu Sans which has the Vietnamese glyphs); every bar is labelled
with the figure as written. The figure has its own white background and dark text, so it reads the same
in the app's light and dark themes and on paper.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.textnorm import fold
from ui.taxonomy import canonical_index, is_total, names_index, node_of, numbers, value_of

FONT = "DejaVu Sans"
BACKGROUND, INK, GRID = "#ffffff", "#1f2328", "#d0d7de"
RESULT_COLOURS = ("#0072B2", "#56B4E9", "#004B74")  # Okabe–Ito blues: results, oldest year first
TARGET_COLOURS = ("#E69F00", "#D55E00", "#B8860B")  # oranges: targets
# Column-label words (folded) that make a figure a target, and those that make it a rank.
TARGET_WORDS = ("chi tieu", "muc tieu", "ke hoach", "phan dau", "du kien", "target")
RANK_WORDS = ("xep hang", "thu hang", "vi tri", "rank")
PERCENT_WORDS = ("ty le", "(%)")
# Words before a figure that bound it: "Trên 75%", "≥ 5,10", "Tối thiểu 80%" (folded).
_BOUNDS = {
    "≥": "≥", ">=": "≥", "toi thieu": "≥", "it nhat": "≥", "khong duoi": "≥", "khong thap hon": "≥",
    "dat tu": "≥", "tu": "≥", ">": ">", "tren": ">", "dat tren": ">", "cao hon": ">",
    "≤": "≤", "<=": "≤", "toi da": "≤", "khong qua": "≤", "<": "<", "duoi": "<", "khoang": "~", "dat": "",
}  # fmt: skip
_NUM = r"\d+(?:[.,]\d+)*"
_VALUE = re.compile(
    r"^(?:(?P<bound>" + "|".join(sorted(map(re.escape, _BOUNDS), key=len, reverse=True)) + r")\s*)?"
    rf"(?P<num>{_NUM})\s*(?:(?P<pct>%)|/\s*(?P<max>{_NUM})|diem)?\s*\.?$"
)
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_PARENS = re.compile(r"\([^()]*\)")


@dataclass(frozen=True)
class Reading:
    """One figure read from a score record's cell.

    Attributes:
        label: the column label as written ("Chỉ tiêu đến năm 2025 · Điểm số").
        text: the cell as written ("5.10/10.00").
        value: the number read (5.1).
        scale: the top of the scale (10.0 from "/10.00", 100.0 for a percentage), ``None`` when not said.
        role: "result" or "target".
        year: the year in the label, or ``None``.
        bound: "", "≥", ">", "≤", "<" or "~" when the cell bounds the figure ("Trên 75%" → ">").
        measure: "score" or "percent" (the label's "Tỷ lệ (%)").
        record_id: the score record the cell is in.
    """

    label: str
    text: str
    value: float
    scale: float | None
    role: str
    year: int | None
    bound: str
    measure: str
    record_id: str

    @property
    def series(self) -> tuple[str, int | None]:
        """``(role, year)``: the bar group this figure belongs to."""
        return self.role, self.year


@dataclass(frozen=True)
class Unread:
    """A cell that is not one figure ("Tăng 0,5 điểm"): shown to the reader, never drawn."""

    record_id: str
    label: str
    text: str


@dataclass(frozen=True)
class ChartItem:
    """One bar group: a component of a plan (or, across plans, a plan).

    Attributes:
        label: what the axis shows ("7. Quản trị môi trường", "7.3 Chất lượng nước", "336/KH-UBND · Đồng Nai").
        path: the taxonomy node's path, or the component as written when it names no node.
        level: 0 for a table's total, 1 for a dimension (or a row that names no node), 2 for a sub-dimension.
        readings: the figures read, in the record's column order.
        ranks: ``(label, text)`` of the rank cells, as written (not drawn).
        record_ids: the score records the item comes from.
        locations: where each record stands in its document.
        doc_id, doc_number, province: the document.
    """

    label: str
    path: str
    level: int
    readings: tuple[Reading, ...]
    ranks: tuple[tuple[str, str], ...]
    record_ids: tuple[str, ...]
    locations: tuple[str, ...]
    doc_id: str
    doc_number: str
    province: str

    @property
    def scale(self) -> float | None:
        """The top of the item's scale (from its first figure that says one)."""
        return next((r.scale for r in self.readings if r.scale), None)

    def reading(self, series: tuple[str, int | None]) -> Reading | None:
        """The figure drawn for ``series``: the first one read for that role and year (a score before a
        percentage, so "Điểm số 9.07/9.5" is drawn rather than "Tỷ lệ 95.47")."""
        found = [r for r in self.readings if r.series == series]
        return next((r for r in found if r.measure == "score"), found[0] if found else None)


@dataclass(frozen=True)
class ChartData:
    """What a chart shows, every figure traced to a score record.

    Attributes:
        title: the chart's title ("PAPI · Đồng Nai (336/KH-UBND)").
        plan_index: the canonical index.
        items: the bar groups, in taxonomy (or document) order.
        totals: the tables' total rows ("TỔNG 39.92/80"), shown in the subtitle rather than as bars.
        series: ``(role, year)`` of the bar groups, results first, then targets, each by year.
        unread: the cells that are not one figure.
    """

    title: str
    plan_index: str
    items: tuple[ChartItem, ...]
    totals: tuple[ChartItem, ...] = ()
    series: tuple[tuple[str, int | None], ...] = ()
    unread: tuple[Unread, ...] = ()


# -- reading cells ---------------------------------------------------------------------------------------
def _number(text: str) -> float:
    """ "2,99" → 2.99, "9.513" → 9.513, "1.234,5" → 1234.5: with both marks the last one is the decimal one;
    one mark alone is a decimal mark (index scores are small numbers)."""
    if "," in text and "." in text:
        cut = max(text.rfind(","), text.rfind("."))
        return float(re.sub(r"[.,]", "", text[:cut]) + "." + text[cut + 1 :])
    for mark in ",.":
        if text.count(mark) == 1:
            return float(text.replace(mark, "."))
        if text.count(mark) > 1:
            return float(text.replace(mark, ""))
    return float(text)


def read_value(text: str) -> tuple[float, float | None, str] | None:
    """One cell → ``(value, scale, bound)``, or ``None`` when it is not one figure.

    Example:
        >>> read_value("2.99/10.00"), read_value("65,5%"), read_value("≥ 5,10"), read_value("Tăng 0,5 điểm")
        ((2.99, 10.0, ''), (65.5, 100.0, ''), (5.1, None, '≥'), None)
    """
    folded = fold(_PARENS.sub(" ", text or "")).strip()
    m = _VALUE.match(folded)
    if not m:
        return None
    value = _number(m["num"])
    scale = 100.0 if m["pct"] else _number(m["max"]) if m["max"] else None
    return value, scale or None, _BOUNDS.get(m["bound"] or "", "")


def _label_kind(label: str) -> tuple[str, int | None, str]:
    """A column label → ``(role, year, measure)``; measure "rank" is not a figure to draw."""
    folded = fold(label)
    role = "target" if any(w in folded for w in TARGET_WORDS) else "result"
    years = _YEAR.findall(folded)
    measure = (
        "rank"
        if any(w in folded for w in RANK_WORDS)
        else "percent"
        if any(w in folded for w in PERCENT_WORDS)
        else "score"
    )
    return role, (int(years[-1]) if years else None), measure


def _readings(
    record_id: str, values: Iterable[Sequence[str]]
) -> tuple[list[Reading], list[tuple[str, str]], list[Unread]]:
    readings: list[Reading] = []
    ranks: list[tuple[str, str]] = []
    unread: list[Unread] = []
    for label, text in values:
        role, year, measure = _label_kind(label)
        read = read_value(text)
        if measure == "rank" or (read is None and re.search(r"\bxep (thu|hang)\b", fold(text))):
            ranks.append((label, text))
            continue
        if read is None:
            unread.append(Unread(record_id, label, text))
            continue
        value, scale, bound = read
        if scale is None and measure == "percent":
            scale = 100.0
        readings.append(Reading(label, text, value, scale, role, year, bound, measure, record_id))
    return readings, ranks, unread


# -- choosing records ------------------------------------------------------------------------------------
def _documents(documents: Sequence[Any], wanted: str, vocab: Any) -> list[Any]:
    """The documents ``wanted`` names: a doc_id, file name or document number, a locality, or a province."""
    key = fold(wanted)
    exact = [d for d in documents if key in {fold(value_of(d, k) or "") for k in ("doc_id", "source", "doc_number")}]
    if exact:
        return exact
    local = [d for d in documents if value_of(d, "locality") and fold(value_of(d, "locality")) == key]
    if local:
        return local
    provinces = {key} | {fold(p) for p in (vocab.find_provinces(wanted) if vocab is not None else ())}
    return [d for d in documents if fold(value_of(d, "province") or "") in provinces]


def _vocab(vocab: Any) -> Any:
    if vocab is not None:
        return vocab
    from ingest.vocab import load_vocabulary

    return load_vocabulary()


def _series(items: Sequence[ChartItem]) -> tuple[tuple[str, int | None], ...]:
    keys = {r.series for item in items for r in item.readings}
    return tuple(sorted(keys, key=lambda k: (k[0] != "result", k[1] or 0)))


def _doc_name(doc: Any) -> str:
    return str(value_of(doc, "doc_number") or value_of(doc, "source") or "")


def _rows_of(
    scores: Iterable[Any], by_id: dict[Any, Any], vocab: Any, index: str
) -> Iterator[tuple[int, Any, Any, str, Any]]:
    """(position, record, document, component as written, taxonomy node) of each score row of ``index`` in the
    documents ``by_id``."""
    for n, rec in enumerate(scores):
        doc = by_id.get(value_of(rec, "doc_id"))
        if doc is None or canonical_index(vocab, value_of(rec, "plan_index")) != index:
            continue
        text = value_of(rec, "component") or ""
        yield n, rec, doc, text, node_of(vocab, index, text)


def score_series(
    scores: Iterable[Any],
    documents: Sequence[Any],
    plan_index: str,
    province_or_doc: str,
    *,
    component: str | None = None,
    dimensions_only: bool = False,
    vocab: Any = None,
) -> ChartData:
    """One plan's (or one province's) results and targets for ``plan_index``, component by component.

    Args:
        scores: score records (``Store.scores()`` dicts or ``ingest.model.Score``).
        documents: ``planqa docs --json`` dicts (or ``Document``s).
        plan_index: "PAPI", "par index", …
        province_or_doc: "Đồng Nai", "dong nai", a locality ("Tam Đường"), a doc_id, file name or number.
        component: only this taxonomy node and what is below it ("Quản trị môi trường").
        dimensions_only: leave sub-dimensions out (an overview of an index's dimensions).
        vocab: the vocabulary (the bundled one when ``None``).

    Returns:
        The chart's data; every figure is a cell of one of the records (see :class:`Reading`).

    Example:
        >>> chart = score_series(store.scores(), docs, "PAPI", "Đồng Nai")  # doctest: +SKIP
        >>> chart.items[0].label, [r.text for r in chart.items[0].readings]  # doctest: +SKIP
        ('1. Tham gia của người dân ở cấp cơ sở', ['4.34/10.00', '6.90/10.00'])
    """
    vocab = _vocab(vocab)
    index = canonical_index(vocab, plan_index) or plan_index
    docs = _documents(documents, province_or_doc, vocab)
    by_id = {value_of(d, "doc_id"): d for d in docs}
    nums = numbers(vocab, index)
    order = {path: n for n, path in enumerate(nums)}
    scope = node_of(vocab, index, component) if component else None
    items: list[tuple[tuple[int, int, int], ChartItem]] = []
    totals: list[ChartItem] = []
    unread: list[Unread] = []
    for n, rec, doc, text, node in _rows_of(scores, by_id, vocab, index):
        # a table's "TỔNG" row, or a row for the index as a whole ("Chỉ số hài lòng về … (SIPAS)")
        total = is_total(vocab, text) or (node is None and bool(text.strip()) and names_index(vocab, index, text))
        if component and not _in_scope(node, scope, component, text, total):
            continue
        if dimensions_only and node is not None and node.sub is not None:
            continue
        if node is not None:
            number = nums.get(node.path, "")
            label = f"{number} {node.sub}" if node.sub else f"{number}. {node.dimension}"
            level, path = (2 if node.sub else 1), node.path
        else:
            label, level, path = (text or "Tổng"), (0 if total else 1), text
        item = _item(rec, doc, label, path, level, unread)
        if total:
            totals.append(item)
        else:
            items.append(((order.get(path, len(order)), docs.index(doc), n), item))
    ordered = [item for _, item in sorted(items, key=lambda pair: pair[0])]
    ordered = _disambiguate(ordered, several=len({i.doc_id for i in ordered}) > 1)
    names = sorted({i.doc_number for i in ordered + totals if i.doc_number})
    place = province_or_doc
    if docs:  # the place as the documents spell it, not as typed ("dong nai")
        first = docs[0]
        local = value_of(first, "locality") if fold(value_of(first, "locality") or "") == fold(province_or_doc) else ""
        place = ", ".join(p for p in (local, value_of(first, "province")) if p) or province_or_doc
    title = f"{index} · {place}" + (f" ({', '.join(names)})" if names else "")
    return ChartData(title, index, tuple(ordered), tuple(totals), _series(ordered), tuple(unread))


def _item(rec: Any, doc: Any, label: str, path: str, level: int, unread: list[Unread]) -> ChartItem:
    """One score record as a bar group; the cells it cannot read go to ``unread``."""
    record_id = value_of(rec, "record_id") or ""
    readings, ranks, bad = _readings(record_id, value_of(rec, "values") or ())
    unread.extend(bad)
    where = (value_of(rec, "location") or "",)
    doc_id, province = value_of(doc, "doc_id") or "", value_of(doc, "province") or ""
    return ChartItem(
        label, path, level, tuple(readings), tuple(ranks), (record_id,), where, doc_id, _doc_name(doc), province
    )


def _in_scope(node: Any, scope: Any, component: str, text: str, total: bool) -> bool:
    """Whether a row belongs to the asked ``component``: its node is the asked node or below it (or, for a
    component that names no node, its text contains the asked text)."""
    if scope is None:
        return fold(component) in fold(text)
    return not total and node is not None and (node.path == scope.path or node.path.startswith(scope.path + " › "))


def _disambiguate(items: list[ChartItem], *, several: bool) -> list[ChartItem]:
    """Two items with one label (a plan that writes a component twice, two plans of one province) get
    the document number or the row's place appended: "6. Cung ứng dịch vụ công (mục 4.2)"."""
    counts: dict[str, int] = {}
    for item in items:
        counts[item.label] = counts.get(item.label, 0) + 1
    out = []
    for item in items:
        if counts[item.label] > 1:
            where = item.doc_number if several else "mục " + item.locations[0].split(" › ")[-1]
            item = ChartItem(**{**item.__dict__, "label": f"{item.label} ({where})"})
        out.append(item)
    return out


def across_plans(
    scores: Iterable[Any], documents: Sequence[Any], plan_index: str, component: str, *, vocab: Any = None
) -> ChartData:
    """One component across plans: one bar group per score record of it, labelled by its document.

    Args:
        scores: score records (``Store.scores()`` dicts or ``ingest.model.Score``).
        documents: ``planqa docs --json`` dicts (or ``Document``s).
        plan_index: "PAR INDEX", …
        component: a node path, typed text ("cai cach the che"), or a picker value ("PAR INDEX|Cải cách thể chế").
        vocab: the vocabulary (the bundled one when ``None``).

    Returns:
        The chart's data, plans ordered by province then document.
    """
    vocab = _vocab(vocab)
    if "|" in component:
        plan_index, _, component = component.partition("|")
    index = canonical_index(vocab, plan_index) or plan_index
    node = node_of(vocab, index, component) or vocab.match_component(component, index)
    path = node.path if node is not None else component
    by_id = {value_of(d, "doc_id"): d for d in documents}
    items: list[tuple[tuple[str, str, int], ChartItem]] = []
    unread: list[Unread] = []
    for n, rec, doc, text, found in _rows_of(scores, by_id, vocab, index):
        if (found.path if found is not None else text) != path:
            continue
        label = " · ".join(p for p in (_doc_name(doc), value_of(doc, "locality"), value_of(doc, "province")) if p)
        item = _item(rec, doc, label, path, 1, unread)
        items.append(((fold(value_of(doc, "province") or ""), _doc_name(doc), n), item))
    ordered = [item for _, item in sorted(items, key=lambda pair: pair[0])]
    number = numbers(vocab, index).get(path, "")
    name = path.split(" › ")[-1]
    numbered = (f"{number}. " if "." not in number else f"{number} ") if number else ""
    title = f"{index} · {numbered}{name}: các kế hoạch"
    return ChartData(title, index, tuple(ordered), (), _series(ordered), tuple(unread))


# -- drawing ---------------------------------------------------------------------------------------------
def series_name(series: tuple[str, int | None]) -> str:
    """ "Kết quả 2023", "Chỉ tiêu 2025"."""
    role, year = series
    name = "Kết quả" if role == "result" else "Chỉ tiêu"
    return f"{name} {year}" if year else name


def _colour(series: tuple[str, int | None], all_series: Sequence[tuple[str, int | None]]) -> str:
    same = [s for s in all_series if s[0] == series[0]]
    palette = RESULT_COLOURS if series[0] == "result" else TARGET_COLOURS
    return palette[same.index(series) % len(palette)]


def _format(x: float) -> str:
    return f"{x:g}"


def figure(chart: ChartData, *, width: float = 10.0) -> Any:
    """Draw ``chart`` as grouped horizontal bars: per item, one bar per result/target year.

    When the items share one scale (PAPI dimensions out of 10, SIPAS percentages) the axis is that scale;
    when they do not (a dimension out of 10 beside its subs out of 2.5), each bar is drawn as a share of its
    own scale and the axis reads "% thang điểm". Every bar ends with the figure as written.

    Returns:
        A ``matplotlib.figure.Figure`` (Agg canvas; give it to ``gr.Plot`` or :func:`write_png`).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    items, series = chart.items, chart.series
    groups = max(len(items), 1)
    bar = 0.8 / max(len(series), 1)
    height = min(2.0 + groups * max(0.32, bar * len(series) * 0.42), 60.0)
    fig = Figure(figsize=(width, height), dpi=100, facecolor=BACKGROUND)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_facecolor(BACKGROUND)
    subtitle = "; ".join(
        f"{t.label}: " + ", ".join(f"{series_name(r.series)} {r.text}" for r in t.readings) for t in chart.totals
    )
    fig.suptitle(chart.title, fontfamily=FONT, fontsize=12, fontweight="bold", color=INK, x=0.01, ha="left")
    if subtitle:
        ax.set_title(textwrap.shorten(subtitle, 160), fontfamily=FONT, fontsize=9, color=INK, loc="left", pad=20)
    if not items or not series:
        ax.text(
            0.5, 0.5, "Không có số liệu kết quả/chỉ tiêu để vẽ.", ha="center", va="center", fontfamily=FONT, color=INK
        )
        ax.set_axis_off()
        return fig
    scales = {i.scale for i in items if i.readings}
    common = next(iter(scales)) if len(scales) == 1 else None
    share = len(scales) > 1 and None not in scales
    top = 100.0 if share else (common or max((r.value for i in items for r in i.readings), default=1.0))
    # each item's bars sit together, in series order, whatever series it lacks
    slots: dict[tuple[int, tuple[str, int | None]], float] = {}
    for n, item in enumerate(items):
        present = [key for key in series if item.reading(key) is not None]
        step = 0.8 / max(len(present), 1)
        for k, key in enumerate(present):
            slots[(n, key)] = n - 0.4 + step * (k + 0.5)
    bar = 0.8 / max(max((sum(1 for k in series if (n, k) in slots) for n in range(len(items))), default=1), 1)
    for key in series:
        ys, xs, texts = [], [], []
        for n, item in enumerate(items):
            reading = item.reading(key)
            if reading is None or (share and not reading.scale):
                continue
            ys.append(slots[(n, key)])
            xs.append(reading.value / reading.scale * 100 if share and reading.scale else reading.value)
            texts.append(reading.text)
        ax.barh(ys, xs, height=bar * 0.92, color=_colour(key, series), label=series_name(key), zorder=2)
        for y, x, text in zip(ys, xs, texts, strict=True):
            ax.text(x + top * 0.01, y, text, va="center", fontsize=7, fontfamily=FONT, color=INK, zorder=3)
    labels = [textwrap.fill(i.label, 46) for i in items]
    ax.set_yticks(range(len(items)), labels=labels, fontfamily=FONT, fontsize=8, color=INK)
    for tick, item in zip(ax.get_yticklabels(), items, strict=True):
        tick.set_fontweight("bold" if item.level <= 1 and any(i.level == 2 for i in items) else "normal")
    ax.set_ylim(len(items) - 0.5, -0.5)
    ax.set_xlim(0, top * 1.18)
    ax.axvline(top, color=GRID, linestyle="--", linewidth=1, zorder=1)
    axis = (
        "% thang điểm (mỗi thanh theo thang điểm ghi trong văn bản)"
        if share
        else f"Điểm (tối đa {_format(top)})"
        if common
        else "Giá trị"
    )
    ax.set_xlabel(axis, fontfamily=FONT, color=INK)
    ax.tick_params(colors=INK, labelfontfamily=FONT)
    ax.grid(axis="x", color=GRID, linewidth=0.6, zorder=0)
    for spine in ax.spines.values():
        spine.set_color(GRID)
    # the legend sits just above the bars, under the totals line, where no bar or figure can hide it
    legend = ax.legend(
        loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(series), prop={"family": FONT, "size": 8}, frameon=False
    )
    for entry in legend.get_texts():
        entry.set_color(INK)
    fig.tight_layout()
    return fig


def write_png(chart: ChartData, path: Path | str) -> Path:
    """Draw ``chart`` and save it as a PNG (150 dpi, white background) for a handout; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure(chart).savefig(path, format="png", dpi=150, facecolor=BACKGROUND, bbox_inches="tight")
    return path
