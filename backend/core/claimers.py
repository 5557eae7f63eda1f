"""Who holds a claim, and whether that process is provably dead.

Every row a process takes for work (a Zalo inbox event, a chat turn's replies, an outbox row) is
stamped with the taker's worker id: `host|pidns|boot|pid|start`, i.e. the host name, the PID
namespace (two containers with one host name are not one host), the kernel's boot id, the pid and
the process's start time in clock ticks since boot (a pid reused by another process, or after a
reboot, is not the same worker). Each process also keeps a row in `workers` with a heartbeat.

A claimer is provably dead when:
- it ran in this PID namespace of this host and the kernel was rebooted since (another boot id),
  or no process with its pid and start time exists any more (killed, crashed, restarted);
- it ran elsewhere and its heartbeat is older than HEARTBEAT_TIMEOUT (or its row is gone).

A live process that hangs is not dead: its claims wait for the long STALE lease of each queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy import String, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, UTCDateTime, session_scope, utcnow

log = logging.getLogger(__name__)

HEARTBEAT = timedelta(seconds=5)  # how often a process renews its heartbeat
HEARTBEAT_TIMEOUT = timedelta(seconds=15)  # a claimer on another host is dead after this silence
FORGET = timedelta(days=1)  # rows of workers silent this long are deleted


class WorkerRow(Base):
    """One process that may claim rows: its identity and its last sign of life."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    host: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


@dataclass(frozen=True)
class Identity:
    host: str
    pidns: str
    boot: str
    pid: int
    start: str

    @property
    def id(self) -> str:
        return f"{self.host}|{self.pidns}|{self.boot}|{self.pid}|{self.start}"

    @classmethod
    def parse(cls, value: str) -> Identity | None:
        parts = value.rsplit("|", 4)
        if len(parts) != 5 or not parts[3].isdigit():
            return None
        return cls(parts[0], parts[1], parts[2], int(parts[3]), parts[4])


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


def start_ticks(pid: int) -> str | None:
    """The process's start time (clock ticks after boot, /proc/PID/stat field 22), or None when
    no such process is running (a zombie counts as gone)."""
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        return None
    fields = stat[stat.rfind(")") + 2:].split()  # after "pid (comm) ": state is field 3
    if not fields or fields[0] in ("Z", "X"):
        return None
    return fields[19] if len(fields) > 19 else ""


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid").removeprefix("pid:").strip("[]")
    except OSError:
        return ""


@lru_cache(maxsize=8)
def _identity(pid: int) -> Identity:
    boot = _read("/proc/sys/kernel/random/boot_id").replace("-", "")[:12]
    return Identity(socket.gethostname(), _pid_namespace(), boot, pid, start_ticks(pid) or "0")


def identity() -> Identity:
    """This process's identity (computed once per pid: a forked child gets its own)."""
    return _identity(os.getpid())


def worker_id() -> str:
    return identity().id


def local_verdict(claimer: str, me: Identity | None = None) -> bool | None:
    """True/False when the claimer ran in this PID namespace (dead or alive, from /proc); None
    when it ran elsewhere (only its heartbeat can tell)."""
    me = me or identity()
    other = Identity.parse(claimer)
    if other is None or other.host != me.host or other.pidns != me.pidns or not me.boot:
        return None
    if other.boot != me.boot:
        return True  # the machine was restarted since: every process of that boot is gone
    return start_ticks(other.pid) != other.start


# ---- the workers table ------------------------------------------------------------------------

_registered: dict[str, datetime] = {}  # worker id -> last heartbeat written


async def register(role: str = "", now: datetime | None = None) -> str:
    """Record this process in `workers` (or renew its heartbeat); returns its worker id. Cheap
    when called often: the row is written at most once per HEARTBEAT."""
    me, now = identity(), now or utcnow()
    last = _registered.get(me.id)
    if last is not None and now - last < HEARTBEAT:
        return me.id
    async with session_scope() as session:
        changed = await session.execute(
            update(WorkerRow).where(WorkerRow.id == me.id).values(heartbeat_at=now)
            .execution_options(synchronize_session=False))
        if not changed.rowcount:
            await session.execute(delete(WorkerRow).where(WorkerRow.heartbeat_at < now - FORGET))
            session.add(WorkerRow(id=me.id, host=me.host, role=role[:64], started_at=now, heartbeat_at=now))
            try:
                await session.flush()
            except IntegrityError:  # registered at the same moment by another task of ours
                await session.rollback()
    _registered[me.id] = now
    return me.id


async def heartbeat_forever(role: str, stop: asyncio.Event | None = None) -> None:
    """Renew this process's heartbeat until cancelled or `stop` is set (a database outage is
    logged and waited out)."""
    stop = stop or asyncio.Event()
    while not stop.is_set():
        try:
            await register(role)
        except Exception as exc:
            log.warning("worker heartbeat failed: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), HEARTBEAT.total_seconds())


async def dead(claimers: Iterable[str | None], now: datetime | None = None) -> list[str]:
    """The claimers among these that are provably dead (this process never is)."""
    me, now = identity(), now or utcnow()
    found: list[str] = []
    remote: list[str] = []
    for claimer in {c for c in claimers if c and c != me.id}:
        verdict = local_verdict(claimer, me)
        if verdict is None:
            remote.append(claimer)
        elif verdict:
            found.append(claimer)
    if remote:
        async with session_scope() as session:
            beats = dict((await session.execute(
                select(WorkerRow.id, WorkerRow.heartbeat_at).where(WorkerRow.id.in_(remote)))).all())
        found += [c for c in remote if beats.get(c) is None or beats[c] < now - HEARTBEAT_TIMEOUT]
    return sorted(found)
