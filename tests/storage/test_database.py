"""The storage interface itself: placeholders, migrations applied once (also when replicas start
together), errors that say what to fix, and the ping `opsgraph doctor` uses."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest

from opsgraph.core.db import (
    DatabaseUnavailable,
    Migration,
    StateConfigError,
    migrate,
    open_database,
)
from opsgraph.core.db.database import to_pyformat
from tests.storage.conftest import Targets
from tests.support.processes import free_port

STEPS = (
    Migration(1, "things", both=("CREATE TABLE IF NOT EXISTS things (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",)),
    Migration(2, "a seed row", both=("INSERT INTO things (id, name) VALUES (1, 'first')",)),
)


def test_placeholders_become_pyformat_outside_quoted_text() -> None:
    assert (
        to_pyformat("SELECT * FROM t WHERE a = ? AND b LIKE 'x?%'") == "SELECT * FROM t WHERE a = %s AND b LIKE 'x?%%'"
    )
    assert to_pyformat("SELECT 100 % 7, ?") == "SELECT 100 %% 7, %s"


def test_migrations_apply_once_and_in_order(target: Targets) -> None:
    db = open_database(target("m"))
    try:
        assert migrate(db, "things", STEPS[:1]) == [1]
        assert migrate(db, "things", STEPS) == [2]
        assert migrate(db, "things", STEPS) == []  # a restart applies nothing (a second seed row would fail)
        assert db.query("SELECT name FROM things") == [("first",)]
        versions = db.query("SELECT store, version FROM schema_migrations ORDER BY version")
        assert versions == [("things", 1), ("things", 2)]
    finally:
        db.close()


def test_misnumbered_migrations_are_a_programming_error(tmp_path: Path) -> None:
    db = open_database(tmp_path / "m.sqlite")
    with pytest.raises(ValueError, match=r"numbered 1\.\.2"):
        migrate(db, "things", (STEPS[1], STEPS[0]))


def test_a_failing_step_leaves_nothing_half_applied(target: Targets) -> None:
    db = open_database(target("m"))
    broken = (*STEPS, Migration(3, "broken", both=("CREATE TABLE more (id INTEGER)", "NOT SQL AT ALL")))
    with pytest.raises(Exception, match=r"(?i)syntax"):
        migrate(db, "things", broken)
    # Nothing of the attempt remains: not the table of step 1, nor the record of any step.
    assert migrate(db, "things", STEPS) == [1, 2]
    assert db.query("SELECT name FROM things") == [("first",)]
    db.close()


def _start_replica(url: str, barrier: object, out: object) -> None:
    from opsgraph.core.db import migrate as run
    from opsgraph.core.db import open_database as connect

    db = connect(url)
    barrier.wait()  # type: ignore[attr-defined]
    out.put(run(db, "things", STEPS))  # type: ignore[attr-defined]
    db.close()


def test_replicas_starting_together_apply_each_migration_once(pg_url: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(4), ctx.Queue()
    procs = [ctx.Process(target=_start_replica, args=(pg_url, barrier, out)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert all(p.exitcode == 0 for p in procs)
    applied = sorted((out.get(timeout=5) for _ in procs), key=len)
    assert applied == [[], [], [], [1, 2]]  # one replica migrated; the others found it done


def test_a_transaction_rolls_back_on_error(target: Targets) -> None:
    db = open_database(target("m"))
    migrate(db, "things", STEPS[:1])
    with pytest.raises(RuntimeError), db.transaction() as tx:
        tx.execute("INSERT INTO things (id, name) VALUES (?, ?)", (7, "seven"))
        raise RuntimeError("the world failed mid-way")
    assert db.query("SELECT COUNT(*) FROM things") == [(0,)]
    db.close()


def test_ping_measures_a_round_trip(target: Targets) -> None:
    db = open_database(target("m"))
    assert 0 <= db.ping() < 5
    db.close()


def test_a_url_that_is_not_postgresql_names_the_setting() -> None:
    with pytest.raises(StateConfigError, match=r"OPSGRAPH_DATABASE_URL must be empty .* or postgresql://"):
        open_database("mysql://root:hunter2@db/opsgraph")
    try:
        open_database("mysql://root:hunter2@db/opsgraph")
    except StateConfigError as exc:
        assert "hunter2" not in str(exc)  # never the password


def test_an_unreachable_server_is_unavailable_without_the_password() -> None:
    url = f"postgresql://opsgraph:s3cret@127.0.0.1:{free_port()}/opsgraph"
    with pytest.raises(DatabaseUnavailable, match="cannot connect to PostgreSQL") as caught:
        open_database(url)
    assert "s3cret" not in str(caught.value)


def test_session_locks_exclude_other_sessions_until_released(pg_url: str) -> None:
    db = open_database(pg_url)
    first, second = db.session_lock("opsgraph:executing:apr-1"), db.session_lock("opsgraph:executing:apr-1")
    assert first.acquire(wait=False)
    assert not second.acquire(wait=False)
    got = threading.Event()
    waiter = threading.Thread(target=lambda: (second.acquire(wait=True), got.set()))
    waiter.start()
    assert not got.wait(0.3)
    first.release()
    assert got.wait(10)
    waiter.join()
    second.release()
    db.close()
