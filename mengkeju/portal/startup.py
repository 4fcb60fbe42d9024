"""The check `mengkeju serve` makes before it opens the port: the database answers and is migrated.

Without it a wrong DATABASE_URL (or a database nobody migrated) starts a server whose every page
and API call answers 500; with it the server refuses to start and says what to do.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _


def database_label(settings_dict: dict) -> str:
    """The database as a person recognizes it, the password masked: postgresql://user:***@host:5432/name."""
    engine = settings_dict.get("ENGINE", "").rsplit(".", 1)[-1]
    if engine == "sqlite3":
        return f"SQLite {settings_dict.get('NAME', '')}"
    user = settings_dict.get("USER") or ""
    password = ":***" if settings_dict.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user or password else ""
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"{engine}://{credentials}{settings_dict.get('HOST') or ''}{port}/{settings_dict.get('NAME', '')}"


def startup_problem(using: str = DEFAULT_DB_ALIAS) -> str | None:
    """None when the database answers and every migration is applied; else one paragraph saying
    which database, what went wrong and what to do. Leaves no connection open (the caller forks)."""
    connection = connections[using]
    label = database_label(connection.settings_dict)
    try:
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        return _(
            "Mengkeju cannot connect to its database %(database)s: %(reason)s. "
            "Check that the database server is running and that DATABASE_URL names the right "
            "server, user, password and database (for example "
            "DATABASE_URL=postgres://mengkeju:PASSWORD@db:5432/mengkeju), then start again."
        ) % {"database": label, "reason": reason}
    finally:
        connections.close_all()
    if plan:
        names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _backwards in plan[:3])
        return _(
            "The database %(database)s is not up to date: %(count)d migrations are not applied "
            "(%(names)s…). Run `mengkeju migrate` with the same DATABASE_URL, then start again."
        ) % {"database": label, "count": len(plan), "names": names}
    return None
