"""The conversation-cleanup job: expired chat states leave the database as expiry promises
(the conversation after 24 h idle, everything after 30 days), and the person is still told."""

from __future__ import annotations

from datetime import timedelta

from chatkit import LITTER
from sqlalchemy import select, update

from backend.core import jobs
from backend.core.db import utcnow
from bot.dialogue import state
from bot.dialogue.models import ChatState


async def _age(session, user: str, **delta: float) -> None:
    await session.execute(update(ChatState).where(ChatState.user_id == user)
                          .values(updated_at=utcnow() - timedelta(**delta)))
    await session.commit()


async def _data(session, user: str) -> dict | None:
    session.expire_all()
    row = await session.scalar(select(ChatState).where(ChatState.user_id == user))
    data = None if row is None else dict(row.data)
    await session.commit()
    return data


async def _cleanup() -> dict:
    job = jobs.get("conversation-cleanup")
    assert job is not None, "the composition root registers the chat's jobs (backend/main.py: install_edges)"
    return await job.func(now=utcnow())


async def test_a_draft_idle_for_a_day_is_dropped_and_the_person_still_told(make_chat, session):
    chat = make_chat(user_id="cl-draft")
    await chat.send(LITTER)
    await _age(session, "cl-draft", hours=25)
    assert (await _cleanup())["trimmed"] == 1
    assert await _data(session, "cl-draft") == {state.DROPPED: True}  # the description is gone
    assert "quá 24 giờ" in await chat.says("giúp")


async def test_durable_facts_outlive_the_conversation(make_chat, session):
    chat = make_chat(user_id="cl-durable")
    await chat.send(LITTER)
    await session.execute(update(ChatState).where(ChatState.user_id == "cl-durable")
                          .values(data={"consent_declined": True, "draft": {"description": LITTER}}))
    await _age(session, "cl-durable", hours=30)
    await _cleanup()
    assert await _data(session, "cl-durable") == {"consent_declined": True, state.DROPPED: True}


async def test_a_state_idle_for_thirty_days_is_deleted(make_chat, session):
    await make_chat(user_id="cl-old").send(LITTER)
    await _age(session, "cl-old", days=31)
    assert (await _cleanup())["deleted"] == 1
    assert await _data(session, "cl-old") is None


async def test_an_expired_state_with_nothing_to_keep_is_deleted(make_chat, session):
    await make_chat(user_id="cl-empty").send("giúp")
    await _age(session, "cl-empty", hours=25)
    assert await _data(session, "cl-empty") == {}
    assert (await _cleanup())["deleted"] == 1
    assert await _data(session, "cl-empty") is None


async def test_a_conversation_in_progress_is_left_alone(make_chat, session):
    chat = make_chat(user_id="cl-live")
    await chat.send(LITTER)
    before = await _data(session, "cl-live")
    assert await _cleanup() == {"deleted": 0, "trimmed": 0}
    assert await _data(session, "cl-live") == before and before["draft"]["description"] == LITTER
