"""Database engine and sessions (SQLAlchemy 2 async). SQLite: WAL and foreign keys on."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import DateTime, MetaData, event, inspect
from sqlalchemy import exc as exc_module
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.types import TypeDecorator
from sqlalchemy.util import await_
from sqlalchemy.util.queue import AsyncAdaptedQueue, Empty

from backend.core import sqlite_inline
from backend.core.config import get_settings

T = TypeVar("T")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def detached(model: type[T], values: dict[str, Any]) -> T:
    """An instance of `model` with these column values, detached (as if loaded, then its session
    closed): readable without a query, owned by no session, and attachable as existing."""
    obj = model(**values)
    make_transient_to_detached(obj)
    return obj


def attach(session: Any, model: type[T], values: dict[str, Any]) -> T:
    """A row just read or written with a Core statement, as a persistent object of `session`,
    as if the ORM had loaded it (its unit of work is skipped: for a freshly inserted report it cost
    more than the rest of the insert). An object already in the session under that identity (the
    same row seen earlier, or one left behind by a rolled-back transaction whose id was given out
    again) is brought up to date and returned instead."""
    key = inspect(model).identity_key_from_primary_key(tuple(values[c.key] for c in inspect(model).primary_key))
    known = session.identity_map.get(key)
    if isinstance(known, model):
        for name, value in values.items():
            set_committed_value(known, name, value)
        return known
    obj = detached(model, values)
    session.add(obj)
    return obj


def dialect_insert(dialect: str, table: Any) -> Any:
    """`INSERT` with `ON CONFLICT` support for the session's dialect (PostgreSQL or SQLite):
    `dialect_insert(session.bind.dialect.name, Model)`."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def utcnow() -> datetime:
    return datetime.now(UTC)


_engine: AsyncEngine | None = None
_sessionmaker: async_sessionmaker[AsyncSession] | None = None
_deferred_sessionmaker: tuple[AsyncEngine, async_sessionmaker[AsyncSession]] | None = None
DEFERRED_OPTION = "phananh_sqlite_deferred"


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn: object) -> None:
    """BEGIN IMMEDIATE: take the write lock at the start, so concurrent transactions queue on the
    busy timeout instead of failing with "database is locked" when a reader upgrades to a writer.
    A read_scope() or session_scope(deferred=True) transaction begins DEFERRED: it reads a WAL
    snapshot and takes the write lock only at its first write (never, for a read_scope), so the
    web requests do not queue behind a background process's reads and computations."""
    deferred = conn.get_execution_options().get(DEFERRED_OPTION)  # type: ignore[attr-defined]
    conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")  # type: ignore[attr-defined]


class FairQueue(AsyncAdaptedQueue[Any]):
    """The connection queue, first come first served. asyncio.Queue lets a newcomer take a
    connection released while earlier waiters are still being woken, so under load some requests
    waited seconds for SQLite's single connection; here a released connection goes straight to
    the longest waiter."""

    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        super().__init__(maxsize, use_lifo)
        self._waiters: deque[asyncio.Future[Any]] = deque()

    def put_nowait(self, item: Any) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(item)
                return
        super().put_nowait(item)

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        self.put_nowait(item)  # the pool never holds more than its size: putting never waits

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        if not any(not w.done() for w in self._waiters):
            self._waiters.clear()
            with contextlib.suppress(asyncio.QueueEmpty):
                return self._queue.get_nowait()
        if not block:
            raise Empty()
        waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await_(asyncio.wait_for(asyncio.shield(waiter), timeout))
        except BaseException as exc:
            if waiter.done() and not waiter.cancelled():
                self.put_nowait(waiter.result())  # handed over as we gave up: pass it on
            else:
                waiter.cancel()
            if isinstance(exc, TimeoutError):
                raise Empty() from exc
            raise


class FairPool(AsyncAdaptedQueuePool):
    _queue_class = FairQueue


def make_engine(url: str, echo: bool = False) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ":memory:"
        if database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # One connection per process: SQLite has one writer anyway, and queueing on the pool is
        # FIFO and immediate, where competing connections poll the busy handler (seconds of tail).
        # Statements run inline on the event loop (see sqlite_inline: no thread hop per call).
        engine = create_async_engine(
            url,
            echo=echo,
            async_creator=sqlite_inline.creator(database),
            poolclass=FairPool,
            pool_size=1,
            max_overflow=0,
            pool_timeout=60,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    engine = create_async_engine(url, echo=echo, pool_size=10, max_overflow=20)
    event.listen(engine.sync_engine.pool, "checkin", _note_checkin)
    event.listen(engine.sync_engine.pool, "checkout", _ping_if_idle)
    return engine


PING_IDLE_SECONDS = 10.0  # a pooled connection idle longer than this is pinged before use


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Pessimistic disconnect handling, only where it can matter: a connection back from the pool
    after more than PING_IDLE_SECONDS idle (a database restart, a firewall's idle timeout) is
    pinged, and replaced if dead. SQLAlchemy's pool_pre_ping pinged on every checkout: one extra
    round trip in each request, about a sixth of a new report's database work."""
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_IDLE_SECONDS:
        return  # new, or just used
    try:
        dbapi_connection.ping()
    except Exception as exc:  # any failure: let the pool drop it and open another
        raise exc_module.DisconnectionError(str(exc)) from exc


def get_engine() -> AsyncEngine:
    global _engine, _sessionmaker
    if _engine is None:
        settings = get_settings()
        _engine = make_engine(settings.database_url, settings.database_echo)
        _sessionmaker = async_sessionmaker(_engine, expire_on_commit=False)
    return _engine


def get_sessionmaker() -> async_sessionmaker[AsyncSession]:
    get_engine()
    assert _sessionmaker is not None
    return _sessionmaker


async def dispose_engine() -> None:
    global _engine, _sessionmaker, _deferred_sessionmaker
    if _engine is not None:
        await _engine.dispose()
    _engine = None
    _sessionmaker = None
    _deferred_sessionmaker = None


_write_gates: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Lock]] = {}


def writing() -> contextlib.AbstractAsyncContextManager[Any]:
    """Take this process's SQLite write turn (nothing on PostgreSQL): background writers (the Zalo
    inbox's flusher and workers) take turns on an asyncio lock before opening a transaction, which
    is fair and immediate where waiting on SQLite's write lock is not. One lock per event loop
    (tests and servers may run several loops in one process)."""
    if not get_settings().is_sqlite:
        return contextlib.nullcontext()
    loop = asyncio.get_running_loop()
    entry = _write_gates.get(id(loop))
    if entry is None or entry[0] is not loop:
        entry = _write_gates[id(loop)] = (loop, asyncio.Lock())
    return entry[1]


def _deferred_maker() -> async_sessionmaker[AsyncSession]:
    global _deferred_sessionmaker
    engine = get_engine()
    if _deferred_sessionmaker is None or _deferred_sessionmaker[0] is not engine:
        _deferred_sessionmaker = (engine, async_sessionmaker(engine.execution_options(**{DEFERRED_OPTION: True}),
                                                             expire_on_commit=False))
    return _deferred_sessionmaker[1]


@asynccontextmanager
async def read_scope() -> AsyncIterator[AsyncSession]:
    """A transaction that only reads (never committed): on SQLite it takes no write lock (a WAL
    snapshot), for background work that reads much and writes in short transactions after. The
    objects it loaded stay usable (detached) after it."""
    async with _deferred_maker()() as session:  # closing rolls back and keeps the loaded objects
        yield session


@asynccontextmanager
async def session_scope(*, deferred: bool = False) -> AsyncIterator[AsyncSession]:
    """One transaction: commit on success, roll back on error. `deferred` (background writers on
    SQLite): the write lock is taken at the first write, not at the start, so reading and
    computing hold nobody up; a write after another process committed since the transaction's
    first read fails with "database is locked" (sqlite3.OperationalError): the caller retries."""
    async with (_deferred_maker() if deferred else get_sessionmaker())() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
