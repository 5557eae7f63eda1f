"""Every model, imported once so metadata (Alembic, create_all) sees all tables."""

from backend.catalog.models import (
    Agency,
    Area,
    Category,
    DeadlinePolicy,
    Holiday,
    RoutingRule,
    Setting,
)
from backend.citizens.models import Citizen
from backend.notifications.models import Outbox
from backend.reports.models import Attachment, Rating, Report, ReportEvent, Supporter
from backend.staff.models import User

__all__ = [
    "Agency", "Area", "Attachment", "Category", "Citizen", "DeadlinePolicy", "Holiday", "Outbox",
    "Rating", "Report", "ReportEvent", "RoutingRule", "Setting", "Supporter", "User",
]
