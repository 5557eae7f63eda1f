"""JSON API of the operations screen (thin: scope from the user, call the service, render)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from backend.core.deps import CurrentUser, SessionDep
from backend.dashboard import summary as dashboard

router = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"])


@router.get("/summary")
async def get_summary(session: SessionDep, user: CurrentUser) -> dict[str, Any]:
    return await dashboard.summary(session=session, scope=dashboard.scope_for(user))
