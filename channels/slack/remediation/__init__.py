"""Remediation policies: detect -> diagnose -> propose (or, opt-in, run) -> check it worked."""
