"""Staff corrections of the classifier: the reports whose category a person changed, as material
for the classifier's next training data (`phananh nlu corrections`, nlu/candidates.py).

Where each part is stored:
- the text: `reports.description`, the citizen's description as received (the chat joins the
  messages of one description with new lines; nothing rewrites it afterwards);
- the classifier's label and confidence: the report's `create` event, `data = {"category",
  "confidence", "source": "nlu"}`; when the citizen picked the category (the classifier was
  unsure) the classifier's guess is in `data["nlu"]` (reports filed before it was kept there have
  no known guess and are not listed); for old events without data, the first `recategorize`
  event's `from`;
- each change: a `recategorize` event, `data = {"from", "to"}`, and `reports.category_source`
  becomes `staff` (or `citizen`).

Personal data never leaves this module: the text is scrubbed (`backend/core/scrub.py`) here."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Category
from backend.core.scrub import scrub_personal
from backend.reports.models import Report, ReportEvent, Status

_CHUNK = 500  # report ids per IN (...) when reading their events


@dataclass(frozen=True)
class Correction:
    code: str  # the report's public id, PA-...
    text: str  # the citizen's description, personal data replaced by placeholders
    predicted: str  # the classifier's label
    confidence: float | None  # the classifier's confidence in it, when stored
    final: str  # the report's category code now
    source: str  # who set the final label: "staff" | "citizen"
    channel: str
    created_at: datetime
    corrected_at: datetime  # the last change of category (a citizen's pick: when the report was filed)
    changes: int  # how many times staff changed the category (0: the citizen's pick alone)
    replaced: Counter[str] = field(default_factory=Counter)  # personal data replaced, by kind


async def list_corrections(
    *,
    session: AsyncSession,
    since: datetime | None = None,
    until: datetime | None = None,
    include_citizen: bool = False,
    newest: int | None = None,
) -> list[Correction]:
    """Each report whose category a staff member changed away from the classifier's label, with
    its final label (a report corrected twice counts once), oldest correction first.

    `include_citizen`: also the citizen's own picks (made in the chat when the classifier was
    unsure) that differ from the classifier's guess. `since <= corrected_at < until` (aware
    datetimes). Left out:
    - rejected reports (`status = rejected`): spam, tests, questions that are no field report,
      reports outside the province; their text is no example of any category;
    - reports merged into another (`duplicate_of_id` set, the `duplicate` transition): the same
      problem told again, whose category follows the original's;
    - reports whose label went back to the classifier's own (A → B → A: the classifier was right),
      and categories staff set at creation (hotline, camera confirmations: the classifier never
      labelled them).

    `newest`: only the latest `newest` corrections (the admin page's list), read from the newest
    down in batches: the events of the other reports are never read."""
    sources = ["staff", "citizen"] if include_citizen else ["staff"]
    changes = (
        select(
            ReportEvent.report_id.label("report_id"),
            func.max(ReportEvent.at).label("last_at"),
            func.count(ReportEvent.id).label("n"),
        )
        .where(ReportEvent.action == "recategorize")
        .group_by(ReportEvent.report_id)
        .subquery()
    )
    stmt = (
        select(Report.id, Report.code, Report.description, Report.channel, Report.created_at,
               Report.category_source, Category.code, changes.c.last_at, changes.c.n)
        .join(Category, Category.id == Report.category_id)
        .outerjoin(changes, changes.c.report_id == Report.id)
        .where(
            Report.category_source.in_(sources),
            Report.status != Status.rejected,
            Report.duplicate_of_id.is_(None),
        )
        .order_by(Report.id)
    )
    unchanged = changes.c.last_at.is_(None)  # a citizen's pick: dated by the report itself
    stmt = stmt.where(or_(Report.category_source != "staff", ~unchanged))  # staff chose it when filing
    if since is not None:
        stmt = stmt.where(or_(changes.c.last_at >= since, and_(unchanged, Report.created_at >= since)))
    if until is not None:
        stmt = stmt.where(or_(changes.c.last_at < until, and_(unchanged, Report.created_at < until)))
    if newest is None:
        return sorted(await _built(session, (await session.execute(stmt)).all()), key=_when)
    stmt = stmt.order_by(None).order_by(func.coalesce(changes.c.last_at, Report.created_at).desc(), Report.id.desc())
    found: list[Correction] = []
    batch, offset = max(4 * newest, 200), 0
    while len(found) < newest:
        rows = (await session.execute(stmt.limit(batch).offset(offset))).all()
        found += await _built(session, rows)
        if len(rows) < batch:
            break
        offset += batch
    return sorted(found, key=_when)[-newest:] if newest > 0 else []


def _when(correction: Correction) -> tuple[datetime, str]:
    return correction.corrected_at, correction.code


async def _built(session: AsyncSession, rows: Sequence[Any]) -> list[Correction]:
    """The corrections among these report rows (see `list_corrections`), their events read here."""
    events = await events_of(session, [row[0] for row in rows])
    found = []
    for report_id, code, description, channel, created_at, source, final, last_at, n in rows:
        correction = _correction(
            code=code, description=description, channel=channel, created_at=created_at, source=source,
            final=final, corrected_at=last_at or created_at, changes=n or 0, events=events.get(report_id, []),
        )
        if correction is not None:
            found.append(correction)
    return found


async def events_of(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[ReportEvent]]:
    """The `create` and `recategorize` events of these reports, in order, per report."""
    out: dict[int, list[ReportEvent]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        stmt = (
            select(ReportEvent)
            .where(ReportEvent.report_id.in_(chunk), ReportEvent.action.in_(("create", "recategorize")))
            .order_by(ReportEvent.report_id, ReportEvent.id)
        )
        for event in await session.scalars(stmt):
            out.setdefault(event.report_id, []).append(event)
    return out


def _data(event: ReportEvent | None) -> dict[str, Any]:
    return event.data if event is not None and isinstance(event.data, dict) else {}


def _classifier_label(create: ReportEvent | None, first_change: ReportEvent | None) -> tuple[str | None, float | None]:
    """(label, confidence) the classifier gave, or (None, None) when it never labelled the report."""
    data = _data(create)
    guess = data if data.get("source") == "nlu" else data.get("nlu")
    if isinstance(guess, dict) and guess.get("category"):
        confidence = guess.get("confidence")
        return str(guess["category"]), float(confidence) if isinstance(confidence, int | float) else None
    if not data.get("source") and first_change is not None and _data(first_change).get("from"):
        return str(_data(first_change)["from"]), None  # an event from before the source was kept
    return None, None


def _correction(
    *, code: str, description: str, channel: str, created_at: datetime, source: str, final: str,
    corrected_at: datetime, changes: int, events: list[ReportEvent],
) -> Correction | None:
    create = next((e for e in events if e.action == "create"), None)
    first_change = next((e for e in events if e.action == "recategorize"), None)
    if source == "staff" and first_change is None:
        return None  # staff chose the category when filing it
    predicted, confidence = _classifier_label(create, first_change)
    if predicted is None or predicted == final:
        return None
    scrubbed = scrub_personal(description)
    return Correction(
        code=code, text=scrubbed.text, predicted=predicted, confidence=confidence, final=final,
        source=source, channel=channel, created_at=created_at, corrected_at=corrected_at,
        changes=changes, replaced=scrubbed.replaced,
    )
