"""A web worker loads the NLU model, the catalog and the gazetteer (and opens its database
connections) before its first request when WARM_UP is on (the default): a cold worker's first
reports otherwise wait seconds for them (backend/main.py: warm_up)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.catalog import service as catalog_service
from backend.core.config import get_settings
from backend.geo import service as geo_service
from backend.main import create_app
from nlu import service


async def test_start_up_loads_the_model_and_the_catalog_before_the_first_request(
    db_url: str, nlu_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARM_UP", "true")
    get_settings.cache_clear()
    catalog_service.invalidate_cache()
    geo_service.invalidate_cache()
    monkeypatch.setattr(service._state, "model", None)  # a fresh worker
    app = create_app(with_hooks=False)
    async with app.router.lifespan_context(app):
        assert service._state.model is not None
        assert catalog_service._reference is not None and geo_service._gazetteer is not None


async def test_with_warm_up_off_the_model_waits_for_the_first_report(
    db_url: str, nlu_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service._state, "model", None)
    app = create_app(with_hooks=False)
    async with app.router.lifespan_context(app):
        assert service._state.model is None
