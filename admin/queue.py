"""Reading the queue: filters from the URL, CSV/XLSX rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import QueryParams

from backend.core.errors import ValidationFailed
from backend.reports.models import Report
from backend.reports.queries import ReportFilter

PAGE_SIZE = 50
MAX_PAGE = 100_000
FILTER_KEYS = ("status", "category", "area", "agency", "channel", "overdue", "q", "sort")
MAX_FILTER_CHARS = 200


@dataclass
class QueueQuery:
    params: dict[str, str]
    page: int

    @classmethod
    def parse(cls, query: QueryParams) -> QueueQuery:
        params = {k: query.get(k, "").strip() for k in FILTER_KEYS if query.get(k, "").strip()}
        if any(len(v) > MAX_FILTER_CHARS for v in params.values()):
            raise ValidationFailed(f"Bộ lọc dài quá {MAX_FILTER_CHARS} ký tự")
        raw = query.get("page", "1").strip() or "1"
        if not raw.isdigit() or len(raw) > 6 or not 1 <= int(raw) <= MAX_PAGE:
            raise ValidationFailed(f"Số trang không hợp lệ: trang từ 1 đến {MAX_PAGE}")
        return cls(params, int(raw))

    def filter(self, limit: int = PAGE_SIZE) -> ReportFilter:
        p = self.params
        overdue = {"1": True, "0": False}.get(p.get("overdue", ""))
        return ReportFilter(
            status=p.get("status"), category=p.get("category"), agency=p.get("agency"), area=p.get("area"),
            channel=p.get("channel"), q=p.get("q"), overdue=overdue, sort=p.get("sort", "-created_at"),
            limit=limit, offset=(self.page - 1) * limit,
        )

    def url(self, **changes: Any) -> str:
        from urllib.parse import urlencode

        params = {**self.params, "page": str(self.page)}
        params.update({k: str(v) for k, v in changes.items() if v is not None})
        return "?" + urlencode({k: v for k, v in params.items() if v and not (k == "page" and v == "1")})


EXPORT_COLUMNS = ("Mã", "Ngày nhận", "Trạng thái", "Lĩnh vực", "Xã/phường", "Đơn vị xử lý", "Địa chỉ",
                  "Hạn xử lý", "Quá hạn", "Kênh", "Nội dung")


def export_rows(reports: Sequence[Report], now: Any) -> list[list[Any]]:
    """No reporter name or phone: an export leaves the system."""
    from admin.texts import CHANNEL_LABELS, STATUS_LABELS
    from admin.web import local

    return [
        [r.code, local(r.created_at), STATUS_LABELS.get(r.status, r.status), r.category.name,
         r.area.name if r.area else "", r.agency.name if r.agency else "", r.address or "", local(r.due_at),
         "có" if r.is_overdue(now) else "", CHANNEL_LABELS.get(r.channel, r.channel), r.description]
        for r in reports
    ]
