"""Slack: the assistant in chat (Bolt, Socket Mode or HTTP), approvals as buttons, incident posts."""
