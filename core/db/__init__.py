"""One storage interface, two backends: SQLite files in the state directory (the embedded
default) or one PostgreSQL database shared by every replica (`OPSGRAPH_DATABASE_URL`).

Stores write `?` placeholders and portable SQL (`INSERT ... ON CONFLICT`, `RETURNING`); the
backend translates the placeholders and says which dialect it speaks where DDL differs. Each
store declares numbered migrations, applied once per database (see `migrations`).
"""

from opsgraph.core.db.database import Database, Dialect, Listener, SessionLock, Target, Tx, open_database
from opsgraph.core.db.errors import DatabaseError, DatabaseUnavailable, StateConfigError
from opsgraph.core.db.migrations import Migration, migrate

__all__ = [
    "Database",
    "DatabaseError",
    "DatabaseUnavailable",
    "Dialect",
    "Listener",
    "Migration",
    "SessionLock",
    "StateConfigError",
    "Target",
    "Tx",
    "migrate",
    "open_database",
]
