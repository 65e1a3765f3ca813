"""How people reach the agent: CLI, REPL, Slack, webhooks. Thin adapters only."""
