"""The MQTT ingest: Frigate's events and status topics, and traffic counts, into the database.

Runs in one place: the process holding the `camera-ingest` lease (inside `phananh serve` when
MQTT_URL is set, or `phananh cameras ingest`). A persistent session (fixed client id, clean
session off, QoS 1) makes the broker keep what arrives while we are away or it restarts.
aiomqtt acknowledges a message when it arrives (its public API has no manual acknowledgement:
aiomqtt issue #345), so what has arrived and is not yet committed is *held* in memory: stored
first after a reconnection or a database failure, and before the ingest stops (SIGTERM, lease
lost). Only a hard kill of the process loses what it held (at most the last moments' messages).
A message seen twice updates the same row. A malformed message is logged and dropped; the next
one still works. Only aiomqtt's public API is used."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import aiomqtt
import httpx
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from backend.cameras import service, snapshots, traffic
from backend.cameras.frigate import BadMessage, Observation, camera_of_status_topic, parse_frigate_event
from backend.cameras.schemas import TrafficCountsIn
from backend.core.config import get_settings
from backend.core.db import session_scope, utcnow
from backend.core.errors import DomainError
from backend.core.lease import acquire_lease, release_lease
from backend.core.logging import get_logger

log = get_logger(__name__)

LEASE_NAME = "camera-ingest"
LEASE_SECONDS = 60
RENEW_SECONDS = 20
BATCH = 500
LINGER_S = 0.1  # longest a batch waits for the rest of a burst
TICK_S = 0.005  # a burst is over when nothing arrived for this long
RECONNECT_MAX_S = 10.0


class Inbox(asyncio.Queue[aiomqtt.Message]):
    """aiomqtt's queue of incoming messages (its public `queue_type`), kept by the ingest so a batch
    takes everything that has arrived at once rather than awaiting one task per message."""

    def __init__(self, maxsize: int = 0) -> None:
        super().__init__(maxsize)
        # taken by aiomqtt's iterator and not yet returned to the ingest: a stop that cancels the
        # iterator just as its get() finished would drop that message (already acknowledged)
        self.in_hand: list[aiomqtt.Message] = []

    async def get(self) -> aiomqtt.Message:
        message = await super().get()
        self.in_hand.append(message)
        return message

    def __len__(self) -> int:
        return self.qsize()

    def take(self, limit: int | None) -> list[aiomqtt.Message]:
        out: list[aiomqtt.Message] = []
        while (limit is None or len(out) < limit) and not self.empty():
            out.append(self.get_nowait())
        return out


def _inbox_type(made: list[Inbox]) -> type[Inbox]:
    """A queue class for one client that hands its instance over (aiomqtt builds the queue)."""

    class ClientInbox(Inbox):
        def __init__(self, maxsize: int = 0) -> None:
            super().__init__(maxsize)
            made.append(self)

    return ClientInbox


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> Broker:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "tcp") or not parts.hostname:
            raise ValueError(f"MQTT_URL must look like mqtt://user:pass@host:1883, not {url!r}")
        return cls(parts.hostname, parts.port or 1883, unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None)


@dataclass
class Stats:
    messages: int = 0
    events: int = 0
    candidates: int = 0
    dropped: int = 0
    status: int = 0
    counts: int = 0
    batches: int = 0
    connects: int = 0


@dataclass
class Ingest:
    """One subscriber. `run()` until cancelled: connect, subscribe, take batches, reconnect."""

    url: str
    client_id: str = field(default_factory=lambda: get_settings().mqtt_client_id)
    stats: Stats = field(default_factory=Stats)
    subscribed: asyncio.Event = field(default_factory=asyncio.Event)
    # delivered by the broker (aiomqtt acknowledges on receipt) and not yet committed: stored first
    # on the next connection, or before stopping
    held: list[aiomqtt.Message] = field(default_factory=list)

    def topics(self) -> list[str]:
        s = get_settings()
        prefix, traffic_prefix = s.frigate_topic_prefix.strip("/"), s.traffic_topic_prefix.strip("/")
        return [f"{prefix}/events", f"{prefix}/available", f"{prefix}/+/status/#", f"{traffic_prefix}/+"]

    async def run(self) -> None:
        broker = Broker.parse(self.url)
        delay = 0.5
        async with httpx.AsyncClient() as http:
            try:
                while True:
                    try:
                        await self._store_held(http)  # what an earlier connection delivered
                        await self._session(broker, http)
                    except aiomqtt.MqttError as exc:
                        self.subscribed.clear()
                        log.warning("mqtt connection lost; reconnecting", error=str(exc), in_s=delay)
                        await asyncio.sleep(delay)
                        delay = min(delay * 2, RECONNECT_MAX_S)
                        continue
                    except (OSError, SQLAlchemyError) as exc:  # database down: keep what is held, retry
                        self.subscribed.clear()
                        log.error("camera ingest batch failed; retrying", error=str(exc), held=len(self.held))
                        await asyncio.sleep(delay)
                        continue
            except asyncio.CancelledError:
                # stopping: store what was delivered before giving the lease up
                with contextlib.suppress(Exception):
                    await self._store_held(http)
                raise

    async def _session(self, broker: Broker, http: httpx.AsyncClient) -> None:
        made: list[Inbox] = []
        client = aiomqtt.Client(broker.host, broker.port, username=broker.username, password=broker.password,
                                identifier=self.client_id, clean_session=False, keepalive=30,
                                protocol=aiomqtt.ProtocolVersion.V311, queue_type=_inbox_type(made))
        inbox = made[0]
        loop = asyncio.get_running_loop()
        try:
            async with client:
                await client.subscribe([(topic, 1) for topic in self.topics()])
                self.stats.connects += 1
                self.subscribed.set()
                log.info("mqtt subscribed", broker=f"{broker.host}:{broker.port}", client_id=self.client_id)
                messages = client.messages
                while True:
                    self.held.append(await anext(messages))  # a message, or MqttError when disconnected
                    inbox.in_hand.clear()
                    # aiomqtt reads one packet per turn of the event loop: let it read on while
                    # messages keep coming (a burst becomes one batch), up to BATCH or LINGER_S
                    deadline = loop.time() + LINGER_S
                    while len(inbox) < BATCH - 1 and loop.time() < deadline:
                        before = len(inbox)
                        await asyncio.sleep(TICK_S)  # the loop reads what arrives meanwhile
                        if len(inbox) == before:
                            break
                    self.held += inbox.take(BATCH - 1)
                    await self._store_held(http)
        finally:
            self.held += inbox.in_hand + inbox.take(None)  # delivered before the connection ended: stored next

    async def _store_held(self, http: httpx.AsyncClient) -> None:
        """Store what has been delivered, BATCH messages to a transaction, in order. A database
        failure leaves them held (retried); nothing delivered is dropped but a malformed message."""
        while self.held:
            batch = self.held[:BATCH]
            fetch = await self._handle_safely(batch)
            del self.held[:len(batch)]
            for row_id, frigate_id in fetch:
                asyncio.create_task(_snapshot(http, row_id, frigate_id))  # noqa: RUF006 (fire and forget)

    async def _handle_safely(self, batch: list[aiomqtt.Message]) -> list[tuple[int, str]]:
        """The batch in one transaction; if it fails for anything but the database, each message
        alone, dropping (and logging) the one that fails: one bad message never blocks the rest."""
        try:
            return await self.handle(batch)
        except (OSError, SQLAlchemyError):
            raise  # the database: reconnect, the broker sends the unacknowledged batch again
        except Exception as exc:
            log.exception("camera ingest batch failed; retrying its messages one by one", error=str(exc))
        fetch: list[tuple[int, str]] = []
        for message in batch:
            try:
                fetch += await self.handle([message])
            except (OSError, SQLAlchemyError):
                raise
            except Exception as exc:
                self.stats.dropped += 1
                log.exception("camera message dropped", topic=message.topic.value, error=str(exc))
        return fetch

    async def handle(self, batch: list[aiomqtt.Message]) -> list[tuple[int, str]]:
        """One transaction for the batch; returns the snapshots to fetch."""
        s = get_settings()
        prefix, traffic_prefix = s.frigate_topic_prefix.strip("/"), s.traffic_topic_prefix.strip("/")
        observations: list[Observation] = []
        now = utcnow()
        self.stats.messages += len(batch)
        self.stats.batches += 1
        async with session_scope() as session:
            for message in batch:
                topic = message.topic.value
                payload = message.payload if isinstance(message.payload, bytes) else str(message.payload).encode()
                if topic == f"{prefix}/events":
                    try:
                        observations.append(parse_frigate_event(payload))
                    except BadMessage as exc:
                        self.stats.dropped += 1
                        log.warning("malformed frigate event dropped", topic=topic, error=str(exc),
                                    payload=payload[:200].decode("utf-8", "replace"))
                elif topic == f"{prefix}/available":
                    log.info("frigate availability", state=payload[:20].decode("utf-8", "replace"))
                elif (camera := camera_of_status_topic(prefix, topic)) is not None:
                    self.stats.status += 1
                    if not await service.camera_status(session=session, code=camera, payload=payload, now=now):
                        log.warning("status of an unknown camera ignored", camera=camera)
                elif topic.startswith(traffic_prefix + "/"):
                    await self._counts(session, topic[len(traffic_prefix) + 1:], payload)
            result = await service.ingest(session=session, observations=observations, now=now)
        self.stats.events += len(observations)
        self.stats.candidates += len(result.candidates)
        self.stats.dropped += result.unknown_camera
        return result.snapshots

    async def _counts(self, session: Any, camera: str, payload: bytes) -> None:
        try:
            counts_in = TrafficCountsIn.model_validate(json.loads(payload))
            async with session.begin_nested():
                await traffic.record(session=session, counts_in=counts_in, camera_code=camera)
            self.stats.counts += 1
        except (ValueError, ValidationError, DomainError) as exc:
            self.stats.dropped += 1
            log.warning("malformed traffic counts dropped", camera=camera,
                        error=getattr(exc, "message", None) or str(exc)[:300])


async def _snapshot(http: httpx.AsyncClient, row_id: int, frigate_id: str) -> None:
    try:
        data = await snapshots.fetch(http, frigate_id)
        if data:
            async with session_scope() as session:
                await snapshots.store(session=session, event_id=row_id, data=data)
    except Exception as exc:  # a snapshot is evidence, not the event: never stop the ingest for it
        log.warning("camera snapshot failed", event_id=frigate_id, error=str(exc))


def new_holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def run_as_leader(url: str, holder: str | None = None, ingest: Ingest | None = None) -> None:
    """Subscribe while holding the `camera-ingest` lease; stand by (and retry) otherwise."""
    holder = holder or new_holder_id()
    ingest = ingest or Ingest(url)
    try:
        while True:
            try:
                leader = await acquire_lease(LEASE_NAME, holder, seconds=LEASE_SECONDS)
            except Exception as exc:  # database down: no ingest until it answers
                log.warning("camera-ingest lease check failed", error=str(exc))
                leader = False
            if not leader:
                await asyncio.sleep(RENEW_SECONDS)
                continue
            log.info("camera ingest leader", holder=holder)
            task = asyncio.create_task(ingest.run())
            try:
                while not task.done():
                    await asyncio.wait({task}, timeout=RENEW_SECONDS)
                    if not task.done() and not await _renew(holder):
                        log.warning("camera-ingest lease lost; standing by", holder=holder)
                        break
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    finally:
        with contextlib.suppress(Exception):
            await release_lease(LEASE_NAME, holder)


async def _renew(holder: str) -> bool:
    try:
        return await acquire_lease(LEASE_NAME, holder, seconds=LEASE_SECONDS)
    except Exception as exc:
        log.warning("camera-ingest lease renewal failed", error=str(exc))
        return False


async def run_until_signalled(url: str) -> None:
    """`phananh cameras ingest`: until SIGTERM/SIGINT, then give the lease up at once (a
    restarted ingest takes over without waiting for it to expire)."""
    task = asyncio.create_task(run_as_leader(url))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await task


def lifespan_hook(app: Any) -> Any:
    """`phananh serve` with MQTT_URL set: the ingest runs in the web process (one leader)."""

    @asynccontextmanager
    async def ingest_lifespan() -> AsyncIterator[None]:
        url = get_settings().mqtt_url
        if not url:
            yield
            return
        task = asyncio.create_task(run_as_leader(url))
        app.state.camera_ingest = task
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return ingest_lifespan()
