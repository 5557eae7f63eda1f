"""A small, fixed world for the staff-site tests and the admin benchmark: a few categories, two
wards, their People's Committees, routing and a deadline. The real reference data lives in data/
and is loaded by `phananh seed`; these rows use the same codes."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Agency, Area, Category, DeadlinePolicy, RoutingRule

CATEGORIES = [
    ("encroachment", "Lấn chiếm lòng lề đường, vỉa hè"),
    ("illegal_ads", "Vi phạm quảng cáo"),
    ("street_vending", "Tụ tập buôn bán"),
    ("unpermitted_construction", "Xây dựng không phép, sai phép"),
    ("wastewater", "Nước thải"),
    ("littering", "Xả rác"),
    ("other", "Vấn đề khác"),
]
# code, name, lat, lon, bbox
WARDS = [
    ("24121", "Phường Tân Lập", 12.6647, 108.097, [12.61, 108.04, 12.70, 108.13]),
    ("24163", "Phường Tân An", 12.7203, 108.11, [12.70, 108.08, 12.75, 108.15]),
]


async def ensure_reference_data(session: AsyncSession) -> None:
    """Insert the small world when the catalog is empty (idempotent)."""
    if await session.scalar(select(func.count(Category.id))):
        return
    for i, (code, name) in enumerate(CATEGORIES):
        session.add(Category(code=code, name=name, name_en=code, description="", sort_order=i, active=True))
    province = Area(code="66", name="Tỉnh Đắk Lắk", kind="province", latitude=12.7067, longitude=108.47,
                    aliases=[], bbox=[12.16, 107.48, 13.70, 109.46])
    session.add(province)
    await session.flush()
    session.add(Agency(code="IOC", name="Trung tâm Giám sát, điều hành đô thị thông minh tỉnh Đắk Lắk",
                       kind="ioc", active=True))
    for code, name, lat, lon, bbox in WARDS:
        area = Area(code=code, name=name, kind="ward", parent_id=province.id, latitude=lat, longitude=lon,
                    aliases=[name.removeprefix("Phường ")], bbox=bbox)
        session.add(area)
        await session.flush()
        session.add(Agency(code=f"UBND-{code}", name=f"UBND {name[0].lower()}{name[1:]}", kind="ward",
                           area_id=area.id, active=True))
    await session.flush()
    for position, code in enumerate(("encroachment", "street_vending", "littering", "illegal_ads"), start=1):
        category_id = await session.scalar(select(Category.id).where(Category.code == code))
        session.add(RoutingRule(position=position * 10, category_id=category_id, agency_of_area=True, active=True))
    session.add(DeadlinePolicy(category_id=None, priority="normal", amount=3, unit="working_days"))
    session.add(DeadlinePolicy(category_id=None, priority="urgent", amount=4, unit="working_hours"))
    await session.flush()
