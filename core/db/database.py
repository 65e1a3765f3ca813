"""`Database`: a connection to one store's database, SQLite file or PostgreSQL, behind one API.

- `transaction(durable=True)`: one transaction, exclusive enough for a read-check-write. SQLite
  takes the database's write lock up front (`BEGIN IMMEDIATE`), so two processes serialise.
  PostgreSQL starts a READ COMMITTED transaction: a store locks what it rewrites with
  `SELECT ... FOR UPDATE` (`db.for_update`) or `tx.lock(name)` (a transaction-scoped advisory
  lock; a no-op on SQLite, already exclusive). `durable=False` commits without waiting for the
  disk (SQLite `synchronous=NORMAL`, PostgreSQL `synchronous_commit=off`).
- `query(sql, params)`: a read outside any transaction.
- `session_lock(name)`: PostgreSQL only, a lock held by this process until released or until
  the process dies (its connection drops): what a lock file is on one machine.
- `listener(channel)`: PostgreSQL only, wakes on `NOTIFY channel` from any process.
- `ping()`: seconds for a round trip, or `DatabaseUnavailable` (for `opsgraph doctor`).

SQL is written once with `?` placeholders; PostgreSQL gets `%s`.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Union

from opsgraph.core.db.errors import DatabaseUnavailable, StateConfigError

Dialect = Literal["sqlite", "postgresql"]
Target = Union[Path, str, "Database"]
Params = Sequence[Any]


class Tx:
    """The statements of one transaction (or one read)."""

    def __init__(self, db: Database, cursor: Any) -> None:
        self.db = db
        self._cursor = cursor

    def execute(self, sql: str, params: Params = ()) -> Tx:
        self.db._run(self._cursor, sql, params)
        return self

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        if rows:
            self.db._run_many(self._cursor, sql, rows)

    def fetchone(self) -> tuple[Any, ...] | None:
        row = self._cursor.fetchone()
        return tuple(row) if row is not None else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self._cursor.fetchall()]

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)

    def lock(self, name: str) -> None:
        """Serialise this transaction with every other one that locks `name` (PostgreSQL:
        pg_advisory_xact_lock, released at commit; SQLite: already exclusive)."""
        if self.db.dialect == "postgresql":
            self.execute("SELECT pg_advisory_xact_lock(?)", (lock_key(name),))


class Database:
    dialect: Dialect
    for_update: str  # appended to a SELECT whose rows the transaction rewrites

    def __init__(self) -> None:
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[Tx]:
        raise NotImplementedError

    def query(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        with self._reading() as tx:
            return tx.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def ping(self) -> float:
        began = time.perf_counter()
        self.query("SELECT 1")
        return time.perf_counter() - began

    def session_lock(self, name: str) -> SessionLock:
        raise NotImplementedError(f"{self.dialect} has no session locks here; use a lock file")

    def listener(self, channel: str) -> Listener:
        raise NotImplementedError(f"{self.dialect} has no LISTEN/NOTIFY; one process writes and reads")

    def describe(self) -> str:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # -- backend hooks -------------------------------------------------------------------------
    @contextmanager
    def _reading(self) -> Iterator[Tx]:
        raise NotImplementedError

    def _run(self, cursor: Any, sql: str, params: Params) -> None:
        cursor.execute(sql, params)

    def _run_many(self, cursor: Any, sql: str, rows: Sequence[Params]) -> None:
        cursor.executemany(sql, rows)


class SqliteDatabase(Database):
    """One SQLite file in WAL mode; one connection shared by the process's threads."""

    dialect: Dialect = "sqlite"
    for_update = ""

    def __init__(self, path: Path, *, synchronous: str = "FULL", timeout: float = 10.0) -> None:
        super().__init__()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._default_sync = synchronous
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=timeout)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._sync = ""
        self._set_sync(synchronous)

    @property
    def connection(self) -> sqlite3.Connection:
        """The raw connection (for code that speaks sqlite3 itself, like LangGraph's saver)."""
        return self._conn

    def _set_sync(self, level: str) -> None:
        if level != self._sync:
            self._conn.execute(f"PRAGMA synchronous={level}")
            self._sync = level

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[Tx]:
        with self._lock:
            self._set_sync(self._default_sync if durable else "NORMAL")
            cursor = self._conn.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self, cursor)
                cursor.execute("COMMIT")
            except BaseException:
                cursor.execute("ROLLBACK")
                raise

    @contextmanager
    def _reading(self) -> Iterator[Tx]:
        with self._lock:
            yield Tx(self, self._conn.cursor())

    def describe(self) -> str:
        return f"SQLite {self.path}"

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class PostgresDatabase(Database):
    """One PostgreSQL connection per store and process (autocommit between transactions),
    reconnected when the server dropped it."""

    dialect: Dialect = "postgresql"
    for_update = " FOR UPDATE"

    def __init__(self, url: str, *, connect_timeout_s: float = 10.0) -> None:
        super().__init__()
        self.url = url
        self._timeout = connect_timeout_s
        self._conn: Any = None
        self._connect()

    def _connect(self) -> Any:
        import psycopg

        try:
            self._conn = psycopg.connect(
                self.url,
                autocommit=True,
                connect_timeout=max(1, int(self._timeout)),
                application_name="opsgraph",
                # A replica that died without closing its connection: the server notices within
                # a minute and releases what it held (its session locks).
                keepalives=1,
                keepalives_idle=15,
                keepalives_interval=5,
                keepalives_count=3,
            )
        except psycopg.OperationalError as exc:
            raise DatabaseUnavailable(f"cannot connect to {self.describe()}: {_first_line(exc)}") from exc
        except psycopg.ProgrammingError as exc:
            raise StateConfigError(f"OPSGRAPH_DATABASE_URL is not a valid connection URL: {_first_line(exc)}") from exc
        return self._conn

    def _connection(self) -> Any:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._connect()
        return self._conn

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[Tx]:
        import psycopg

        with self._lock:
            conn = self._connection()
            try:
                with conn.transaction():
                    cursor = conn.cursor()
                    if not durable:
                        cursor.execute("SET LOCAL synchronous_commit = off")
                    yield Tx(self, cursor)
            except psycopg.OperationalError as exc:
                raise DatabaseUnavailable(f"{self.describe()}: {_first_line(exc)}") from exc

    @contextmanager
    def _reading(self) -> Iterator[Tx]:
        import psycopg

        with self._lock:
            conn = self._connection()
            try:
                yield Tx(self, conn.cursor())
            except psycopg.OperationalError as exc:
                raise DatabaseUnavailable(f"{self.describe()}: {_first_line(exc)}") from exc

    def _run(self, cursor: Any, sql: str, params: Params) -> None:
        cursor.execute(to_pyformat(sql), params)

    def _run_many(self, cursor: Any, sql: str, rows: Sequence[Params]) -> None:
        cursor.executemany(to_pyformat(sql), rows)

    def session_lock(self, name: str) -> SessionLock:
        return SessionLock(self.url, name, self._timeout)

    def listener(self, channel: str) -> Listener:
        return Listener(self.url, channel, self._timeout)

    def describe(self) -> str:
        return f"PostgreSQL {_without_password(self.url)}"

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()


class SessionLock:
    """A PostgreSQL advisory lock on its own connection: held until `release()`, or until this
    process dies and the server drops its connection (the way the kernel drops a dead process's
    flock)."""

    def __init__(self, url: str, name: str, timeout_s: float) -> None:
        self.url, self.name, self._timeout = url, name, timeout_s
        self._conn: Any = None

    def acquire(self, *, wait: bool) -> bool:
        import psycopg

        try:
            conn = psycopg.connect(
                self.url, autocommit=True, connect_timeout=max(1, int(self._timeout)), application_name="opsgraph-lock"
            )
        except psycopg.OperationalError as exc:
            raise DatabaseUnavailable(f"cannot take the lock {self.name}: {_first_line(exc)}") from exc
        key = lock_key(self.name)
        if wait:
            conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        elif not conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:  # type: ignore[index]
            conn.close()
            return False
        self._conn = conn
        return True

    def held(self) -> bool:
        """Whether the lock is still ours: its session answers (a dropped connection lost it)."""
        if self._conn is None:
            return False
        try:
            self._conn.execute("SELECT 1")
        except Exception:  # any failure of the session: the server may have given the lock away
            self.release()
            return False
        return True

    def release(self) -> None:
        if self._conn is not None:
            # Closing the session drops its advisory locks (a broken one: the server dropped them).
            with suppress(Exception):
                self._conn.close()
            self._conn = None


class Listener:
    """LISTEN on a channel on a connection of its own: `wait(timeout)` returns True when a
    NOTIFY arrived (committed by any process), False on timeout. A dropped connection is opened
    again at the next wait (a notification sent meanwhile is missed: callers poll too)."""

    def __init__(self, url: str, channel: str, timeout_s: float) -> None:
        if not channel.isidentifier():
            raise ValueError(f"channel must be a plain identifier, got {channel!r}")
        self.url, self.channel, self._timeout = url, channel, timeout_s
        self._conn: Any = None

    def wait(self, timeout: float) -> bool:
        import psycopg

        try:
            if self._conn is None or self._conn.closed or self._conn.broken:
                self._conn = psycopg.connect(
                    self.url, autocommit=True, connect_timeout=max(1, int(self._timeout)),
                    application_name="opsgraph-listen",
                )  # fmt: skip
                self._conn.execute(f"LISTEN {self.channel}")
            return any(True for _ in self._conn.notifies(timeout=max(0.0, timeout), stop_after=1))
        except psycopg.Error:
            self.close()
            time.sleep(min(timeout, 1.0))
            return False

    def close(self) -> None:
        if self._conn is not None:
            with suppress(Exception):
                self._conn.close()
            self._conn = None


def open_database(target: Target, **sqlite_options: Any) -> Database:
    """A Database for `target`: a path (SQLite file), a `postgresql://` URL, or an open Database."""
    if isinstance(target, Database):
        return target
    if isinstance(target, str) and target.startswith(("postgresql://", "postgres://")):
        return PostgresDatabase(target)
    if isinstance(target, str) and "://" in target:
        raise StateConfigError(
            f"OPSGRAPH_DATABASE_URL must be empty (SQLite in the state directory) or postgresql://...; "
            f"got {_without_password(target)}"
        )
    return SqliteDatabase(Path(target), **sqlite_options)


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for an advisory lock named `name`."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@lru_cache(maxsize=512)
def to_pyformat(sql: str) -> str:
    """`?` -> `%s` (and a literal `%` -> `%%`) outside quoted strings."""
    out, quote = [], ""
    for ch in sql:
        if quote:
            out.append("%%" if ch == "%" else ch)
            if ch == quote:
                quote = ""
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return "".join(out)


def _without_password(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unreadable URL>"
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
