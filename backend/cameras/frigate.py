"""Frigate's messages (and the webhook's normalized shape) as one `Observation`; pure parsing,
no I/O. Anything malformed raises `BadMessage` (logged and dropped by the ingest)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson


class BadMessage(ValueError):
    pass


@dataclass
class Observation:
    """One state of one detected object, whatever sent it."""

    source: str  # frigate | webhook
    event_id: str
    camera: str
    label: str
    score: float
    top_score: float
    start_time: datetime
    last_time: datetime
    end_time: datetime | None = None
    sub_label: str | None = None
    zones: list[str] = field(default_factory=list)
    current_zones: list[str] = field(default_factory=list)
    stationary: bool = False
    has_snapshot: bool = False
    false_positive: bool = False
    kind: str = "update"  # new | update | end
    snapshot: bytes | None = None  # webhook only: the image itself

    @property
    def duration_s(self) -> float:
        return max((self.end_time or self.last_time) - self.start_time, _ZERO).total_seconds()


_ZERO = datetime(2000, 1, 1, tzinfo=UTC) - datetime(2000, 1, 1, tzinfo=UTC)


def _unix(value: Any, name: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise BadMessage(f"{name} is not a Unix time: {value!r}")
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise BadMessage(f"{name} out of range: {value!r}") from exc


def _text(obj: dict[str, Any], name: str, required: bool = True) -> str | None:
    value = obj.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 128:
        raise BadMessage(f"{name} missing or not a short string")
    return value.strip()


def _score(value: Any, name: str) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise BadMessage(f"{name} must be a number between 0 and 1")
    return float(value)


def _zones(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(z, str) for z in value):
        raise BadMessage("zones must be a list of names")
    return [z[:64] for z in value]


def parse_frigate_event(payload: bytes) -> Observation:
    """`<prefix>/events`: {"type": new|update|end, "before": {...}, "after": {...}}; `after` is
    the state now."""
    try:
        message = orjson.loads(payload)  # several times faster than json on Frigate's messages
    except orjson.JSONDecodeError as exc:  # also invalid UTF-8
        raise BadMessage(f"not JSON: {exc}") from exc
    if not isinstance(message, dict) or not isinstance(message.get("after"), dict):
        raise BadMessage("no 'after' object")
    kind = message.get("type")
    if kind not in ("new", "update", "end"):
        raise BadMessage(f"unknown type {kind!r}")
    after = message["after"]
    start = _unix(after.get("start_time"), "start_time")
    end = _unix(after["end_time"], "end_time") if after.get("end_time") is not None else None
    frame = after.get("frame_time")
    last = _unix(frame, "frame_time") if frame is not None else (end or start)
    sub_label = after.get("sub_label")
    if isinstance(sub_label, list):  # Frigate 0.13+: [name, score]
        sub_label = sub_label[0] if sub_label else None
    entered = _zones(after.get("entered_zones"))
    current = _zones(after.get("current_zones"))
    return Observation(
        source="frigate", event_id=_text(after, "id") or "", camera=_text(after, "camera") or "",
        label=_text(after, "label") or "", score=_score(after.get("score"), "score"),
        top_score=max(_score(after.get("top_score"), "top_score"), _score(after.get("score"), "score")),
        start_time=start, last_time=max(last, end or last), end_time=end,
        sub_label=str(sub_label)[:128] if sub_label else None,
        zones=list(dict.fromkeys(entered + current)), current_zones=current,
        stationary=bool(after.get("stationary")), has_snapshot=bool(after.get("has_snapshot")),
        false_positive=bool(after.get("false_positive")), kind=kind,
    )


def camera_of_status_topic(prefix: str, topic: str) -> str | None:
    """`<prefix>/<camera>/status/...` -> the camera code; None for any other topic."""
    parts = topic.split("/")
    head = prefix.split("/")
    if len(parts) >= len(head) + 3 and parts[: len(head)] == head and parts[len(head) + 1] == "status":
        return parts[len(head)]
    return None
