"""A catalog edit applies to the next report in every process of the host at once (the stamp),
and in the processes of other hosts within CATALOG_CHECK_SECONDS (the version row). The other
process is a real `phananh serve`; the edit is made from this test process."""

import shutil
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from backend.catalog import service as catalog_service
from backend.catalog.models import Agency
from backend.open311 import keys
from nlu import model as nlu_model
from tests.conftest import TEST_VAR

POINT = {"lat": "12.6675", "long": "108.0378"}  # Buôn Ma Thuột


async def _file(app: Any) -> str:
    """File a report on the live app (Open311 with an API key): the agency it was routed to."""
    async with app.session() as session:
        _row, key = await keys.issue(session=session, name=f"test-{time.monotonic_ns()}")
    async with httpx.AsyncClient(base_url=app.url, timeout=30) as client:
        response = await client.post("/open311/v2/requests.json", data={
            "service_code": "littering", "description": "Rác đổ đầy gốc cây ven đường", "api_key": key, **POINT})
    assert response.status_code == 200, response.text
    notice = str(response.json()[0]["service_notice"])  # "Đã chuyển <agency>"
    return notice.removeprefix("Đã chuyển ")


async def _route_littering_elsewhere(app: Any, current_name: str) -> str:
    """A first-position rule sending littering to another agency, made here (not in the app); its name."""
    async with app.session() as session:
        other = await session.scalar(
            select(Agency).where(Agency.name != current_name, Agency.kind != "ioc", Agency.active.is_(True))
            .order_by(Agency.code).limit(1))
        await catalog_service.save_rule(session=session, rule_id=None, position=0, category_code="littering",
                                        area_code=None, agency_code=other.code, agency_of_area=False,
                                        note="chuyển thử")
        return other.name


async def test_a_routing_edit_reaches_another_process_of_the_host_before_its_next_report(
    live_app_factory: Callable[..., Any],
) -> None:
    # The version row is read only hourly here: only the host's stamp can carry the edit in time.
    app = live_app_factory(env={"CATALOG_CHECK_SECONDS": "3600"})
    before = await _file(app)  # the app has its routing cached now
    target = await _route_littering_elsewhere(app, before)
    assert await _file(app) == target


async def test_a_routing_edit_reaches_a_process_of_another_host_within_the_check_interval(
    live_app_factory: Callable[..., Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    # Its own VAR_DIR: the stamps of this host are not its stamps, as on another machine. Like a
    # deployed host (docker/Dockerfile trains at build) it has its NLU model: without one its first
    # report would train it inside the request, which on a loaded machine outlasts the timeout.
    host2 = tmp_path_factory.mktemp("host2")
    (host2 / "nlu").mkdir()
    trained = nlu_model.load(var_dir=TEST_VAR)
    shutil.copy(nlu_model.model_path(TEST_VAR, trained.data_hash), host2 / "nlu")
    app = live_app_factory(env={"CATALOG_CHECK_SECONDS": "1", "VAR_DIR": str(host2)})
    before = await _file(app)
    target = await _route_littering_elsewhere(app, before)
    edited = time.monotonic()
    routed = await _file(app)
    while routed != target and time.monotonic() - edited < 10:
        routed = await _file(app)
    assert routed == target
    assert time.monotonic() - edited < 10  # 1 s interval, and a loaded machine's slack
