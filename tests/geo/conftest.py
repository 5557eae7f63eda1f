"""Fixtures local to the geo tests: the gazetteer from data/areas.yaml and a throwaway database."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

os.environ.setdefault("SECRET_KEY", "geo-tests-secret")  # keep Settings from writing var/

from backend.catalog.models import Area
from backend.core.db import Base
from backend.geo import service
from backend.geo.gazetteer import DATA_DIR, Gazetteer, load_yaml


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return load_yaml()


@pytest.fixture(scope="session")
def areas_doc() -> dict:
    return yaml.safe_load((DATA_DIR / "areas.yaml").read_text(encoding="utf-8"))


@pytest.fixture
async def session(tmp_path: Path, areas_doc: dict) -> AsyncIterator[AsyncSession]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'geo.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    province = areas_doc["province"]
    async with maker() as s:
        root = Area(
            code=str(province["code"]),
            name=province["name"],
            kind="province",
            latitude=province["lat"],
            longitude=province["lon"],
            bbox=province["bbox"],
            aliases=[],
        )
        s.add(root)
        await s.flush()
        s.add_all(
            Area(
                code=str(a["code"]),
                name=a["name"],
                kind=a["kind"],
                parent_id=root.id,
                latitude=a["lat"],
                longitude=a["lon"],
                area_km2=a["area_km2"],
                aliases=a["aliases"],
                bbox=a["bbox"],
            )
            for a in areas_doc["areas"]
        )
        await s.commit()
    service.invalidate_cache()
    async with maker() as s:
        yield s
    service.invalidate_cache()
    await engine.dispose()
