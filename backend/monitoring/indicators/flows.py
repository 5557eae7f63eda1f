"""Side effects of indicator data entry: reminding an owner agency before its deadline and
telling it (and the IOC's supervisors) when its figures are late. Once per agency, period and
kind: the `EntryReminder` row and the alert's dedupe key both make it so."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.monitoring.indicators.models import EntryReminder, Indicator
from backend.monitoring.indicators.periods import Period
from backend.notifications.staff import alert_staff


def _text(kind: str, agency_name: str, period: Period, due: date, missing: list[Indicator]) -> str:
    names = "\n".join(f"• {i.name} ({i.code})" for i in missing)
    if kind == "remind":
        head = (f"Nhắc nhập số liệu: {agency_name} cần nhập số liệu {period.label().lower()} "
                f"trước ngày {due:%d/%m/%Y}. Còn thiếu:")
    else:
        head = (f"Chậm số liệu: {agency_name} chưa nhập số liệu {period.label().lower()} "
                f"(hạn {due:%d/%m/%Y}). Còn thiếu:")
    return f"{head}\n{names}\nNhập tại trang Chỉ tiêu KT-XH của PhanAnh (tệp mẫu có sẵn ở trang Nhập số liệu)."


async def indicator_entry_due_flow(*, session: AsyncSession, kind: str, agency_id: int, agency_name: str,
                                   period: Period, due: date, missing: list[Indicator]) -> bool:
    """`kind` = remind (before the deadline: the agency's officers) or late (after it: the
    officers and the IOC's supervisors and admins). False when it was sent before."""
    done = await session.scalar(select(EntryReminder.id).where(
        EntryReminder.agency_id == agency_id, EntryReminder.period == period.code, EntryReminder.kind == kind))
    if done is not None:
        return False
    sent = await alert_staff(session=session, kind=f"indicator_{kind}", agency_id=agency_id,
                             text=_text(kind, agency_name, period, due, missing), ioc=kind == "late",
                             dedupe_key=f"indicator-{kind}:{agency_id}:{period.code}")
    session.add(EntryReminder(agency_id=agency_id, period=period.code, kind=kind,
                              indicators=[i.code for i in missing], recipients=sent))
    await session.flush()
    return True
