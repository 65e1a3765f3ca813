"""Faults the sandbox can inject, shown the way a real cluster shows them (see sandbox/README.md).

`Fault(kind, target, params)` and `FaultError` come from `spec`; the engine (`engine.FaultEngine`)
is built by the controller. Entry points: `SandboxServer.inject/clear/faults/wait_manifested`, a
scenario's `faults:` list, `POST/GET/DELETE /sandbox/faults` on a running server, and
`opsgraph sandbox fault inject|clear|list`.
"""

from .spec import KINDS, Fault, FaultError, parse

__all__ = ["KINDS", "Fault", "FaultError", "parse"]
