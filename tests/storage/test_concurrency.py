"""Several processes on one PostgreSQL database, as replicas are: the audit chain stays one valid
chain under concurrent writers, and an approval is executed by exactly one of the processes
racing for it."""

from __future__ import annotations

import multiprocessing
import secrets
from typing import Any

from opsgraph.agent.approvals import ApprovalStore
from opsgraph.agent.audit import AuditLog

WRITERS, APPENDS = 4, 40


def _append(url: str, writer: int, barrier: Any) -> None:
    log = AuditLog(url)
    barrier.wait()
    for i in range(APPENDS):
        log.append("plan", actor=f"replica-{writer}", subject=str(i), durable=i % 3 == 0)
    log.close()


def test_concurrent_writers_on_several_processes_keep_one_valid_chain(pg_url: str) -> None:
    AuditLog(pg_url).close()  # migrated once, before the race
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(WRITERS)
    procs = [ctx.Process(target=_append, args=(pg_url, w, barrier)) for w in range(WRITERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * WRITERS
    log = AuditLog(pg_url)
    report = log.verify()
    assert report.ok, report.reason
    assert report.rows == WRITERS * APPENDS
    actors = {e.actor for e in log.entries()}
    assert actors == {f"replica-{w}" for w in range(WRITERS)}
    log.close()


def _race(url: str, key: bytes, approval_id: str, barrier: Any, out: Any) -> None:
    from opsgraph.tools.errors import ApprovalInvalid

    store = ApprovalStore(url, key=key)
    barrier.wait()
    try:
        store.begin(approval_id, "h1")
        out.put("executing")
    except ApprovalInvalid as exc:
        out.put(exc.message)
    store.close()


def test_an_approval_races_to_exactly_one_execution(pg_url: str) -> None:
    key = secrets.token_bytes(32)
    store = ApprovalStore(pg_url, key=key)
    ctx = multiprocessing.get_context("spawn")
    for _ in range(3):
        approval = store.create(
            thread_id="t", tool="k8s_scale", args={"replicas": 4}, diff="3 -> 4", action_hash="h1", risk="write",
            requester="alice", reason="write", ttl_s=900,
        )  # fmt: skip
        store.decide(approval.id, approve=True, by="bob")
        barrier, out = ctx.Barrier(4), ctx.Queue()
        procs = [ctx.Process(target=_race, args=(pg_url, key, approval.id, barrier, out)) for _ in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=60)
        answers = sorted(out.get(timeout=5) for _ in procs)
        assert answers.count("executing") == 1, answers
        assert all("already used" in a for a in answers if a != "executing"), answers
        assert store.get(approval.id).status == "executing"  # type: ignore[union-attr]
    store.close()
