"""data/sites.yaml: the province's portal and departments, loaded idempotently; bad data named."""

import shutil

import pytest
from sqlalchemy import func, select

from backend.catalog.loader import DataError
from backend.core.config import get_settings
from backend.monitoring.sites.loader import load_sites
from backend.monitoring.sites.models import Site, SiteMaintenance


async def test_the_provincial_portal_and_departments_load_twice_the_same(session):
    data = get_settings().data_dir
    first = await load_sites(session=session, data_dir=data)
    await session.commit()
    again = await load_sites(session=session, data_dir=data)
    await session.commit()
    assert first == again and first["sites"] >= 10
    assert await session.scalar(select(func.count(Site.id))) == first["sites"]
    portal = await session.scalar(select(Site).where(Site.url == "https://daklak.gov.vn/"))
    assert portal.name == "Cổng thông tin điện tử tỉnh Đắk Lắk" and portal.agency.code == "IOC"
    assert portal.interval_s == 60 and "[CERTIFICATE_EXPIRATION] > 7d" in portal.conditions
    window = await session.scalar(select(SiteMaintenance))
    assert window.on_holidays and window.weekdays == [6]


@pytest.mark.parametrize(("bad", "message"), [
    ("    conditions:\n      - \"[STATUS] = 200\"\n", "Điều kiện"),
    ("    agency: NOPE\n", "unknown agency"),
])
async def test_bad_site_data_names_the_site_and_the_problem(session, tmp_path, bad, message):
    data = get_settings().data_dir
    for name in ("sites",):
        shutil.copy(data / f"{name}.yaml", tmp_path / f"{name}.yaml")
    text = (tmp_path / "sites.yaml").read_text(encoding="utf-8")
    text = text.replace("  - name: Sở Tài chính tỉnh Đắk Lắk\n    url: https://stc.daklak.gov.vn/\n",
                        "  - name: Sở Tài chính tỉnh Đắk Lắk\n    url: https://stc.daklak.gov.vn/\n" + bad)
    (tmp_path / "sites.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message) as caught:
        await load_sites(session=session, data_dir=tmp_path)
    assert "stc.daklak.gov.vn" in str(caught.value)
