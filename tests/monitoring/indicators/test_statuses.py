"""Estimate → preliminary → official: a later status replaces an earlier one, history kept."""

import pytest
from sqlalchemy import select

from backend.monitoring.indicators import service
from backend.monitoring.indicators.importer import ImportRejected
from backend.monitoring.indicators.models import Observation, ObservationRevision


async def test_a_preliminary_figure_replaces_the_estimate_and_the_history_keeps_both(session, observe):
    await observe(["BUDGET_REVENUE", "", "2026-10", 1200, "estimate"], filename="uoc-t10.xlsx")
    await observe(["BUDGET_REVENUE", "", "2026-10", 1232.4, "preliminary"], filename="so-bo-t10.xlsx")
    await observe(["BUDGET_REVENUE", "", "2026-10", 1229.9, "official"], filename="chinh-thuc-t10.xlsx")
    current = (await session.scalars(select(Observation))).one()
    assert (current.value, current.status) == (1229.9, "official")
    history = (await session.scalars(select(ObservationRevision).order_by(ObservationRevision.id))).all()
    assert [(h.previous_status, h.status, h.source) for h in history] == [
        (None, "estimate", "uoc-t10.xlsx"), ("estimate", "preliminary", "so-bo-t10.xlsx"),
        ("preliminary", "official", "chinh-thuc-t10.xlsx")]
    _, _, points = await service.series(session=session, code="BUDGET_REVENUE")
    assert (points[-1].value, points[-1].status) == (1229.9, "official")


async def test_an_estimate_never_replaces_an_official_figure(session, observe):
    await observe(["CPI", "", "2026-10", 103.2, "official"])
    with pytest.raises(ImportRejected) as caught:
        await observe(["CPI", "", "2026-10", 103.9, "estimate"])
    assert caught.value.errors[0].column == "status" and "chính thức" in caught.value.errors[0].message
    await session.rollback()
    assert (await session.scalars(select(Observation.value))).one() == 103.2


async def test_an_official_figure_may_be_corrected_by_another_official_figure(session, observe):
    await observe(["CPI", "", "2026-10", 103.2, "official"])
    result = await observe(["CPI", "", "2026-10", 103.25, "official"])
    assert result.updated == 1
    assert (await session.scalars(select(Observation.value))).one() == 103.25


async def test_the_same_figure_again_changes_nothing_and_adds_no_history(session, observe):
    await observe(["CPI", "", "2026-10", 103.2, "official"])
    result = await observe(["CPI", "", "2026-10", 103.2, "official"])
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert len((await session.scalars(select(ObservationRevision))).all()) == 1
