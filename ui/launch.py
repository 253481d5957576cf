"""Start the web app with safe defaults: local address, no share link, optional login, bounded queue,
upload size limit, and the knowledge-base folder never served as files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from ui.service import PlanqaService
from ui.style import CSS, GRADIO_VI, PAGE_SCRIPT

QUEUE_SIZE = 64  # requests waiting beyond this are refused with "queue full" instead of piling up
CONCURRENCY = 8  # handlers running at once; the knowledge base itself serves them one at a time
THEME = gr.themes.Default(
    primary_hue="blue", neutral_hue="slate",
    font=("ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Noto Sans", "Arial", "sans-serif"),
    font_mono=("ui-monospace", "Consolas", "monospace"),
)  # fmt: skip  # system fonts only: nothing is fetched from a font service


def parse_auth(value: str) -> list[tuple[str, str]] | None:
    """``PLANQA_AUTH`` → login pairs: "user:password", or the path of a file with one "user:password" per line.

    Blank lines and lines starting with ``#`` in the file are skipped.

    Returns:
        ``None`` when ``value`` is empty (no login).

    Raises:
        ValueError: a pair without a user or a password; the message names the line, never the password.
    """
    value = (value or "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    if path.is_file():
        lines = [(f"{path}, line {n}", line.strip()) for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)]
        lines = [(where, line) for where, line in lines if line and not line.startswith("#")]
    else:
        lines = [("PLANQA_AUTH", value)]
    pairs = []
    for where, line in lines:
        user, sep, password = line.partition(":")
        if not sep or not user.strip() or not password:
            raise ValueError(
                f"{where}: expected user:password (or the path of a file of user:password lines); "
                f"got {'a value without a colon' if not sep else 'an empty user or password'}"
            )
        pairs.append((user.strip(), password))
    if not pairs:
        raise ValueError(f"{path}: no user:password line; add one or unset PLANQA_AUTH")
    return pairs


# A third line of defence after escaping and sanitising: the page may show images from the app only, so a
# plan's <img src="https://…"> that got through would still not be fetched.
NO_REMOTE_IMAGES = '<meta http-equiv="Content-Security-Policy" content="img-src \'self\' data: blob:">'


def launch(
    app: gr.Blocks, service: PlanqaService, *, host: str = "127.0.0.1", port: int | None = 7860,
    auth: list[tuple[str, str]] | None = None, block: bool = True, quiet: bool = False,
) -> tuple[Any, str]:  # fmt: skip
    """Queue and launch ``app``.

    Args:
        app: from :func:`ui.app.build_app`.
        service: the app's service (for the upload limit and the folder never to serve).
        host: the address to listen on; 127.0.0.1 keeps the app on this machine.
        port: the port; ``None`` lets Gradio pick a free one from 7860 on.
        auth: login pairs from :func:`parse_auth`; ``None`` for no login.
        block: wait until interrupted (the CLI); ``False`` returns at once (tests, benchmarks).
        quiet: do not print Gradio's start-up lines.

    Returns:
        (the FastAPI app, the local URL).
    """
    app.queue(max_size=QUEUE_SIZE, default_concurrency_limit=CONCURRENCY)
    fastapi_app, url, _ = app.launch(
        server_name=host, server_port=port, share=False, auth=auth,
        auth_message="Đăng nhập để dùng planqa" if auth else None,
        max_file_size=service.upload_max_bytes, blocked_paths=[str(service.kb_dir)],
        prevent_thread_lock=not block, quiet=quiet, show_error=False, ssr_mode=False,
        footer_links=["api"], theme=THEME, css=CSS, i18n=gr.I18n(en=GRADIO_VI, vi=GRADIO_VI), head=NO_REMOTE_IMAGES + PAGE_SCRIPT,
    )  # fmt: skip
    return fastapi_app, url


def serve(
    kb_dir: Path, *, host: str, port: int, embedder: str, vector_kind: str, chroma_url: str | None,
    auth: list[tuple[str, str]] | None, upload_max_mb: float,
) -> int:  # fmt: skip
    """Open the knowledge base, build the app and serve it until interrupted (``planqa serve``).

    Returns:
        0 after Ctrl-C.
    """
    print(f"planqa: opening the knowledge base {kb_dir} …", flush=True)
    service = PlanqaService(
        kb_dir, embedder=embedder, vector_kind=vector_kind, chroma_url=chroma_url, upload_max_mb=upload_max_mb
    )
    try:
        from ui.app import build_app

        stats = service.catalog()
        print(f"planqa: {len(stats.documents)} documents; open http://{host}:{port} in a browser", flush=True)
        launch(build_app(service), service, host=host, port=port, auth=auth, block=True, quiet=True)
    except KeyboardInterrupt:
        pass
    finally:
        service.close()
    return 0
