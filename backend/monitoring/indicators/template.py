"""The import templates (XLSX through backend/core/tabular): the data sheet first (the one the
import reads), then the registry and the areas for reference."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Area
from backend.core import tabular
from backend.monitoring.indicators import periods
from backend.monitoring.indicators.models import Indicator, TargetKind
from backend.monitoring.indicators.service import local_today

OBSERVATION_HEADER = ["indicator", "area", "period", "value", "status", "unit"]
TARGET_HEADER = ["indicator", "area", "year", "kind", "value", "note"]


async def workbook(*, session: AsyncSession, targets: bool = False) -> bytes:
    indicators = (await session.scalars(select(Indicator).order_by(Indicator.sort_order))).all()
    today = local_today()
    if targets:
        kinds = (await session.scalars(select(TargetKind).order_by(TargetKind.priority))).all()
        data = (TARGET_HEADER, [[i.code, "", today.year, kinds[0].code if kinds else "", None, ""]
                                for i in indicators])
        extra = {"Loại chỉ tiêu": (["kind", "tên", "thứ tự ưu tiên"], [[k.code, k.name, k.priority] for k in kinds])}
    else:
        data = (OBSERVATION_HEADER, [[i.code, "", periods.latest_closed(i.frequency, today).code, None, "estimate",
                                      i.unit] for i in indicators])
        extra = {}
    registry = (["indicator", "tên chỉ tiêu", "đơn vị", "tần suất", "loại", "đơn vị nhập", "cấp địa bàn",
                 "khoảng hợp lý", "cách tính", "nguồn"],
                [[i.code, i.name, i.unit, periods.FREQUENCY_LABELS[i.frequency],
                  "cộng dồn (lũy kế)" if i.kind == "flow" else "thời điểm",
                  i.owner.code if i.owner else "", ", ".join(i.levels),
                  f"{i.min_value} – {i.max_value}", i.formula, i.source] for i in indicators])
    areas = (await session.execute(select(Area.code, Area.name, Area.kind).order_by(Area.kind, Area.name))).all()
    help_rows = [
        ["indicator", "mã chỉ tiêu (trang «Danh mục»)"],
        ["area", "mã hoặc tên xã, phường hiện hành; để trống = toàn tỉnh (tên cũ trước sáp nhập 2025 cũng nhận)"],
        ["period", "2026 (năm), 2026-Q3 (quý), 2026-6M / 2026-9M (6, 9 tháng), 2026-10 (tháng)"],
        ["value", "số: 1234,5 hoặc 1234.5 (không viết 12.500 cho mười hai nghìn năm trăm: viết 12500)"],
        ["status", "ước tính (estimate), sơ bộ (preliminary), chính thức (official); số sau thay số trước"],
        ["unit", "không bắt buộc; nếu ghi phải đúng đơn vị của chỉ tiêu"],
        ["", "Tệp có một dòng lỗi thì không dòng nào được lưu; sửa các dòng được báo rồi nhập lại cả tệp."],
    ]
    return tabular.to_xlsx({"Số liệu" if not targets else "Chỉ tiêu kế hoạch": data, **extra,
                            "Danh mục": registry,
                            "Địa bàn": (["area", "tên", "cấp"], [list(a) for a in areas]),
                            "Hướng dẫn": (["cột", "cách ghi"], help_rows)})
