"""The investigation eval: break a fresh sandbox the way a case says, ask the question as a user
would, and score the answer: root cause named (hit@1), fix proposed, tool steps used, and no write
executed without approval. Cases are folders of YAML files (format in README.md)."""

from opsgraph.evals.investigation.runner import run

__all__ = ["run"]
