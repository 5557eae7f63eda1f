"""SQLite under concurrency: the inline driver waits for the write lock without blocking the event
loop and lets a waiting process go first; the single-connection pool serves waiters in order."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.core import sqlite_inline
from backend.core.db import make_engine

HOLD_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO t VALUES (1)")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "lock.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (x INTEGER)")
    conn.commit()
    conn.close()
    return path


@pytest_asyncio.fixture(loop_scope="session")
async def engine(db_path: Path) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(f"sqlite+aiosqlite:///{db_path}")
    yield eng
    await eng.dispose()


def _hold_lock(db_path: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db_path), str(seconds)], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


async def test_waiting_for_the_write_lock_keeps_the_event_loop_running(engine: AsyncEngine, db_path: Path) -> None:
    holder = _hold_lock(db_path, 0.4)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    task = asyncio.create_task(ticker())
    try:
        started = time.monotonic()
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t VALUES (2)"))
        waited = time.monotonic() - started
    finally:
        task.cancel()
        holder.wait(10)
    assert waited >= 0.2  # it did wait for the other process…
    assert ticks >= 10  # …while the loop went on (SQLite's busy handler would have frozen it)
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 2


def test_turns_show_a_waiting_process_to_the_others(db_path: Path) -> None:
    turns = sqlite_inline.Turns(str(db_path))
    other = subprocess.run(
        [sys.executable, "-c",
         "import sys; from backend.core.sqlite_inline import Turns; t = Turns(sys.argv[1]); t.waiting(True);"
         " print(sorted(t._others()))", str(db_path)],
        capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[2],
    )
    assert other.stdout.strip() == "[]"  # it sees nobody else waiting
    assert turns._others() != []  # and it left its pid behind (it died while "waiting")


@pytest.fixture
def dead_pid() -> int:
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True).stdout)


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    yield proc
    proc.kill()
    proc.wait()


async def test_a_dead_waiter_is_cleared_after_a_short_pause(db_path: Path, dead_pid: int) -> None:
    turns = sqlite_inline.Turns(str(db_path))
    pid = dead_pid
    slot = 4 * (pid % turns.SLOTS)
    turns._map[slot : slot + 4] = pid.to_bytes(4, "little")
    started = time.monotonic()
    await turns.let_others_go_first()
    assert time.monotonic() - started < 1
    assert pid not in turns._others()


async def test_a_process_lets_a_waiting_one_take_the_lock_first(
    db_path: Path, sleeper: subprocess.Popen[bytes]
) -> None:
    turns = sqlite_inline.Turns(str(db_path))
    slot = 4 * (sleeper.pid % turns.SLOTS)
    turns._map[slot : slot + 4] = sleeper.pid.to_bytes(4, "little")  # a live process waits

    async def release_soon() -> None:
        await asyncio.sleep(0.02)
        turns._map[slot : slot + 4] = b"\0\0\0\0"  # the waiter got the lock

    started = time.monotonic()
    await asyncio.gather(turns.let_others_go_first(), release_soon())
    assert 0.015 <= time.monotonic() - started < sqlite_inline.POLITE_MAX_S + 0.5


async def test_the_single_connection_goes_to_waiters_in_arrival_order(engine: AsyncEngine) -> None:
    order: list[int] = []
    first = await engine.connect()  # holds the only connection

    async def take(i: int) -> None:
        async with engine.connect() as conn:
            order.append(i)
            await conn.execute(text("SELECT 1"))

    waiters = [asyncio.create_task(take(i)) for i in range(5)]
    await asyncio.sleep(0.05)  # all five are queued
    await first.close()
    await take(99)  # asks again at once, as a request that commits then writes again does
    await asyncio.gather(*waiters)
    assert order == [0, 1, 2, 3, 4, 99]


async def test_a_waiter_that_times_out_does_not_lose_the_connection(db_path: Path) -> None:
    eng = make_engine(f"sqlite+aiosqlite:///{db_path}")
    eng.pool._timeout = 0.05  # type: ignore[attr-defined]
    try:
        holder = await eng.connect()
        with pytest.raises(Exception, match="QueuePool limit"):
            async with eng.connect():
                pass
        await holder.close()
        async with eng.connect() as conn:  # the connection is still there for the next one
            assert (await conn.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await eng.dispose()


def test_turns_file_sits_next_to_the_database(db_path: Path) -> None:
    sqlite_inline.Turns(str(db_path))
    assert Path(f"{db_path}-turns").stat().st_size == 4 * sqlite_inline.Turns.SLOTS
    assert os.access(f"{db_path}-turns", os.R_OK | os.W_OK)
