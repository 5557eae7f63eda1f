"""Every model, imported once so metadata (Alembic, create_all, test clean-up) sees all tables."""

from admin.models import AuditLog
from backend.catalog.models import Agency, Area, Category, DeadlinePolicy, Holiday, RoutingRule, Setting
from backend.citizens.models import Citizen
from backend.core.lease import SchedulerLease
from backend.dashboard.models import AgencyDailyStats, ReportDailyStats
from backend.notifications.models import Outbox
from backend.reports.models import Attachment, Rating, Report, ReportEvent, Supporter
from backend.staff.models import User
from bot.dialogue.models import ChatState, ProcessedEvent
from bot.zalo.models import ZaloToken

__all__ = [
    "Agency", "AgencyDailyStats", "Area", "Attachment", "AuditLog", "Category", "ChatState", "Citizen",
    "DeadlinePolicy", "Holiday", "Outbox", "ProcessedEvent", "Rating", "Report", "ReportDailyStats", "ReportEvent",
    "RoutingRule", "SchedulerLease", "Setting", "Supporter", "User", "ZaloToken",
]
