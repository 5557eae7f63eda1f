"""FastAPI dependencies for the staff API: the user behind a bearer token, and that user as an Actor."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer

from backend.core.actor import Actor
from backend.core.deps import SessionDep
from backend.core.errors import AuthenticationFailed
from backend.staff import service as staff_service
from backend.staff.models import User

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def current_user(session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]) -> User:
    if not token:
        raise AuthenticationFailed("Cần đăng nhập")
    return await staff_service.user_from_token(session=session, token=token)


CurrentUser = Annotated[User, Depends(current_user)]


async def staff_actor(user: CurrentUser) -> Actor:
    return Actor.staff(user)


StaffActor = Annotated[Actor, Depends(staff_actor)]
