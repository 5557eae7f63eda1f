"""SQLite for the async engine without a thread hop per call.

aiosqlite runs every cursor call (create, execute, fetch, close) on a worker thread; on a small VM
that hand-off costs more than the query itself (about 1 ms per statement measured here). SQLite
statements of this app take microseconds, so this driver runs them inline on the event loop and
yields to the loop once per statement so other tasks (webhooks, the scheduler) keep their turn.
It mimics the slice of aiosqlite's API that SQLAlchemy's aiosqlite dialect uses and is plugged in
through `create_async_engine(..., async_creator=...)`.
"""

from __future__ import annotations

import asyncio
import mmap
import os
import sqlite3
import struct
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

LOCK_TIMEOUT_S = 30.0  # as the pragma busy_timeout set on every connection (core.db)
POLL_S = 0.0002  # pause between tries for the write lock (a try costs microseconds)
POLITE_MAX_S = 0.05  # longest a process lets a waiting one go first
# A background process (the chat inbox worker) never asks the others to let it go first: web
# processes answering clients keep precedence, the background one takes the lock in their gaps.
BACKGROUND = False


class Turns:
    """Which processes are waiting for a database's write lock: a small file next to it, mapped
    in memory, one 4-byte slot per process (its pid while it waits, else 0). Each process writes
    only its own slot, so no lock is needed to read or write the file."""

    SLOTS = 64

    def __init__(self, database: str) -> None:
        path = f"{database}-turns"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if os.fstat(fd).st_size < 4 * self.SLOTS:
                os.ftruncate(fd, 4 * self.SLOTS)
            self._map = mmap.mmap(fd, 4 * self.SLOTS)
        finally:
            os.close(fd)
        self._pid = os.getpid()
        self._slot = 4 * (self._pid % self.SLOTS)
        self._mine = struct.pack("<I", self._pid)

    def waiting(self, flag: bool) -> None:
        self._map[self._slot : self._slot + 4] = self._mine if flag else b"\0\0\0\0"

    def _others(self) -> list[int]:
        pids = struct.unpack(f"<{self.SLOTS}I", self._map[:])
        return [p for p in pids if p and p != self._pid]

    async def let_others_go_first(self) -> None:
        """If another process waits for the lock, pause until it has taken it (bounded; a slot
        left behind by a process that died is cleared)."""
        waited = 0.0
        while (others := self._others()) and waited < POLITE_MAX_S:
            await asyncio.sleep(POLL_S)
            waited += POLL_S
        for pid in filter(lambda p: not _alive(p), others):  # still there after the pause
            slot = 4 * (pid % self.SLOTS)
            self._map[slot : slot + 4] = b"\0\0\0\0"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class InlineCursor:
    def __init__(self, cursor: sqlite3.Cursor, turns: Turns | None = None) -> None:
        self._cursor = cursor
        self._turns = turns

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        if sql == "BEGIN IMMEDIATE":
            await self._begin_immediate()
            return self
        if parameters is None:
            self._cursor.execute(sql)
        else:
            self._cursor.execute(sql, parameters)
        await asyncio.sleep(0)  # let other tasks run between statements
        return self

    async def _begin_immediate(self) -> None:
        """Take SQLite's write lock without blocking the event loop and fairly between processes.

        SQLite's own busy handler sleeps in the calling thread (here the loop's) for up to 100 ms a
        try, so while another worker process held the lock this one served nobody; and a busy
        process re-took the lock right after each commit, starving the others (seconds of tail).
        Here: try with no busy wait; while locked, say so in the shared turns file and await short
        pauses (the loop keeps working); and before taking the lock, let a waiting process go
        first."""
        cursor, turns = self._cursor, self._turns
        if turns is not None:
            await turns.let_others_go_first()
        cursor.execute("PRAGMA busy_timeout=0")
        try:
            waited = 0.0
            while True:
                try:
                    cursor.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) or waited >= LOCK_TIMEOUT_S:
                        raise
                if turns is not None and not BACKGROUND:
                    turns.waiting(True)
                await asyncio.sleep(POLL_S)
                waited += POLL_S
        finally:
            if turns is not None:
                turns.waiting(False)
            cursor.execute(f"PRAGMA busy_timeout={int(LOCK_TIMEOUT_S * 1000)}")

    async def executemany(self, sql: str, seq_of_parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        self._cursor.executemany(sql, seq_of_parameters)
        await asyncio.sleep(0)
        return self

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class InlineConnection:
    """Quacks like `aiosqlite.Connection` for SQLAlchemy's adapter."""

    def __init__(self, conn: sqlite3.Connection, turns: Turns | None = None) -> None:
        self._conn = conn
        self._turns = turns
        self._connection: sqlite3.Connection | None = conn  # the adapter checks this before commit

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor(), self._turns)

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._conn.close()
            self._connection = None

    def stop(self) -> None:
        if self._connection is not None:
            self._conn.close()
            self._connection = None

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level


def creator(path: str, timeout: float = 30.0) -> Callable[[], Awaitable[InlineConnection]]:
    async def connect() -> InlineConnection:
        # isolation_level=None: SQLAlchemy emits BEGIN itself (BEGIN IMMEDIATE, see core.db).
        conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
        return InlineConnection(conn, None if path == ":memory:" or path.startswith("file:") else Turns(path))

    return connect
