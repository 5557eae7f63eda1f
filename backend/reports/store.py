"""Tracking codes and the fast insert path of a new report (one Core statement, attached as a
persistent object: the ORM unit of work cost more than the rest of the insert)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.db import attach, dialect_insert
from backend.core.errors import ValidationFailed
from backend.reports.models import Report

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: codes are read over the phone
CODE_LENGTH = 6


def new_code() -> str:
    return "PA-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    return text.strip().upper()


@lru_cache(maxsize=4)
def _report_insert(dialect: str) -> Any:
    """INSERT … ON CONFLICT (code) DO NOTHING RETURNING id, built once per dialect; the values
    travel as parameters, so the compiled statement is reused."""
    return dialect_insert(dialect, Report).on_conflict_do_nothing(index_elements=["code"]).returning(Report.id)


_REPORT_COLUMNS = tuple(c.key for c in Report.__table__.columns if c.key != "id")


async def insert_report(session: AsyncSession, **values: Any) -> Report:
    """Insert a report with a fresh tracking code (ON CONFLICT DO NOTHING: a taken code, one in a
    billion, draws another without a savepoint) and return it as a persistent object."""
    row = dict.fromkeys(_REPORT_COLUMNS)
    row.update(supporters_count=0, reopen_count=0)
    row.update(values)
    conn = await session.connection()
    stmt = _report_insert(conn.dialect.name)
    for _ in range(5):
        new_id = (await conn.execute(stmt, row)).scalar()
        if new_id is not None:
            return attach(session, Report, {**row, "id": new_id})
        row["code"] = new_code()
    raise ValidationFailed("Không cấp được mã phản ánh, hãy thử lại")
