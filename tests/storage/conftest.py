"""Storage tests run against both backends: a SQLite file per store, and a real PostgreSQL
(Debian's binaries, started once per session on 127.0.0.1 as a non-root user; skipped with the
reason only when they are not installed). Each PostgreSQL test gets a fresh database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.postgres import Postgres, postgres_bin, run_postgres

Targets = Callable[[str], "Path | str"]


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    if postgres_bin() is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql; scripts/install-system-deps.sh)")
    with run_postgres(durable=False) as server:
        yield server


@pytest.fixture
def pg_url(postgres: Postgres) -> str:
    """A fresh, empty database on the session's server."""
    return postgres.create_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return str(request.param)


@pytest.fixture
def target(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Targets:
    """`target("audit")`: where that store lives on this backend (its SQLite file, or the one
    PostgreSQL database every store shares, as with OPSGRAPH_DATABASE_URL)."""
    if backend == "sqlite":
        return lambda name: tmp_path / f"{name}.sqlite"
    url = request.getfixturevalue("pg_url")
    return lambda name: url
