"""Worker ids and which claimers are provably dead (backend/core/claimers.py)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.core import claimers
from backend.core.claimers import Identity, WorkerRow
from backend.core.db import utcnow


@pytest.fixture
def child():
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


def _id_of(pid: int) -> str:
    me = claimers.identity()
    return dataclasses.replace(me, pid=pid, start=claimers.start_ticks(pid) or "?").id


def test_a_worker_id_names_host_pid_namespace_boot_pid_and_start_time() -> None:
    me = claimers.identity()
    assert Identity.parse(claimers.worker_id()) == me
    assert me.boot and me.pidns and me.start != "0"


def test_a_running_process_of_this_host_is_alive(child) -> None:
    assert claimers.local_verdict(_id_of(child.pid)) is False


def test_a_killed_process_of_this_host_is_dead(child) -> None:
    claimer = _id_of(child.pid)
    child.kill()
    child.wait()
    assert claimers.local_verdict(claimer) is True


def test_a_pid_now_used_by_another_process_is_dead() -> None:
    reused = dataclasses.replace(claimers.identity(), start="1")  # this pid, started at another time
    assert claimers.local_verdict(reused.id) is True


def test_a_process_of_an_earlier_boot_is_dead() -> None:
    earlier = dataclasses.replace(claimers.identity(), boot="000000000000")
    assert claimers.local_verdict(earlier.id) is True


def test_a_process_of_another_host_or_pid_namespace_is_not_judged_from_proc() -> None:
    me = claimers.identity()
    assert claimers.local_verdict(dataclasses.replace(me, host="elsewhere").id) is None
    assert claimers.local_verdict(dataclasses.replace(me, pidns="1").id) is None


async def test_another_hosts_claimer_is_dead_only_when_its_heartbeat_is_old(session) -> None:
    now = utcnow()
    beating, silent, unknown = (f"elsewhere|1|b|{pid}|9" for pid in (1, 2, 3))
    session.add_all([WorkerRow(id=beating, host="elsewhere", heartbeat_at=now - timedelta(seconds=3)),
                     WorkerRow(id=silent, host="elsewhere", heartbeat_at=now - timedelta(seconds=20))])
    await session.commit()
    assert await claimers.dead([beating, silent, unknown, claimers.worker_id(), None]) == sorted([silent, unknown])


async def test_registering_writes_the_heartbeat_at_most_every_few_seconds(session) -> None:
    claimers._registered.clear()
    now = utcnow()
    me = await claimers.register("test", now=now)
    await claimers.register("test", now=now + timedelta(seconds=1))
    await claimers.register("test", now=now + claimers.HEARTBEAT + timedelta(seconds=1))
    session.expire_all()
    row = await session.scalar(select(WorkerRow).where(WorkerRow.id == me))
    assert row.role == "test" and row.heartbeat_at == now + claimers.HEARTBEAT + timedelta(seconds=1)
    await session.commit()
    claimers._registered.clear()
