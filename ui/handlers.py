"""What the app's events do, as plain functions over a :class:`ui.service.PlanqaService`.

No Gradio here: each function takes the service and the values of the inputs, and returns the values
of the outputs (markdown, HTML, table rows, file paths). :mod:`ui.app` wires them to components, so
tests call them directly. Bad input raises ``ValueError`` with a sentence a person can act on.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from assistant import mdtext
from assistant.assistant import MAX_QUESTION_CHARS
from assistant.mdtext import md
from index_store.protocols import Filters
from index_store.writable import KbReadOnly
from ui import export, messages, render
from ui.catalog import Catalog, resolve_agency, resolve_component, resolve_index, resolve_province
from ui.catalog import component_choices as catalog_component_choices
from ui.service import PlanqaService

Message = dict[str, str]
Conversation = dict[str, Any]
MAX_SAVED_TURNS = 30  # a conversation keeps its last 30 answers (the assistant reads only the recent ones)
MAX_SAVED_CONVERSATIONS = 25  # the browser keeps the 25 most recent conversations (its storage is ~5 MB)
TITLE_CHARS = 120
LEVELS = ("tỉnh", "sở", "huyện", "thị xã", "thành phố", "xã")
STATUS_VI = {"added": "Đã thêm", "replaced": "Đã thay thế", "unchanged": "Không đổi", "failed": "Lỗi"}
DOC_HEADERS = ("Tệp", "Số hiệu", "Tiêu đề", "Cơ quan ban hành", "Tỉnh", "Năm", "Chỉ số", "Nhiệm vụ / đoạn")
UPLOAD_HEADERS = ("Tệp", "Kết quả", "Số hiệu", "Tỉnh", "Nhiệm vụ / đoạn", "Ghi chú")
_FILTER_KEYS = {"province": "province", "index": "plan_index", "plan_index": "plan_index", "agency": "agency"}
MAX_FILTER_CHARS = 200


def download_folder(root: Path) -> Path:
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
def _count(n: int) -> str:
    return f"{n:,}".replace(",", ".")  # 10.000, as Vietnamese writes it


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
            f"nhận được {messages.kind_vi(question)}."
        )
    question = messages.sendable(question).strip()
    if (refused := _too_long(question)) is not None:
        raise ValueError(f"question: {refused}")
    if conversation is None:
        conversation = []
    if not isinstance(conversation, list | tuple):
        raise ValueError(
            'conversation phải là danh sách các câu hỏi trước, cũ nhất trước, ví dụ ["Sở Y tế Đồng Nai được giao '
            f'những nhiệm vụ gì?"], hoặc [] khi không có; nhận được {messages.kind_vi(conversation)}.'
        )
    turns = []
    for n, turn in enumerate(conversation):
        if not isinstance(turn, str):
            raise ValueError(
                f"conversation[{n}] phải là một chuỗi (một câu hỏi trước); nhận được {messages.kind_vi(turn)}."
            )
        if (refused := _too_long(turn.strip())) is not None:
            raise ValueError(f"conversation[{n}]: {refused}")
        turns.append(messages.sendable(turn))
    if filters is None:
        filters = {}
    if not isinstance(filters, Mapping):
        raise ValueError(
            'filters phải là một đối tượng {"province": …, "index": …, "agency": …}, mỗi khoá đều không bắt buộc, '
            f'ví dụ {{"province": "Đồng Nai"}}, hoặc {{}} khi không lọc; nhận được {messages.kind_vi(filters)}.'
        )
    values: dict[str, str] = {}
    for key, value in filters.items():
        if key not in _FILTER_KEYS:
            raise ValueError(f"filters: không có khoá {str(key)!r}; chỉ nhận province, index, agency.")
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise ValueError(
                f'filters["{key}"] phải là một chuỗi, ví dụ "Đồng Nai"; nhận được {messages.kind_vi(value)}.'
            )
        if len(value) > MAX_FILTER_CHARS:
            raise ValueError(
                f'filters["{key}"] dài {_count(len(value))} ký tự, quá giới hạn {MAX_FILTER_CHARS} ký tự; '
                "hãy gửi tên tỉnh, chỉ số hoặc cơ quan."
            )
        values[_FILTER_KEYS[key]] = messages.sendable(value).strip()
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


class ChatView(NamedTuple):
    """What a chat turn changes on the page."""

    conversation: Conversation  # the conversation, this turn included (saved in the browser)
    messages: list[Message]  # the chat as the Chatbot shows it
    sources: str  # the sources panel: every answer's sources, this answer's shown
    box: str  # the question box's new value ("" after an answer; the question again when refused)
    md: str | None  # the handout of the whole conversation, .md
    docx: str | None  # … and .docx
    notice: str  # a short message for the user ("" when the answer says it all)


def new_conversation(now: datetime | None = None) -> Conversation:
    """An empty conversation: ``{"id", "title", "started", "turns": []}``."""
    now = now or datetime.now(UTC)
    return {"id": uuid.uuid4().hex[:16], "title": "", "started": now.isoformat(timespec="seconds"), "turns": []}


def _turn(answer: Mapping[str, Any]) -> dict[str, Any]:
    """What a conversation keeps of an answer: enough to show it, its sources and its handout again."""
    keep = ("question", "answer", "found", "agencies", "citations")
    return {k: answer.get(k) for k in keep}


def conversation_messages(conversation: Mapping[str, Any]) -> list[Message]:
    """The chat of a conversation: each question as typed (escaped), each answer with its [n] as links."""
    out: list[Message] = []
    for k, t in enumerate(conversation.get("turns") or [], 1):
        out.append({"role": "user", "content": mdtext.escape(t.get("question") or "")})
        out.append({"role": "assistant", "content": render.cite_links(t.get("answer") or "", k)})
    return out


def conversation_sources(service: PlanqaService, conversation: Mapping[str, Any], active: int | None = None) -> str:
    """The sources panel of a conversation, each cited passage in its surrounding text when still stored."""
    turns = list(conversation.get("turns") or [])
    ids = [c.get("passage_id", "") for t in turns for c in t.get("citations") or []]
    documents = {d["doc_id"]: d for d in service.catalog().documents}
    return render.conversation_sources_html(turns, service.contexts(ids) if ids else {}, documents, active=active)


def conversation_status(conversation: Mapping[str, Any] | None) -> str:
    """The line under the chat that says the questions are one conversation ("" before the first)."""
    n = len((conversation or {}).get("turns") or [])
    if not n:
        return ""
    return (
        f"Hội thoại đang mở: {n} câu hỏi — câu sau được hiểu tiếp theo các câu trước. "
        "Bấm “Cuộc hội thoại mới” để hỏi về chủ đề khác."
    )


def handouts(conversation: Mapping[str, Any], export_root: Path) -> tuple[str | None, str | None]:
    """(.md, .docx) of the whole conversation with every answer's sources; (None, None) when it is empty."""
    if not conversation.get("turns"):
        return None, None
    folder = download_folder(export_root)
    md_path, docx_path = (str(export.write_conversation(conversation, folder, fmt)) for fmt in ("md", "docx"))
    return md_path, docx_path


def chat(
    service: PlanqaService, question: str, conversation: Mapping[str, Any] | None,
    province: str | None, index: str | None, agency: str | None, export_root: Path, *, with_handouts: bool = True,
) -> ChatView:  # fmt: skip
    """One chat turn: answer ``question`` after the conversation's earlier questions, narrowed by the filters.

    The question is shown as typed (escaped: the chat renders markdown). An empty question, or one longer
    than :data:`assistant.assistant.MAX_QUESTION_CHARS`, is refused with a short ``notice`` and changes
    nothing (a long one stays in the box to shorten). ``with_handouts=False`` leaves the handouts of the whole
    conversation (``md``, ``docx``: ``None``) to :func:`handouts`, so the app shows the answer before writing
    them (a 30-question conversation's .docx takes most of a second).
    """
    conv: Conversation = dict(conversation) if conversation and conversation.get("id") else new_conversation()
    conv["turns"] = list(conv.get("turns") or [])
    question = messages.sendable(question or "").strip()

    def files() -> tuple[str | None, str | None]:
        return handouts(conv, export_root) if with_handouts else (None, None)

    def unchanged(box: str, notice: str) -> ChatView:
        md_path, docx_path = files()
        sources = conversation_sources(service, conv)
        return ChatView(conv, conversation_messages(conv), sources, box, md_path, docx_path, notice)

    if not question:
        return unchanged("", "Hãy nhập câu hỏi vào ô bên dưới rồi bấm Hỏi (hoặc Enter).")
    if (refused := _too_long(question)) is not None:
        return unchanged(question, refused)
    earlier = [t["question"] for t in conv["turns"]]
    reply = service.ask(question, earlier, make_filters(service, province, index, agency))
    answer = reply.answer.to_json()
    answer["question"] = question
    conv["turns"] = [*conv["turns"], _turn(answer)][-MAX_SAVED_TURNS:]
    conv["title"] = conv.get("title") or question[:TITLE_CHARS]
    md_path, docx_path = files()
    documents = {d["doc_id"]: d for d in service.catalog().documents}
    turns = conv["turns"]
    contexts = {
        **service.contexts([c["passage_id"] for t in turns[:-1] for c in t["citations"] or []]),
        **reply.contexts,
    }
    sources = render.conversation_sources_html(turns, contexts, documents)
    return ChatView(conv, conversation_messages(conv), sources, "", md_path, docx_path, "")


def rate(
    service: PlanqaService, conversation: Mapping[str, Any], index: Any, liked: Any, filters: Mapping[str, str]
) -> tuple[str, int | None]:
    """Store 👍/👎 on the answer at chat message ``index`` with its question, earlier questions, answer and
    citations; returns (a sentence for the user, the feedback's id for a comment, or ``None``).

    Args:
        conversation: the conversation the chat shows.
        index: the message's position in the chat (Gradio's ``LikeData.index``; questions and answers alternate).
        liked: ``True`` for 👍, ``False`` for 👎; anything else (a rating taken back) stores nothing.
        filters: the filters the answer was given under.
    """
    turns = list(conversation.get("turns") or [])
    position = index[0] if isinstance(index, list | tuple) and index else index
    if not isinstance(liked, bool) or not isinstance(position, int) or position % 2 != 1:
        return "Đã bỏ đánh giá.", None
    k = position // 2
    if not 0 <= k < len(turns):
        return "Không tìm thấy câu trả lời này trong hội thoại; hãy tải lại trang.", None
    turn = turns[k]
    earlier = [t["question"] for t in turns[:k]]
    try:
        feedback_id = service.add_feedback(1 if liked else -1, "", turn["question"], earlier, dict(turn), dict(filters))
    except ValueError as err:
        return str(err), None
    except KbReadOnly:
        return "Kho tài liệu chỉ cho đọc nên chưa lưu được đánh giá; hãy báo quản trị viên.", None
    thanks = "Cảm ơn, đã ghi nhận 👍." if liked else "Cảm ơn, đã ghi nhận 👎."
    return thanks + " Có thể thêm góp ý ở ô bên dưới.", feedback_id


def comment(service: PlanqaService, feedback_id: int | None, text: str) -> str:
    """Add the comment typed after a 👍/👎 to that feedback; returns a sentence for the user."""
    if feedback_id is None:
        return "Hãy bấm 👍 hoặc 👎 trên một câu trả lời trước khi gửi góp ý."
    try:
        return service.comment_feedback(feedback_id, messages.sendable(text or ""))
    except KbReadOnly:
        return "Kho tài liệu chỉ cho đọc nên chưa lưu được góp ý; hãy báo quản trị viên."


# -- conversations saved in the browser -----------------------------------------------------------------
def saved_with(saved: Any, conversation: Mapping[str, Any]) -> dict[str, Any]:
    """The browser's saved conversations with ``conversation`` saved (newest first, at most
    :data:`MAX_SAVED_CONVERSATIONS`), and marked as the one open: ``{"current": id, "conversations": […]}``.

    Anything else found in the browser's storage (an older format, a value edited by hand) is started afresh.
    """
    convs = [c for c in _saved_list(saved) if c.get("id") != conversation.get("id")]
    if conversation.get("turns"):
        convs.insert(0, dict(conversation))
    return {"current": conversation.get("id", ""), "conversations": convs[:MAX_SAVED_CONVERSATIONS]}


def _saved_list(saved: Any) -> list[dict[str, Any]]:
    if not isinstance(saved, Mapping) or not isinstance(saved.get("conversations"), list):
        return []
    return [
        c for c in saved["conversations"] if isinstance(c, dict) and c.get("id") and isinstance(c.get("turns"), list)
    ]


def saved_choices(saved: Any) -> list[tuple[str, str]]:
    """(label, id) of the saved conversations: "06/12 08:15 · Sở Y tế Đồng Nai được giao … (3 câu hỏi)"."""
    out = []
    for c in _saved_list(saved):
        try:
            when = datetime.fromisoformat(c.get("started", "")).astimezone().strftime("%d/%m %H:%M")
        except ValueError:
            when = ""
        title = render.short_title(c.get("title") or "", 60)
        out.append((" · ".join(p for p in (when, f"{title} ({len(c['turns'])} câu hỏi)") if p), c["id"]))
    return out


def open_saved(saved: Any, conversation_id: str | None) -> Conversation:
    """The saved conversation ``conversation_id`` (the one open when ``None``), or a new one."""
    wanted = conversation_id or (saved.get("current") if isinstance(saved, Mapping) else None)
    found = next((c for c in _saved_list(saved) if c["id"] == wanted), None)
    return dict(found) if found else new_conversation()


def forget_saved(saved: Any, conversation_id: str | None) -> dict[str, Any]:
    """The saved conversations without ``conversation_id``."""
    convs = [c for c in _saved_list(saved) if c["id"] != conversation_id]
    current = saved.get("current", "") if isinstance(saved, Mapping) else ""
    return {"current": "" if current == conversation_id else current, "conversations": convs}


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
        rows, download_folder(export_root), "nhiem-vu-" + export.slug(agency, province, index)
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
    scores = sum(d["counts"]["scores"] for d in docs)
    passages = sum(d["counts"]["passages"] for d in docs)
    return (
        f"**{len(docs)} văn bản** · {tasks} nhiệm vụ (dòng giao việc) · {scores} dòng điểm số · {passages} đoạn · "
        + ", ".join(catalog.provinces)
    )


def document_choices(catalog: Catalog) -> list[tuple[str, str]]:
    """(label, doc_id) for the remove picker: "336/KH-UBND · Đồng Nai · file.docx"."""
    out = []
    for d in catalog.documents:
        label = " · ".join(p for p in (d["doc_number"], d["province"], d["source"]) if p)
        out.append((label, d["doc_id"]))
    return out


def component_choices(catalog: Catalog) -> list[tuple[str, str]]:
    """(label, "INDEX|path") for the comparison picker, one per index taxonomy node some plan speaks of:
    "SIPAS · 2. Cung ứng dịch vụ hành chính công › Tiếp cận dịch vụ (1 văn bản)"."""
    return catalog_component_choices(catalog)
