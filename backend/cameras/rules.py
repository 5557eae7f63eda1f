"""Does a rule match an observation? Pure functions over plain values (the ingest keeps the rules
in memory), tested on their own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from backend.cameras.frigate import Observation


@dataclass(frozen=True)
class RuleSpec:
    id: int
    code: str
    camera: str | None
    zone: str | None
    labels: frozenset[str]
    min_score: float
    min_duration_s: int
    hours: str | None
    category: str


def parse_hours(hours: str) -> tuple[time, time]:
    start, end = hours.split("-")
    h1, m1 = (int(x) for x in start.split(":"))
    h2, m2 = (int(x) for x in end.split(":"))
    return time(h1, m1), time(h2, m2)


def in_hours(hours: str | None, at: datetime, tz: str) -> bool:
    """`22:00-05:00` wraps past midnight; the start is included, the end is not."""
    if not hours:
        return True
    start, end = parse_hours(hours)
    now = at.astimezone(ZoneInfo(tz)).time()
    if start <= end:
        return start <= now < end
    return now >= start or now < end


def matches(rule: RuleSpec, obs: Observation, tz: str) -> bool:
    if obs.false_positive:
        return False
    if rule.camera is not None and rule.camera != obs.camera:
        return False
    if obs.label not in rule.labels:
        return False
    if rule.zone is not None and rule.zone not in obs.zones:
        return False
    if obs.top_score < rule.min_score:
        return False
    if obs.duration_s < rule.min_duration_s:
        return False
    return in_hours(rule.hours, obs.start_time, tz)


def first_match(rules: list[RuleSpec], obs: Observation, tz: str) -> RuleSpec | None:
    """Rules for this camera come before rules for all cameras, then by id (the order they were made)."""
    ordered = sorted(rules, key=lambda r: (r.camera is None, r.id))
    return next((r for r in ordered if matches(r, obs, tz)), None)
