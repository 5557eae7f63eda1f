"""How well the report classifier does in production, as staff see it: every report whose
category a staff member corrects is a classifier error (the corrections themselves:
backend/reports/corrections.py). Read by the admin page /admin/manage/nlu.

Over the reports FILED in a window (`since <= created_at < until`), rejected reports and merged
duplicates left out as `list_corrections` does. Counted in SQL with GROUP BY: the database
returns one row per (week, still new, who set the category, classifier label, final label),
never one per report.
- A report nobody recategorized (`category_source = nlu`, most of them) kept the classifier's
  label: counted from `reports` alone (its created_at index), no event read.
- For the others the `create` event says what the classifier said (`data.source = "nlu"`:
  `data.category`; a citizen's pick: the guess kept in `data.nlu.category`), read with JSON paths
  that work on SQLite and PostgreSQL alike, one index lookup (report_id) per report.
- Only reports from before the create event carried its source (no `data.source`) are read one
  by one, with their first `recategorize` event (whose `from` is the classifier's label), as
  `list_corrections` does.

Timed by `.venv/bin/python -m bench.nlu_quality` (1 M reports on PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from typing import Any

from sqlalchemy import Select, and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from backend.catalog.models import Category
from backend.reports.corrections import events_of
from backend.reports.models import Report, ReportEvent, Status


@dataclass
class Tally:
    """Reports the classifier labelled, by what became of the label."""

    labelled: int = 0
    kept: int = 0  # the final label is the classifier's (nobody changed it, or it was changed back)
    corrected: int = 0  # staff set another label
    citizen_other: int = 0  # the citizen picked another label than the classifier's guess, and it stayed

    @property
    def errors(self) -> int:
        return self.corrected + self.citizen_other

    @property
    def right_first_time(self) -> float | None:
        """kept / labelled; None when the classifier labelled nothing."""
        return self.kept / self.labelled if self.labelled else None

    @property
    def share_corrected(self) -> float | None:
        return self.corrected / self.labelled if self.labelled else None

    def add(self, outcome: str, n: int) -> None:
        self.labelled += n
        setattr(self, outcome, getattr(self, outcome) + n)


@dataclass
class CategoryTally(Tally):
    code: str = ""  # the classifier's label


@dataclass(frozen=True)
class Confusion:
    predicted: str  # the classifier's label
    final: str  # the label the report has now
    staff: int  # corrected so by staff
    citizen: int  # picked so by the citizen against the classifier's guess

    @property
    def total(self) -> int:
        return self.staff + self.citizen


@dataclass
class Week(Tally):
    start: date = date.min  # the Monday (local time) the week begins
    first_day: date = date.min  # the first day of it inside the window
    last_day: date = date.min  # the last day of it inside the window


@dataclass
class Quality:
    """See `quality`. Counts are reports."""

    since: datetime
    until: datetime
    total: Tally = field(default_factory=Tally)
    filed: int = 0  # every report filed in the window (rejected and merged ones left out)
    staff_set: int = 0  # categories staff chose when filing (hotline, camera): not the classifier's
    no_guess: int = 0  # citizens' picks from before the classifier's guess was kept: unknown
    still_new: int = 0  # labelled reports still `new`: nobody looked at them yet (counted as kept)
    citizen_picks: int = 0  # the classifier was unsure and the citizen chose the category
    citizen_agreed: int = 0  # ... and chose what the classifier had guessed
    categories: list[CategoryTally] = field(default_factory=list)  # most labelled first
    confusions: list[Confusion] = field(default_factory=list)  # most frequent first
    weeks: list[Week] = field(default_factory=list)  # oldest first


def week_bounds(since: datetime, until: datetime, zone: tzinfo) -> list[datetime]:
    """[since, each local Monday 00:00 after it and before until, until]: the weeks' edges."""
    bounds = [since]
    local = since.astimezone(zone).date()
    monday = local - timedelta(days=local.weekday())
    while True:
        monday += timedelta(days=7)
        edge = datetime.combine(monday, time.min, tzinfo=zone)
        if edge >= until:
            break
        bounds.append(edge)
    bounds.append(until)
    return bounds


def _filed(since: datetime, until: datetime) -> list[Any]:
    return [
        Report.created_at >= since,
        Report.created_at < until,
        Report.status != Status.rejected,
        Report.duplicate_of_id.is_(None),
    ]


def _per_report(bounds: list[datetime], *, unchanged: bool) -> Select[Any]:
    """One row per report filed in the window: week index, still new, who set the category, the
    final label; for the reports whose category someone set (`unchanged` False), also the create
    event's data (joined by the report_id index: one lookup per report)."""
    edges = bounds[1:-1]
    week = case(*[(Report.created_at < edge, i) for i, edge in enumerate(edges)], else_=len(edges)) if edges \
        else literal(0)
    columns: list[Any] = [
        Report.id.label("id"),
        week.label("week"),
        case((Report.status == Status.new, 1), else_=0).label("new"),
        Report.category_source.label("set_by"),
        Report.category_id.label("final"),  # an id here; its code in `quality`
    ]
    create = aliased(ReportEvent)
    if not unchanged:
        columns.append(create.data.label("data"))
    set_by = Report.category_source == "nlu" if unchanged else Report.category_source != "nlu"
    stmt = select(*columns)
    if not unchanged:
        stmt = stmt.outerjoin(create, and_(create.report_id == Report.id, create.action == "create"))
    return stmt.where(*_filed(bounds[0], bounds[-1]), set_by)


async def quality(
    *, session: AsyncSession, since: datetime, until: datetime, zone: tzinfo
) -> Quality:
    """How often the classifier's label stayed, over the reports filed in `[since, until)` (aware
    datetimes; `zone`: the local time the weeks begin in, Monday 00:00).

    A report counts as labelled by the classifier when its create event says `source: nlu`, or it
    is a citizen's pick that kept the classifier's guess; categories staff set when filing
    (hotline, camera) are counted apart (`staff_set`), as are citizens' picks with no known guess.
    Each labelled report is exactly one of: kept (final label = the classifier's: nobody changed
    it, or it was changed back), corrected (staff set another label), citizen_other (the citizen
    picked another label than the guess, and nobody changed it). "Right first time" is
    kept / labelled.

    A report nobody has looked at yet counts as kept, so a recent window is optimistic:
    `still_new` says how many labelled reports are still `new` (in the triage queue)."""
    bounds = week_bounds(since, until, zone)
    codes: dict[int, str] = {id_: code for id_, code in await session.execute(select(Category.id, Category.code))}
    # Nobody changed the category (most reports): the classifier's label, kept; no event needed.
    plain = _per_report(bounds, unchanged=True).subquery()
    keys = (plain.c.week, plain.c.new, plain.c.final)
    counted: list[tuple[Any, ...]] = [
        (week, new, "nlu", "nlu", codes[final], None, codes[final], n)
        for week, new, final, n in await session.execute(select(*keys, func.count()).group_by(*keys))
    ]
    # Someone set the category: the create event says whether the classifier had labelled it.
    rows = _per_report(bounds, unchanged=False).subquery()
    src = rows.c.data["source"].as_string()
    keys = (rows.c.week, rows.c.new, rows.c.set_by, src, rows.c.data["category"].as_string(),
            rows.c.data[("nlu", "category")].as_string(), rows.c.final)
    grouped = [tuple(r) for r in await session.execute(select(*keys, func.count()).group_by(*keys))]
    counted += [(*r[:6], codes[r[6]], r[7]) for r in grouped if r[3] is not None]

    # Reports from before the create event kept its source: their first change says the label.
    old = [] if all(r[3] is not None for r in grouped) else \
        (await session.execute(select(rows).where(src.is_(None)).order_by(rows.c.id))).all()
    firsts: dict[int, str] = {}
    events = await events_of(session, [r.id for r in old])
    for report_id, evs in events.items():
        change = next((e for e in evs if e.action == "recategorize"), None)
        if change is not None and isinstance(change.data, dict) and change.data.get("from"):
            firsts[report_id] = str(change.data["from"])
    for r in old:
        counted.append((r.week, r.new, r.set_by, None, firsts.get(r.id), None, codes[r.final], 1))

    result = Quality(since=since, until=until)
    result.weeks = [_week(start, end, zone) for start, end in pairwise(bounds)]
    per_category: dict[str, CategoryTally] = {}
    pairs: Counter[tuple[str, str, str]] = Counter()
    for week, new, set_by, src, cat, guess, final, n in counted:
        result.filed += n
        predicted, citizen_pick = _predicted(src, cat, guess, set_by, final)
        if predicted is None:
            if src == "citizen" or (src is None and set_by == "citizen"):
                result.no_guess += n
            else:
                result.staff_set += n
            continue
        if final == predicted:
            outcome = "kept"
        elif set_by == "citizen":
            outcome = "citizen_other"
        else:
            outcome = "corrected"
        result.total.add(outcome, n)
        per_category.setdefault(predicted, CategoryTally(code=predicted)).add(outcome, n)
        result.weeks[int(week)].add(outcome, n)
        result.still_new += n if new else 0
        if citizen_pick:
            result.citizen_picks += n
            pick = cat if src == "citizen" else final
            result.citizen_agreed += n if pick == predicted else 0
        if outcome != "kept":
            pairs[(predicted, final, "citizen" if outcome == "citizen_other" else "staff")] += n
    result.categories = sorted(per_category.values(), key=lambda c: (-c.labelled, c.code))
    result.confusions = _confusions(pairs)
    return result


def _predicted(
    src: str | None, cat: str | None, guess: str | None, set_by: str, final: str
) -> tuple[str | None, bool]:
    """(the classifier's label or None, whether the citizen picked the category)."""
    if src == "nlu":
        return cat or final, set_by == "citizen"  # a citizen's later pick in the chat: set_by citizen
    if src == "citizen":
        return guess, guess is not None
    if src is None:  # an event from before the source was kept: `cat` holds the first change's `from`
        if cat:
            return cat, False
        return (final, False) if set_by == "nlu" else (None, False)
    return None, False  # staff chose it when filing


def _confusions(pairs: Counter[tuple[str, str, str]]) -> list[Confusion]:
    keys = {(p, f) for p, f, _ in pairs}
    found = [Confusion(p, f, staff=pairs[(p, f, "staff")], citizen=pairs[(p, f, "citizen")]) for p, f in keys]
    return sorted(found, key=lambda c: (-c.total, -c.staff, c.predicted, c.final))


def _week(start: datetime, end: datetime, zone: tzinfo) -> Week:
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    return Week(start=first - timedelta(days=first.weekday()), first_day=first, last_day=last)


def window(days: int, now: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    """The last `days` local days, today included: (local midnight `days - 1` days ago, now)."""
    today = now.astimezone(zone).date()
    return datetime.combine(today - timedelta(days=days - 1), time.min, tzinfo=zone), now

