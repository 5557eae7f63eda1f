"""Deliver the outbox: claim due rows, render them in the citizen's language, send them on their
channel one message at a time, each recorded right after its send returns (`parts_sent`: a crash
repeats at most the one message in flight), retry with capped exponential backoff, and give up
(the registered failure hooks tell staff on the report) after MAX_ATTEMPTS or a final channel error.

A claim is a lease (LEASE) stamped with the sender's worker id (backend/core/claimers.py): the
rows of a sender that is provably dead (killed, restarted; silent for 15 s on another host) are
due again at once, the lease is waited out only for a sender that is alive but hung."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

import backend.models  # noqa: F401  (every table mapped: a job may run in a bare process)
from backend.citizens.models import Citizen
from backend.core import claimers
from backend.core.db import get_sessionmaker, utcnow
from backend.notifications import receipts
from backend.notifications.channels import FAILURE_HOOKS, SENDERS, DeliveryError, Sender
from backend.notifications.messages import OutgoingMessage
from backend.notifications.models import Outbox
from backend.notifications.service import MAX_ATTEMPTS, backoff
from backend.notifications.staff import STAFF_ALERT
from backend.notifications.texts import local_time, status_label, t

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)  # a claimed row is due again only if its sender died mid-way


def _due(value: Any, lang: str) -> str:
    return local_time(datetime.fromisoformat(value) if value else None, lang)


def _rate_buttons(code: str) -> list[tuple[str, str]]:
    return [(f"{'⭐' * n}", f"rate:{code}:{n}") for n in range(1, 6)]


def render(row: Outbox, lang: str = "vi") -> list[OutgoingMessage]:
    """The messages one outbox row stands for."""
    p = row.payload or {}
    code = p.get("code", "")
    if row.kind == STAFF_ALERT:  # to a staff member: the text as written, in Vietnamese
        return [OutgoingMessage(str(p.get("text", "")))]
    if row.kind == "reply":  # a chat reply that could not be sent at once
        return [OutgoingMessage.from_dict(m) for m in p.get("messages", [])]
    if row.channel == "email":  # to a reporter's address: one letter, links instead of buttons
        return [_email(row.kind, p, code, lang)]
    messages = _render(row.kind, p, code, lang)
    for message in messages:  # about the person's report: may go another way past a chat window
        message.notice = {"kind": row.kind, "code": code, "status": p.get("status", ""), "note": p.get("note")}
    return messages


def _render(kind: str, p: dict[str, Any], code: str, lang: str) -> list[OutgoingMessage]:
    if kind in ("question", "question_reminder"):
        return [OutgoingMessage(t(f"n_{kind}", lang, code=code, question=p.get("question", "")))]
    if kind == "received":
        return [OutgoingMessage(t("n_received", lang, code=code, due=_due(p.get("due_at"), lang)))]
    if kind == "assigned":
        return [OutgoingMessage(t("n_assigned", lang, code=code, agency=p.get("agency") or t("none", lang)))]
    if kind == "in_progress":
        return [OutgoingMessage(t("n_in_progress", lang, code=code))]
    if kind == "resolved":
        text = t("n_resolved", lang, code=code, note=p.get("note") or "") + t("rating_hint", lang)
        return [OutgoingMessage(text, _rate_buttons(code), photo=p.get("photo"))]
    if kind == "rating_reminder":
        text = t("n_rating_reminder", lang, code=code, category=p.get("category") or t("none", lang))
        if p.get("rate_url"):
            text += t("n_rating_link", lang, url=p["rate_url"])
        return [OutgoingMessage(text, _rate_buttons(code))]
    if kind == "rejected":
        return [OutgoingMessage(t("n_rejected", lang, code=code, note=p.get("note") or ""))]
    if kind == "merged" and p.get("original"):  # merged into the report filed first
        return [OutgoingMessage(t("n_merged", lang, code=code, original=p["original"]))]
    if kind == "closed":
        return [OutgoingMessage(t("n_closed", lang, code=code))]
    return [OutgoingMessage(t("n_other", lang, code=code, status=status_label(str(p.get("status", "")), lang)))]


def _email(kind: str, p: dict[str, Any], code: str, lang: str) -> OutgoingMessage:
    """A notice as an e-mail (the first line is the subject): no chat hints or buttons; the
    report's public page, and the rating page once it is resolved."""
    if kind == "resolved":
        text = t("n_resolved", lang, code=code, note=p.get("note") or "").rstrip()
        if p.get("rate_url"):
            text += "\n" + t("e_rate", lang, url=p["rate_url"])
    else:
        text = _render(kind, p, code, lang)[0].text
    if p.get("page_url"):
        text += "\n" + t("e_page", lang, url=p["page_url"])
    return OutgoingMessage(text + t("e_footer", lang))


async def _claim(session: AsyncSession, limit: int, now: datetime, citizen_id: int | None,
                 channels: list[str]) -> list[int]:
    # Only the channels this process can send on: the terminal chat's messages wait for the
    # terminal (`phananh chat` shows them), not for the scheduler.
    stmt = select(Outbox.id).where(Outbox.status == "pending", Outbox.next_attempt_at <= now,
                                   Outbox.channel.in_(channels))
    if citizen_id is not None:
        stmt = stmt.where(Outbox.citizen_id == citizen_id)
    stmt = stmt.order_by(Outbox.id).limit(limit)
    if session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    ids = list((await session.scalars(stmt)).all())
    if not ids:
        return []
    # Lease the rows; the WHERE repeats the conditions so two claimers on SQLite cannot both win.
    claimed = await session.scalars(
        update(Outbox)
        .where(Outbox.id.in_(ids), Outbox.status == "pending", Outbox.next_attempt_at <= now)
        .values(next_attempt_at=now + LEASE, claimed_by=claimers.worker_id())
        .returning(Outbox.id)
    )
    result = sorted(claimed.all())
    await session.commit()
    return result


async def deliver_due(
    *, limit: int = 100, senders: dict[str, Sender] | None = None, citizen_id: int | None = None
) -> dict[str, int]:
    """Send what is due, each row through its channel's registered sender; returns counts
    {claimed, sent, retry, failed, skipped, released} (released: rows of dead senders due again)."""
    senders = SENDERS if senders is None else senders
    counts = {"claimed": 0, "sent": 0, "retry": 0, "failed": 0, "skipped": 0, "released": 0}
    maker = get_sessionmaker()
    await claimers.register("outbox")
    counts["released"] = await release_dead()
    async with maker() as session:
        ids = await _claim(session, limit, utcnow(), citizen_id, sorted(senders))
    counts["claimed"] = len(ids)
    for row_id in ids:
        await claimers.register("outbox")  # the heartbeat, on a long run (written every few seconds)
        counts[await _deliver_one(row_id, senders)] += 1
    return counts


async def release_dead(now: datetime | None = None) -> int:
    """Rows claimed by a sender that is provably dead are due again now (only what it had not
    recorded as sent goes out). Returns how many."""
    now = now or utcnow()
    maker = get_sessionmaker()
    async with maker() as session:
        held = (await session.scalars(
            select(Outbox.claimed_by).where(Outbox.status == "pending", Outbox.next_attempt_at > now,
                                            Outbox.claimed_by.is_not(None)).distinct())).all()
        await session.commit()
    dead = await claimers.dead(held, now)
    if not dead:
        return 0
    async with maker() as session:
        result = await session.execute(
            update(Outbox).where(Outbox.status == "pending", Outbox.claimed_by.in_(dead))
            .values(next_attempt_at=now, claimed_by=None).execution_options(synchronize_session=False))
        await session.commit()
    released = int(result.rowcount)
    if released:
        log.warning("outbox: %d rows of dead senders %s are due again", released, ", ".join(dead))
    return released


async def _deliver_one(row_id: int, senders: dict[str, Sender]) -> str:
    """Read, send with no transaction open (SQLite writers queue behind open ones), one message
    at a time from the first not yet sent, each recorded with its receipts right after its send
    returns; then record the outcome."""
    maker = get_sessionmaker()
    me = claimers.worker_id()
    async with maker() as session:
        row = await session.get(Outbox, row_id)
        if row is None or row.status != "pending" or row.claimed_by != me:
            return "skipped"
        citizen = await session.get(Citizen, row.citizen_id) if row.citizen_id else None
        lang = citizen.language if citizen else "vi"
        channel, recipient, messages, first = row.channel, row.recipient, render(row, lang), row.parts_sent or 0
        await session.commit()
    sender = senders.get(channel)
    error: DeliveryError | None = None
    sent: Any = None
    for index in range(first, len(messages)):
        try:
            if sender is None:
                raise DeliveryError(f"no sender for channel {channel}", final=True)
            sent = await sender(recipient, [messages[index]])
        except DeliveryError as exc:
            error = exc
        except Exception as exc:  # timeouts, connection errors, 5xx: try again later
            error = DeliveryError(f"{type(exc).__name__}: {exc}")
        if error is not None:
            break
        if index + 1 < len(messages):
            await _record_part(row_id, index + 1, sent)
    async with maker() as session:  # committed per row: a crash later cannot resend this one
        row = await session.get(Outbox, row_id)
        assert row is not None
        row.attempts += 1
        row.claimed_by = None
        if error is None:
            row.status, row.sent_at, row.last_error = "sent", utcnow(), None
            row.parts_sent = len(messages)
            # A sender may return the channel's receipts ({"message_id", "route"}) of what it sent.
            if messages[first:]:
                receipts.record(session, row, sent if isinstance(sent, list) else [])
            outcome = "sent"
        else:
            outcome = await _failed(session, row, str(error) or type(error).__name__, final=error.final,
                                    retry_at=error.retry_at)
        await session.commit()
    return outcome


async def _record_part(row_id: int, parts_sent: int, sent: Any) -> None:
    """One message of a row went out: recorded at once (with its receipts), so a crash before
    the row is finished does not send it again."""
    async with get_sessionmaker()() as session:
        row = await session.get(Outbox, row_id)
        if row is not None:
            row.parts_sent = parts_sent
            receipts.record(session, row, sent if isinstance(sent, list) else [])
        await session.commit()


async def _failed(session: AsyncSession, row: Outbox, error: str, *, final: bool, retry_at: datetime | None) -> str:
    row.last_error = error[:2000]
    if final or row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
        log.warning("outbox %s to %s:%s failed for good: %s", row.id, row.channel, row.recipient, error)
        for hook in FAILURE_HOOKS:  # the report's timeline and call-back task (backend/reports/delivery.py)
            await hook(session, row)
        return "failed"
    row.next_attempt_at = retry_at or utcnow() + backoff(row.attempts)
    return "retry"


async def queue_reply(session: AsyncSession, *, citizen: Citizen, messages: list[OutgoingMessage],
                      error: str) -> Outbox:
    """Chat replies that could not be sent now: the outbox retries them like any message."""
    row = Outbox(
        citizen_id=citizen.id, channel=citizen.channel, recipient=citizen.external_id, kind="reply",
        payload={"messages": [m.to_dict() for m in messages]},
        status="pending", attempts=1, last_error=error[:2000], next_attempt_at=utcnow() + backoff(1),
    )
    session.add(row)
    return row

