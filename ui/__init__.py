"""The web app (Gradio): chat with cited sources, the assignments explorer, the province comparison,
knowledge-base management, and the ``ask`` HTTP endpoint.

- :mod:`ui.service` — the knowledge base and assistant behind one worker thread (safe for many clients)
- :mod:`ui.handlers` — what each event does, as plain functions over the service
- :mod:`ui.app` — ``build_app(service)``, the layout; :mod:`ui.launch` — ``launch``/``serve`` with safe defaults
- :mod:`ui.catalog`, :mod:`ui.compare`, :mod:`ui.highlight`, :mod:`ui.render`, :mod:`ui.export`, :mod:`ui.style`

Gradio is imported only by :mod:`ui.app` and :mod:`ui.launch`, so the CLI stays light until ``planqa serve``.
"""
