"""The admin page "Phân loại tự động" (/admin/manage/nlu) and its corrections download."""

import csv
import io
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Category
from backend.core.actor import Actor
from backend.reports import service as report_service
from nlu import CATEGORIES
from nlu.candidates import CSV_HEADER
from tests.admin.conftest import login

Factory = Callable[..., Awaitable[Any]]
SIDEWALK = "Quán cà phê bày bàn ghế chiếm hết vỉa hè đường Lê Duẩn"


@pytest.fixture
async def corrected(session: AsyncSession, report_factory: Factory, make_user: Factory) -> tuple[Any, str, str]:
    """One report kept as the classifier labelled it, one corrected by a supervisor, whose text
    carries a phone number: (the corrected report, the classifier's label, the staff's label)."""
    await report_factory(SIDEWALK)
    report = await report_factory(f"{SIDEWALK}, gọi 0905 123 456")
    guessed = report.category.code
    final = next(c for c in CATEGORIES if c != guessed)
    staff = Actor.staff(await make_user("supervisor", username="giamsat"))
    await report_service.recategorize(session=session, report=report, category_code=final, actor=staff)
    await session.commit()
    return report, guessed, final


async def as_user(client: httpx.AsyncClient, make_user: Factory, role: str) -> None:
    await make_user(role, username=f"u_{role}", agency_code="IOC" if role == "officer" else None)
    assert (await login(client, f"u_{role}")).status_code == 303


async def name_of(session: AsyncSession, code: str) -> str:
    return str(await session.scalar(select(Category.name).where(Category.code == code)))


async def test_an_admin_sees_the_figures_the_categories_by_name_and_the_latest_correction(
    app_client: httpx.AsyncClient, session: AsyncSession, make_user: Factory, corrected: tuple[Any, str, str]
) -> None:
    report, guessed, final = corrected
    await as_user(app_client, make_user, "admin")
    page = await app_client.get("/admin/manage/nlu")
    assert page.status_code == 200
    html = page.text
    assert 'href="/admin/manage/nlu" class="on">Phân loại tự động<' in html
    assert '<b id="right-first-time">50,0%</b>' in html and '<b id="corrected">1</b>' in html
    assert f'href="/admin/reports/{report.code}"' in html
    assert f"{await name_of(session, guessed)} → <b>{await name_of(session, final)}</b>" in html
    assert "[sđt]" in html and "0905 123 456" not in html
    assert "Mô hình đang dùng" in html


async def test_a_supervisor_may_read_the_page_and_an_officer_may_not(
    app_client: httpx.AsyncClient, make_user: Factory, corrected: tuple[Any, str, str]
) -> None:
    await as_user(app_client, make_user, "supervisor")
    assert (await app_client.get("/admin/manage/nlu?days=90")).status_code == 200
    await as_user(app_client, make_user, "officer")
    assert (await app_client.get("/admin/manage/nlu")).status_code == 403
    assert (await app_client.get("/admin/manage/nlu/corrections.csv")).status_code == 403


@pytest.mark.parametrize("days", ["abc", "7"])
async def test_a_window_other_than_30_90_365_days_is_a_vietnamese_error_page(
    app_client: httpx.AsyncClient, make_user: Factory, days: str
) -> None:
    await as_user(app_client, make_user, "admin")
    page = await app_client.get(f"/admin/manage/nlu?days={days}")
    assert page.status_code == 422
    assert "Khoảng thời gian không hợp lệ: chọn 30, 90 hoặc 365 ngày" in page.text


async def test_the_corrections_download_has_the_columns_of_the_cli_csv_and_scrubbed_text(
    app_client: httpx.AsyncClient, make_user: Factory, corrected: tuple[Any, str, str]
) -> None:
    report, guessed, final = corrected
    await as_user(app_client, make_user, "admin")
    response = await app_client.get("/admin/manage/nlu/corrections.csv?days=365")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert tuple(header) == CSV_HEADER
    [row] = rows
    assert (row[0], row[1], row[2], row[4]) == (report.code, final, guessed, "cán bộ")
    assert row[-1] == f"{SIDEWALK}, gọi [sđt]"
    book = load_workbook(io.BytesIO((await app_client.get("/admin/manage/nlu/corrections.xlsx")).content))
    values = list(book.active.iter_rows(values_only=True))
    assert values[0] == CSV_HEADER and values[1][0] == report.code and values[1][-1] == row[-1]
