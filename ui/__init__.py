"""The web app (Gradio): chat with cited sources and saved conversations, the assignments explorer with
deadlines by time, the comparison by index taxonomy, the trainers' charts and index tree, the drafters'
"Soạn dự thảo", knowledge-base management, and the ``ask`` HTTP endpoint.

- :mod:`ui.service` — the knowledge base and assistant behind one worker thread (safe for many clients)
- :mod:`ui.handlers` (chat, conversations, feedback, tasks, uploads) and :mod:`ui.views` (deadlines, charts,
  index tree, comparison files, drafts) — what each event does, as plain functions over the service
- :mod:`ui.app` — ``build_app(service)``, the layout; :mod:`ui.launch` — ``launch``/``serve`` with safe defaults
- behind the views: :mod:`ui.deadlines`, :mod:`ui.charts`, :mod:`ui.taxonomy`, :mod:`ui.compare`,
  :mod:`ui.draft` (with :mod:`ui.levels`, :mod:`ui.draft_docx`), :mod:`ui.feedback`, :mod:`ui.export`
- :mod:`ui.catalog`, :mod:`ui.highlight`, :mod:`ui.render`, :mod:`ui.messages`, :mod:`ui.style`

Gradio is imported only by :mod:`ui.app` and :mod:`ui.launch`, so the CLI stays light until ``planqa serve``.
"""
