"""API shapes of website monitoring (names from the contract)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class SiteCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=1, max_length=1000)
    agency: str | None = None  # agency code
    interval_s: int | None = Field(default=None, ge=10, le=86400)
    timeout_s: float | None = Field(default=None, gt=0, le=120)
    conditions: list[str] | None = Field(default=None, max_length=30)
    keywords_required: list[str] | None = Field(default=None, max_length=50)
    keywords_forbidden: list[str] | None = Field(default=None, max_length=200)
    failure_threshold: int | None = Field(default=None, ge=1, le=50)
    success_threshold: int | None = Field(default=None, ge=1, le=50)
    slow_ms: int | None = Field(default=None, ge=50, le=120_000)
    change_threshold: float | None = Field(default=None, gt=0, le=1)
    enabled: bool | None = None


class SiteUpdate(SiteCreate):
    name: str | None = Field(default=None, min_length=1, max_length=200)  # type: ignore[assignment]
    url: str | None = Field(default=None, min_length=1, max_length=1000)  # type: ignore[assignment]


class SiteRead(BaseModel):
    id: int
    name: str
    url: str
    agency: str | None
    enabled: bool
    interval_s: int
    conditions: list[str]
    keywords_required: list[str]
    keywords_forbidden: list[str]
    failure_threshold: int
    success_threshold: int
    status: str
    status_since: datetime | None
    last_checked_at: datetime | None
    response_ms: int | None
    last_error: str | None
    cert_expires_at: datetime | None
    cert_issuer: str | None
    cert_days_left: int | None
    has_baseline: bool
    uptime_7d: float | None
    uptime_30d: float | None
    uptime_90d: float | None


class SitePage(BaseModel):
    items: list[SiteRead]
    total: int


class IncidentEventRead(BaseModel):
    at: datetime
    action: str
    actor: str
    note: str
    data: dict[str, Any] | None = None


class IncidentRead(BaseModel):
    id: int
    site: dict[str, Any]  # {"id", "name", "url"}
    agency: str | None
    kind: str
    opened_at: datetime
    closed_at: datetime | None
    acknowledged_at: datetime | None
    confirmed: bool
    summary: str
    timeline: list[IncidentEventRead]


class IncidentPage(BaseModel):
    items: list[IncidentRead]
    total: int


class IncidentAction(BaseModel):
    action: str = Field(pattern="^(acknowledge|confirm|resolve|note)$")
    note: str | None = Field(default=None, max_length=2000)


class MaintenanceCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    site_id: int | None = None
    agency: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    start_time: str | None = Field(default=None, max_length=5)
    end_time: str | None = Field(default=None, max_length=5)
    weekdays: list[int] = Field(default_factory=list, max_length=7)
    on_holidays: bool = False


class UptimeRow(BaseModel):
    agency: str | None
    agency_name: str | None
    sites: int
    uptime_7d: float | None
    uptime_30d: float | None
    uptime_90d: float | None
