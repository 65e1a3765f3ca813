"""Who is at the terminal: the operating system's login, not an environment variable.

`OPSGRAPH_USER` (Settings.user) may name someone else only where the policy lets this OS
account on this host assert identities (a bot account speaking for people); every such use is
audited as "identity_asserted". Anywhere else it is refused with the reason. Slack identities
come from signed requests and never pass through here.
"""

from __future__ import annotations

import os
import pwd
import socket

from opsgraph.agent.settings import Settings


class IdentityRefused(Exception):
    """OPSGRAPH_USER names someone else and the policy does not let this account say so."""


def os_login() -> str:
    """The login of the effective user id (LOGNAME/USER are environment, not identity)."""
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"uid{os.geteuid()}"


def cli_identity(settings: Settings) -> Settings:
    """The settings with `user` proven: the OS login, or an identity the policy lets it assert."""
    login = os_login()
    if settings.user == login:
        return settings
    from opsgraph.guardrails.policy import PolicyEngine

    host = socket.gethostname()
    policy = PolicyEngine.load(settings.policy_file)
    if not policy.may_assert(host=host, os_user=login, name=settings.user):
        raise IdentityRefused(
            f"OPSGRAPH_USER={settings.user} is refused: you are {login} (your OS login), and the policy does "
            f"not let {login} on {host} act as someone else (policy identity.may_assert); unset OPSGRAPH_USER"
        )
    from opsgraph.agent.audit import AuditLog

    settings.ensure_state_dir()
    audit = AuditLog(settings.database_for(settings.audit_db))
    try:
        audit.append(
            "identity_asserted", actor=login, subject=settings.user, data={"os_user": login, "host": host,
                                                                            "as": settings.user},
        )  # fmt: skip
    finally:
        audit.close()
    return settings
