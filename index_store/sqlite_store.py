"""The system of record: one SQLite file (WAL) holding documents, records, passages and the embedding cache.

Durability: WAL with ``synchronous=NORMAL``. Every commit is written to the WAL before ``COMMIT`` returns,
so a killed process (kill -9, a crash: our fault model) never loses an acknowledged document and never
leaves a half-written one; only an OS crash or power cut may roll back the last few commits, never corrupt
the file. ``FULL`` would add an fsync per document for a fault we do not design for; everything here can
be re-ingested from the plan files anyway. Derived indexes (BM25, Chroma, FAISS) are rebuilt from this file.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from index_store import _schema as sc
from index_store._queries import assignment_dict, document_dict, embedding_rows, embedding_selects, filters, score_dict
from index_store._schema import validate
from index_store.writable import KbReadOnly, read_only_reason, write_problem
from ingest.model import CORRECTABLE, PARSER_VERSION, Document, ParsedDocument, Passage
from ingest.textnorm import fold

DB_NAME = "planqa.sqlite3"
DB_FILES = (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm")  # what a writer writes (WAL mode)
SPARSE_FOLDER = "bm25"  # the BM25 index next to it (index_store.knowledge_base writes it)
UpsertStatus = Literal["added", "replaced", "unchanged"]
_COUNTS = (
    "(SELECT count(*) FROM assignments a WHERE a.doc_id = d.doc_id) AS n_assignments, "
    "(SELECT count(*) FROM scores s WHERE s.doc_id = d.doc_id) AS n_scores, "
    "(SELECT count(*) FROM passages p WHERE p.doc_id = d.doc_id) AS n_passages"
)


def _app_version() -> str:
    """planqa's installed version ("" when it runs from a checkout that was never installed)."""
    try:
        return metadata.version("planqa")
    except metadata.PackageNotFoundError:
        return ""


class StoreError(RuntimeError):
    """The knowledge-base file cannot be used as it is (another schema version, not a planqa file)."""


class Store:
    """The knowledge base's SQLite file, ``<kb_dir>/planqa.sqlite3``.

    Writers should hold a :class:`index_store.KbLock` for their whole run; readers need no lock.

    Args:
        kb_dir: the knowledge-base folder; created (with the file) unless ``readonly``.
        readonly: open without write access; the file must already exist.

    Raises:
        NotADirectoryError: ``kb_dir`` is a file.
        FileNotFoundError: ``readonly`` and there is no knowledge base yet.
        StoreError: the file was written by another schema version, is not a planqa file, or cannot be
            opened for writing (a full disk, a folder this user may not write: open it ``readonly`` then).
    """

    def __init__(self, kb_dir: Path | str, *, readonly: bool = False) -> None:
        if not isinstance(kb_dir, str | Path) or not str(kb_dir):
            raise TypeError(f"kb_dir must be a folder path, got {kb_dir!r}")
        self.kb_dir, self.readonly = Path(kb_dir), readonly
        self.path = self.kb_dir / DB_NAME
        if self.kb_dir.exists() and not self.kb_dir.is_dir():
            raise NotADirectoryError(f"--kb {self.kb_dir} is a file; a knowledge base is a folder")
        if readonly:
            if not self.path.exists():
                raise FileNotFoundError(f"there is no knowledge base in {self.kb_dir} yet; run `planqa ingest` first")
            self._open_read_only()
            return
        self.kb_dir.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None)  # we issue BEGIN/COMMIT ourselves
        try:
            self._init_schema()
        except sqlite3.DatabaseError as err:
            self._db.close()
            problem = write_problem(err, self.kb_dir)
            if problem is not None:
                raise StoreError(
                    f"{self.path} cannot be opened for writing: {problem} ({err}); free some space, or "
                    "use a knowledge base this user may write"
                ) from err
            raise StoreError(f"{self.path} is not a readable planqa knowledge base ({err}); use another --kb") from err
        except BaseException:
            self._db.close()
            raise

    def _open_read_only(self) -> None:
        """Open ``mode=ro``; when SQLite cannot (a WAL file whose shared-memory file cannot be created or grown:
        a read-only mount, another user's folder, a full disk) and no WAL content is pending, open the file
        as immutable, which reads it without those files."""
        uri = self.path.resolve().as_uri()
        wal = self.path.with_name(f"{DB_NAME}-wal")
        for query in ("mode=ro", "mode=ro&immutable=1"):
            self._db = sqlite3.connect(f"{uri}?{query}", uri=True, isolation_level=None)
            try:
                self._init_schema()
                return
            except sqlite3.OperationalError as err:
                self._db.close()
                pending = wal.exists() and wal.stat().st_size > 0  # immutable would not see those commits
                if "immutable" in query or pending or write_problem(err, self.kb_dir) is None:
                    raise StoreError(
                        f"{self.path} cannot be read ({err}"
                        f"{'; its -wal file holds commits not yet in the database' if pending else ''}); "
                        "open it once where it can be written, or use another --kb"
                    ) from err
            except sqlite3.DatabaseError as err:
                self._db.close()
                raise StoreError(
                    f"{self.path} is not a readable planqa knowledge base ({err}); use another --kb"
                ) from err
            except BaseException:
                self._db.close()
                raise

    def _init_schema(self) -> None:
        self.schema_version = sc.SCHEMA_VERSION
        self._db.row_factory = sqlite3.Row
        self._db.create_function("fold", 1, fold, deterministic=True)
        self._db.execute("PRAGMA busy_timeout = 5000")  # a reader or a lock-less writer waits, not fails
        self._db.execute("PRAGMA foreign_keys = ON")
        if not self.readonly:
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            with self._tx():
                for statement in sc.DDL.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                now = datetime.now(UTC).isoformat(timespec="seconds")
                self._db.executemany(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                    [("schema_version", str(sc.SCHEMA_VERSION)), ("created_at", now)],
                )
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        while not self.readonly and row is not None and row[0] in sc.MIGRATIONS:
            with self._tx() as db:
                for statement in sc.MIGRATIONS[row[0]]:
                    db.execute(statement)
                db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(int(row[0]) + 1),))
            row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is not None and self.readonly and row[0] in sc.READ_AS_IS:
            self.schema_version = int(row[0])  # an older store a reader cannot migrate: read as it is
        elif row is None or row[0] != str(sc.SCHEMA_VERSION):
            found = row[0] if row else "none"
            raise StoreError(
                f"{self.path} has schema version {found}, this planqa reads version {sc.SCHEMA_VERSION}; "
                "ingest the plans into a new --kb folder"
            )

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: BEGIN IMMEDIATE … COMMIT, rolled back on any error."""
        if self.readonly:
            raise StoreError(f"the knowledge base {self.kb_dir} was opened read-only")
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:  # SQLite may already have rolled back (disk full, I/O error)
                self._db.execute("ROLLBACK")
            raise

    # -- writing ---------------------------------------------------------------------------------------

    def upsert(self, parsed: ParsedDocument, *, force: bool = False) -> UpsertStatus:
        """Store one parsed document and all its records in one transaction.

        Identity: a stored document with the same ``doc_id`` and ``content_hash`` is left as it is
        ("unchanged"; only its path is updated when the file moved). A stored document with the same
        ``doc_id`` or the same ``path`` is deleted with all its rows, then the new one is inserted
        ("replaced"). Otherwise "added". On any error nothing of the new version is written and the
        previous version stays intact.

        Args:
            parsed: what ``ingest.pipeline.parse_file`` returned.
            force: replace even an unchanged document (its metadata was corrected by hand).

        Returns:
            "added", "replaced" or "unchanged".

        Raises:
            ValueError: a record belongs to another ``doc_id``, or the document has no id or path.
            sqlite3.IntegrityError: duplicate record or passage ids.
        """
        doc = parsed.document
        validate(parsed)
        with self._tx() as db:
            old = db.execute(
                "SELECT doc_id, path, content_hash, parser FROM documents WHERE doc_id = ? OR path = ?",
                (doc.doc_id, doc.path),
            ).fetchall()
            if (
                not force
                and len(old) == 1
                and old[0]["doc_id"] == doc.doc_id
                and old[0]["content_hash"] == doc.content_hash
                and old[0]["parser"] == PARSER_VERSION
            ):
                if old[0]["path"] != doc.path:
                    db.execute(
                        "UPDATE documents SET path = ?, source = ? WHERE doc_id = ?", (doc.path, doc.source, doc.doc_id)
                    )
                return "unchanged"
            db.execute("DELETE FROM documents WHERE doc_id = ? OR path = ?", (doc.doc_id, doc.path))
            self._insert(db, parsed)
        return "replaced" if old else "added"

    def _insert(self, db: sqlite3.Connection, parsed: ParsedDocument) -> None:
        doc = parsed.document
        now = datetime.now(UTC).isoformat(timespec="seconds")
        row = sc.document_params(doc, parsed.text, parsed.sections, now)
        db.execute(sc.insert_sql("documents", row), row)
        for table, rows in (
            ("assignments", [sc.assignment_params(a, doc.province) for a in parsed.assignments]),
            ("scores", [sc.score_params(s) for s in parsed.scores]),
            ("passages", [sc.passage_params(p) for p in parsed.passages]),
        ):
            if rows:
                db.executemany(sc.insert_sql(table, rows[0]), rows)

    def set_correction(self, content_hash: str, fields: Mapping[str, str]) -> None:
        """Keep a person's corrections of a file's metadata (``CORRECTABLE`` fields), by the file's content hash.

        They outlive the document (a re-ingest of the same bytes, even after ``remove``, applies them);
        an empty value drops that field's correction.

        Raises:
            ValueError: a field that cannot be corrected.
        """
        unknown = set(fields) - set(CORRECTABLE)
        if unknown:
            raise ValueError(f"only {', '.join(CORRECTABLE)} can be corrected, got {', '.join(sorted(unknown))}")
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._tx() as db:
            kept = {**self.corrections(content_hash), **{k: v.strip() for k, v in fields.items()}}
            kept = {k: v for k, v in kept.items() if v}
            if kept:
                db.execute(
                    "INSERT OR REPLACE INTO corrections (content_hash, fields, corrected_at) VALUES (?, ?, ?)",
                    (content_hash, json.dumps(kept, ensure_ascii=False), now),
                )
            else:
                db.execute("DELETE FROM corrections WHERE content_hash = ?", (content_hash,))

    def corrections(self, content_hash: str) -> dict[str, str]:
        """The corrections kept for a file's content hash (``{}`` when none)."""
        row = self._db.execute("SELECT fields FROM corrections WHERE content_hash = ?", (content_hash,)).fetchone()
        return dict(json.loads(row[0])) if row else {}

    def remove(self, ref: str) -> list[str]:
        """Delete documents (and, by cascade, their records and passages).

        Args:
            ref: a doc_id, a source file name (every document with that name) or a file path.

        Returns:
            The removed doc ids; empty when nothing matched.
        """
        resolved = str(Path(ref).expanduser().resolve())
        name = unicodedata.normalize("NFC", ref)  # file names are stored NFC; a decomposed one typed still matches
        sql = "SELECT doc_id FROM documents WHERE doc_id = ? OR source IN (?, ?) OR path IN (?, ?) ORDER BY doc_id"
        with self._tx() as db:
            ids = [r[0] for r in db.execute(sql, (ref, ref, name, ref, resolved))]
            db.executemany("DELETE FROM documents WHERE doc_id = ?", [(i,) for i in ids])
        return ids

    def add_feedback(
        self, *, rating: int, question: str, answer: str, citations: Sequence[Mapping[str, Any]] = (),
        comment: str = "", conversation: Sequence[str] = (), filters: Mapping[str, Any] | None = None,
        found: bool | None = None, agencies: Sequence[str] = (),
    ) -> int:  # fmt: skip
        """Keep a person's 👍/👎 on an answer, with the question, the conversation before it, the answer and its
        citations, in one transaction.

        Feedback is about answers, not documents: nothing ties it to a stored document, so it outlives
        ``remove`` and re-ingest of the plans it cites (its citations keep the text that was shown).

        Args:
            rating: 1 (👍) or -1 (👎).
            question: the question as asked, e.g. "Sở Y tế Đồng Nai được giao những nhiệm vụ gì?".
            answer: the answer's markdown, as shown.
            citations: the answer's citations as in ``planqa ask --json``.
            comment: what the person wrote (at most :data:`~index_store._schema.MAX_COMMENT_CHARS` characters).
            conversation: the earlier questions of the conversation, oldest first.
            filters: the filters the answer was given under (province, plan index, agency).
            found: the answer's ``found``; agencies: the agencies it named, lead first.

        Returns:
            The feedback's id.

        Raises:
            ValueError: a rating other than 1/-1, an empty question or answer, a comment too long, values that
                are not plain JSON; nothing is written.
            KbReadOnly: this process may not write the knowledge base; nothing is written.
        """
        now = datetime.now(UTC).isoformat(timespec="seconds")
        row = sc.feedback_params(
            rating=rating, question=question, answer=answer, citations=citations, comment=comment,
            conversation=conversation, filters=filters, found=found, agencies=agencies, created_at=now,
            app_version=_app_version(),
        )  # fmt: skip
        with self._writing_feedback() as db:
            cursor = db.execute(sc.insert_sql("feedback", row), row)
        return int(cursor.lastrowid or 0)

    def set_feedback_comment(self, feedback_id: int, comment: str) -> bool:
        """Put (or replace) the comment of a feedback given earlier; an empty comment clears it.

        Returns:
            False when there is no feedback with that id (nothing written).

        Raises:
            ValueError: a comment over :data:`~index_store._schema.MAX_COMMENT_CHARS` characters.
            KbReadOnly: this process may not write the knowledge base.
        """
        note = sc._nfc(comment or "").strip()
        if len(note) > sc.MAX_COMMENT_CHARS:
            raise ValueError(f"a feedback comment has at most {sc.MAX_COMMENT_CHARS} characters, got {len(note)}")
        with self._writing_feedback() as db:
            changed = db.execute("UPDATE feedback SET comment = ? WHERE id = ?", (note, int(feedback_id))).rowcount
        return changed == 1

    @contextmanager
    def _writing_feedback(self) -> Iterator[sqlite3.Connection]:
        """A write transaction for feedback; a knowledge base this process may not write raises KbReadOnly."""
        if self.readonly:
            raise self._refused(read_only_reason(self.kb_dir, DB_FILES) or "this planqa opened it for reading only")
        try:
            with self._tx() as db:
                yield db
        except sqlite3.OperationalError as err:  # the file system said no after the store was opened
            reason = read_only_reason(self.kb_dir, DB_FILES) if write_problem(err, self.kb_dir) else None
            if reason is None:
                raise  # a full disk, a bug: not a read-only knowledge base
            raise self._refused(reason) from err

    def _refused(self, reason: str) -> KbReadOnly:
        return KbReadOnly(
            f"the knowledge base {self.kb_dir} is read-only: {reason}; the feedback was not stored. Copy it to a "
            f"writable folder (cp -r {self.kb_dir} NEW_DIR) and use --kb NEW_DIR, or run planqa as its owner"
        )

    def put_embeddings(self, model: str, items: Mapping[str, bytes] | Iterable[tuple[str, bytes]]) -> int:
        """Cache float32 vectors: ``items`` maps a text hash to the vector's bytes. Returns how many were written."""
        rows = embedding_rows(model, items)
        with self._tx() as db:
            db.executemany("INSERT OR REPLACE INTO embedding_cache VALUES (?, ?, ?, ?)", rows)
        return len(rows)

    # -- reading ---------------------------------------------------------------------------------------

    def find_unchanged(self, path: str | None, content_hash: str) -> str | None:
        """The doc_id stored for this path (any path when ``None``) with this content hash, so the caller can
        skip parsing."""
        if path is None:
            row = self._db.execute(
                "SELECT doc_id FROM documents WHERE content_hash = ? AND parser = ? ORDER BY doc_id",
                (content_hash, PARSER_VERSION),
            ).fetchone()
        else:
            row = self._db.execute(
                "SELECT doc_id FROM documents WHERE path = ? AND content_hash = ? AND parser = ?",
                (path, content_hash, PARSER_VERSION),
            ).fetchone()
        return row[0] if row else None

    def outdated(self) -> list[str]:
        """Paths of the documents an older parser read (``ingest`` re-parses them even when unchanged)."""
        rows = self._db.execute("SELECT path FROM documents WHERE parser != ? ORDER BY path", (PARSER_VERSION,))
        return [r[0] for r in rows]

    def get_document(self, doc_id: str) -> Document | None:
        """One stored document's metadata, or ``None``."""
        row = self._db.execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return sc.document_from_row(row) if row else None

    def document_text(self, doc_id: str) -> str:
        """The normalised text a document's spans point into ("" when unknown)."""
        row = self._db.execute("SELECT text FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return row[0] if row else ""

    def documents(self) -> list[Document]:
        """Every stored document, ordered by source file name."""
        return [sc.document_from_row(r) for r in self._db.execute("SELECT * FROM documents ORDER BY source, doc_id")]

    def document_rows(self, doc_id: str | None = None) -> list[dict[str, Any]]:
        """The ``planqa docs --json`` objects: metadata plus record counts, one per document."""
        where, params = ("WHERE d.doc_id = ?", (doc_id,)) if doc_id else ("", ())
        rows = self._db.execute(f"SELECT d.*, {_COUNTS} FROM documents d {where} ORDER BY d.source, d.doc_id", params)
        return [document_dict(r) for r in rows]

    def assignments(
        self, *, province: str | None = None, agency: str | None = None, plan_index: str | None = None,
        doc: str | None = None, vocab: Any = None, text: str | None = None,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """Assignment records as dicts, filtered case- and diacritic-insensitively.

        Args:
            province: "Đồng Nai", "dong nai", "tỉnh Đồng Nai".
            agency: matched through ``vocab.canonical_agency`` ("so tnmt" → "Sở Tài nguyên và Môi trường")
                and as a folded substring of the lead and coordinating agencies.
            plan_index: "PAPI", "par index", "SIPAS", "PCI".
            doc: a doc_id, source file name or document number ("336/KH-UBND").
            vocab: an ``ingest.vocab.Vocabulary``; optional, improves province/index/agency matching.
            text: a folded substring anywhere in the record (component, target, tasks, deadline …).

        Returns:
            Dicts with doc_id, source, province, plan_index, component, target, tasks, lead, coop, deadline,
            location (plus record_id, doc_number, span, source_kind), in document order.
        """
        where, params = filters(
            "a", province=province, plan_index=plan_index, doc=doc, vocab=vocab, agency=agency, text=text
        )
        sql = "SELECT a.*, d.source, d.province, d.doc_number FROM assignments a JOIN documents d USING (doc_id)"
        sql += (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY d.source, d.doc_id, a.rowid"
        return [assignment_dict(r) for r in self._db.execute(sql, params)]

    def scores(
        self, *, province: str | None = None, plan_index: str | None = None, doc: str | None = None, vocab: Any = None
    ) -> list[dict[str, Any]]:
        """Score/target records as dicts (values as ``[[label, value], …]``), filtered like :meth:`assignments`."""
        where, params = filters("s", province=province, plan_index=plan_index, doc=doc, vocab=vocab)
        sql = "SELECT s.*, d.source, d.province, d.doc_number FROM scores s JOIN documents d USING (doc_id)"
        sql += (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY d.source, d.doc_id, s.rowid"
        return [score_dict(r) for r in self._db.execute(sql, params)]

    def passages(self, doc_id: str | None = None) -> list[Passage]:
        """Stored passages, of one document or of all, in document order."""
        where, params = ("WHERE doc_id = ?", (doc_id,)) if doc_id else ("", ())
        sql = f"SELECT * FROM passages {where} ORDER BY doc_id, rowid"
        return [sc.passage_from_row(r) for r in self._db.execute(sql, params)]

    def get_embeddings(self, model: str, hashes: Iterable[str]) -> dict[str, bytes]:
        """Cached vectors of ``model`` for the given text hashes (missing ones are left out)."""
        out: dict[str, bytes] = {}
        for sql, params in embedding_selects(model, hashes):
            out.update({r[0]: bytes(r[1]) for r in self._db.execute(sql, params)})
        return out

    def feedback(self, rating: int | None = None) -> list[dict[str, Any]]:
        """The feedback given on answers, oldest first, as ``planqa feedback --json`` objects.

        Args:
            rating: 1 for 👍 only, -1 for 👎 only, ``None`` for both.

        Returns:
            Dicts with id, created_at (UTC, ISO 8601), rating ("up"/"down"), comment, question, conversation
            (earlier questions), answer (markdown), found, agencies, citations, filters, app_version and
            parser_version. Empty for a read-only store of a version that had no feedback yet.
        """
        if self.schema_version < 4:
            return []
        where, params = ("WHERE rating = ?", (rating,)) if rating is not None else ("", ())
        rows = self._db.execute(f"SELECT * FROM feedback {where} ORDER BY id", params)
        return [sc.feedback_dict(r) for r in rows]

    def stats(self) -> dict[str, Any]:
        """Row counts per table, the schema version and the file's path."""
        counts = {t: self._db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in _TABLES}
        return {**counts, "schema_version": self.schema_version, "path": str(self.path)}

    def version(self) -> tuple[int, int]:
        """Changes when the knowledge base changes: (SQLite data_version for other connections' commits,
        this connection's total changes). Lets readers cache what they loaded.

        A read-only store whose WAL index (``-shm``) it may not write sees data_version move at every read,
        so there the first number is taken from the sizes and times of the file and its WAL instead.
        """
        if self.readonly:
            signature = []
            for path in (self.path, self.path.with_name(f"{DB_NAME}-wal")):
                try:
                    st = path.stat()
                    signature += [st.st_size, st.st_mtime_ns]
                except FileNotFoundError:
                    signature += [-1, -1]
            return hash(tuple(signature)), self._db.total_changes
        return self._db.execute("PRAGMA data_version").fetchone()[0], self._db.total_changes

    def integrity_check(self) -> str:
        """SQLite's ``integrity_check`` plus ``foreign_key_check``: "ok", or the problems found."""
        problems = [r[0] for r in self._db.execute("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [f"dangling row in {r[0]} (rowid {r[1]})" for r in self._db.execute("PRAGMA foreign_key_check")]
        return "ok" if not problems else "; ".join(problems)

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_TABLES = ("documents", "assignments", "scores", "passages", "embedding_cache")
