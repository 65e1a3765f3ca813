"""The one place that names the installed capabilities. Adding one is one line here; everything
else (tools, planner intents and builders, playbooks, CLI commands, settings) is declared in its
package's `capability.py`."""

from __future__ import annotations

import importlib
from functools import cache

from opsgraph.core.capability import Capability

INSTALLED: tuple[str, ...] = (
    "opsgraph.tools.k8s.capability",
    "opsgraph.tools.alerts.capability",
    "opsgraph.tools.anomaly.capability",
    "opsgraph.tools.terraform.capability",
    "opsgraph.tools.runbooks.capability",
    "opsgraph.tools.models.capability",
    "opsgraph.tools.gpu.capability",
    "opsgraph.serving.capability",
)


@cache
def capabilities() -> tuple[Capability, ...]:
    return tuple(importlib.import_module(path).CAPABILITY for path in INSTALLED)
