"""`opsgraph doctor`: the configuration checked end to end, one line per check (ok, warn, fail)
with what to fix. Every check has a timeout and they run side by side, so the whole doctor
answers within about one timeout even when everything is down. Nothing here changes anything:
no sandbox is started, no file is written outside a temporary probe in the state directory."""

from opsgraph.channels.doctor.model import Result, run_checks

__all__ = ["Result", "run_checks"]
