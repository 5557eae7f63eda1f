"""Every model, imported once so metadata (Alembic, create_all, test clean-up) sees all tables."""

from admin.models import AuditLog
from backend.cameras.models import Camera, CameraEvent, CameraIncident, CameraRule, TrafficCount, TrafficParameter
from backend.catalog.models import Agency, Area, Category, DeadlinePolicy, Holiday, RoutingRule, Setting
from backend.citizens.models import Citizen, Erasure
from backend.core.claimers import WorkerRow
from backend.core.lease import SchedulerLease
from backend.dashboard.models import AgencyDailyStats, ReportDailyStats
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
from backend.monitoring.sites.models import (
    Site,
    SiteCheck,
    SiteContent,
    SiteDaily,
    SiteIncident,
    SiteIncidentEvent,
    SiteMaintenance,
)
from backend.notifications.models import Outbox, Receipt
from backend.open311.models import ApiKey
from backend.reports.models import Attachment, CallbackTask, Question, Rating, Report, ReportEvent, Supporter
from backend.staff.models import LoginThrottle, StaffSession, User
from bot.dialogue.models import ChatState, ProcessedEvent
from bot.zalo.models import ZaloToken

__all__ = [
    "Agency", "AgencyDailyStats", "ApiKey", "Area", "Attachment", "AuditLog", "CallbackTask", "Camera",
    "CameraEvent", "CameraIncident", "CameraRule", "Category", "ChatState", "Citizen", "DeadlinePolicy",
    "DossierStats", "EntryDeadline", "EntryReminder", "Erasure", "Holiday", "ImportBatch", "Indicator",
    "LoginThrottle", "Observation", "ObservationRevision", "Outbox", "ProcessedEvent", "Question", "Rating",
    "Receipt", "Report", "ReportDailyStats", "ReportEvent", "RoutingRule", "SchedulerLease", "Setting", "Site",
    "SiteCheck", "SiteContent", "SiteDaily", "SiteIncident", "SiteIncidentEvent", "SiteMaintenance", "StaffSession",
    "Supporter", "Target", "TargetKind", "TrafficCount", "TrafficParameter", "User", "WorkerRow", "ZaloToken",
]
