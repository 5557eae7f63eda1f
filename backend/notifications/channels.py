"""The chat channels the outbox delivers to. Each edge (Zalo, Telegram, the terminal) registers
its sender, and the hook that finishes its chat turns a crash left half-way, at start-up (the
composition roots: backend/main.py, backend/cli.py). The domain knows the channels only by name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from backend.notifications.messages import OutgoingMessage


class DeliveryError(Exception):
    """A send failed. `final`: never retry; `retry_at`: not before then; `sent`: how many of the
    messages went out before the failure (the rest are what is left to send)."""

    def __init__(self, message: str, *, final: bool = False, retry_at: datetime | None = None,
                 sent: int = 0) -> None:
        super().__init__(message)
        self.final = final
        self.retry_at = retry_at
        self.sent = sent


# Sends messages to one person (their id on the channel); raises DeliveryError.
Sender = Callable[[str, list[OutgoingMessage]], Awaitable[Any]]
# Finishes what a dead process left half-way; returns counts for the job's log.
Recovery = Callable[[], Awaitable[dict[str, int]]]

# What the domain does with a row the outbox gave up on (a timeline entry, a call-back task):
# called with the session and the failed Outbox row, before the commit.
FailureHook = Callable[[Any, Any], Awaitable[None]]

SENDERS: dict[str, Sender] = {}
RECOVERIES: dict[str, Recovery] = {}
FAILURE_HOOKS: list[FailureHook] = []


def on_failure(hook: FailureHook) -> None:
    """Run `hook(session, row)` when a row fails for good; registering the same hook again is a no-op."""
    if hook not in FAILURE_HOOKS:
        FAILURE_HOOKS.append(hook)


def register(channel: str, sender: Sender, *, recover: Recovery | None = None) -> None:
    """A channel's sender (and recovery hook); registering again replaces them."""
    SENDERS[channel] = sender
    if recover is not None:
        RECOVERIES[channel] = recover
    else:
        RECOVERIES.pop(channel, None)
