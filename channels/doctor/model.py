"""A check's answer, and the runner that gives every check its timeout."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Literal

Status = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Result:
    name: str
    status: Status
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.name, "status": self.status, "detail": self.detail, "fix": self.fix}


def ok(name: str, detail: str) -> Result:
    return Result(name, "ok", detail)


def warn(name: str, detail: str, fix: str = "") -> Result:
    return Result(name, "warn", detail, fix)


def fail(name: str, detail: str, fix: str) -> Result:
    return Result(name, "fail", detail, fix)


@dataclass(frozen=True)
class Doctor:
    """What every check reads: the settings and its time budget (seconds)."""

    settings: Any
    timeout_s: float


Check = Callable[[Doctor], Sequence[Result]]


def run_checks(checks: Sequence[tuple[str, Check]], doctor: Doctor) -> list[Result]:
    """Run every check at once; one that has not answered within the timeout (plus a little for
    thread start-up) fails as unanswered, one that crashes fails with the exception."""
    pool = ThreadPoolExecutor(max_workers=max(1, len(checks)), thread_name_prefix="doctor")
    futures = [(name, pool.submit(check, doctor)) for name, check in checks]
    deadline = time.monotonic() + doctor.timeout_s + 1.0
    wait([f for _, f in futures], timeout=max(0.0, deadline - time.monotonic()))
    results: list[Result] = []
    for name, future in futures:
        if not future.done():
            results.append(
                fail(name, f"no answer within {doctor.timeout_s:g} s", "check that the service is up and reachable")
            )
            continue
        try:
            results.extend(future.result())
        except Exception as exc:  # a check that crashed is a finding, not a doctor crash
            results.append(fail(name, f"the check failed: {type(exc).__name__}: {exc}"[:300], "see the detail"))
    pool.shutdown(wait=False, cancel_futures=True)
    return results
