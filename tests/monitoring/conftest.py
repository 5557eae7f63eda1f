"""Builders for the monitoring tests: import files made the way people make them (openpyxl
workbooks, CSV from Excel with a BOM and `;`), and a shortcut to store rows through the import."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncSession

HEADER = ["indicator", "area", "period", "value", "status"]
TODAY = date(2026, 12, 1)


def xlsx(rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def csv_bytes(rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER, sep: str = ";", bom: bool = True) -> bytes:
    lines = [sep.join(header)] + [sep.join("" if v is None else str(v) for v in row) for row in rows]
    return (("\ufeff" if bom else "") + "\r\n".join(lines) + "\r\n").encode("utf-8")


@pytest.fixture
def observe(session: AsyncSession) -> Callable[..., Awaitable[Any]]:
    """Store observation rows (indicator, area, period, value, status) through the real import."""
    from backend.monitoring.indicators.importer import save_observations

    async def store(*rows: Sequence[Any], username: str = "tester", filename: str = "test.xlsx") -> Any:
        records = [(n, dict(zip(HEADER, row, strict=True))) for n, row in enumerate(rows, start=2)]
        result = await save_observations(session=session, records=records, filename=filename, username=username,
                                         today=TODAY)
        await session.commit()
        return result

    return store


@pytest.fixture
def set_target(session: AsyncSession) -> Callable[..., Awaitable[Any]]:
    from backend.monitoring.indicators.importer import save_targets

    async def store(indicator: str, year: int, kind: str, value: float, area: str = "") -> Any:
        records = [(2, {"indicator": indicator, "area": area, "year": year, "kind": kind, "value": value})]
        result = await save_targets(session=session, records=records, filename="targets.xlsx", username="tester")
        await session.commit()
        return result

    return store
