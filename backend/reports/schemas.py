"""API shapes for reports (pydantic v2)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.core.text import clean, has_words
from backend.geo.precision import Precision

CHANNELS = ("zalo", "telegram", "cli", "web", "hotline", "api", "open311", "camera")
EMAIL_RE = re.compile(r"^[^@\s<>,;]{1,64}@[^@\s<>,;]+\.[^@\s<>,;]{2,}$")
Action = Literal["assign", "start", "resolve", "reject", "reopen", "close", "duplicate"]


class ReportCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "description": "Quán cà phê bày bàn ghế chiếm hết vỉa hè trước số 120 Lê Duẩn",
                    "address": "120 Lê Duẩn, P. Tân Lập, TP. Buôn Ma Thuột",
                    "phone": "0905123456",
                    "channel": "hotline",
                }
            ]
        }
    )

    description: str = Field(min_length=1, max_length=4000)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    address: str | None = Field(default=None, max_length=500)
    # How precise latitude/longitude are: a point sent is taken as `gps` unless said otherwise
    # (`map`: picked on a map; a point found from an address: what the resolver matched).
    location_precision: Precision | None = None
    phone: str | None = Field(default=None, max_length=32)
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    channel: str | None = None
    category: str | None = None
    priority: Literal["normal", "urgent"] = "normal"

    @field_validator("description", "address", "name", mode="before")
    @classmethod
    def _clean(cls, value: object) -> object:
        return clean(value) if isinstance(value, str) else value

    @field_validator("description")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("mô tả không được để trống")
        if not has_words(value):
            raise ValueError("mô tả cần nói bằng chữ sự việc là gì, ở đâu (ví dụ: \"quán bày bàn ghế chiếm vỉa hè\")")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        digits = "".join(ch for ch in value if ch.isdigit() or ch == "+")
        if not 8 <= len(digits.lstrip("+")) <= 15:
            raise ValueError("phone number looks wrong / số điện thoại không hợp lệ")
        return digits

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not EMAIL_RE.match(value):
            raise ValueError("địa chỉ e-mail không hợp lệ")
        return value

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is not None and value not in CHANNELS:
            raise ValueError(f"channel must be one of {', '.join(CHANNELS)}")
        return value


class TransitionIn(BaseModel):
    action: Action
    note: str | None = Field(default=None, max_length=4000)
    agency: str | None = None
    original: str | None = Field(default=None, max_length=16)  # `duplicate`: the report it merges into


class RatingIn(BaseModel):
    stars: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=2000)


class AreaRef(BaseModel):
    code: str
    name: str


class RatingRead(BaseModel):
    stars: int
    comment: str | None


class EventRead(BaseModel):
    at: datetime
    action: str
    from_status: str | None
    to_status: str | None
    note: str | None
    actor: str
    public: bool


class AttachmentRead(BaseModel):
    id: int
    url: str
    content_type: str
    kind: str
    public: bool


class ReportRead(BaseModel):
    code: str
    status: str
    description: str
    category: str
    category_name: str
    category_confidence: float | None
    category_unsure: bool
    channel: str
    agency: str | None
    agency_name: str | None
    area: AreaRef | None
    latitude: float | None
    longitude: float | None
    location_precision: str = "unknown"  # gps | map | address | street | ward | district | province | unknown
    address: str | None
    priority: str
    due_at: datetime | None
    overdue: bool
    created_at: datetime
    resolved_at: datetime | None
    duplicate_of: str | None
    supporters: int
    possible_duplicates: list[str] = []
    attachments: list[AttachmentRead]
    rating: RatingRead | None
    timeline: list[EventRead]


class ReportSummary(BaseModel):
    code: str
    status: str
    category: str
    channel: str
    agency: str | None
    area: AreaRef | None
    address: str | None
    latitude: float | None
    longitude: float | None
    location_precision: str = "unknown"
    due_at: datetime | None
    overdue: bool
    created_at: datetime


class ReportPage(BaseModel):
    items: list[ReportSummary]
    total: int
    total_capped: bool = False  # a text search counts up to 1,000 matches: total 1001 means "more"
    limit: int
    offset: int


class QuestionIn(BaseModel):
    text: str = Field(min_length=1, max_length=1000)
    public: bool = False  # the answer shown on the public page of the report


class QuestionRead(BaseModel):
    id: int
    report: str
    text: str
    public: bool
    status: str  # waiting | answered | callback | cancelled
    via: str  # the channel the question went on, or "callback" (the hotline calls)
    asked_at: datetime
    answer: str | None = None
    answered_at: datetime | None = None
