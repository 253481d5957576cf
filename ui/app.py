"""The web app's layout: four tabs wired to :mod:`ui.handlers`, and the named ``ask`` HTTP endpoint.

``build_app(service)`` builds the page and returns it unlaunched; nothing happens at import.
:func:`ui.launch.launch` applies the style (:mod:`ui.style`) and the safety defaults (queue, upload
limit, login). Each tab is laid out by its own function, which returns its components by name.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr

from assistant.assistant import MAX_QUESTION_CHARS
from index_store import KbLocked
from index_store.writable import KbReadOnly
from ui import handlers, render, views
from ui.catalog import Catalog
from ui.deadlines import HEADERS as due_headers_tuple
from ui.export import TABLE_HEADERS
from ui.service import SUPPORTED, PlanqaService
from ui.style import EXAMPLES, LOCKED, READ_ONLY, SHOW_LAST_TURN, TITLE


def _choices(values: tuple[str, ...], everything: str) -> list[tuple[str, str]]:
    return [(everything, ""), *((v, v) for v in values)]


def _picker(values: tuple[str, ...], everything: str, label: str, **kw: Any) -> gr.Dropdown:
    """A dropdown of what the knowledge base holds that also takes typed text ("so tnmt", "dong nai")."""
    return gr.Dropdown(_choices(values, everything), value="", label=label, allow_custom_value=True, **kw)


def _download(path: str | None) -> Any:
    return gr.update(value=path, interactive=path is not None)


def _chat_tab(catalog: Catalog, secret: str) -> SimpleNamespace:
    ui = SimpleNamespace()
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=320):
            filters = gr.Accordion("Bộ lọc (tuỳ chọn): chỉ hỏi trong một tỉnh, một chỉ số, một cơ quan", open=False)
            with filters, gr.Row():
                ui.province = _picker(catalog.provinces, "Mọi tỉnh", "Tỉnh/thành")
                ui.index = _picker(catalog.indices, "Mọi chỉ số", "Chỉ số")
                ui.agency = _picker(catalog.agencies, "Mọi cơ quan", "Cơ quan")
            with gr.Row(equal_height=True):
                ui.saved_pick = gr.Dropdown(
                    [], value=None, label="Hội thoại đã lưu trên trình duyệt này", scale=4, elem_id="pq-saved",
                    info="Mở lại một cuộc hội thoại cũ cùng nguồn trích dẫn của nó.",
                )  # fmt: skip
                ui.new = gr.Button("Cuộc hội thoại mới", size="sm", scale=1, min_width=150, elem_id="pq-new")
            # answers are markdown with every piece of plan text escaped (assistant.mdtext); as a second line,
            # the chat sanitizes HTML and renders no LaTeX (a plan's "$$…$$" would be read before markdown)
            ui.chatbot = gr.Chatbot(
                label="Hội thoại", height=600, buttons=["copy"], feedback_options=("Like", "Dislike"),
                autoscroll=False, elem_id="pq-chat", sanitize_html=True, latex_delimiters=[],
                placeholder="Đặt câu hỏi về các kế hoạch đã nạp, hoặc chọn một câu hỏi mẫu bên dưới. "
                "Các câu hỏi liên tiếp là một cuộc hội thoại: câu sau được hiểu tiếp theo câu trước.",
            )  # fmt: skip
            ui.status = gr.Markdown(elem_id="pq-chat-status")
            with gr.Row(equal_height=True):
                # editable once the page has read the saved conversation (app.load), so a question asked at once
                # is never replaced by the conversation being restored
                ui.question = gr.Textbox(
                    show_label=False, scale=6, autofocus=True, elem_id="pq-question", max_length=MAX_QUESTION_CHARS,
                    interactive=False,
                    placeholder="Ví dụ: Cơ quan nào phụ trách chất lượng nước ở Đồng Nai? (Enter để gửi)",
                )  # fmt: skip
                ui.ask = gr.Button("Hỏi", variant="primary", scale=1, min_width=80, elem_id="pq-ask")
            with gr.Row(visible=False, elem_id="pq-feedback-row") as ui.feedback_row:
                ui.comment = gr.Textbox(
                    label="Góp ý cho câu trả lời vừa đánh giá (tuỳ chọn)", scale=5, max_length=2000,
                    elem_id="pq-comment", placeholder="Ví dụ: thiếu Sở Xây dựng; sai năm…",
                )  # fmt: skip
                ui.send_comment = gr.Button("Gửi góp ý", size="sm", scale=1, min_width=110)
            with gr.Row():
                ui.docx = gr.DownloadButton("Tải cả hội thoại (.docx)", size="sm", interactive=False)
                ui.md = gr.DownloadButton("Tải cả hội thoại (.md)", size="sm", interactive=False)
        with gr.Column(scale=2, min_width=300, elem_id="pq-sources-col"):
            ui.sources = gr.HTML(render.empty(render.NO_SOURCES), elem_id="pq-sources")
    with gr.Accordion("Câu hỏi mẫu", open=True, elem_id="pq-examples"), gr.Row():
        for label, examples in EXAMPLES:
            with gr.Column(min_width=200):
                gr.Examples([[q] for q in examples], inputs=[ui.question], label=label)
    ui.conversation = gr.State(handlers.new_conversation())
    ui.rated = gr.State(None)  # the id of the last feedback given, for its comment
    ui.saved = gr.BrowserState({}, storage_key="planqa-conversations", secret=secret)
    return ui


def _tasks_tab(catalog: Catalog) -> SimpleNamespace:
    ui = SimpleNamespace()
    gr.Markdown("Chọn hoặc gõ tên cơ quan (viết tắt, không dấu cũng được: “so tnmt”), rồi tỉnh và chỉ số nếu cần.")
    with gr.Row(equal_height=True):
        ui.agency = _picker(catalog.agencies, "Mọi cơ quan", "Cơ quan", scale=3, elem_id="pq-task-agency")
        ui.province = _picker(catalog.provinces, "Mọi tỉnh", "Tỉnh/thành", scale=2)
        ui.index = _picker(catalog.indices, "Mọi chỉ số", "Chỉ số", scale=1)
        ui.go = gr.Button("Tra cứu", variant="primary", scale=1, min_width=100)
    ui.summary = gr.Markdown()
    ui.table = gr.Dataframe(
        headers=list(TABLE_HEADERS), wrap=True, interactive=False, max_height=640, elem_classes="pq-table",
        column_widths=["7%", "6%", "6%", "11%", "13%", "20%", "7%", "6%", "8%", "6%", "10%"],
    )  # fmt: skip
    with gr.Row():
        ui.csv = gr.DownloadButton("Tải bảng (.csv)", size="sm", interactive=False)
        ui.xlsx = gr.DownloadButton("Tải bảng (.xlsx)", size="sm", interactive=False)
    gr.Markdown(
        "### Theo thời hạn\nThời hạn như văn bản ghi (“Quý IV/2024”, “Tháng 12 hằng năm”, “Thường xuyên”) được quy "
        "ra ngày đến hạn hoặc lịch lặp lại; việc nào chưa đọc được hạn vẫn được liệt kê. Dùng cơ quan, tỉnh, chỉ số "
        "đã chọn ở trên."
    )
    with gr.Row(equal_height=True):
        ui.mode = gr.Radio(list(views.TIME_MODES), value=views.TIME_MODES[0], label="Xem", scale=3)
        ui.period = gr.Textbox(label="Kỳ", placeholder="vd. quý IV/2024, tháng 12/2024", scale=2, max_length=60)
        ui.on = gr.Textbox(label="Quá hạn tính đến ngày", placeholder="để trống: hôm nay", scale=2, max_length=20)
        ui.due_go = gr.Button("Lọc theo thời hạn", scale=1, min_width=130, elem_id="pq-due-go")
    ui.due_summary = gr.Markdown()
    ui.due_table = gr.Dataframe(
        headers=list(due_headers_tuple), wrap=True, interactive=False, max_height=560, elem_classes="pq-table",
    )  # fmt: skip
    with gr.Row():
        ui.due_xlsx = gr.DownloadButton("Tải danh sách (.xlsx)", size="sm", interactive=False)
        ui.due_ics = gr.DownloadButton("Tải lịch (.ics)", size="sm", interactive=False)
    return ui


def _compare_tab(catalog: Catalog) -> SimpleNamespace:
    ui = SimpleNamespace()
    gr.Markdown("Chọn một nội dung của chỉ số để xem từng tỉnh, từng văn bản đã đề ra gì cho nội dung đó.")
    with gr.Row(equal_height=True):
        ui.component = gr.Dropdown(
            handlers.component_choices(catalog), value=None, label="Nội dung chỉ số", allow_custom_value=True,
            scale=5, elem_id="pq-component",
        )  # fmt: skip
        ui.go = gr.Button("So sánh", variant="primary", scale=1, min_width=100)
    ui.out = gr.HTML(render.empty("Kết quả so sánh sẽ hiện ở đây."))
    with gr.Row():
        ui.xlsx = gr.DownloadButton("Tải so sánh (.xlsx)", size="sm", interactive=False)
        ui.docx = gr.DownloadButton("Tải so sánh (.docx)", size="sm", interactive=False)
    return ui


def _charts_tab(catalog: Catalog) -> SimpleNamespace:
    ui = SimpleNamespace()
    gr.Markdown(
        "Kết quả và chỉ tiêu của từng nội dung chỉ số, lấy đúng từ các dòng điểm số trong kế hoạch. "
        "Chọn chỉ số và tỉnh (hoặc số văn bản); chọn thêm một nội dung để xem các phần của nó, "
        "hoặc bỏ trống tỉnh để so nội dung đó giữa các kế hoạch."
    )
    with gr.Row(equal_height=True):
        ui.index = _picker(catalog.indices, "Chọn chỉ số", "Chỉ số", scale=1, elem_id="pq-chart-index")
        ui.place = _picker(catalog.provinces, "Mọi tỉnh", "Tỉnh / văn bản", scale=2, elem_id="pq-chart-place")
        ui.component = gr.Dropdown(
            handlers.component_choices(catalog), value=None, label="Nội dung (tuỳ chọn)", allow_custom_value=True,
            scale=3,
        )  # fmt: skip
        ui.go = gr.Button("Vẽ biểu đồ", variant="primary", scale=1, min_width=110)
    ui.note = gr.Markdown()
    ui.plot = gr.Plot(label="Biểu đồ", elem_id="pq-chart", format="png")
    with gr.Row():
        ui.png = gr.DownloadButton("Tải biểu đồ (.png)", size="sm", interactive=False)
        ui.handout = gr.DownloadButton("Tải tài liệu phát tay (.docx)", size="sm", interactive=False)
    gr.Markdown(
        "### Cây chỉ số\nCác nội dung của chỉ số như bộ chỉ số công bố; dưới mỗi nội dung là các dòng kế hoạch đã giao."
    )
    with gr.Row(equal_height=True):
        ui.tree_index = _picker(catalog.indices, "Mọi chỉ số", "Chỉ số", scale=3, elem_id="pq-tree-index")
        ui.tree_go = gr.Button("Xem cây chỉ số", scale=1, min_width=130)
    ui.tree = gr.HTML(render.empty("Chọn một chỉ số để xem cây nội dung và các nhiệm vụ."), elem_id="pq-tree")
    return ui


def _draft_tab(catalog: Catalog) -> SimpleNamespace:
    ui = SimpleNamespace()
    gr.Markdown(
        "Soạn một phụ lục dự thảo từ tiền lệ: mỗi giải pháp lấy đúng từ dòng kế hoạch của tỉnh khác, có chú thích "
        "nguồn; cơ quan được chuyển sang cấp của nơi soạn (Sở → Phòng cho cấp huyện). Ô nào không có tiền lệ thì "
        "để trống cho người soạn — không có nội dung tự nghĩ ra."
    )
    with gr.Row(equal_height=True):
        ui.place = gr.Dropdown(
            list(catalog.provinces), value=None, label="Tỉnh / huyện cần soạn (gõ được nơi chưa có trong kho)",
            allow_custom_value=True, scale=3, elem_id="pq-draft-place",
        )  # fmt: skip
        ui.level = gr.Dropdown(list(views.LEVEL_CHOICES), value="tỉnh", label="Cấp", scale=1)
        ui.index = _picker(catalog.indices, "Chọn chỉ số", "Chỉ số", scale=2, elem_id="pq-draft-index")
    ui.components = gr.Dropdown(
        [], value=[], multiselect=True, label="Nội dung cần cải thiện (chọn sẵn các nội dung điểm thấp nhất khi có)",
        elem_id="pq-draft-components",
    )  # fmt: skip
    ui.hint = gr.Markdown()
    with gr.Row():
        ui.go = gr.Button("Soạn dự thảo", variant="primary", elem_id="pq-draft-go")
        ui.docx = gr.DownloadButton("Tải dự thảo (.docx)", interactive=False)
    ui.preview = gr.Markdown(elem_id="pq-draft-preview", sanitize_html=True, latex_delimiters=[])
    return ui


def _kb_tab(catalog: Catalog, upload_max_mb: float) -> SimpleNamespace:
    ui = SimpleNamespace()
    ui.summary = gr.Markdown(handlers.kb_summary(catalog))
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=300):
            ui.files = gr.File(
                file_count="multiple", file_types=list(SUPPORTED),
                label=f"Tệp kế hoạch ({', '.join(SUPPORTED)}; bản quét .pdf được nhận dạng chữ; "
                f"tối đa {upload_max_mb:g} MB mỗi tệp)",
            )  # fmt: skip
            ui.upload = gr.Button("Nạp vào kho", variant="primary")
        with gr.Column(scale=3):
            ui.status = gr.Markdown()
            ui.results = gr.Dataframe(
                headers=list(handlers.UPLOAD_HEADERS), wrap=True, interactive=False, elem_classes="pq-table",
                column_widths=["22%", "12%", "13%", "11%", "12%", "30%"],
            )  # fmt: skip
    gr.Markdown("### Văn bản trong kho")
    ui.docs = gr.Dataframe(
        headers=list(handlers.DOC_HEADERS), value=handlers.document_rows(catalog), wrap=True, interactive=False,
        max_height=480, elem_classes="pq-table", column_widths=["16%", "10%", "32%", "13%", "8%", "5%", "9%", "7%"],
    )  # fmt: skip
    with gr.Row(equal_height=True):
        ui.doc = gr.Dropdown(handlers.document_choices(catalog), value=None, label="Văn bản cần xoá", scale=4)
        ui.remove = gr.Button("Xoá khỏi kho", variant="stop", scale=1, min_width=120)
    ui.removed = gr.Markdown()
    gr.Markdown("### Sửa thông tin đọc sai\nTỉnh, cấp hoặc cơ quan ban hành bị đọc sai thì sửa ở đây; "
                "chỉnh sửa được lưu cùng văn bản và giữ nguyên khi nạp lại cùng tệp.")  # fmt: skip
    with gr.Row(equal_height=True):
        ui.fix_doc = gr.Dropdown(handlers.document_choices(catalog), value=None, label="Văn bản cần sửa", scale=3)
        ui.fix_province = gr.Textbox(label="Tỉnh", placeholder="vd. Đồng Nai", scale=2, max_length=80)
        ui.fix_level = gr.Dropdown(list(handlers.LEVELS), value=None, label="Cấp", scale=1)
        ui.fix_issuer = gr.Textbox(
            label="Cơ quan ban hành", placeholder="vd. UBND tỉnh Đồng Nai", scale=3, max_length=200
        )
        ui.fix = gr.Button("Lưu chỉnh sửa", scale=1, min_width=120)
    ui.fixed = gr.Markdown()
    return ui


def build_app(service: PlanqaService, *, export_root: Path | None = None) -> gr.Blocks:
    """The planqa web app over an open knowledge base (not launched).

    Args:
        service: the knowledge base and assistant (``ui.service.PlanqaService``).
        export_root: where downloads are written before Gradio serves them; a new temporary folder when ``None``.

    Returns:
        The page: tabs Hỏi đáp, Nhiệm vụ, So sánh, Kho tài liệu, and the ``ask`` API endpoint.

    Example:
        >>> service = PlanqaService("kb", embedder="none")  # doctest: +SKIP
        >>> launch(build_app(service), service, port=7860)  # doctest: +SKIP
    """
    root = export_root or Path(tempfile.mkdtemp(prefix="planqa-ui-"))
    catalog = service.catalog()
    with gr.Blocks(title=TITLE, analytics_enabled=False, delete_cache=(3600, 86400), fill_width=True) as app:
        gr.Markdown(
            "## Hỏi đáp các kế hoạch nâng cao chỉ số PAPI, PAR INDEX, SIPAS, PCI\n"
            "Mỗi câu trả lời trích dẫn đúng văn bản, phụ lục và dòng đã giao nhiệm vụ.",
            elem_id="pq-header",
        )
        with gr.Tabs():
            with gr.Tab("Hỏi đáp", id="chat"):
                chat = _chat_tab(catalog, service.browser_secret())
            with gr.Tab("Nhiệm vụ", id="tasks"):
                tasks = _tasks_tab(catalog)
            with gr.Tab("So sánh", id="compare"):
                cmp = _compare_tab(catalog)
            with gr.Tab("Biểu đồ", id="charts"):
                chart = _charts_tab(catalog)
            with gr.Tab("Soạn dự thảo", id="draft"):
                drafting = _draft_tab(catalog)
            with gr.Tab("Kho tài liệu", id="kb"):
                kb = _kb_tab(catalog, service.upload_max_mb)
        _wire_chat(app, service, chat, root)
        _wire_browsing(service, tasks, cmp, root)
        _wire_charts(service, chart, root)
        _wire_draft(service, drafting, root)
        refresh = [chat.province, chat.index, chat.agency, tasks.agency, tasks.province, tasks.index, cmp.component,
                   chart.index, chart.place, chart.component, chart.tree_index, drafting.place, drafting.index]  # fmt: skip
        _wire_kb(app, service, kb, refresh)
        _add_ask_api(service)
    return app


def _wire_chat(app: gr.Blocks, service: PlanqaService, ui: SimpleNamespace, root: Path) -> None:
    def on_chat(q: str, conv: dict[str, Any], saved: Any, province: str, index: str, agency: str) -> tuple[Any, ...]:
        view = handlers.chat(service, q, conv, province, index, agency, root, with_handouts=False)
        if view.notice:
            gr.Warning(view.notice)
        saved = handlers.saved_with(saved, view.conversation)
        picker = gr.update(
            choices=handlers.saved_choices(saved), value=view.conversation["id"] if view.conversation["turns"] else None
        )
        return (
            view.messages, view.conversation, saved, picker, view.sources, view.box,
            _download(None), _download(None), gr.update(visible=False),
        )  # fmt: skip

    def on_handouts(conv: dict[str, Any]) -> tuple[Any, ...]:
        md, docx = handlers.handouts(conv, root)
        return _download(md), _download(docx)

    def on_new(saved: Any) -> tuple[Any, ...]:
        conv = handlers.new_conversation()
        saved = handlers.saved_with(saved, conv)
        return (
            [], conv, saved, gr.update(choices=handlers.saved_choices(saved), value=None),
            render.empty(render.NO_SOURCES), "", _download(None), _download(None), gr.update(visible=False),
        )  # fmt: skip

    def on_open(saved: Any, conv_id: str | None) -> tuple[Any, ...]:
        conv = handlers.open_saved(saved, conv_id)
        saved = handlers.saved_with(saved, conv)
        md, docx = handlers.handouts(conv, root)
        picker = gr.update(choices=handlers.saved_choices(saved), value=conv["id"] if conv["turns"] else None)
        return (
            handlers.conversation_messages(conv), conv, saved, picker, handlers.conversation_sources(service, conv),
            "", _download(md), _download(docx), gr.update(visible=False),
        )  # fmt: skip

    outputs = [ui.chatbot, ui.conversation, ui.saved, ui.saved_pick, ui.sources, ui.question, ui.md, ui.docx,
               ui.feedback_row]  # fmt: skip
    asked = [ui.question, ui.conversation, ui.saved, ui.province, ui.index, ui.agency]
    # the answer first; the handouts of the whole conversation are written after it is shown
    handed: dict[str, Any] = {"inputs": [ui.conversation], "outputs": [ui.md, ui.docx], "api_visibility": "private"}
    ui.question.submit(on_chat, asked, outputs, api_name="chat", show_progress="minimal").then(
        None, js=SHOW_LAST_TURN
    ).then(on_handouts, **handed, show_progress="hidden")
    ui.ask.click(on_chat, asked, outputs, api_visibility="private", show_progress="minimal").then(
        None, js=SHOW_LAST_TURN
    ).then(on_handouts, **handed, show_progress="hidden")
    ui.new.click(on_new, [ui.saved], outputs, api_visibility="private")
    ui.saved_pick.input(on_open, [ui.saved, ui.saved_pick], outputs, api_visibility="private")

    def on_load(saved: Any, conv: dict[str, Any]) -> tuple[Any, ...]:
        ready = gr.update(value="", interactive=True)
        if conv.get("turns"):  # answered already (another tab of the same session): keep it
            saved = handlers.saved_with(saved, conv)
            choices = gr.update(choices=handlers.saved_choices(saved))
            return (gr.skip(), gr.skip(), saved, choices, gr.skip(), ready, gr.skip(), gr.skip(), gr.skip())
        restored = list(on_open(saved, None))
        restored[5] = ready
        return tuple(restored)

    app.load(on_load, [ui.saved, ui.conversation], outputs, api_visibility="private")
    ui.chatbot.change(
        handlers.conversation_status, [ui.conversation], [ui.status], api_visibility="private", show_progress="hidden"
    )
    _wire_feedback(service, ui)


def _wire_feedback(service: PlanqaService, ui: SimpleNamespace) -> None:
    """👍/👎 on an answer is stored at once (with the question, the answer and its sources); a comment
    typed after it is added to that same record."""

    def on_like(conv: dict[str, Any], province: str, index: str, agency: str, data: gr.LikeData) -> tuple[Any, ...]:
        notice, rated = handlers.rate(service, conv, data.index, data.liked, _filters([province, index, agency]))
        gr.Info(notice)
        return rated, gr.update(visible=rated is not None), ""

    def on_comment(rated: int | None, comment: str) -> tuple[Any, ...]:
        notice = handlers.comment(service, rated, comment)
        gr.Info(notice)
        return gr.update(visible=False), ""

    ui.chatbot.like(
        on_like,
        [ui.conversation, ui.province, ui.index, ui.agency],
        [ui.rated, ui.feedback_row, ui.comment],
        api_visibility="private",
    )
    ui.send_comment.click(on_comment, [ui.rated, ui.comment], [ui.feedback_row, ui.comment], api_visibility="private")
    ui.comment.submit(on_comment, [ui.rated, ui.comment], [ui.feedback_row, ui.comment], api_visibility="private")


def _filters(values: list[str]) -> dict[str, str]:
    return {k: v for k, v in zip(("province", "plan_index", "agency"), values, strict=True) if v}


def _wire_browsing(service: PlanqaService, tasks: SimpleNamespace, cmp: SimpleNamespace, root: Path) -> None:
    def on_tasks(agency: str, province: str, index: str) -> tuple[Any, ...]:
        resolved, summary, rows, csv_path, xlsx_path = handlers.assignments(service, agency, province, index, root)
        return resolved, summary, rows, _download(csv_path), _download(xlsx_path)

    io: dict[str, Any] = {
        "inputs": [tasks.agency, tasks.province, tasks.index],
        "outputs": [tasks.agency, tasks.summary, tasks.table, tasks.csv, tasks.xlsx],
    }
    tasks.go.click(on_tasks, **io, api_name="assignments")

    def on_due(agency: str, province: str, index: str, mode: str, period: str, on: str) -> tuple[Any, ...]:
        summary, rows, xlsx, ics = views.deadlines(service, agency, province, index, mode, period, on, root)
        return summary, rows, _download(xlsx), _download(ics)

    tasks.due_go.click(
        on_due, [tasks.agency, tasks.province, tasks.index, tasks.mode, tasks.period, tasks.on],
        [tasks.due_summary, tasks.due_table, tasks.due_xlsx, tasks.due_ics], api_name="deadlines",
        show_progress="minimal",
    )  # fmt: skip
    for picker in (tasks.agency, tasks.province, tasks.index):
        picker.input(on_tasks, **io, api_visibility="private")

    def on_compare(component: str) -> str:
        return handlers.compare(service, component)

    def on_compare_files(component: str) -> tuple[Any, ...]:
        xlsx, docx = views.compare_files(service, component, root)
        return _download(xlsx), _download(docx)

    files: dict[str, Any] = {"inputs": [cmp.component], "outputs": [cmp.xlsx, cmp.docx], "api_visibility": "private"}
    shown: dict[str, Any] = {"inputs": [cmp.component], "outputs": [cmp.out], "show_progress": "minimal"}
    cmp.go.click(on_compare, **shown, api_name="compare").then(on_compare_files, **files)
    cmp.component.input(on_compare, **shown, api_visibility="private").then(on_compare_files, **files)


def _wire_charts(service: PlanqaService, ui: SimpleNamespace, root: Path) -> None:
    def on_chart(index: str, place: str, component: str | None) -> tuple[Any, ...]:
        figure, png, handout, note = views.chart(service, index, place, component, root)
        return figure, _download(png), _download(handout), note

    io: dict[str, Any] = {
        "inputs": [ui.index, ui.place, ui.component],
        "outputs": [ui.plot, ui.png, ui.handout, ui.note],
    }
    ui.go.click(on_chart, **io, api_visibility="private", show_progress="minimal")

    def on_tree(index: str) -> str:
        return views.index_tree(service, index)

    ui.tree_go.click(on_tree, [ui.tree_index], [ui.tree], api_visibility="private", show_progress="minimal")
    ui.tree_index.input(on_tree, [ui.tree_index], [ui.tree], api_visibility="private", show_progress="minimal")


def _wire_draft(service: PlanqaService, ui: SimpleNamespace, root: Path) -> None:
    def on_pick(place: str, index: str) -> tuple[Any, ...]:
        choices = views.draft_components(service, index)
        picked, hint = views.weakest(service, place, index)
        return gr.update(choices=choices, value=[c for c in picked if c in dict(choices).values()]), hint

    for picker in (ui.place, ui.index):
        picker.input(on_pick, [ui.place, ui.index], [ui.components, ui.hint], api_visibility="private")

    def on_draft(place: str, level: str, index: str, components: list[str] | None) -> tuple[Any, ...]:
        preview, docx = views.make_draft(service, place, level, index, components, root)
        return preview, _download(docx)

    ui.go.click(
        on_draft, [ui.place, ui.level, ui.index, ui.components], [ui.preview, ui.docx], api_name="draft",
        show_progress="minimal",
    )  # fmt: skip


def _wire_kb(app: gr.Blocks, service: PlanqaService, ui: SimpleNamespace, pickers: list[gr.Dropdown]) -> None:
    """Uploads and removals, then every picker and list re-read from the knowledge base."""

    def on_refresh() -> tuple[Any, ...]:
        cat = service.catalog()
        provinces, indices = _choices(cat.provinces, "Mọi tỉnh"), _choices(cat.indices, "Mọi chỉ số")
        agencies = _choices(cat.agencies, "Mọi cơ quan")
        components = handlers.component_choices(cat)
        pick_index = _choices(cat.indices, "Chọn chỉ số")
        choices = (
            provinces, indices, agencies, agencies, provinces, indices, components,
            pick_index, provinces, components, indices, list(cat.provinces), pick_index,
        )  # fmt: skip
        return (
            *(gr.update(choices=c) for c in choices), handlers.kb_summary(cat), handlers.document_rows(cat),
            gr.update(choices=handlers.document_choices(cat), value=None),
            gr.update(choices=handlers.document_choices(cat)),
        )  # fmt: skip

    def on_upload(files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        try:
            rows, summary = handlers.upload(service, files, lambda f, m: progress(f, desc=m))
        except KbLocked as err:
            raise gr.Error(LOCKED) from err
        except KbReadOnly as err:
            raise gr.Error(READ_ONLY) from err
        return rows, summary, None

    def on_remove(doc_id: str | None) -> str:
        try:
            return handlers.remove(service, doc_id)
        except KbLocked as err:
            raise gr.Error(LOCKED) from err
        except KbReadOnly as err:
            raise gr.Error(READ_ONLY) from err

    def on_correct(doc_id: str | None, province: str, level: str | None, issuer: str) -> str:
        try:
            return handlers.correct(service, doc_id, province, level, issuer)
        except KbLocked as err:
            raise gr.Error(LOCKED) from err
        except KbReadOnly as err:
            raise gr.Error(READ_ONLY) from err

    refreshed = [*pickers, ui.summary, ui.docs, ui.doc, ui.fix_doc]
    ui.upload.click(on_upload, inputs=[ui.files], outputs=[ui.results, ui.status, ui.files], api_name="upload").then(
        on_refresh, outputs=refreshed, api_visibility="private"
    )
    ui.remove.click(
        on_remove, inputs=[ui.doc], outputs=[ui.removed], api_name="remove",
        js="(doc) => (doc && confirm('Xoá văn bản này cùng mọi nhiệm vụ và đoạn văn của nó khỏi kho?')) ? doc : null",
    ).then(on_refresh, outputs=refreshed, api_visibility="private")  # fmt: skip
    ui.fix.click(
        on_correct, inputs=[ui.fix_doc, ui.fix_province, ui.fix_level, ui.fix_issuer], outputs=[ui.fixed],
        api_name="correct",
    ).then(on_refresh, outputs=refreshed, api_visibility="private")  # fmt: skip
    app.load(on_refresh, outputs=refreshed, api_visibility="private")  # another process may have changed it


def _add_ask_api(service: PlanqaService) -> None:
    def ask(
        question: str, conversation: list[str] | None = None, filters: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """Answer a question about the loaded plans; the same JSON object as `planqa ask --json`.

        Args:
            question: e.g. "Cơ quan nào phụ trách chất lượng nước ở Đồng Nai?" (at most 2,000 characters).
            conversation: earlier questions of the same conversation, oldest first, as a list of strings (or []).
            filters: {"province": …, "index": …, "agency": …}, string values, each optional (or {}).
        """
        try:
            return handlers.api_ask(service, question, conversation, filters)
        except ValueError as err:
            raise gr.Error(str(err)) from err

    gr.api(ask, api_name="ask")
