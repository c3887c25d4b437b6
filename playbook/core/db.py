"""One database engine and session factory; migrations applied on start."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for SQLite (WAL, foreign keys) or PostgreSQL (psycopg 3)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **options
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    options.setdefault("pool_pre_ping", True)
    options.setdefault("pool_size", 10)
    return create_engine(url, **options)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE: SQLite has one writer, and a
    # deferred transaction that reads, then writes, fails instead of waiting its turn.
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration; safe with several instances starting at once."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # One instance migrates at a time; the others wait, then find nothing to do.
            connection.execute(text("SELECT pg_advisory_xact_lock(7305730)"))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


_SQLITE_LOCKS: dict[int, threading.Lock] = {}


# Transaction-scoped advisory locks on text keys, taken in one statement, in the given order.
_LOCK_KEYS = text(
    "SELECT pg_advisory_xact_lock(hashtext(k))"
    " FROM unnest(CAST(:keys AS text[])) WITH ORDINALITY AS keys(k, n) ORDER BY n"
)
_LOCK_KEYS_IN_SPACE = text(
    "SELECT pg_advisory_xact_lock(:space, hashtext(k))"
    " FROM unnest(CAST(:keys AS text[])) WITH ORDINALITY AS keys(k, n) ORDER BY n"
)


def lock_keys(session: Session, keys: Iterable[str], *, space: int | None = None) -> None:
    """PostgreSQL: hold a lock per key until the transaction ends; one round trip.

    Keys are taken in sorted order, so instances locking overlapping keys never deadlock.
    `space` keeps one use's keys apart from another's.
    """
    ordered = sorted(set(keys))
    if not ordered:
        return
    if space is None:
        session.execute(_LOCK_KEYS, {"keys": ordered})
    else:
        session.execute(_LOCK_KEYS_IN_SPACE, {"keys": ordered, "space": space})


def _writer_lock(engine: Engine) -> threading.Lock | nullcontext[None]:
    """SQLite has one writer: queue threads on a lock rather than in SQLite's sleeping backoff."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    return _SQLITE_LOCKS.setdefault(id(engine), threading.Lock())


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with _writer_lock(engine), Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
