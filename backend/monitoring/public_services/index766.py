"""The parts of the Decision 766/QĐ-TTg (23/6/2022) service index that the dossier figures and
PhanAnh's own citizen reports can compute.

The index scores a province's service to citizens and businesses out of 100 in five groups:
transparency 18, progress and results of handling 20, online service and online payment 22,
digitization 22, satisfaction 18. How a group's points split between its measures below is our
reading of the decision's annex (proportional scoring: points × share); check it against the
annex in force before publishing a score. Measures whose data PhanAnh does not hold are listed
with their source and scored `None`, never guessed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import get_settings
from backend.monitoring.public_services.service import Figures, figures, monthly, months_of
from backend.reports.stats import HandlingSummary, handling_summary


@dataclass
class Measure:
    name: str
    points: float
    formula: str
    source: str
    share: float | None = None  # 0..100; None = PhanAnh lacks the data
    available: bool = True

    @property
    def score(self) -> float | None:
        return round(self.points * self.share / 100, 2) if self.share is not None else None


@dataclass
class Group:
    code: str
    name: str
    points: float
    measures: list[Measure] = field(default_factory=list)

    @property
    def computable_points(self) -> float:
        return sum(m.points for m in self.measures if m.available and m.share is not None)

    @property
    def score(self) -> float | None:
        scores = [m.score for m in self.measures if m.score is not None]
        return round(sum(scores), 2) if scores else None

    @property
    def complete(self) -> bool:
        return all(m.available for m in self.measures)


@dataclass
class Index:
    period: str
    months: list[str]
    groups: list[Group]
    dossiers: Figures
    reports: HandlingSummary

    @property
    def score(self) -> float | None:
        scores = [g.score for g in self.groups if g.score is not None]
        return round(sum(scores), 2) if scores else None

    @property
    def computable_points(self) -> float:
        return sum(g.computable_points for g in self.groups)

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period, "months": self.months, "score": self.score,
            "computable_points": self.computable_points,
            "groups": [{"code": g.code, "name": g.name, "points": g.points, "score": g.score,
                        "complete": g.complete,
                        "measures": [{"name": m.name, "points": m.points, "formula": m.formula, "source": m.source,
                                      "share": m.share, "score": m.score, "available": m.available}
                                     for m in g.measures]} for g in self.groups],
        }


ONE_STOP = "Hệ thống thông tin giải quyết thủ tục hành chính tỉnh (số liệu hồ sơ theo đơn vị, tháng)"
NATIONAL_PORTAL = "Cổng Dịch vụ công quốc gia (đánh giá của người dân, doanh nghiệp; đồng bộ hồ sơ)"
PHANANH = "PhanAnh: phản ánh hiện trường của người dân, hạn xử lý và đánh giá sau xử lý"


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def build(dossiers: Figures, reports: HandlingSummary, period: str, months: list[str]) -> Index:
    c = dossiers.counts
    handled_or_late = (c.get("resolved_on_time", 0) + c.get("resolved_late", 0) + c.get("in_progress_late", 0))
    groups = [
        Group("transparency", "Công khai, minh bạch", 18, [
            Measure("Công khai thủ tục hành chính, đồng bộ hồ sơ lên Cổng Dịch vụ công quốc gia", 18,
                    "Tỷ lệ thủ tục được công khai đầy đủ, đúng hạn và tỷ lệ hồ sơ được đồng bộ, công khai tiến độ",
                    NATIONAL_PORTAL, None, available=False),
        ]),
        Group("progress", "Tiến độ, kết quả giải quyết", 20, [
            Measure("Hồ sơ giải quyết trước và đúng hạn", 20,
                    "Giải quyết trước và đúng hạn ÷ (giải quyết trước, đúng hạn + giải quyết quá hạn + đang giải "
                    "quyết quá hạn) × 100; điểm = 20 × tỷ lệ", ONE_STOP,
                    _pct(c.get("resolved_on_time", 0), handled_or_late)),
        ]),
        Group("online", "Dịch vụ công trực tuyến, thanh toán trực tuyến", 22, [
            Measure("Hồ sơ nộp trực tuyến", 12, "Hồ sơ tiếp nhận trực tuyến ÷ hồ sơ tiếp nhận × 100; điểm = 12 × tỷ lệ",
                    ONE_STOP, dossiers.online_pct),
            Measure("Hồ sơ thanh toán trực tuyến", 10,
                    "Hồ sơ thanh toán phí, lệ phí trực tuyến ÷ hồ sơ có phí, lệ phí × 100; điểm = 10 × tỷ lệ "
                    "(cần cột «có phí, lệ phí»)", ONE_STOP, dossiers.online_payment_pct,
                    available="payable" in c),
        ]),
        Group("digitization", "Số hóa hồ sơ, kết quả giải quyết", 22, [
            Measure("Hồ sơ, kết quả được số hóa", 22,
                    "Hồ sơ được số hóa thành phần hồ sơ và kết quả ÷ hồ sơ phải giải quyết (tiếp nhận + kỳ trước "
                    "chuyển sang) × 100; điểm = 22 × tỷ lệ", ONE_STOP, dossiers.digitized_pct),
        ]),
        Group("satisfaction", "Mức độ hài lòng", 18, [
            Measure("Phản ánh, kiến nghị của người dân được xử lý đúng hạn", 6,
                    "Phản ánh được xử lý xong trong hạn ÷ phản ánh đã xử lý xong trong kỳ × 100; điểm = 6 × tỷ lệ",
                    PHANANH, None if reports.on_time_share is None else round(100 * reports.on_time_share, 1)),
            Measure("Người dân hài lòng với kết quả xử lý phản ánh", 6,
                    "Đánh giá 4 hoặc 5 sao ÷ số đánh giá trong kỳ × 100; điểm = 6 × tỷ lệ", PHANANH,
                    None if reports.satisfied_share is None else round(100 * reports.satisfied_share, 1)),
            Measure("Hài lòng với việc giải quyết thủ tục hành chính", 6,
                    "Đánh giá hài lòng trên Cổng Dịch vụ công ÷ tổng số đánh giá × 100", NATIONAL_PORTAL, None,
                    available=False),
        ]),
    ]
    return Index(period, months, groups, dossiers, reports)


async def compute(*, session: AsyncSession, period: str | None = None, today: date | None = None) -> Index:
    """The index over the months of `period` (default: the last 12 closed months), province-wide."""
    today = today or date.today()
    months = months_of(period, today)
    rows = await monthly(session=session, period=period, today=today)
    first_year, first_month = map(int, months[0].split("-"))
    last_year, last_month = map(int, months[-1].split("-"))
    zone = ZoneInfo(get_settings().timezone)  # months as the province lives them
    start = datetime(first_year, first_month, 1, tzinfo=zone)
    end = datetime(last_year + (last_month == 12), last_month % 12 + 1, 1, tzinfo=zone)
    reports = await handling_summary(session=session, start=start, end=end)
    return build(figures(rows, "", "Toàn tỉnh"), reports, period or f"{months[0]}..{months[-1]}", months)
