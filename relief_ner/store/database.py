"""Opening the records database: URLs, the engine, migrations.

A database is named by a SQLAlchemy URL; a plain path is an embedded SQLite file
(`records.sqlite` → `sqlite:////abs/records.sqlite`), and `postgresql://…` uses psycopg 3.
Opening a database brings its schema to the latest migration (Alembic), so a database
written by an older version of this package is upgraded in place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa

MIGRATIONS = Path(__file__).parent / "migrations"


class StoreError(RuntimeError):
    """The database cannot be opened or used as asked."""


def database_url(target: str) -> str:
    """The SQLAlchemy URL of `target`: URLs as given (PostgreSQL through psycopg 3), a plain
    path as a SQLite file."""
    if "://" not in target:
        path = Path(target).expanduser()
        if path.is_dir():
            raise StoreError(f"{path} is a folder: give the database a file name, e.g. {path}/records.sqlite")
        return f"sqlite:///{path.resolve()}"
    scheme, rest = target.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    return target


def display_url(url: str) -> str:
    """The URL without its password, for messages and reports."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def create_engine(url: str) -> sa.Engine:
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as err:
        raise StoreError(f"not a database URL: {url!r} ({err})") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        folder = Path(parsed.database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreError(f"cannot create the folder of {parsed.database}: {err.strerror or err}") from None
    try:
        engine = sa.create_engine(parsed, future=True)
    except (ImportError, sa.exc.NoSuchModuleError) as err:
        raise StoreError(
            f"no driver for {display_url(url)} ({err}); PostgreSQL needs pip install 'relief_ner[store]' (psycopg)"
        ) from None
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, record: Any) -> None:
    # WAL lets a report read while an extract run writes; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def alembic_config(connection: Optional[sa.Connection] = None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def migrate(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (one transaction)."""
    from alembic import command

    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), revision)
    except sa.exc.OperationalError as err:
        raise StoreError(f"cannot open {display_url(str(engine.url))}: {first_line(err)}") from None


def current_revision(engine: sa.Engine) -> Optional[str]:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def first_line(err: Exception) -> str:
    text = str(getattr(err, "orig", None) or err).strip()
    return text.splitlines()[0] if text else type(err).__name__
