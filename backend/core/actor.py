"""Who is acting: a staff user, a citizen on a channel, or the system (scheduler)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backend.citizens.models import Citizen
    from backend.staff.models import User


@dataclass(frozen=True)
class Actor:
    kind: str  # staff | citizen | system
    user: User | None = None
    citizen: Citizen | None = None
    label: str = ""

    @classmethod
    def staff(cls, user: User) -> Actor:
        return cls("staff", user=user, label=user.full_name or user.username)

    @classmethod
    def of_citizen(cls, citizen: Citizen | None, label: str = "Người dân") -> Actor:
        return cls("citizen", citizen=citizen, label=label)

    @classmethod
    def system(cls, label: str = "Hệ thống") -> Actor:
        return cls("system", label=label)

    @property
    def role(self) -> str | None:
        return self.user.role if self.user else None
