"""Every model, imported once so metadata (Alembic, create_all, test clean-up) sees all tables."""

from admin.models import AuditLog
from backend.catalog.models import Agency, Area, Category, DeadlinePolicy, Holiday, RoutingRule, Setting
from backend.citizens.models import Citizen
from backend.dashboard.models import AgencyDailyStats, SchedulerLease
from backend.monitoring.indicators.models import (
    EntryDeadline,
    EntryReminder,
    ImportBatch,
    Indicator,
    Observation,
    ObservationRevision,
    Target,
    TargetKind,
)
from backend.monitoring.public_services.models import DossierStats
from backend.notifications.models import Outbox
from backend.reports.models import Attachment, Rating, Report, ReportEvent, Supporter
from backend.staff.models import User
from bot.dialogue.models import ChatState, ProcessedEvent
from bot.zalo.models import ZaloToken

__all__ = [
    "Agency", "AgencyDailyStats", "Area", "Attachment", "AuditLog", "Category", "ChatState", "Citizen",
    "DeadlinePolicy", "DossierStats", "EntryDeadline", "EntryReminder", "Holiday", "ImportBatch", "Indicator",
    "Observation", "ObservationRevision", "Outbox", "ProcessedEvent", "Rating", "Report", "ReportEvent",
    "RoutingRule", "SchedulerLease", "Setting", "Supporter", "Target", "TargetKind", "User", "ZaloToken",
]
