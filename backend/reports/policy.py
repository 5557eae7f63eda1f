"""Who may do what to a report, and from which status: the transition table, the role table and
the visibility rule. `service.transition()` enforces them; the admin views read
`allowed_actions` to draw their buttons instead of repeating the rules."""

from __future__ import annotations

from backend.core.actor import Actor
from backend.core.errors import NotFound, PermissionDenied
from backend.reports.models import OPEN_STATUSES, Report, Status
from backend.staff.models import Role

# (action) -> (allowed from-statuses, to-status)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "assign": (frozenset({Status.new, Status.assigned, Status.in_progress}), Status.assigned),
    "start": (frozenset({Status.assigned}), Status.in_progress),
    "resolve": (frozenset({Status.assigned, Status.in_progress}), Status.resolved),
    "reject": (frozenset({Status.new, Status.assigned}), Status.rejected),
    "reopen": (frozenset({Status.resolved}), Status.assigned),
    "close": (frozenset({Status.resolved}), Status.closed),
    # merge into the original (`original_code`): closed, its reporter becomes a supporter
    "duplicate": (frozenset(OPEN_STATUSES), Status.closed),
}

# Which actions each kind of actor may take (agency scope checked separately).
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.admin: frozenset(TRANSITIONS),
    Role.supervisor: frozenset(TRANSITIONS),
    Role.officer: frozenset({"assign", "start", "resolve", "reject", "duplicate"}),
    Role.hotline: frozenset(),
    "citizen": frozenset({"reopen"}),
    "system": frozenset({"close", "assign"}),
}


def can_see(actor: Actor, report: Report) -> bool:
    """Staff see every report, except officers: only their agency's. The system sees all."""
    if actor.kind == "staff" and actor.user is not None:
        if actor.user.role == Role.officer:
            return report.agency_id is not None and report.agency_id == actor.user.agency_id
        return True
    return actor.kind == "system"


def not_found(report: Report) -> NotFound:
    """What an actor gets for a report that is not theirs to know about."""
    return NotFound(f"Không tìm thấy phản ánh {report.code}")


def check_scope(actor: Actor, report: Report) -> None:
    if not can_see(actor, report):
        raise not_found(report)


def role_key(actor: Actor) -> str:
    return actor.user.role if actor.kind == "staff" and actor.user else actor.kind


def check_role(actor: Actor, action: str, report: Report) -> None:
    """The role may take `action`, and on this report (an officer only in their agency, a citizen
    only on their own report)."""
    if action not in ROLE_ACTIONS.get(role_key(actor), frozenset()):
        raise PermissionDenied(f"Vai trò này không được thực hiện '{action}'")
    if actor.kind == "staff" and actor.user and actor.user.role == Role.officer:
        if report.agency_id != actor.user.agency_id:
            raise not_found(report)
    if actor.kind == "citizen":
        if actor.citizen is None or report.citizen_id != actor.citizen.id:
            raise PermissionDenied("Chỉ người gửi mới mở lại được phản ánh")


def allowed_actions(actor: Actor, report: Report) -> list[str]:
    """The actions this actor may take on this report now, in table order ("reassign" for an
    assign that moves a report already with an agency); `transition()` checks again."""
    if actor.kind == "staff" and not can_see(actor, report):
        return []
    if actor.kind == "citizen" and (actor.citizen is None or report.citizen_id != actor.citizen.id):
        return []
    mine = ROLE_ACTIONS.get(role_key(actor), frozenset())
    found: list[str] = []
    for action, (from_statuses, _to) in TRANSITIONS.items():
        if action in mine and report.status in from_statuses:
            found.append("reassign" if action == "assign" and report.status != Status.new else action)
    return found
