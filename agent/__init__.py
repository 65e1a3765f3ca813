"""The brain: LangGraph graph, state, deterministic planner, approvals, audit, settings."""
