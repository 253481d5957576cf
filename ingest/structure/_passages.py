"""Passages: what retrieval returns and what a citation shows.

Each passage has a one-line context header ("Đồng Nai · 336/KH-UBND · Phụ lục 11 (Sở Tài nguyên và
Môi trường) · PAPI › Quản trị môi trường › Chất lượng nước") so that a row cut from its table still
says whose it is; its text is the row or paragraph group as written. No passage is longer than
:data:`MAX_PASSAGE_CHARS`: a longer text (a table cell of thousands of lines, a paragraph with no line
breaks) becomes several passages with the same header, location, component and agencies.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ingest.model import ROW_LABELS, Assignment, Document, Para, Passage, RawDocument, Table, stable_id
from ingest.structure._cues import Cues, is_total_row, parse_stt
from ingest.structure._prose import ProseUnit
from ingest.structure._records import Context, RowRecord
from ingest.structure._sections import Segment
from ingest.textnorm import fold

_MAX_CHARS = 900  # prose and unread tables are cut into chunks of about this size, at line ends
# The longest passage there is (a row or a paragraph group of 2,600 characters in the bundled plans is
# the longest real one); what retrieval ranks, the embedder reads and a citation shows stays this size.
MAX_PASSAGE_CHARS = 4000
_TITLE_CHARS = 200  # of a row's first line, repeated at the head of each of its continued pieces
_CONTINUED = "(tiếp)"
_NOT_SIGNATURE = ("noi nhan", "luu", "nhu tren", "nhu dieu", "nguon tra cuu")
_LABELS = tuple((role, ROW_LABELS[role]) for role in ("target", "tasks", "deadline"))


class PassageBuilder:
    """Collects a document's passages; ``passages`` holds them in document order of creation."""

    def __init__(self, doc: Document, vocab: Any) -> None:
        self.doc = doc
        self.vocab = vocab
        self.passages: list[Passage] = []
        ref = (
            doc.doc_number
            if re.search(r"\d", doc.doc_number)
            else " ".join(p for p in (doc.doc_number, doc.issuer) if p)
        )
        self._ref = ref or doc.title[:60]

    def _header(self, location: str, owner: Sequence[str], index: str, component: str) -> str:
        where = location.split(" › ")[0] if location else ""
        if owner and where.startswith("Phụ lục"):
            where = f"{where} ({', '.join(owner)})"
        topic = " › ".join(p for p in (index, component) if p)
        return " · ".join(p for p in (self.doc.province, self._ref, where, topic) if p)

    def _add(
        self,
        kind: str,
        header: str,
        text: str,
        location: str,
        span: tuple[int, int],
        *,
        index: str = "",
        component: str = "",
        agencies: Sequence[str] = (),
        record_id: str = "",
        title: str = "",
    ) -> None:
        """One passage, or several when ``text`` is over the cap; each piece after the first opens with
        ``title`` (a row's first line) marked as continued. ``agencies`` may repeat names."""
        self._append(
            kind, header, text, location, span, index, component, tuple(dict.fromkeys(agencies)), record_id, title
        )

    def _append(
        self, kind: str, header: str, text: str, location: str, span: tuple[int, int], index: str, component: str,
        names: tuple[str, ...], record_id: str, title: str,
    ) -> None:  # fmt: skip
        """:meth:`_add` with the agency names already in order and without repeats."""
        for piece in split_text(text.strip(), MAX_PASSAGE_CHARS, title):
            self.passages.append(
                Passage(
                    stable_id(self.doc.doc_id, kind, location, piece),
                    self.doc.doc_id,
                    kind,
                    header,
                    piece,
                    location,
                    span,
                    self.doc.province,
                    index,
                    component,
                    names,
                    record_id,
                )
            )

    def rows(self, rows: Sequence[RowRecord], ctx: Context, owner: tuple[str, ...]) -> None:
        """One passage per table row, with its agencies and figures."""
        for row, index, component, location, rec, score in rows:
            name = row.cells.get("component", "") or row.parent
            lines = [
                f"{row.stt}. {name}".strip(". ")
                if name and parse_stt(row.stt)
                else " ".join(p for p in (row.stt, name) if p)
            ]
            if row.parent and row.cells.get("component"):
                lines.insert(0, row.parent)
            for role, label in _LABELS:
                if row.cells.get(role):
                    lines.append(f"{label}: {row.cells[role]}")
            if row.values:
                lines.append(figures_line(row.values))
            # the cells as written ("Đối tượng điều tra XHH … (Phòng Nội vụ theo dõi)"), else the appendix agency
            lead_text = row.cells.get("lead") or (", ".join(rec.lead) if rec is not None else "")
            if lead_text:
                lines.append(f"{ROW_LABELS['lead']}: {lead_text}")
            coop_text = row.cells.get("coop") or (", ".join(rec.coop) if rec is not None else "")
            if coop_text:
                lines.append(f"{ROW_LABELS['coop']}: {coop_text}")
            agencies = (rec.lead + rec.coop) if rec else owner
            kind = "assignment" if rec is not None else "score"
            rid = rec.record_id if rec else score.record_id if score else ""
            self._add(
                kind,
                self._header(location, owner, index, component),
                "\n".join(x for x in lines if x),
                location,
                ctx.span,
                index=index,
                component=component,
                agencies=agencies,
                record_id=rid,
                title=lines[0],
            )

    def table(self, table: Table, location: str, index: str) -> None:
        """A table no reader understood: its rows as text, in chunks."""
        text = "\n".join(" | ".join(c for c in row if c) for row in table.rows)
        for chunk in _chunks(text.split("\n")):
            self._add(
                "table", self._header(location, (), index, ""), chunk, location, (table.start, table.end), index=index
            )

    def prose(self, units: Sequence[ProseUnit], assignments: Sequence[Assignment]) -> None:
        """Paragraph groups under each heading, cut to a readable size."""
        by_loc: dict[str, list[Assignment]] = {}
        for a in assignments:
            by_loc.setdefault(a.location, []).append(a)
        for unit in units:
            recs = by_loc.get(unit.location, [])
            component = next((a.component for a in recs if a.component), "")
            named = [x for a in recs for x in a.lead + a.coop]
            named += [m.canonical for m in self.vocab.find_agencies(unit.text[:2000])]
            names = tuple(dict.fromkeys(named))  # once for the unit, not again for each of its chunks
            header = self._header(unit.location, (), unit.plan_index, component)
            rid = recs[0].record_id if len(recs) == 1 else ""
            for chunk in _chunks(unit.text.split("\n")):
                self._append(
                    "prose", header, chunk, unit.location, unit.span, unit.plan_index, component, names, rid, ""
                )

    def totals(self, cues: Cues) -> None:
        """Append a table's total row to the paragraph that introduces it under the same heading.

        "1. Đối với Chỉ số … (PAPI) / Phấn đấu … nằm trong nhóm … trung bình cao trở lên." followed by a
        score table whose last row is "TỔNG 39.92/80 → 55.15/80": the goal and the overall figures are
        one answer ("tổng điểm PAPI 2023 và mục tiêu 2025?"), so the introducing passage carries both.
        The total row keeps its own passage.
        """
        lead_of: dict[str, int] = {}
        for i, p in enumerate(self.passages):
            if p.kind == "prose":
                lead_of.setdefault(p.location, i)
        for p in list(self.passages):
            first, _, rest = p.text.partition("\n")
            if p.kind != "score" or not rest or not is_total_row(first, cues):
                continue
            at = lead_of.get(p.location.rpartition(" › ")[0])
            if at is None:
                continue
            lead = self.passages[at]
            text = f"{lead.text}\n{first}: {rest.replace(chr(10), '; ')}"
            if len(text) > MAX_PASSAGE_CHARS:
                continue  # the total keeps its own passage
            pid = stable_id(self.doc.doc_id, lead.kind, lead.location, text)
            self.passages[at] = replace(lead, passage_id=pid, text=text, plan_index=lead.plan_index or p.plan_index)

    def footnotes(self, segments: Sequence[Segment]) -> None:
        """Each footnote is a passage of its own (they often name the document a plan implements)."""
        for seg in segments:
            if isinstance(seg.block, Para):
                self._add(
                    "footnote",
                    self._header("Chú thích", (), "", ""),
                    seg.block.text,
                    "Chú thích",
                    (seg.block.start, seg.block.end),
                )

    def signatures(self, segments: Sequence[Segment]) -> None:
        """The signature block after each "Nơi nhận:" (who signed, with which title: "TM. ỦY BAN NHÂN DÂN /
        KT. CHỦ TỊCH / PHÓ CHỦ TỊCH / Trần Minh Khôi") as a passage of its own."""
        runs: list[list[Segment]] = []
        for seg in segments:
            if seg.role == "closing" and isinstance(seg.block, Para):
                if runs and runs[-1][-1].block.end + 2 >= seg.block.start - 200:
                    runs[-1].append(seg)
                else:
                    runs.append([seg])
        for run in runs:
            lines = [
                line.strip(" *_#") for seg in run if isinstance(seg.block, Para) for line in seg.block.text.split("\n")
                if line.strip(" *_#") and not fold(line).lstrip("-+• *").startswith(_NOT_SIGNATURE)
                and not line.lstrip().startswith(("-", "+", "•"))
            ]  # fmt: skip
            if self.doc.signer in lines:  # what follows the name is the next document's header
                lines = lines[: lines.index(self.doc.signer) + 1]
            if not lines or len(lines) > 8:
                continue
            self._add(
                "signature",
                self._header("Chữ ký", (), "", ""),
                "\n".join(lines),
                "Chữ ký",
                (run[0].block.start, run[-1].block.end),
                agencies=(self.doc.issuer,) if self.doc.issuer else (),
            )

    def document_card(self, raw: RawDocument, segments: Sequence[Segment]) -> None:
        """One passage that states what the plan is: number, date, issuer, signer, what it implements."""
        d = self.doc
        basis = next(
            (
                s.block.text
                for s in segments[:60]
                if isinstance(s.block, Para) and fold(s.block.text).startswith(("thuc hien", "can cu"))
            ),
            "",
        )
        parts = [
            f"Kế hoạch số {d.doc_number}" if d.doc_number else "Kế hoạch",
            f"ngày {d.issue_date}" if d.issue_date else "",
            f"của {d.issuer}" if d.issuer else "",
            f"({d.locality + ', ' if d.locality else ''}{d.province})" if d.province else "",
        ]
        lines = [" ".join(p for p in parts if p) + (f": {d.title}" if d.title else "")]
        if d.signer:
            lines.append(f"Người ký: {d.signer}")
        if d.indices:
            lines.append("Chỉ số: " + ", ".join(d.indices))
        if basis:
            lines.append(basis)
        self._add(
            "document",
            self._header("Thông tin văn bản", (), "", ""),
            "\n".join(lines),
            "Thông tin văn bản",
            (0, min(len(raw.text), 2000)),
            agencies=(d.issuer,) if d.issuer else (),
        )


def figures_line(values: Sequence[tuple[str, str]]) -> str:
    """A row's figures on one line, grouped under their top header as the table shows them.

    ``(("Năm 2023 · Điểm số", "87/100"), ("Năm 2023 · Tỷ lệ (%)", "87"), ("Chỉ tiêu đến năm 2025", "91.9/100"))``
    → ``"Năm 2023: Điểm số 87/100, Tỷ lệ (%) 87; Chỉ tiêu đến năm 2025: 91.9/100"``.
    """
    groups: dict[str, list[str]] = {}
    for label, value in values:
        if value:
            top, _, sub = label.partition(" · ")
            groups.setdefault(top, []).append(f"{sub} {value}" if sub else value)
    return "; ".join(f"{top}: {', '.join(parts)}" for top, parts in groups.items())


def split_text(text: str, cap: int = MAX_PASSAGE_CHARS, title: str = "") -> list[str]:
    """``text`` in pieces of at most ``cap`` characters, cut at a line end, else at a space, else anywhere.

    Each piece after the first starts with ``title`` (cut to 200 characters) and "(tiếp)", so a piece read
    alone still says which row it continues; the pieces are found in one pass over the text.

    Example:
        >>> split_text("1. Tuyên truyền\\n- Tổ chức hội nghị.\\n- Đăng tải tin bài.\\n- Tổng hợp, báo cáo kết quả.",
        ...            cap=60, title="1. Tuyên truyền")
        ['1. Tuyên truyền\\n- Tổ chức hội nghị.\\n- Đăng tải tin bài.', '1. Tuyên truyền (tiếp)\\n- Tổng hợp, báo cáo kết quả.']
    """
    if len(text) <= cap:
        return [text] if text else []
    head = f"{title[:_TITLE_CHARS].strip()} {_CONTINUED}" if title.strip() else ""
    if len(head) + 1 > cap // 2:
        head = ""  # a cap too small to repeat the title in
    room = cap - len(head) - 1 if head else cap
    pieces: list[str] = []
    start, n = 0, len(text)
    while start < n:
        limit = cap if not pieces else room
        if n - start <= limit:
            cut = n
        else:
            end = start + limit
            cut = text.rfind("\n", start + limit // 2, end + 1)
            if cut <= start:
                cut = text.rfind(" ", start + limit // 2, end + 1)
            if cut <= start:
                cut = end
        piece = text[start:cut].strip()
        if piece:
            pieces.append(f"{head}\n{piece}" if pieces and head else piece)
        start = cut
    return pieces


def _chunks(lines: Sequence[str]) -> list[str]:
    out: list[str] = []
    cur: list[str] = []
    size = 0
    for line in lines:
        if cur and size + len(line) > _MAX_CHARS:
            out.append("\n".join(cur))
            cur, size = [], 0
        cur.append(line)
        size += len(line) + 1
    if cur:
        out.append("\n".join(cur))
    return out
