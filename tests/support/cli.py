"""Run the installed `opsgraph` command the way a user does, from the same environment as pytest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

OPSGRAPH = str(Path(sys.executable).parent / "opsgraph")


def run_cli(*args: str, timeout: float = 120, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [OPSGRAPH, *args], capture_output=True, text=True, timeout=timeout, env=os.environ.copy(), input=stdin
    )
