"""What leaders read: year-on-year change, cumulative for flows (not stocks), % of target."""

import pytest

from backend.core.errors import NotFound, ValidationFailed
from backend.monitoring.indicators import service
from tests.monitoring.conftest import TODAY


async def test_the_cumulative_of_a_flow_adds_up_the_months_and_compares_with_last_year(session, observe):
    await observe(["EXPORTS", "", "2025-01", 100, "official"], ["EXPORTS", "", "2025-02", 120, "official"],
                  ["EXPORTS", "", "2026-01", 110, "official"], ["EXPORTS", "", "2026-02", 150, "preliminary"])
    _, _, points = await service.series(session=session, code="EXPORTS", start="2026-01")
    assert [p.period for p in points] == ["2026-01", "2026-02"]
    feb = points[-1]
    assert feb.cumulative == 260
    assert feb.yoy_pct == 25.0  # 150 against 120
    assert feb.cumulative_yoy_pct == round((260 / 220 - 1) * 100, 2)
    assert feb.last_year == 120


async def test_the_cumulative_is_unknown_while_a_month_of_the_year_is_missing(session, observe):
    await observe(["EXPORTS", "", "2026-01", 110, "official"], ["EXPORTS", "", "2026-03", 150, "official"])
    _, _, points = await service.series(session=session, code="EXPORTS")
    assert points[-1].period == "2026-03" and points[-1].cumulative is None


async def test_a_stock_has_no_cumulative_and_its_change_compares_levels(session, observe):
    await observe(["COFFEE_AREA", "", "2024", 210000, "official"], ["COFFEE_AREA", "", "2025", 214200, "official"])
    _, _, points = await service.series(session=session, code="COFFEE_AREA")
    assert points[-1].cumulative is None
    assert points[-1].yoy_pct == 2.0


async def test_a_rate_changes_in_percentage_points(session, observe):
    await observe(["PUBLIC_INVESTMENT_DISBURSEMENT", "", "2025-10", 61.5, "official"],
                  ["PUBLIC_INVESTMENT_DISBURSEMENT", "", "2026-10", 70.0, "official"])
    _, _, points = await service.series(session=session, code="PUBLIC_INVESTMENT_DISBURSEMENT")
    assert (points[-1].yoy_pct, points[-1].yoy_points, points[-1].cumulative) == (None, 8.5, None)


async def test_a_quarterly_flow_accumulates_by_quarter(session, observe):
    await observe(["INVESTMENT_TOTAL", "", "2026-Q1", 15000, "official"],
                  ["INVESTMENT_TOTAL", "", "2026-Q2", 17000, "official"],
                  ["INVESTMENT_TOTAL", "", "2026-Q3", 18000, "estimate"])
    _, _, points = await service.series(session=session, code="INVESTMENT_TOTAL")
    assert [p.cumulative for p in points] == [15000, 32000, 50000]


async def test_the_percent_of_target_of_a_flow_is_its_cumulative_against_the_year(session, observe, set_target):
    await observe(["BUDGET_REVENUE", "", "2026-01", 1500, "official"],
                  ["BUDGET_REVENUE", "", "2026-02", 1300, "official"])
    await set_target("BUDGET_REVENUE", 2026, "local_estimate", 16000)
    _, _, points = await service.series(session=session, code="BUDGET_REVENUE")
    assert (points[-1].target, points[-1].pct_of_target) == (16000, 17.5)
    assert points[-1].on_track is True  # 2 800 is ahead of 2/12 of 16 000 (2 667)


async def test_the_council_resolution_is_the_target_before_the_plan_unless_another_kind_is_asked(
        session, observe, set_target):
    await observe(["RETAIL_SALES", "", "2026-01", 14000, "official"])
    await set_target("RETAIL_SALES", 2026, "plan", 140000)
    await set_target("RETAIL_SALES", 2026, "resolution", 175000)
    _, _, points = await service.series(session=session, code="RETAIL_SALES")
    assert (points[0].target, points[0].target_kind, points[0].pct_of_target) == (175000, "resolution", 8.0)
    _, _, points = await service.series(session=session, code="RETAIL_SALES", target_kind="plan")
    assert (points[0].target, points[0].pct_of_target) == (140000, 10.0)


async def test_a_stock_against_its_target_and_a_lower_is_better_indicator(session, observe, set_target):
    await observe(["POVERTY_RATE", "", "2025", 6.1, "official"], ["CPI", "", "2026-10", 104.6, "official"])
    await set_target("POVERTY_RATE", 2025, "resolution", 5.5)
    await set_target("CPI", 2026, "resolution", 104)
    _, _, poverty = await service.series(session=session, code="POVERTY_RATE")
    _, _, cpi = await service.series(session=session, code="CPI")
    assert (poverty[0].pct_of_target, poverty[0].on_track) == (110.9, False)
    assert cpi[0].on_track is False


async def test_a_new_target_value_keeps_the_old_one_in_its_history(session, set_target):
    from sqlalchemy import select

    from backend.monitoring.indicators.models import Target

    await set_target("EXPORTS", 2026, "resolution", 3000)
    result = await set_target("EXPORTS", 2026, "resolution", 3300)
    assert result.updated == 1
    target = (await session.scalars(select(Target))).one()
    assert target.value == 3300 and target.history[0]["value"] == 3000 and target.history[0]["by"] == "tester"


async def test_a_ward_has_its_own_series(session, observe):
    await observe(["NEW_ENTERPRISES", "", "2026-10", 200, "official"],
                  ["NEW_ENTERPRISES", "24121", "2026-10", 36, "official"])
    _, place, points = await service.series(session=session, code="NEW_ENTERPRISES", area="Phường Tân Lập")
    assert place.code == "24121" and [p.value for p in points] == [36]


async def test_the_list_shows_each_indicators_latest_figure_and_trend(session, observe):
    await observe(*[["IIP", "", f"2026-{m:02d}", 100 + m, "official"] for m in range(1, 12)])
    overview = {o.indicator.code: o for o in await service.overview(session=session, today=TODAY)}
    assert overview["IIP"].latest.period == "2026-11"
    assert overview["IIP"].trend[-3:] == [109, 110, 111]
    assert overview["BUDGET_REVENUE"].latest is None
    assert len(overview) >= 25


async def test_an_unknown_indicator_or_period_range_is_a_clear_error(session):
    with pytest.raises(NotFound):
        await service.series(session=session, code="NOPE")
    with pytest.raises(ValidationFailed):
        await service.series(session=session, code="CPI", start="last year")
