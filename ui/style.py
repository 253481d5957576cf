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
# the page's own behaviour, loaded in its <head>: the page is Vietnamese (lang="vi" for screen readers and
# hyphenation; Gradio's status line translated); a click on an answer's [n] shows that answer's sources, scrolls to the card and marks it; a
# click on an earlier answer shows its sources again; at phone width the sources drawer opens and closes.
PAGE_SCRIPT = """<script>
(() => {
  const root = document.documentElement;
  root.lang = 'vi';
  new MutationObserver(() => { if (root.lang !== 'vi') root.lang = 'vi'; })
    .observe(root, { attributes: true, attributeFilter: ['lang'] });
  // Gradio's status line has two words of English written into its code ("processing | 0.8s", "queue: 2/5")
  const english = [[/processing [|]/, 'đang xử lý |'], [/queue:/, 'đang chờ:']];
  const fix = (node) => {
    if (node.nodeType !== 3 || !/processing|queue:/.test(node.data)) return;
    let text = node.data;
    for (const [from, to] of english) text = text.replace(from, to);
    if (text !== node.data) node.data = text;
  };
  const fixAll = (node) => {
    if (node.nodeType === 3) { fix(node); return; }
    const walk = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) fix(walk.currentNode);
  };
  new MutationObserver((changes) => {
    for (const c of changes) {
      if (c.type === 'characterData') fix(c.target);
      else c.addedNodes.forEach(fixAll);
    }
  }).observe(root, { subtree: true, childList: true, characterData: true });
  const show = (turn, n) => {
    const panel = document.querySelector('#pq-sources');
    if (!panel) return;
    let section = null;
    panel.querySelectorAll('.pq-turn').forEach((s) => {
      const on = s.dataset.turn === String(turn);
      s.classList.toggle('pq-active', on);
      if (on) section = s;
    });
    const handle = panel.querySelector('.pq-drawer-handle');
    if (handle && section) handle.textContent = 'Nguồn trích dẫn (' + section.dataset.count + ')';
    if (!n) return;
    document.querySelector('#pq-sources-col')?.classList.add('pq-open');
    const card = document.getElementById('pq-src-' + turn + '-' + n);
    if (!card) return;
    card.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    card.classList.remove('pq-flash');
    void card.offsetWidth;
    card.classList.add('pq-flash');
  };
  document.addEventListener('click', (ev) => {
    const t = ev.target;
    if (!(t instanceof Element)) return;
    const link = t.closest('a[href^="#pq-src-"]');
    if (link) {
      ev.preventDefault();
      ev.stopPropagation();
      const m = (link.getAttribute('href') || '').match(/^#pq-src-([0-9]+)-([0-9]+)$/);
      if (m) show(m[1], m[2]);
      return;
    }
    if (t.closest('.pq-drawer-handle')) {
      document.querySelector('#pq-sources-col')?.classList.toggle('pq-open');
      return;
    }
    const bot = t.closest('#pq-chat .bot-row, #pq-chat .message.bot');
    if (!bot) return;
    const cited = bot.querySelector('a[href^="#pq-src-"]');
    const m = cited && (cited.getAttribute('href') || '').match(/^#pq-src-([0-9]+)-/);
    if (m) { show(m[1], null); return; }
    const rows = Array.from(document.querySelectorAll('#pq-chat .bot-row'));
    const i = rows.indexOf(bot.closest('.bot-row'));
    if (i >= 0) show(i + 1, null);
  }, true);
})();
</script>"""
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
.pq-text mark, .pq-context-text mark { background: #fff1a8; color: #1f2328; padding: 0 1px; border-radius: 2px; }
.pq-text mark.pq-agency { background: #cfe8ff; color: #0b2540; font-weight: 600; }
.pq-context summary { cursor: pointer; font-size: 0.85em; color: var(--color-accent); margin-top: 6px; }
.pq-context-text { white-space: pre-line; font-size: 0.85em; max-height: 320px; overflow-y: auto;
  border-left: 3px solid var(--border-color-primary); padding: 4px 8px; margin-top: 4px; }
.pq-here { background: #fff6cc; color: #1f2328; }
/* one section of sources per answer; the answer clicked (or the last) is shown */
.pq-turn { display: none; }
.pq-turn.pq-active { display: block; }
.pq-asked { font-weight: 400; color: var(--body-text-color-subdued); }
.pq-source.pq-flash { animation: pq-flash 2.4s ease-out; }
@keyframes pq-flash { 0%, 40% { box-shadow: 0 0 0 3px var(--color-accent); } 100% { box-shadow: 0 0 0 0 transparent; } }
#pq-chat a[href^="#pq-src-"] { text-decoration: none; font-weight: 600; cursor: pointer; }
#pq-chat .user-row .message-content, #pq-chat .user .message-content { max-height: 14em; overflow-y: auto; }
.pq-drawer-handle { display: none; }
/* the index tree: nested nodes, each with the plans' rows filed under it */
.pq-tree summary { cursor: pointer; padding: 3px 0; font-weight: 600; }
.pq-tree-children, .pq-tree-rows { margin-left: 1.2em; border-left: 2px solid var(--border-color-primary);
  padding-left: 0.8em; }
.pq-tree-sub > summary, .pq-tree-sub.pq-tree-empty { font-weight: 500; }
.pq-tree-empty { color: var(--body-text-color-subdued); padding: 3px 0 3px 1.1em; }
.pq-tree-count { font-weight: 400; color: var(--body-text-color-subdued); font-size: 0.9em; }
.pq-tree-rows { list-style: none; margin-top: 4px; margin-bottom: 8px; }
.pq-tree-row { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 6px 10px; margin: 6px 0;
  background: var(--background-fill-secondary); }
.pq-tree-task { white-space: pre-line; font-size: 0.92em; }
.pq-tree-agencies { font-size: 0.85em; font-weight: 600; margin-top: 3px; }
.pq-tree-coop, .pq-tree-deadline { font-weight: 400; margin-left: 0.6em; }
.pq-tree-loc, .pq-tree-component { font-size: 0.82em; font-style: italic; color: var(--body-text-color-subdued); }
#pq-draft-preview td, #pq-draft-preview th { min-width: 7em; vertical-align: top; }
#pq-draft-preview td:nth-child(4) { min-width: 24em; }
/* dark mode: dark marks with light text (contrast above 4.5:1) */
.dark .pq-text mark, .dark .pq-context-text mark { background: #5a4700; color: #fff8db; }
.dark .pq-text mark.pq-agency { background: #0d3b66; color: #e8f3ff; }
.dark .pq-here { background: #3a3200; color: #fffbe8; }
/* phone width: the sources become a drawer at the bottom, opened by its handle or by a click on [n] */
@media (max-width: 720px) {
  #pq-sources-col { position: fixed !important; left: 0; right: 0; bottom: 0; z-index: 60; max-height: 2.75rem; gap: 0;
    overflow: hidden; margin: 0 !important; padding: 0 10px; min-width: 0 !important; width: 100% !important;
    background: var(--background-fill-primary); border-top: 2px solid var(--color-accent);
    box-shadow: 0 -4px 14px rgba(0, 0, 0, 0.25); }
  #pq-sources-col.pq-open { max-height: 75vh; overflow-y: auto; padding-bottom: 10px; }
  #pq-sources { max-height: none; overflow: visible; border: 0; }
  #pq-sources > .html-container { padding: 0; }
  .pq-drawer-handle { display: block; width: 100%; height: 2.75rem; background: none; border: 0; font-weight: 600;
    font-size: 1rem; color: var(--body-text-color); text-align: left; cursor: pointer; padding: 0; }
  .pq-drawer-handle::after { content: " ▲"; }
  #pq-sources-col.pq-open .pq-drawer-handle::after { content: " ▼"; }
  .gradio-container { padding-bottom: 4em !important; }
  #pq-chat { height: 60vh !important; }
}
.pq-compare { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 12px; }
.pq-column ol { list-style: none; padding-left: 0; margin: 6px 0 0; }
.pq-column li { border-top: 1px solid var(--border-color-primary); padding: 6px 0; }
.pq-agencies { font-size: 0.85em; font-weight: 600; margin-top: 2px; }
.pq-related { font-size: 0.8em; color: var(--body-text-color-subdued); }
.pq-more { font-size: 0.85em; color: var(--body-text-color-subdued); }
.pq-table, .pq-table * { font-family: var(--font) !important; }
.pq-table td { vertical-align: top; font-size: 0.9em; }
"""
# Vietnamese for Gradio's own words (upload box, chat buttons and their screen-reader labels, footer, queue);
# used whatever the browser's language
GRADIO_VI = {
    "upload_text.drop_file": "Kéo thả tệp vào đây",
    "upload_text.click_to_upload": "Bấm để chọn tệp",
    "upload_text.or": "hoặc",
    "common.or": "hoặc",
    "common.clear": "Xoá",
    "common.download": "Tải xuống",
    "common.download_all": "Tải tất cả",
    "common.loading": "Đang tải",
    "common.error": "Lỗi",
    "common.edit": "Sửa",
    "common.empty": "Trống",
    "common.remove": "Xoá",
    "common.settings": "Cài đặt",
    "common.share": "Chia sẻ",
    "common.undo": "Hoàn tác",
    "common.progress": "Đang xử lý",
    "common.complete": "Xong",
    "common.built_with_gradio": "Xây dựng bằng Gradio",
    "common.built_with": "xây dựng bằng",
    "common.hosted_on": "Chạy trên",
    "chatbot.copy_message": "Chép câu trả lời",
    "chatbot.copied_message": "Đã chép",
    "chatbot.like": "Câu trả lời tốt",
    "chatbot.dislike": "Câu trả lời chưa tốt",
    "chatbot.retry": "Hỏi lại",
    "chatbot.undo": "Hoàn tác",
    "chatbot.clear": "Xoá hội thoại",
    "chatbot.edit": "Sửa",
    "chatbot.submit": "Gửi",
    "chatbot.cancel": "Huỷ",
    "chatbot.chatbot": "Hội thoại",
    "chatbot.conversation": "Hội thoại",
    "dataframe.clear_sort": "Bỏ sắp xếp",
    "dataframe.clear_filter": "Bỏ lọc",
    "dropdown.dropdown": "Danh sách chọn",
    "file.uploading": "Đang tải lên…",
    "errors.use_via_api": "Dùng qua API",
    "errors.use_via_api_or_mcp": "Dùng qua API",
    "errors.connection_can_break": "Trên điện thoại, kết nối có thể ngắt khi chuyển sang ứng dụng khác.",
    "errors.lost_connection": "Mất kết nối; đang kết nối lại…",
    "errors.waiting_for_inputs": "Đang chờ tệp tải lên xong, hãy thử lại.",
    "status.queue_position": "Đang chờ: {position}/{size}",
}
