"""The SQLite store: one private file, WAL, schema migrations, one transaction per unit of work."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from kaffe.fsutil import ensure_private
from kaffe.model import (
    Article,
    CalendarBatch,
    Contact,
    Event,
    FeedBatch,
    Interaction,
    LanguageVerdict,
    LedgerEntry,
    MailBatch,
    Message,
    Topic,
)
from kaffe.store import articles as _articles
from kaffe.store import events as _events
from kaffe.store import interactions as _interactions
from kaffe.store import languages as _languages
from kaffe.store import ledger as _ledger
from kaffe.store import messages as _messages
from kaffe.store import topics as _topics
from kaffe.store.codec import dt_to_text, opt_dt_from_text
from kaffe.store.fault import storage_error
from kaffe.store.migrations import migrate, user_version
from kaffe.store.versions import Versions

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000


def _open_connection(path: Path) -> sqlite3.Connection:
    """Connect and migrate; a file SQLite cannot use becomes a :class:`StorageError`."""
    try:
        conn = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise storage_error(path, exc) from exc
    try:
        _prepare(conn)
    except sqlite3.Error as exc:
        conn.close()
        raise storage_error(path, exc) from exc
    except BaseException:
        conn.close()
        raise
    return conn


CACHE_KIB = 256


def _prepare(conn: sqlite3.Connection) -> None:
    """Set up a fresh autocommit connection (transactions are explicit) and migrate."""
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    # 256 KiB of page cache instead of SQLite's 2 MiB: the store view keeps what it read
    # and reads a table again only after it changed, so the cache rarely hits; the OS
    # caches the file anyway (bench/memory.py without feeds: -1.7 MB; bench/cpu.py the same).
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    migrate(conn)


def _make_private(path: Path) -> None:
    """SQLite gives -wal/-shm the database's mode; make sure of it anyway."""
    for suffix in ("", "-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists() and side.stat().st_mode & 0o077:
            os.chmod(side, 0o600)


def _transaction_statements(depth: int) -> tuple[str, tuple[str, ...], str]:
    """Begin, undo and commit statements: a transaction outside, a savepoint within."""
    if depth == 0:
        return "BEGIN IMMEDIATE", ("ROLLBACK",), "COMMIT"
    name = f"kaffe_{depth}"
    return f"SAVEPOINT {name}", (f"ROLLBACK TO {name}", f"RELEASE {name}"), f"RELEASE {name}"


class Store:
    """kaffe's state: events, mail, contacts, topics, articles, cursors, the ledger and
    source health.

    Every write method is atomic on its own; wrap several in
    :meth:`transaction` to make them one unit of work.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._depth = 0
        self._versions = Versions(conn)

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open (creating it private, mode 0600) and migrate the database at ``path``."""
        path = Path(path).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            ensure_private(path)  # before SQLite creates it with the umask's mode
        except OSError as exc:
            raise storage_error(path, exc) from exc
        conn = _open_connection(path)
        _make_private(path)
        log.debug("opened store %s (schema version %d)", path, user_version(conn))
        return cls(conn, path)

    def close(self) -> None:
        """Close the connection; the store is unusable afterwards."""
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def version(self, table: str) -> int:
        """A counter that moves whenever ``table`` may have changed since it was last
        read: equal values mean what was loaded from it is still current."""
        return self._versions.of(table)

    @property
    def schema_version(self) -> int:
        """The schema version of the open database (``PRAGMA user_version``)."""
        return user_version(self._conn)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` on an exception.

        Nested use is a savepoint: an inner failure undoes only the inner work.
        """
        begin, undo, commit = _transaction_statements(self._depth)
        self._write(begin)
        self._depth += 1
        try:
            yield
        except BaseException as exc:
            self._undo(undo)
            self._versions.bump_all()  # whatever was read inside is undone too
            if isinstance(exc, sqlite3.OperationalError):  # e.g. the disk is full
                raise storage_error(self.path, exc) from exc
            raise
        else:
            try:
                self._conn.execute(commit)
            except sqlite3.OperationalError as exc:  # COMMIT itself may find the disk full
                self._undo(undo)
                raise storage_error(self.path, exc) from exc
        finally:
            self._depth -= 1

    def _write(self, statement: str) -> None:
        try:
            self._conn.execute(statement)
        except sqlite3.OperationalError as exc:
            raise storage_error(self.path, exc) from exc

    def _undo(self, statements: tuple[str, ...]) -> None:
        """Roll back; SQLite may have done so itself already (after SQLITE_FULL, say)."""
        try:
            for statement in statements if self._conn.in_transaction else ():
                self._conn.execute(statement)
        except sqlite3.OperationalError as exc:  # the savepoint went with the transaction
            log.debug("rollback: %s", exc)

    # Cursors and meta -------------------------------------------------------

    def get_cursor(self, name: str) -> str | None:
        """The sync cursor stored under ``name``, or None."""
        return self._value("SELECT value FROM cursors WHERE name = ?", name)

    def set_cursor(self, name: str, value: str | None) -> None:
        """Store a sync cursor; ``None`` forgets it (the next sync is a full one)."""
        with self.transaction():
            if value is None:
                self._conn.execute("DELETE FROM cursors WHERE name = ?", (name,))
            else:
                self._conn.execute(
                    "INSERT INTO cursors (name, value) VALUES (?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    (name, value),
                )

    def get_meta(self, key: str) -> str | None:
        """A free-form value stored under ``key``, or None."""
        return self._value("SELECT value FROM meta WHERE key = ?", key)

    def set_meta(self, key: str, value: str) -> None:
        """Store a free-form value under ``key``."""
        with self.transaction():
            self._conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def _value(self, sql: str, *params: Any) -> Any:
        row = self._conn.execute(sql, params).fetchone()
        return row[0] if row else None

    # Events -----------------------------------------------------------------

    def apply_calendar_batch(
        self, batch: CalendarBatch, *, window_start: datetime, window_end: datetime
    ) -> int:
        """Store one sync batch of one calendar; returns the number of rows changed.

        A full batch replaces the calendar's events overlapping the window. An
        incremental one upserts its events; cancellations are kept with status
        "cancelled", merged onto the stored row, and ``batch.removed`` ids mark
        stored rows cancelled (unknown ids are ignored). The caller stores the
        cursor, ideally in the same :meth:`transaction`.
        """
        with self.transaction():
            changed = _events.apply_batch(self._conn, batch, window_start, window_end)
        if changed:
            self._versions.bump("events")
        log.debug("%s: %d rows changed (%s batch)", batch.calendar, changed,
                  "full" if batch.full else "incremental")
        return changed

    def events(
        self,
        *,
        calendar: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[Event]:
        """Stored events ordered by start; ``start``/``end`` select those overlapping."""
        return _events.query_events(self._conn, calendar, start, end)

    def event(self, key: str) -> Event | None:
        """The event with ``Event.key`` ``key`` ("calendar/id"), or None."""
        calendar, _, event_id = key.rpartition("/")
        return _events.get_event(self._conn, calendar, event_id)

    # Mail -------------------------------------------------------------------

    def apply_mail_batch(self, batch: MailBatch, *, own_addresses: tuple[str, ...]) -> int:
        """Store one sync batch of one mail account; returns the number of messages changed.

        A full batch is the account's whole sync window: stored messages it lacks
        are deleted. Every batch upserts its messages and deletes ``batch.removed``
        ids (unknown ids are ignored). Non-bulk messages yield interactions with
        everyone but ``own_addresses``, and upsert those people as contacts.
        ``batch.invitations`` are not stored here. The caller stores the cursor,
        ideally in the same :meth:`transaction`.
        """
        with self.transaction():
            changed = _messages.apply_batch(self._conn, batch, own_addresses)
        if batch.messages or batch.removed or batch.full:  # interactions follow own_addresses
            self._versions.bump("messages", "interactions", "contacts", "languages")
        log.debug("%s: %d messages changed (%s batch)", batch.account, changed,
                  "full" if batch.full else "incremental")
        return changed

    def messages(
        self, *, account: str | None = None, thread_id: str | None = None
    ) -> list[Message]:
        """Stored messages oldest first, optionally of one account and/or thread."""
        return _messages.query_messages(self._conn, account, thread_id)

    def message_count(self, account: str | None = None) -> int:
        """How many messages are stored (of ``account``, if given)."""
        return _messages.count_messages(self._conn, account)

    def interactions(
        self, *, since: datetime | None = None
    ) -> dict[str, tuple[Interaction, ...]]:
        """Interactions by contact address, oldest first; ``since`` drops earlier ones."""
        return _interactions.query(self._conn, since)

    def languages(self, per_contact: int = _languages.LATEST
                  ) -> dict[str, tuple[LanguageVerdict, ...]]:
        """Per contact, the language verdicts of their latest received mails, oldest
        first (see :mod:`kaffe.store.languages`)."""
        return _languages.latest(self._conn, per_contact=per_contact)

    def written_languages(self) -> dict[str, tuple[str, ...]]:
        """Per contact, the languages of their latest received mails as the rules get
        them (:func:`kaffe.store.languages.written`)."""
        return _languages.written(self._conn)

    # Contacts ---------------------------------------------------------------

    def upsert_contact(self, contact: Contact) -> None:
        """Insert or replace the contact with ``contact.email``."""
        self._versions.bump("contacts")
        with self.transaction():
            self._conn.execute(
                "INSERT INTO contacts (email, name, language) VALUES (?, ?, ?) "
                "ON CONFLICT (email) DO UPDATE SET name = excluded.name, "
                "language = excluded.language",
                (contact.email, contact.name, contact.language),
            )

    def contacts(self) -> dict[str, Contact]:
        """Every contact, by e-mail address."""
        rows = self._conn.execute("SELECT email, name, language FROM contacts ORDER BY email")
        return {row[0]: Contact(*row) for row in rows}

    # Ledger -----------------------------------------------------------------

    def ledger(self) -> dict[str, LedgerEntry]:
        """Every ledger entry, by key."""
        return {e.key: e for e in _ledger.entries(self._conn)}

    def ledger_entry(self, key: str) -> LedgerEntry | None:
        """The ledger entry for idempotency key ``key``, or None."""
        return _ledger.entry(self._conn, key)

    def ledger_begin(
        self, key: str, kind: str, now: datetime, *, contact: str = ""
    ) -> LedgerEntry:
        """Mark ``key`` pending before acting on it; counts one more attempt.

        ``contact`` (the first recipient) is kept when re-begun without one.
        """
        self._versions.bump("ledger")
        with self.transaction():
            _ledger.begin(self._conn, key, kind, now, contact)
            entry = _ledger.entry(self._conn, key)
        assert entry is not None
        return entry

    def ledger_finish(
        self, key: str, state: str, now: datetime, *, draft_id: str = "", detail: str = ""
    ) -> None:
        """Record the outcome (done | failed | skipped) of a begun ``key``."""
        self._versions.bump("ledger")
        with self.transaction():
            _ledger.finish(self._conn, key, state, now, draft_id, detail)

    def ledger_restore(self, entry: LedgerEntry) -> None:
        """Write ``entry`` exactly as given, replacing any row of its key (``kaffe import``)."""
        self._versions.bump("ledger")
        with self.transaction():
            _ledger.put(self._conn, entry)

    # Topics -----------------------------------------------------------------

    def add_topics(self, topics: Iterable[Topic]) -> int:
        """Store topics (idempotent: a known (contact, text, source) is skipped); returns
        how many were new."""
        with self.transaction():
            added = _topics.add(self._conn, topics)
        if added:
            self._versions.bump("topics")
        return added

    def topics(self, contact: str | None = None) -> dict[str, tuple[Topic, ...]]:
        """Topics by contact address, oldest first; only ``contact``'s when given."""
        return _topics.query(self._conn, contact)

    def remove_topics(self, contact: str | None, source_prefix: str) -> int:
        """Forget the topics whose source starts with ``source_prefix`` (of ``contact``,
        or of everyone when None), e.g. before re-reading a notes file; returns how many."""
        with self.transaction():
            removed = _topics.remove(self._conn, contact, source_prefix)
        if removed:
            self._versions.bump("topics")
        return removed

    def topic_sources(self, prefix: str = "") -> set[str]:
        """The distinct sources of stored topics that start with ``prefix``."""
        return _topics.sources(self._conn, prefix)

    # Articles ---------------------------------------------------------------

    def apply_feed_batch(self, batch: FeedBatch, *, now: datetime) -> list[Article]:
        """Store a feed's new articles and return only those, so each is indexed once.

        Articles already stored, repeated within the batch, or published before
        the last :meth:`prune_articles` horizon are not returned. The caller stores
        ``batch.cursor``, ideally in the same :meth:`transaction`.
        """
        if batch.not_modified:
            return []
        with self.transaction():
            new = _articles.insert_new(self._conn, batch.articles, now)
        if new:
            self._versions.bump("articles")
        log.debug("%s: %d of %d articles new", batch.feed, len(new), len(batch.articles))
        return new

    def articles(self, *, since: datetime | None = None) -> list[Article]:
        """Stored articles oldest first, by published time (else fetch time), from ``since``."""
        return _articles.query(self._conn, since)

    def articles_timed(self, *, since: datetime | None = None) -> list[tuple[str, Article]]:
        """:meth:`articles`, each with its time (published, else fetched) as sortable text
        (:func:`kaffe.store.codec.dt_to_text`)."""
        return _articles.query_timed(self._conn, since)

    def article_count(self) -> int:
        """How many articles are stored."""
        return _articles.count(self._conn)

    def prune_articles(self, before: datetime) -> int:
        """Delete articles older than ``before`` (published, else fetched); returns how many.

        Entries a feed still serves that were published before ``before`` stay
        forgotten: they are not stored (nor returned as new) again.
        """
        with self.transaction():
            pruned = _articles.prune(self._conn, before)
        if pruned:
            self._versions.bump("articles")
        return pruned

    # Source health ----------------------------------------------------------

    def record_source_run(self, source: str, now: datetime, ok: bool, detail: str = "") -> None:
        """Record one sync of ``source``; ``last_ok`` moves only when ``ok``."""
        stamp = dt_to_text(now)
        with self.transaction():
            self._conn.execute(
                "INSERT INTO source_runs (source, last_run, last_ok, ok, detail) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (source) DO UPDATE SET "
                "last_run = excluded.last_run, ok = excluded.ok, detail = excluded.detail, "
                "last_ok = COALESCE(excluded.last_ok, last_ok)",
                (source, stamp, stamp if ok else None, int(ok), detail),
            )

    def source_runs(self) -> dict[str, dict[str, Any]]:
        """Per source: ``last_run``, ``last_ok`` (datetimes or None), ``ok``, ``detail``."""
        rows = self._conn.execute(
            "SELECT source, last_run, last_ok, ok, detail FROM source_runs ORDER BY source"
        )
        return {
            source: {"last_run": opt_dt_from_text(last_run), "last_ok": opt_dt_from_text(last_ok),
                     "ok": bool(ok), "detail": detail}
            for source, last_run, last_ok, ok, detail in rows
        }
