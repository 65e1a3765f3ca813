"""The deterministic planner: message -> intent + entities -> tool calls or a question."""
