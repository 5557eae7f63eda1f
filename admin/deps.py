"""Dependencies of the staff site: the signed-in user, role checks, the audit trail."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from admin import auth, texts
from admin.models import AuditLog
from backend.core.actor import Actor
from backend.core.deps import SessionDep
from backend.core.errors import PermissionDenied
from backend.staff.models import Role, User


async def staff_user(request: Request, session: SessionDep) -> User:
    user = await auth.session_user(request, session)
    if user is None:
        raise auth.LoginRequired()
    request.state.user = user
    return user


StaffUser = Annotated[User, Depends(staff_user)]
Form = Annotated[Any, Depends(auth.verified_form)]

MANAGERS = (Role.admin, Role.supervisor)


def require(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise PermissionDenied(texts.FORBIDDEN)


def actor(user: User) -> Actor:
    return Actor.staff(user)


def audit(session: AsyncSession, request: Request, user: User | None, what: str, target: str = "",
          /, **detail: Any) -> None:
    client = request.client.host if request.client else None
    session.add(AuditLog(user_id=user.id if user else None, username=user.username if user else "",
                         action=what, target=target, detail=detail or None, ip=client))
