"""Storage errors by whose fault: a setting to fix (StateConfigError), or a database that cannot
be reached right now (DatabaseUnavailable: retry later, the request was not acknowledged)."""

from __future__ import annotations


class DatabaseError(Exception):
    """Base of the storage errors the channels turn into one line (CLI) or a 503 (HTTP)."""


class StateConfigError(DatabaseError):
    """The storage settings are wrong or incomplete; the message names the setting and the fix."""


class DatabaseUnavailable(DatabaseError):
    """The database could not be reached or refused the statement for a reason of the world."""
