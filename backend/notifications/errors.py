"""Delivery errors, shared by every channel's sender."""

from __future__ import annotations

from datetime import datetime


class DeliveryError(Exception):
    """A send failed. `final`: never retry; `retry_at`: not before then."""

    def __init__(self, message: str, *, final: bool = False, retry_at: datetime | None = None) -> None:
        super().__init__(message)
        self.final = final
        self.retry_at = retry_at
