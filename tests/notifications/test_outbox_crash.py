"""The outbox sender killed mid-send (issue 11, item 17): its rows are due again at once for the
next sender, each message recorded as it went out, so only the one in flight is repeated."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import timedelta

from sqlalchemy import select, update
from standins import wait_for

from backend.citizens import service as citizens_service
from backend.core import claimers
from backend.core.claimers import WorkerRow
from backend.core.db import utcnow
from backend.notifications.messages import OutgoingMessage
from backend.notifications.models import Outbox
from backend.notifications.sender import deliver_due, queue_reply
from bot.zalo.delivery import send_outbox

SENDER = (  # the outbox sender in a process of its own, as the scheduler runs it
    "import asyncio\n"
    "from backend.notifications.sender import deliver_due\n"
    "from bot.zalo.delivery import send_outbox\n"
    "asyncio.run(deliver_due(senders={'zalo': send_outbox}))\n"
)


async def _queue(session, users: int, messages: int) -> None:
    for u in range(users):
        citizen = await citizens_service.get_or_create(session=session, channel="zalo", external_id=f"ob-{u}")
        row = await queue_reply(session, citizen=citizen, error="",
                                messages=[OutgoingMessage(f"tin {n + 1} cho ob-{u}") for n in range(messages)])
        row.attempts, row.next_attempt_at = 0, row.created_at
    await session.commit()


async def _statuses(session) -> Counter[str]:
    session.expire_all()
    found = Counter((await session.scalars(select(Outbox.status))).all())
    await session.commit()
    return found


async def test_a_sender_killed_mid_row_leaves_nothing_waiting_and_repeats_only_the_message_in_flight(
        session, zalo, db_url):
    await _queue(session, users=4, messages=3)
    zalo.stall_after = 5  # the sixth message hangs: row 2, its third message
    sender = await asyncio.create_subprocess_exec(sys.executable, "-c", SENDER,
                                                  env={**os.environ, "DATABASE_URL": db_url})
    try:
        await wait_for(lambda: zalo.stalled >= 1, within=60, what="the sender to be mid-row")
    finally:
        sender.send_signal(signal.SIGKILL)
        await sender.wait()
    zalo.unstall()

    result = await deliver_due(senders={"zalo": send_outbox})  # at once: no lease waited out
    assert result["released"] == 3 and result["sent"] == 3, result
    assert await _statuses(session) == {"sent": 4}
    sent = Counter((s["recipient"]["user_id"], s["message"]["text"]) for s in zalo.sends)
    assert set(sent) == {(f"ob-{u}", f"tin {n + 1} cho ob-{u}") for u in range(4) for n in range(3)}
    assert [k for k, n in sent.items() if n > 1] == [("ob-1", "tin 3 cho ob-1")]  # the one in flight


async def _held_by_another_host(session, heartbeat_age: timedelta) -> None:
    await _queue(session, users=1, messages=1)
    holder = "other-host|4026531836|0123abcd|4242|777"
    await session.execute(update(Outbox).values(claimed_by=holder, next_attempt_at=utcnow() + timedelta(minutes=9)))
    session.add(WorkerRow(id=holder, host="other-host", heartbeat_at=utcnow() - heartbeat_age))
    await session.commit()


async def test_rows_of_a_sender_on_another_host_that_still_beats_are_left_to_it(session, zalo):
    await _held_by_another_host(session, timedelta(seconds=2))
    result = await deliver_due(senders={"zalo": send_outbox})
    assert (result["released"], result["claimed"]) == (0, 0)
    assert zalo.sends == []


async def test_rows_of_a_sender_on_another_host_silent_past_the_timeout_are_sent_at_once(session, zalo):
    await _held_by_another_host(session, claimers.HEARTBEAT_TIMEOUT + timedelta(seconds=1))
    result = await deliver_due(senders={"zalo": send_outbox})
    assert (result["released"], result["sent"]) == (1, 1)
    assert zalo.texts("ob-0") == ["tin 1 cho ob-0"]
