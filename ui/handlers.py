"""What the app's events do, as plain functions over a :class:`ui.service.PlanqaService`.

No Gradio here: each function takes the service and the values of the inputs, and returns the values
of the outputs (markdown, HTML, table rows, file paths). :mod:`ui.app` wires them to components, so
tests call them directly. Bad input raises ``ValueError`` with a sentence a person can act on.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from assistant import mdtext
from assistant.assistant import MAX_QUESTION_CHARS
from assistant.mdtext import md
from index_store.protocols import Filters
from ui import export, messages, render
from ui.catalog import Catalog, resolve_agency, resolve_component, resolve_index, resolve_province
from ui.service import PlanqaService

Message = dict[str, str]
LEVELS = ("tỉnh", "sở", "huyện", "thị xã", "thành phố", "xã")
STATUS_VI = {"added": "Đã thêm", "replaced": "Đã thay thế", "unchanged": "Không đổi", "failed": "Lỗi"}
DOC_HEADERS = ("Tệp", "Số hiệu", "Tiêu đề", "Cơ quan ban hành", "Tỉnh", "Năm", "Chỉ số", "Nhiệm vụ / đoạn")
UPLOAD_HEADERS = ("Tệp", "Kết quả", "Số hiệu", "Tỉnh", "Nhiệm vụ / đoạn", "Ghi chú")
_FILTER_KEYS = {"province": "province", "index": "plan_index", "plan_index": "plan_index", "agency": "agency"}
MAX_FILTER_CHARS = 200
_SURROGATE = re.compile("[\ud800-\udfff]")
_KINDS = {str: "một chuỗi", dict: "một đối tượng", list: "một danh sách", tuple: "một danh sách", bool: "true/false",
          int: "một số", float: "một số", type(None): "null"}  # fmt: skip


def _folder(root: Path) -> Path:
    """A fresh folder per download, so two users never overwrite each other's file."""
    folder = root / uuid.uuid4().hex[:12]
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def make_filters(service: PlanqaService, province: str | None, index: str | None, agency: str | None) -> Filters | None:
    """UI filter values (as picked or typed: "dong nai", "par", "so tnmt") → ``Filters``, or ``None`` when unset."""
    catalog = service.catalog()
    flt = Filters(
        province=resolve_province(province, catalog, service.vocab) or None,
        plan_index=resolve_index(index, service.vocab) or None,
        agency=resolve_agency(agency, catalog, service.vocab) or None,
    )
    return None if flt.is_empty() else flt


# -- Hỏi đáp --------------------------------------------------------------------------------------------
def _kind(value: Any) -> str:
    return _KINDS.get(type(value), type(value).__name__)


def _count(n: int) -> str:
    return f"{n:,}".replace(",", ".")  # 10.000, as Vietnamese writes it


def _text(value: str) -> str:
    """Text as UTF-8 can carry it: a lone surrogate (half of a character a client cut in two) becomes U+FFFD."""
    return _SURROGATE.sub("\ufffd", value)


def _too_long(question: str) -> str | None:
    """Why a question is refused for its length, or ``None``: a question is one question, not a pasted text
    (the assistant would read only its first :data:`MAX_QUESTION_CHARS` characters)."""
    if len(question) <= MAX_QUESTION_CHARS:
        return None
    return (
        f"Câu hỏi dài {_count(len(question))} ký tự, quá giới hạn {_count(MAX_QUESTION_CHARS)} ký tự; "
        "hãy hỏi ngắn gọn một câu (không dán cả đoạn văn bản)."
    )


def _ask_args(question: Any, conversation: Any, filters: Any) -> tuple[str, list[str], dict[str, str]]:
    """The ``ask`` endpoint's arguments checked: (question, earlier questions, filter values by field).

    Raises:
        ValueError: a sentence naming the argument, what to send and what came.
    """
    if not isinstance(question, str):
        raise ValueError(
            f'question phải là một chuỗi (câu hỏi), ví dụ "Cơ quan nào phụ trách chất lượng nước ở Đồng Nai?"; '
            f"nhận được {_kind(question)}."
        )
    question = _text(question).strip()
    if (refused := _too_long(question)) is not None:
        raise ValueError(f"question: {refused}")
    if conversation is None:
        conversation = []
    if not isinstance(conversation, list | tuple):
        raise ValueError(
            'conversation phải là danh sách các câu hỏi trước, cũ nhất trước, ví dụ ["Sở Y tế Đồng Nai được giao '
            f'những nhiệm vụ gì?"], hoặc [] khi không có; nhận được {_kind(conversation)}.'
        )
    turns = []
    for n, turn in enumerate(conversation):
        if not isinstance(turn, str):
            raise ValueError(f"conversation[{n}] phải là một chuỗi (một câu hỏi trước); nhận được {_kind(turn)}.")
        if (refused := _too_long(turn.strip())) is not None:
            raise ValueError(f"conversation[{n}]: {refused}")
        turns.append(_text(turn))
    if filters is None:
        filters = {}
    if not isinstance(filters, Mapping):
        raise ValueError(
            'filters phải là một đối tượng {"province": …, "index": …, "agency": …}, mỗi khoá đều không bắt buộc, '
            f'ví dụ {{"province": "Đồng Nai"}}, hoặc {{}} khi không lọc; nhận được {_kind(filters)}.'
        )
    values: dict[str, str] = {}
    for key, value in filters.items():
        if key not in _FILTER_KEYS:
            raise ValueError(f"filters: không có khoá {str(key)!r}; chỉ nhận province, index, agency.")
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise ValueError(f'filters["{key}"] phải là một chuỗi, ví dụ "Đồng Nai"; nhận được {_kind(value)}.')
        if len(value) > MAX_FILTER_CHARS:
            raise ValueError(
                f'filters["{key}"] dài {_count(len(value))} ký tự, quá giới hạn {MAX_FILTER_CHARS} ký tự; '
                "hãy gửi tên tỉnh, chỉ số hoặc cơ quan."
            )
        values[_FILTER_KEYS[key]] = _text(value).strip()
    return question, turns, values


def api_ask(
    service: PlanqaService, question: str, conversation: Sequence[str] | None = None,
    filters: Mapping[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The ``ask`` HTTP endpoint: the same JSON object as ``planqa ask --json``.

    A lone surrogate in any text (half of a character a client cut in two) is read as U+FFFD "�".

    Args:
        service: the open knowledge base.
        question: e.g. "Cơ quan nào phụ trách chất lượng nước ở Đồng Nai?"; at most
            :data:`assistant.assistant.MAX_QUESTION_CHARS` characters.
        conversation: earlier questions of the conversation, oldest first (``[]`` or ``None`` for none).
        filters: ``{"province": …, "index": …, "agency": …}``, string values; any key may be left out.

    Raises:
        ValueError: in Vietnamese, naming the argument and what to send: ``question`` is not a string or is
            too long, ``conversation`` is not a list of strings, ``filters`` is not an object, has an unknown
            key or a value that is not a string.
    """
    question, turns, values = _ask_args(question, conversation, filters)
    flt = make_filters(service, values.get("province"), values.get("plan_index"), values.get("agency"))
    answer: dict[str, Any] = service.ask(question, turns, flt).answer.to_json()
    return answer


def chat(
    service: PlanqaService, question: str, messages: list[Message], turns: list[str],
    province: str | None, index: str | None, agency: str | None, export_root: Path,
) -> tuple[list[Message], list[str], str, str, str | None, str | None]:  # fmt: skip
    """One chat turn: answer ``question`` after ``turns``, narrowed by the filters.

    The question is shown as typed (escaped: the chat renders markdown); a question longer than
    :data:`assistant.assistant.MAX_QUESTION_CHARS` is refused with a sentence and left in the box to shorten.

    Returns:
        (messages, turns, sources panel HTML, the question box's new value, .md handout, .docx handout).
    """
    question = _text(question or "").strip()
    if not question:
        return messages, turns, render.empty("Hãy nhập một câu hỏi."), "", None, None
    if (refused := _too_long(question)) is not None:
        return messages, turns, render.empty(refused), question, None, None
    reply = service.ask(question, turns, make_filters(service, province, index, agency))
    answer = reply.answer.to_json()
    shown = {"role": "user", "content": mdtext.escape(question)}
    messages = [*messages, shown, {"role": "assistant", "content": answer["answer"]}]
    sources = render.sources_html(answer, reply.contexts, question)
    folder = _folder(export_root)
    md, docx = (str(export.write_answer(answer, folder, fmt)) for fmt in ("md", "docx"))
    return messages, [*turns, question], sources, "", md, docx


def new_conversation() -> tuple[list[Message], list[str], str, str, None, None]:
    """Forget the conversation (the outputs of :func:`chat`, emptied)."""
    return [], [], render.empty("Nguồn trích dẫn của câu trả lời sẽ hiện ở đây."), "", None, None


# -- Nhiệm vụ -------------------------------------------------------------------------------------------
def assignments(
    service: PlanqaService, agency: str | None, province: str | None, index: str | None, export_root: Path
) -> tuple[str, str, list[list[str]], str | None, str | None]:
    """The assignments explorer.

    Returns:
        (the agency as resolved, a one-line summary, table rows as :data:`ui.export.TABLE_HEADERS`,
        .csv file, .xlsx file); no files when no record matches.
    """
    catalog = service.catalog()
    agency = resolve_agency(agency, catalog, service.vocab)
    province = resolve_province(province, catalog, service.vocab)
    index = resolve_index(index, service.vocab)
    records = service.assignments(agency=agency, province=province, plan_index=index)
    rows = export.assignment_rows(records, agency)
    scope = md(" · ".join(p for p in (agency, province, index) if p)) or "toàn bộ kho"  # typed or plan text: data
    if not rows:
        return agency, f"Không có nhiệm vụ nào cho **{scope}**.", [], None, None
    summary = f"**{scope}**: {len(rows)} nhiệm vụ"
    if agency:
        lead = sum(r[7] == "chủ trì" for r in rows)
        summary += f" ({lead} chủ trì, {sum(r[7] == 'phối hợp' for r in rows)} phối hợp)"
    csv_path, xlsx_path = export.write_table(
        rows, _folder(export_root), "nhiem-vu-" + export.slug(agency, province, index)
    )
    return agency, summary, rows, str(csv_path), str(xlsx_path)


# -- So sánh --------------------------------------------------------------------------------------------
def compare(service: PlanqaService, component: str | None) -> str:
    """The comparison panel for a picked ("SIPAS|…") or typed ("tiep can dich vu") component."""
    resolved = resolve_component(component, service.catalog(), service.vocab)
    if resolved is None:
        return render.empty("Chọn hoặc gõ một nội dung của chỉ số, ví dụ “Tiếp cận dịch vụ” (SIPAS).")
    index, path = resolved
    return render.compare_html(service.compare(index, path), index, path)


# -- Kho tài liệu ---------------------------------------------------------------------------------------
def upload(
    service: PlanqaService, files: Sequence[str] | None, progress: Callable[[float, str], None] | None = None
) -> tuple[list[list[str]], str]:
    """Add uploaded files; returns (one result row per file as :data:`UPLOAD_HEADERS`, a summary line).

    Raises:
        index_store.KbLocked: another process is writing the knowledge base.
    """
    if not files:
        return [], "Chưa chọn tệp nào."
    results = service.ingest([Path(f) for f in files], progress)
    rows = [
        [
            r["file"],
            STATUS_VI[r["status"]],
            r.get("doc_number") or "",
            r.get("province") or "",
            f"{r.get('assignments', 0)} / {r.get('passages', 0)}",
            messages.error_vi(r)
            if r.get("error")
            else "; ".join(messages.warning_vi(w) for w in r.get("warnings") or []),
        ]  # fmt: skip
        for r in results
    ]
    counts = {s: sum(r["status"] == s for r in results) for s in STATUS_VI}
    summary = ", ".join(f"{STATUS_VI[s].lower()} {n}" for s, n in counts.items() if n)
    if counts["failed"]:
        summary += " — tệp lỗi không làm thay đổi kho tài liệu"
    pending = next((r["index_pending"] for r in results if r.get("index_pending")), None)
    if pending:
        summary += (
            f". Kế hoạch đã được lưu, nhưng chỉ mục tìm kiếm chưa cập nhật được ({pending}); "
            "câu hỏi tiếp theo sẽ tự dựng lại chỉ mục khi máy chủ ghi được"
        )
    read = [messages.read_vi(r["file"], r["read"]) for r in results if r.get("read")]
    if read:
        summary += "\n\n#### Đã đọc được (hãy kiểm tra; sai tỉnh, cấp, cơ quan ban hành thì sửa ở cuối trang)\n"
        summary += "\n\n".join(read)
    return rows, summary[0].upper() + summary[1:] + ("" if read else ".")


def correct(
    service: PlanqaService, doc_id: str | None, province: str | None, level: str | None, issuer: str | None
) -> str:
    """Correct a document's province, level or issuer by hand; returns a sentence saying what happened.

    The province must be one the vocabulary knows (any alias, with or without diacritics); the level one of
    tỉnh, sở, huyện, thị xã, thành phố, xã; the issuer a name (an agency the vocabulary knows is written the
    way it knows it). An empty box leaves that field as it was read.

    Raises:
        index_store.KbLocked: another process is writing the knowledge base.
    """
    if not doc_id:
        return "Chọn một văn bản để sửa."
    fields: dict[str, str] = {}
    vocab = service.vocab
    if province and province.strip():
        found = vocab.province_of(province.strip())
        if not found:
            return (
                f"Không nhận ra tỉnh “{province.strip()[:60]}”; hãy gõ tên một tỉnh, thành phố trực thuộc trung ương."
            )
        fields["province"] = found
    if level and level.strip():
        if level.strip().lower() not in LEVELS:
            return f"Cấp “{md(level.strip()[:30])}” không hợp lệ; hãy chọn một trong: {', '.join(LEVELS)}."
        fields["level"] = level.strip().lower()
    if issuer and issuer.strip():
        name = " ".join(issuer.split())[:200]
        fields["issuer"] = vocab.canonical_agency(name) or name
    if not fields:
        return "Chưa nhập nội dung cần sửa (tỉnh, cấp hoặc cơ quan ban hành)."
    res = service.correct(doc_id, fields)
    if res["status"] == "failed":
        return messages.error_vi({**res, "file": res.get("source") or ""}) if res.get("error_kind") else res["error"]
    shown = ", ".join(f"{messages.FIELDS_VI[k]}: {v}" for k, v in fields.items())
    return (
        f"Đã sửa {res.get('doc_number') or res.get('source')} ({shown}); chỉnh sửa được giữ khi nạp lại cùng tệp này."
    )


def remove(service: PlanqaService, doc_id: str | None) -> str:
    """Remove the picked document; returns a sentence saying what happened.

    Raises:
        index_store.KbLocked: another process is writing the knowledge base.
    """
    if not doc_id:
        return "Chọn một văn bản để xoá."
    doc = next((d for d in service.catalog().documents if d["doc_id"] == doc_id), None)
    removed = service.remove(doc_id)
    if not removed or doc is None:
        return "Văn bản này không còn trong kho (có thể đã được xoá)."
    return (
        f"Đã xoá {md(doc['doc_number'] or doc['source'])} ({md(doc['source'])}) cùng các nhiệm vụ và đoạn văn của nó."
    )


def document_rows(catalog: Catalog) -> list[list[str]]:
    """The documents table, one row per document, columns as :data:`DOC_HEADERS`."""
    return [
        [
            d["source"],
            d["doc_number"],
            d["title"],
            d["issuer"] + (" (đã sửa)" if "issuer" in d.get("corrected", ()) else ""),
            d["province"] + (" (đã sửa)" if "province" in d.get("corrected", ()) else ""),
            str(d["year"] or ""),
            ", ".join(d["indices"]),
            f"{d['counts']['assignments']} / {d['counts']['passages']}",
        ]  # fmt: skip
        for d in catalog.documents
    ]


def kb_summary(catalog: Catalog) -> str:
    """One line: how much the knowledge base holds."""
    docs = catalog.documents
    if not docs:
        return "Kho tài liệu đang trống: hãy nạp các kế hoạch (.docx, .doc, .pdf, .xlsx, .html, .txt, .md) ở bên dưới."
    tasks = sum(d["counts"]["assignments"] for d in docs)
    passages = sum(d["counts"]["passages"] for d in docs)
    return f"**{len(docs)} văn bản** · {tasks} nhiệm vụ · {passages} đoạn · {', '.join(catalog.provinces)}"


def document_choices(catalog: Catalog) -> list[tuple[str, str]]:
    """(label, doc_id) for the remove picker: "336/KH-UBND · Đồng Nai · file.docx"."""
    out = []
    for d in catalog.documents:
        label = " · ".join(p for p in (d["doc_number"], d["province"], d["source"]) if p)
        out.append((label, d["doc_id"]))
    return out


def component_choices(catalog: Catalog) -> list[tuple[str, str]]:
    """(label, "INDEX|path") for the comparison picker: "SIPAS · Cung ứng … › Tiếp cận dịch vụ"."""
    return [(f"{index} · {path}", f"{index}|{path}") for index, path in catalog.components]
