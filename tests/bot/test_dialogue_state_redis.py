"""Chat state in Redis (REDIS_URL set): a real redis-server, the engine on top of it, outages."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from chatkit import BMT, LITTER
from sqlalchemy import func, select

from backend.core.config import get_settings
from backend.core.db import utcnow
from backend.testing.pgserver import free_port
from bot.dialogue import engine
from bot.dialogue.messages import IncomingMessage
from bot.dialogue.models import ChatState
from bot.dialogue.state import DbStore, RedisStore, get_store

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None, reason="redis-server is not installed (`make system-deps` installs it)"
)

LAMP = "Đèn đường trước chợ Buôn Ma Thuột bị hỏng mấy hôm nay, tối đi lại rất nguy hiểm"


class RedisServer:
    """One redis-server process on 127.0.0.1, no persistence unless told to SAVE into `dir`."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        assert REDIS_SERVER is not None
        log = (self.dir / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", str(self.dir), "--dbfilename", "dump.rdb"],
            stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 15
        while self.command("PING") != "+PONG":
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not start:\n{(self.dir / 'redis.log').read_text()[-2000:]}")
            time.sleep(0.02)
        return self

    def command(self, *words: str) -> str | None:
        """One inline command, its first reply line (None when nobody answers)."""
        import socket

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                s.sendall(" ".join(words).encode() + b"\r\n")
                return s.recv(4096).split(b"\r\n")[0].decode()
        except OSError:
            return None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def redis_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], RedisServer]]:
    """Servers of a test's own, to stop and start again."""
    servers: list[RedisServer] = []

    def start() -> RedisServer:
        servers.append(RedisServer(tmp_path_factory.mktemp("redis-own")).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def use_redis(session) -> AsyncIterator[Callable[[str], RedisStore]]:
    """Point REDIS_URL at a server (settings re-read); the store the engine then uses."""
    used: list[RedisStore] = []

    def use(url: str) -> RedisStore:
        os.environ["REDIS_URL"] = url
        get_settings.cache_clear()
        store = get_store()
        assert isinstance(store, RedisStore) and store.url == url
        used.append(store)
        return store

    yield use
    os.environ.pop("REDIS_URL", None)
    get_settings.cache_clear()
    for store in used:
        await store.aclose()


@pytest_asyncio.fixture(loop_scope="session")
async def redis_store(redis_server: RedisServer, use_redis) -> RedisStore:
    assert redis_server.command("FLUSHALL") == "+OK"
    return use_redis(redis_server.url)


async def raw_state(store: RedisStore, channel: str = "cli", user_id: str = "u1") -> dict | None:
    raw = await store.client().get(f"phananh:chat:{channel}:{user_id}")
    return None if raw is None else json.loads(raw)


async def chat_state_rows(session) -> int:
    return await session.scalar(select(func.count()).select_from(ChatState))


# ---------------------------------------------------------------- the store


async def test_state_round_trips_with_vietnamese_text_intact(redis_store, session):
    data = {
        "draft": {"description": "Cống thoát nước bị tắc, nước tràn ra đường Nguyễn Tất Thành",
                  "photos": [{"sha256": "ab" * 32, "content_type": "image/jpeg"}], "lat": 12.6675, "address": None},
        "await": "location",
        "consent_declined": False,
        "seen": 3,
    }
    await redis_store.save(session, "zalo", "người-dùng-1", data)
    await session.commit()
    loaded, _ = await redis_store.load(session, "zalo", "người-dùng-1")
    assert loaded == data
    raw = await redis_store.client().get("phananh:chat:zalo:người-dùng-1")
    assert "Cống thoát nước bị tắc".encode() in raw  # UTF-8, not \\u escapes


async def test_updated_at_is_a_recent_utc_time(redis_store, session):
    before = utcnow()
    await redis_store.save(session, "cli", "u1", {"await": "location"})
    await session.commit()
    _, updated_at = await redis_store.load(session, "cli", "u1")
    assert updated_at.utcoffset() == timedelta(0)
    assert before <= updated_at <= utcnow()


async def test_keys_are_namespaced_and_outlive_the_idle_window(redis_store, chat):
    await chat.send(LITTER)
    client = redis_store.client()
    assert await client.keys("*") == [b"phananh:chat:cli:u1"]
    assert timedelta(days=29) < timedelta(seconds=await client.ttl("phananh:chat:cli:u1")) <= timedelta(days=30)


async def test_get_store_follows_the_redis_url_setting(redis_store):
    assert get_store() is redis_store
    url = os.environ.pop("REDIS_URL")
    get_settings.cache_clear()
    assert isinstance(get_store(), DbStore)
    os.environ["REDIS_URL"] = url
    get_settings.cache_clear()
    assert get_store() is redis_store


async def test_each_event_loop_gets_its_own_redis_client(redis_store):
    here = redis_store.client()

    async def elsewhere() -> tuple[int, bool]:
        client = redis_store.client()
        answered = await client.ping()
        await redis_store.aclose()
        return id(client), answered

    other_id, answered = await asyncio.to_thread(asyncio.run, elsewhere())
    assert answered and other_id != id(here)
    assert redis_store.client() is here and await here.ping()


# ---------------------------------------------------------------- the engine on Redis


async def test_a_whole_report_conversation_on_redis_ends_with_a_tracking_code(redis_store, chat):
    code = await chat.file_report()
    assert engine.CODE_RE.fullmatch(code)
    assert "draft" not in (await raw_state(redis_store))["data"]  # filed: nothing left in progress


async def test_the_chat_states_table_is_not_written_when_redis_is_used(redis_store, chat, session):
    await chat.send(LITTER)
    await chat.send(location=BMT)
    assert (await raw_state(redis_store))["data"]["draft"]["lat"] == BMT[0]
    assert await chat_state_rows(session) == 0


async def test_idle_report_on_redis_expires_after_24_hours_with_a_note(redis_store, chat):
    await chat.send(LITTER)
    key = "phananh:chat:cli:u1"
    body = await raw_state(redis_store)
    body["ts"] = (utcnow() - timedelta(hours=25)).isoformat()
    await redis_store.client().set(key, json.dumps(body, ensure_ascii=False), keepttl=True)
    reply = await chat.says(location=BMT)
    assert "quá 24 giờ" in reply
    assert "mô tả" in reply  # the old description is gone


async def test_two_users_states_are_separate(redis_store, make_chat):
    await make_chat(user_id="an").send(LITTER)
    await make_chat(user_id="binh").send(LAMP)
    assert (await raw_state(redis_store, user_id="an"))["data"]["draft"]["description"] == LITTER
    assert (await raw_state(redis_store, user_id="binh"))["data"]["draft"]["description"] == LAMP


async def test_the_same_user_id_on_two_channels_has_two_states(redis_store, make_chat):
    await make_chat(channel="zalo", user_id="42").send(LITTER)
    reply = await make_chat(channel="telegram", user_id="42").says(location=BMT)
    assert "mô tả" in reply  # telegram:42 has no description yet
    assert (await raw_state(redis_store, "zalo", "42"))["data"]["draft"].get("lat") is None


async def test_a_turn_rolled_back_after_the_engine_leaves_the_redis_state_as_it_was(redis_store, chat, session):
    await chat.send(LITTER)
    await engine.handle(IncomingMessage(channel="cli", user_id="u1", location=BMT), session=session)
    await session.rollback()  # e.g. the Zalo event row could not be marked answered
    assert "lat" not in (await raw_state(redis_store))["data"]["draft"]
    assert "ảnh" in await chat.says(location=BMT)  # the same step again, then photos


# ---------------------------------------------------------------- Redis down


async def test_redis_down_the_turn_is_answered_and_its_state_kept_in_the_database(
    redis_factory, use_redis, make_chat, session, caplog
):
    server = redis_factory()
    use_redis(server.url)
    chat = make_chat(user_id="mai")
    await chat.send("xin chào")
    server.stop()
    with caplog.at_level(logging.ERROR, logger="bot.dialogue.state"):
        reply = await chat.says(LITTER)
    assert "ở đâu" in reply  # answered as usual, no apology
    assert any(r.levelno == logging.ERROR and "Redis" in r.getMessage() for r in caplog.records)
    row = await session.scalar(select(ChatState).where(ChatState.user_id == "mai"))
    assert row.data["draft"]["description"] == LITTER
    assert "ảnh" in await chat.says(location=BMT)  # the conversation goes on from the database


async def test_back_from_an_outage_the_newer_database_state_wins_and_moves_to_redis(
    redis_factory, use_redis, make_chat, session
):
    server = redis_factory()
    store = use_redis(server.url)
    store.retry_after = 0  # try Redis again at once
    chat = make_chat(user_id="lan")
    await chat.send(LITTER)  # in Redis
    assert server.command("SAVE") == "+OK"
    server.stop()
    await chat.send(LAMP)  # Redis down: a new report, in the database
    server.start()  # Redis is back, with the older state (LITTER) from its dump
    assert "ảnh" in await chat.says(location=BMT)
    assert (await raw_state(store, user_id="lan"))["data"]["draft"]["description"] == LAMP
    assert await chat_state_rows(session) == 0  # moved back to Redis
