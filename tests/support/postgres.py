"""A real PostgreSQL for tests and benchmarks: Debian's binaries (initdb, pg_ctl under
/usr/lib/postgresql/<version>/bin, not on PATH), a cluster in a fresh temp dir, listening on
127.0.0.1 and a free port, run as a non-root user (PostgreSQL refuses to run as root: as root the
temp dir is handed to the `postgres` account and the binaries run through `runuser`)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import free_port

SUPERUSER = "opsgraph"


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin directory, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


@dataclass
class Postgres:
    port: int
    root: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """A fresh, empty database; its URL."""
        import psycopg

        name = name or "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _as_owner(command: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *command] if owner else command


@contextmanager
def run_postgres(*, durable: bool = True) -> Iterator[Postgres]:
    """Start a throwaway cluster; stop it and remove its files afterwards. `durable=False` turns
    fsync off (tests: faster, and nothing there needs to survive a power cut)."""
    bindir = postgres_bin()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)")
    root = Path(tempfile.mkdtemp(prefix="opsgraph-pg-"))
    owner = None
    if os.geteuid() == 0:
        owner = "postgres"
        shutil.chown(root, user=owner, group=owner)
    os.chmod(root, 0o700)
    data, log = root / "data", root / "server.log"
    port = free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    subprocess.run(
        _as_owner([str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                   "--no-sync", "--locale=C.UTF-8"], owner),
        check=True, capture_output=True, env=env, timeout=120,
    )  # fmt: skip
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=200"
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    try:
        subprocess.run(
            _as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "-t", "60",
                       "start"], owner),
            check=True, capture_output=True, env=env, timeout=90,
        )  # fmt: skip
    except subprocess.CalledProcessError as exc:
        detail = log.read_text(errors="replace")[-2000:] if log.exists() else exc.stderr.decode(errors="replace")
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {detail}") from exc
    try:
        yield Postgres(port, root)
    finally:
        subprocess.run(
            _as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], owner),
            capture_output=True, env=env, timeout=60,
        )  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)
