"""API shapes of the cameras module (shared/CONTRACT.md, "IOC modules")."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from backend.reports.schemas import AreaRef

CODE = r"^[A-Za-z0-9_\-]{1,64}$"
HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
VEHICLE_CLASSES = ("motorbike", "car", "bus", "truck", "bicycle")


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("thời gian cần có múi giờ (ISO 8601, ví dụ 2026-11-30T07:00:00+07:00)")
    return value


CapacityUnit = Literal["pcu", "veh"]  # PCU/h (xe quy đổi/giờ) or vehicles/h (xe/giờ)
MAX_CAPACITY = 20_000.0  # per approach, PCU/h: beyond any urban approach (a typo, not a road)


class CameraLayout(BaseModel):
    """A camera's Frigate zones (code -> the label operators see) and traffic approaches
    (direction -> capacity, in PCU/h or vehicles/h per approach_units; PCU/h when missing).
    Checked again by the service against the camera's rules and counts."""

    zones: dict[str, str] = {}
    approaches: dict[str, float] = {}
    approach_units: dict[str, CapacityUnit] = {}

    @field_validator("zones")
    @classmethod
    def _zones(cls, value: dict[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for code, label in value.items():
            if not re.match(CODE, code):
                raise ValueError(f"mã vùng «{code}» chỉ gồm chữ không dấu, số, _ và - (như tên vùng trong Frigate)")
            if not label.strip() or len(label) > 100:
                raise ValueError(f"vùng {code} cần tên hiển thị (tối đa 100 ký tự)")
            out[code] = label.strip()
        return out

    @field_validator("approaches")
    @classmethod
    def _capacity(cls, value: dict[str, float]) -> dict[str, float]:
        for direction, capacity in value.items():
            if not re.match(CODE, direction) or len(direction) > 32:
                raise ValueError(f"mã hướng «{direction}» chỉ gồm chữ không dấu, số, _ và - (tối đa 32 ký tự)")
            if not 0 < capacity <= MAX_CAPACITY:
                raise ValueError(f"năng lực thông hành hướng {direction} phải lớn hơn 0 và không quá "
                                 f"{MAX_CAPACITY:,.0f} xe/giờ".replace(",", "."))
        return value


class CameraCreate(CameraLayout):
    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["traffic", "security"] = "traffic"
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    address: str | None = Field(default=None, max_length=300)


class CameraRead(BaseModel):
    code: str
    name: str
    kind: str
    latitude: float
    longitude: float
    address: str | None
    area: AreaRef | None
    status: str
    last_seen_at: datetime | None
    last_event_at: datetime | None
    zones: dict[str, str]
    approaches: dict[str, float]
    approach_units: dict[str, str] = {}


class WebhookEvent(BaseModel):
    camera: str = Field(min_length=1, max_length=64)
    event_id: str = Field(min_length=1, max_length=128)
    label: str = Field(min_length=1, max_length=64)
    zone: str | None = Field(default=None, max_length=64)
    score: float = Field(ge=0, le=1)
    start_time: datetime
    end_time: datetime | None = None
    snapshot_b64: str | None = Field(default=None, max_length=15_000_000)

    _start = field_validator("start_time")(_aware)

    @field_validator("end_time")
    @classmethod
    def _end(cls, value: datetime | None) -> datetime | None:
        return None if value is None else _aware(value)


class RuleCreate(BaseModel):
    code: str | None = Field(default=None, pattern=CODE)
    name: str | None = Field(default=None, max_length=200)
    camera: str | None = None
    zone: str | None = Field(default=None, max_length=64)
    labels: list[str] = Field(min_length=1)
    min_score: float = Field(default=0.0, ge=0, le=1)
    min_duration_s: int = Field(default=0, ge=0, le=86_400)
    hours: str | None = None
    category: str
    active: bool = True

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str | None) -> str | None:
        if value is not None and not HOURS.match(value.replace(" ", "")):
            raise ValueError("khung giờ phải có dạng 22:00-05:00")
        return value.replace(" ", "") if value else None


class RuleRead(BaseModel):
    id: int
    code: str
    name: str
    camera: str | None
    zone: str | None
    labels: list[str]
    min_score: float
    min_duration_s: int
    hours: str | None
    category: str
    active: bool
    candidates: int = 0
    dismissed: int = 0
    false_alarm_rate: float | None = None


class EventRead(BaseModel):
    id: int
    camera: str
    label: str
    zone: str | None
    score: float
    category: str | None
    status: str
    report: str | None
    snapshot_url: str | None
    rule: str | None
    start_time: datetime
    end_time: datetime | None
    duration_s: float
    reason: str | None


class ConfirmIn(BaseModel):
    category: str | None = None
    note: str | None = Field(default=None, max_length=2000)
    link_to: str | None = None  # an open report nearby: link the evidence to it instead of a new one


class DismissIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("cần nêu lý do")
        return value.strip()


class TrafficCountsIn(BaseModel):
    camera: str | None = Field(default=None, max_length=64)  # MQTT: the topic names the camera
    direction: str = Field(min_length=1, max_length=32)
    interval_start: datetime
    interval_minutes: int = Field(ge=1, le=60)
    counts: dict[str, int]

    _start = field_validator("interval_start")(_aware)

    @field_validator("counts")
    @classmethod
    def _counts(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = set(value) - set(VEHICLE_CLASSES)
        if unknown:
            raise ValueError(f"loại xe không có: {sorted(unknown)}; các loại: {', '.join(VEHICLE_CLASSES)}")
        if any(n < 0 for n in value.values()):
            raise ValueError("số xe không được âm")
        return value


class FlowRead(BaseModel):
    interval_start: datetime
    interval_minutes: int
    direction: str
    vehicles: int
    vehicles_per_hour: float
    pcu_per_hour: float
    capacity: float | None
    vc_ratio: float | None
    los: str | None
    counts: dict[str, int]
