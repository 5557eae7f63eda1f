"""Killed mid-burst (issue 11, item 17): `phananh serve` and its workers get SIGKILL while replies
are going out; started again, every citizen is answered within 30 s and only the replies in flight
at the kill (accepted by the channel, their answer never seen) are repeated."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from crashkit import Servers, kill_with_workers, repeats
from sqlalchemy import func, select
from standins import wait_for

from bot.dialogue.models import ProcessedEvent

CITIZENS = 120
WITHIN_S = 30  # the target: everyone answered this long after the restart


@pytest.fixture
def servers(tmp_path):
    started = Servers(tmp_path)
    yield started
    started.stop()


async def _post_all(app, zalo, events: list[dict]) -> list[dict]:
    """Post the events at once (30 connections); returns those that got no 200 (Zalo redelivers
    them)."""
    gate = asyncio.Semaphore(30)

    async def post(client: httpx.AsyncClient, event: dict) -> dict | None:
        raw, headers = zalo.sign(event)
        async with gate:
            try:
                resp = await client.post(app.url + "/webhooks/zalo", content=raw, headers=headers)
            except httpx.HTTPError:
                return event
        return None if resp.status_code == 200 else event

    async with httpx.AsyncClient(timeout=10) as client:
        return [e for e in await asyncio.gather(*(post(client, e) for e in events)) if e is not None]


async def _when(predicate, within: float, what: str) -> float:
    """The moment `predicate` first holds."""
    await wait_for(predicate, within=within, what=what)
    return time.monotonic()


async def test_a_server_killed_mid_burst_answers_everyone_within_30s_of_restart_repeating_only_in_flight_replies(
        zalo, telegram, servers):
    """One server for both channels (two start-ups instead of four: the suite is at its limit):
    120 Zalo citizens at once and 20 Telegram chats; SIGKILL the server and its inbox worker while
    both are mid-batch; start it again."""
    app = await servers.start({**zalo.env(), "TELEGRAM_BOT_TOKEN": telegram.token,
                               "TELEGRAM_API_BASE": telegram.url, "TELEGRAM_MODE": "polling"})
    await wait_for(lambda: telegram.called("getUpdates") or telegram.called("setMyCommands"), within=60,
                   what="the Telegram bot to start")
    users = [f"crash-{i}" for i in range(CITIZENS)]
    events = [zalo.event("user_send_text", user, msg_id=f"crash-m{i}", text="giúp") for i, user in enumerate(users)]
    chats = [str(5000 + i) for i in range(20)]
    zalo.stall_after = len(zalo.sends) + CITIZENS // 4  # a quarter answered, then the sends hang: mid-batch
    telegram.stall_after = len(telegram.called("sendMessage")) + 5
    for chat in chats:
        who = {"id": int(chat), "is_bot": False, "first_name": "Lan", "language_code": "vi"}
        telegram.push({"text": "giúp", "chat": {"id": int(chat), "type": "private"}, "from": who})
    posting = asyncio.create_task(_post_all(app, zalo, events))
    await wait_for(lambda: zalo.stalled >= 1 and telegram.stalled >= 1, within=90, what="both mid-batch")
    await asyncio.sleep(0.5)  # the other lanes reach their next send and hang too
    kill_with_workers(app.process)
    in_flight = {"zalo": zalo.stalled, "telegram": telegram.stalled}  # accepted, never acknowledged
    unanswered = await posting
    zalo.unstall()
    telegram.unstall()

    texts = telegram.chat_texts
    def all_answered() -> bool:
        return all(zalo.texts(u) for u in users) and {c for c, _t in texts()} >= set(chats)

    spawned = time.monotonic()
    everyone = asyncio.create_task(_when(all_answered, 300, "everyone answered"))
    await servers.restart(app)  # Telegram: the updates never confirmed come again
    restarted = time.monotonic()  # the server answers again (its start-up time depends on the machine's load)
    if unanswered:  # Zalo redelivers what got no 200
        assert await _post_all(app, zalo, unanswered) == []
    try:
        answered = await asyncio.wait_for(asyncio.shield(everyone), WITHIN_S)
    except TimeoutError:
        everyone.cancel()
        missing = [u for u in users if not zalo.texts(u)] + sorted(set(chats) - {c for c, _t in texts()})
        raise AssertionError(f"not answered within {WITHIN_S} s of the restart: {missing}") from None
    await asyncio.sleep(1.0)  # late repeats would show now

    sent = [(s["recipient"]["user_id"], s["message"].get("text", "")) for s in zalo.sends
            if s["recipient"].get("user_id", "").startswith("crash-")]
    repeated = {"zalo": repeats(sent), "telegram": repeats([(c, t) for c, t in texts() if c in chats])}
    print(f"\nrestart: start-up {restarted - spawned:.1f} s, everyone answered {answered - spawned:.1f} s after "
          f"the new process started ({answered - restarted:.1f} s after it answered); repeated: "
          + ", ".join(f"{ch} {sum(repeated[ch].values())} of {in_flight[ch]} in flight" for ch in in_flight))
    for channel, counts in repeated.items():
        assert sum(counts.values()) <= in_flight[channel], channel
        assert max(counts.values(), default=0) <= 1, channel
    done = await app.scalar(select(func.count()).where(ProcessedEvent.event_id.like("crash-m%"),
                                                       ProcessedEvent.status == "done"))
    assert done == CITIZENS
