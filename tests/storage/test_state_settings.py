"""What a person sees when the state settings are wrong: one line naming the setting, exit 2,
never a traceback or the database password."""

from __future__ import annotations

import os
import subprocess

from tests.support.cli import OPSGRAPH
from tests.support.processes import free_port


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OPSGRAPH_APPROVAL_KEY")}
    return subprocess.run([OPSGRAPH, *args], capture_output=True, text=True, timeout=120, env={**environ, **env})


def test_postgresql_without_the_shared_approval_key_refuses_to_start(pg_url: str) -> None:
    done = _run("approvals", OPSGRAPH_DATABASE_URL=pg_url)
    assert done.returncode == 2
    assert done.stderr.startswith("error: approvals on PostgreSQL need the sealing key")
    assert "OPSGRAPH_APPROVAL_KEY" in done.stderr and "Traceback" not in done.stderr


def test_a_malformed_key_names_its_variable(pg_url: str) -> None:
    done = _run("approvals", OPSGRAPH_DATABASE_URL=pg_url, OPSGRAPH_APPROVAL_KEY="not-hex")
    assert done.returncode == 2 and "OPSGRAPH_APPROVAL_KEY" in done.stderr and "64 hex" in done.stderr


def test_an_unreachable_database_is_one_line_without_the_password() -> None:
    url = f"postgresql://opsgraph:hunter2@127.0.0.1:{free_port()}/opsgraph"
    done = _run("audit", "verify", OPSGRAPH_DATABASE_URL=url)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "cannot connect to PostgreSQL" in done.stderr and "hunter2" not in done.stderr


def test_with_the_key_the_cli_works_on_postgresql(pg_url: str) -> None:
    done = _run("approvals", "--json", OPSGRAPH_DATABASE_URL=pg_url, OPSGRAPH_APPROVAL_KEY="ab" * 32)
    assert done.returncode == 0, done.stderr
