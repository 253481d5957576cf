"""What the app looks like and says, kept apart from its layout: page style, Gradio's own words in
Vietnamese, the example questions, and a small script that shows a long answer from its start.
"""

from __future__ import annotations

TITLE = "planqa · Hỏi đáp kế hoạch cải cách hành chính"
EXAMPLES = (
    ("Cán bộ", (
        "Cơ quan nào phụ trách Quản trị môi trường (PAPI) ở Đồng Nai?",
        "Sở Y tế Đồng Nai được giao những nhiệm vụ gì?",
        "co quan nao phu trach chat luong khong khi o dong nai",
    )),
    ("Người soạn thảo", (
        "Các tỉnh có giải pháp gì cho tiếp cận dịch vụ (SIPAS)?",
        "Lạng Sơn có giải pháp gì cho chỉ số PAR INDEX?",
    )),
    ("Giảng viên", (
        "Điểm Quản trị môi trường của Đồng Nai năm 2023?",
        "Mục tiêu chỉ số SIPAS của Tam Đường năm 2024?",
    )),
)  # fmt: skip
# a long answer is read from its start: scroll the chat to the last question, the sources to their top
SHOW_LAST_TURN = """() => { setTimeout(() => {
  const wrap = document.querySelector('#pq-chat .bubble-wrap');
  const rows = document.querySelectorAll('#pq-chat .message-row.user-row');
  if (wrap && rows.length) {
    wrap.scrollTop += rows[rows.length - 1].getBoundingClientRect().top - wrap.getBoundingClientRect().top - 8;
  }
  const sources = document.querySelector('#pq-sources');
  if (sources) { sources.scrollTop = 0; }
}, 80); }"""
LOCKED = "Kho tài liệu đang được một tiến trình khác ghi (ví dụ lệnh planqa ingest). Hãy thử lại sau ít phút."
READ_ONLY = (
    "Kho tài liệu này chỉ cho đọc (thư mục chỉ đọc, của người dùng khác, hoặc đĩa đã đầy): vẫn hỏi đáp được, "
    "nhưng không nạp, sửa hay xoá văn bản được. Hãy báo quản trị viên."
)
CSS = """
.gradio-container { max-width: 1440px !important; width: 100%; margin: 0 auto !important; }
#pq-header h2 { margin: 0.2em 0 0; }
#pq-header p { margin: 0.1em 0 0.4em; color: var(--body-text-color-subdued); }
#pq-chat .message-content { font-size: 0.95rem; line-height: 1.5; }
#pq-sources { max-height: 760px; overflow-y: auto; padding-right: 4px; }
.pq-empty { color: var(--body-text-color-subdued); padding: 1.2em 0.4em; font-style: italic; }
.pq-sources-head, .pq-compare-head { font-weight: 600; margin: 0.2em 0 0.6em; }
.pq-source, .pq-column { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px;
  margin-bottom: 10px; background: var(--background-fill-secondary); }
.pq-source-head, .pq-column-head { display: flex; align-items: center; gap: 8px; font-weight: 600; }
.pq-n { display: inline-flex; min-width: 1.6em; height: 1.6em; border-radius: 0.8em; align-items: center;
  justify-content: center; background: var(--color-accent); color: white; font-size: 0.8em; font-weight: 600;
  margin-right: 6px; padding: 0 4px; }
.pq-title { font-size: 0.8em; color: var(--body-text-color-subdued); margin: 2px 0; }
.pq-loc { font-size: 0.85em; font-style: italic; color: var(--body-text-color-subdued); margin: 2px 0 6px; }
.pq-text { white-space: pre-line; font-size: 0.92em; line-height: 1.45; }
.pq-text mark, .pq-context-text mark { background: #fff1a8; color: inherit; padding: 0 1px; border-radius: 2px; }
.pq-text mark.pq-agency { background: #cfe8ff; font-weight: 600; }
.pq-context summary { cursor: pointer; font-size: 0.85em; color: var(--color-accent); margin-top: 6px; }
.pq-context-text { white-space: pre-line; font-size: 0.85em; max-height: 320px; overflow-y: auto;
  border-left: 3px solid var(--border-color-primary); padding: 4px 8px; margin-top: 4px; }
.pq-here { background: #fff6cc; }
.pq-compare { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 12px; }
.pq-column ol { list-style: none; padding-left: 0; margin: 6px 0 0; }
.pq-column li { border-top: 1px solid var(--border-color-primary); padding: 6px 0; }
.pq-agencies { font-size: 0.85em; font-weight: 600; margin-top: 2px; }
.pq-related { font-size: 0.8em; color: var(--body-text-color-subdued); }
.pq-more { font-size: 0.85em; color: var(--body-text-color-subdued); }
.pq-table, .pq-table * { font-family: var(--font) !important; }
.pq-table td { vertical-align: top; font-size: 0.9em; }
"""
# Vietnamese for Gradio's own words (upload box, footer, queue); used whatever the browser's language
GRADIO_VI = {
    "upload_text.drop_file": "Kéo thả tệp vào đây",
    "upload_text.click_to_upload": "Bấm để chọn tệp",
    "common.or": "hoặc",
    "common.clear": "Xoá",
    "common.download": "Tải xuống",
    "common.loading": "Đang tải",
    "common.error": "Lỗi",
    "errors.use_via_api": "Dùng qua API",
    "status.queue_position": "Đang chờ: {position}/{size}",
}
