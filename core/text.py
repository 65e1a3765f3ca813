"""Small wording helpers shared by every layer."""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """ "1 alert", "2 alerts"; pass the plural when it is not noun + "s"."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"
