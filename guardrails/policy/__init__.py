"""Action policy: who may do what, where; loaded from a YAML file validated at start-up."""

from opsgraph.guardrails.policy.engine import PolicyEngine, identity
from opsgraph.guardrails.policy.loader import PolicyError, default_policy_path, load_policy_file

__all__ = ["PolicyEngine", "PolicyError", "default_policy_path", "identity", "load_policy_file"]
