"""OAuth2 password flow for the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from backend.core.deps import SessionDep
from backend.core.errors import AuthenticationFailed, TooManyRequests
from backend.staff import service as staff_service
from backend.staff.deps import CurrentUser

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class Me(BaseModel):
    username: str
    role: str
    agency: str | None


@router.post("/token", response_model=Token)
async def token(request: Request, session: SessionDep,
                form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    try:
        user = await staff_service.authenticate(session=session, username=form.username[:120],
                                                password=form.password[:1024],
                                                ip=request.client.host if request.client else None)
    except (AuthenticationFailed, TooManyRequests):
        await session.commit()  # keep the failure count: throttling must survive the error
        raise
    return Token(access_token=staff_service.issue_token(user))


@router.get("/me", response_model=Me)
async def me(user: CurrentUser) -> Me:
    return Me(username=user.username, role=user.role, agency=user.agency.code if user.agency else None)
