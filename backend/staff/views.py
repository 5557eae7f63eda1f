"""OAuth2 password flow for the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from backend.core.deps import CurrentUser, SessionDep
from backend.core.errors import AuthenticationFailed
from backend.staff import service as staff_service

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class Me(BaseModel):
    username: str
    role: str
    agency: str | None


@router.post("/token", response_model=Token)
async def token(session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> Token:
    try:
        user = await staff_service.authenticate(session=session, username=form.username, password=form.password)
    except AuthenticationFailed:
        await session.commit()  # keep the failure count: lockout must survive the error
        raise
    return Token(access_token=staff_service.issue_token(user))


@router.get("/me", response_model=Me)
async def me(user: CurrentUser) -> Me:
    return Me(username=user.username, role=user.role, agency=user.agency.code if user.agency else None)
