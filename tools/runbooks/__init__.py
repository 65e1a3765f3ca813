"""Runbooks: markdown files with front matter, indexed into chromadb, searched by alert name,
keywords and meaning together (`runbook_search`, `opsgraph runbooks ...`)."""
