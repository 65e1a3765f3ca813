"""Markdown runbooks with front matter (data only; indexed by tools.runbooks)."""
