"""Reference data over the API (public: categories, agencies and areas are not secret)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from backend.catalog import service as catalog_service
from backend.core.deps import SessionDep

router = APIRouter(prefix="/api/v1", tags=["reference data"])


@router.get("/categories")
async def categories(session: SessionDep) -> dict[str, list[dict[str, Any]]]:
    rows = await catalog_service.list_categories(session=session)
    return {
        "items": [
            {"code": c.code, "name": c.name, "name_en": c.name_en, "description": c.description}
            for c in rows
            if c.active
        ]
    }


@router.get("/agencies")
async def agencies(session: SessionDep) -> dict[str, list[dict[str, Any]]]:
    rows = await catalog_service.list_agencies(session=session)
    return {"items": [{"code": a.code, "name": a.name, "kind": a.kind, "phone": a.phone} for a in rows if a.active]}


@router.get("/areas")
async def areas(session: SessionDep) -> dict[str, list[dict[str, Any]]]:
    rows = await catalog_service.list_areas(session=session)
    return {
        "items": [
            {"code": a.code, "name": a.name, "kind": a.kind, "latitude": a.latitude, "longitude": a.longitude}
            for a in rows
        ]
    }
