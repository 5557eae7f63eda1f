"""FastAPI dependencies as Annotated aliases: one transaction per request, committed at the edge."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.actor import Actor
from backend.core.db import get_sessionmaker
from backend.staff import service as staff_service
from backend.staff.models import User

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def get_session() -> AsyncIterator[AsyncSession]:
    async with get_sessionmaker()() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def current_user(session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]) -> User:
    from backend.core.errors import AuthenticationFailed

    if not token:
        raise AuthenticationFailed("Cần đăng nhập")
    return await staff_service.user_from_token(session=session, token=token)


CurrentUser = Annotated[User, Depends(current_user)]


async def staff_actor(user: CurrentUser) -> Actor:
    return Actor.staff(user)


StaffActor = Annotated[Actor, Depends(staff_actor)]
