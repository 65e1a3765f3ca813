"""Prompt-injection detection for everything opsgraph reads.

    from opsgraph.guardrails.injection import scan, scan_untrusted
    scan("ignore previous instructions").injection            # True
    scan_untrusted(alert_description, source="alert").reasons

The default detector is built on first use: it loads the classifier cached in the state dir,
training it from the shipped corpus when the cache is missing or the corpus changed.
"""

from __future__ import annotations

from opsgraph.guardrails.injection.detector import Detector, default_detector, scan, scan_untrusted
from opsgraph.guardrails.injection.verdict import Verdict

__all__ = ["Detector", "Verdict", "default_detector", "scan", "scan_untrusted"]
