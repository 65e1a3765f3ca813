"""`opsgraph chat` driven like a person at a terminal (a real pty): scale with an inline approval,
undo it, roll back a release, then leave; and the session a new user replayed (issue 9), where
every card must show the target and arguments that were asked for."""

from __future__ import annotations

import os
from typing import Any

import pexpect
import pytest

from tests.support.cli import OPSGRAPH

pytestmark = pytest.mark.slow


def _spawn() -> pexpect.spawn:
    # A dumb terminal keeps prompt_toolkit's output plain enough to read back; wide, so the diff
    # is not wrapped.
    env = {**os.environ, "TERM": "dumb", "NO_COLOR": "1", "PROMPT_TOOLKIT_NO_CPR": "1", "COLUMNS": "200"}
    return pexpect.spawn(OPSGRAPH, ["chat"], env=env, encoding="utf-8", timeout=90, dimensions=(50, 200))


def _image(sandbox: Any, namespace: str, name: str) -> str:
    dep = sandbox.apps().read_namespaced_deployment(name, namespace)
    return str(dep.spec.template.spec.containers[0].image)


def test_repl_scale_with_approval_then_rollback(cluster_settings: Any, sandbox: Any) -> None:
    history = sandbox.apps().list_namespaced_replica_set("prod", label_selector="app=checkout").items
    by_revision = {int(rs.metadata.annotations["deployment.kubernetes.io/revision"]): rs for rs in history}
    previous_image = by_revision[sorted(by_revision)[-2]].spec.template.spec.containers[0].image

    child = _spawn()
    try:
        child.expect("opsgraph> ")
        child.sendline("scale checkout in prod to 5")
        child.expect("replicas: 3 -> 5")
        child.expect(r"approve (apr-[0-9a-f]+)\? \[y/N\]")
        child.sendline("y")
        child.expect("scaled prod/checkout from 3 to 5 replicas")
        child.expect("opsgraph> ")
        assert sandbox.apps().read_namespaced_deployment("checkout", "prod").spec.replicas == 5

        child.sendline("now roll it back")  # undoes the scale just made, not the last release
        child.expect("replicas: 5 -> 3")
        child.expect(r"approve apr-[0-9a-f]+\? \[y/N\]")
        child.sendline("y")
        child.expect("scaled prod/checkout from 5 to 3 replicas")
        child.expect("opsgraph> ")

        child.sendline("roll back checkout in prod to the previous revision")
        child.expect("template of revision")
        child.expect(previous_image)
        child.expect(r"approve apr-[0-9a-f]+\? \[y/N\]")
        child.sendline("yes")
        child.expect("rolled back prod/checkout")
        child.expect("opsgraph> ")
        assert _image(sandbox, "prod", "checkout") == previous_image

        child.sendline("exit")
        child.expect("bye")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0


def test_repl_denial_leaves_the_cluster_alone(cluster_settings: Any, sandbox: Any) -> None:
    child = _spawn()
    try:
        child.expect("opsgraph> ")
        child.sendline("restart payments in prod")
        child.expect(r"approve apr-[0-9a-f]+\? \[y/N\]")
        child.sendline("")  # the default is no
        child.expect("denied by")
        child.expect("opsgraph> ")
        child.sendline("quit")
        child.expect("bye")
    finally:
        child.close(force=True)
    dep = sandbox.apps().read_namespaced_deployment("payments", "prod")
    assert "kubectl.kubernetes.io/restartedAt" not in (dep.spec.template.metadata.annotations or {})


def _card(child: pexpect.spawn, *lines: str) -> None:
    for line in lines:
        child.expect_exact(line)
    child.expect(r"approve apr-[0-9a-f]+\? \[y/N\]")
    child.sendline("n")
    child.expect("denied by")
    child.expect("opsgraph> ")


def test_repl_new_user_session_shows_the_asked_target_on_every_card(cluster_settings: Any, sandbox: Any) -> None:
    child = _spawn()
    try:
        child.expect("opsgraph> ")
        child.sendline("status of payments in prod")
        child.expect("opsgraph> ")
        child.sendline("scale the xyzzy service in prod to 4")
        child.expect_exact("There is no deployment xyzzy in prod")
        child.expect("opsgraph> ")
        child.sendline("scale ｃｈｅｃｋｏｕｔ in prod to 4")
        _card(child, "deployment prod/checkout", "replicas: 3 -> 4")
        child.sendline("roll back payments to revision 2")
        child.expect_exact("prod or staging")
        child.sendline("prod")
        _card(child, "deployment prod/payments", "template of revision 2")
        child.sendline("add 2 pods to checkout")
        child.expect_exact("prod or staging")
        child.sendline("prod")
        _card(child, "deployment prod/checkout", "replicas: 3 -> 5")
        child.sendline("approvals")
        child.expect("opsgraph> ")
        child.sendline("quit")
        child.expect("bye")
    finally:
        child.close(force=True)
