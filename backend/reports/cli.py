"""`phananh nlu corrections`: the staff's corrections of the classifier as training candidates.

Mounted on the nlu Typer app by the composition root (backend/cli.py: `_mount_nlu`): the command
reads the database (backend.reports.corrections) and writes through nlu.candidates, and the nlu
package does not import backend's domain packages. The database layer, numpy and the NLU data are
imported when the command runs, not when `phananh` starts (`phananh nlu classify` must start fast)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.exc import DBAPIError

from backend.core.config import get_settings
from backend.core.console import fail, fail_unready

if TYPE_CHECKING:
    from backend.reports.corrections import Correction
    from nlu.candidates import Candidates

console = Console()

_SKIP_LABELS = {
    "training": "đã có trong dữ liệu huấn luyện",
    "evaluation": "gần trùng một câu của tập đánh giá (nlu/tests)",
    "repeat": "trùng câu của một phản ánh khác trong lần xuất này",
}
_PERSONAL_LABELS = {"phone": "số điện thoại", "email": "e-mail", "id": "số CMND/CCCD", "plate": "biển số xe"}


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} cần một ngày dạng YYYY-MM-DD, ví dụ {option} 2026-11-01")


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


async def _load(since: datetime | None, until: datetime | None, citizen: bool) -> list[Correction]:
    from backend.core.db import dispose_engine, read_scope
    from backend.reports.corrections import list_corrections

    try:
        async with read_scope() as session:
            return await list_corrections(session=session, since=since, until=until, include_citizen=citizen)
    finally:
        await dispose_engine()


def corrections(
    since: Annotated[str | None, typer.Option(help="corrections from this day on (YYYY-MM-DD, local time)")] = None,
    until: Annotated[str | None, typer.Option(help="corrections up to this day, included (YYYY-MM-DD)")] = None,
    citizen: Annotated[
        bool, typer.Option("--citizen", help="also the citizens' own picks when the classifier was unsure")
    ] = False,
    out: Annotated[
        Path | None, typer.Option(help="the candidates file (default: var/nlu/candidates-<today>.yml)")
    ] = None,
) -> None:
    """Staff corrections of the classifier as training candidates: a Rasa YAML file to review
    (never written into nlu/data/nlu/) and a CSV of where each line came from."""
    from nlu import candidates as candidates_module

    settings = get_settings()
    zone = ZoneInfo(settings.timezone)
    first, last = _day(since, "--since"), _day(until, "--until")
    if first and last and first > last:
        fail(f"--since {first} sau --until {last}: đổi chỗ hai ngày")
    today = datetime.now(zone).date()
    path = out or candidates_module.default_path(settings.var_dir, today)
    try:
        candidates_module.check_out_path(path)
    except ValueError as exc:
        fail(str(exc))
    try:
        found = asyncio.run(_load(
            _start_of(first, zone) if first else None,
            _start_of(last + timedelta(days=1), zone) if last else None,
            citizen,
        ))
    except OSError as exc:
        fail(f"{exc}: cơ sở dữ liệu (DATABASE_URL={settings.database_url}) có chạy không?")
    except DBAPIError as exc:
        fail_unready(exc)
    window = f"từ {first or 'đầu'} đến {last or 'nay'}"
    if not found:
        who = "cán bộ hay người dân" if citizen else "cán bộ"
        console.print(f"Không có phản ánh nào được {who} sửa lĩnh vực ({window}): không ghi tệp nào.",
                      soft_wrap=True)
        return
    chosen = candidates_module.select_candidates(found)
    try:
        yml, csv = candidates_module.write(chosen, path, exported_on=today, zone=zone)
    except OSError as exc:
        fail(f"không ghi được {path} ({exc}): chọn --out ở thư mục ghi được")
    _print(found, chosen, window)
    console.print(f"Tệp ứng viên: [bold]{escape(str(yml))}[/] (nguồn gốc từng câu: {escape(str(csv))})",
                  soft_wrap=True)
    console.print(
        "[yellow]Chưa phải dữ liệu huấn luyện:[/] người duyệt đọc từng câu, chuyển câu đạt vào "
        "nlu/data/nlu/<lĩnh vực>.yml, rồi chạy phananh nlu train và phananh nlu evaluate "
        "(nlu/README.md, \"Learning from staff corrections\")."
    )


def _print(found: list[Correction], chosen: Candidates, window: str) -> None:
    pairs = Counter((c.predicted, c.final) for c in found)
    citizens = Counter((c.predicted, c.final) for c in found if c.source == "citizen")
    table = Table(title=f"Lĩnh vực đã sửa ({window}): {len(found)} phản ánh", title_justify="left")
    table.add_column("phân loại tự động")
    table.add_column("lĩnh vực đúng")
    table.add_column("số phản ánh", justify="right")
    if citizens:
        table.add_column("trong đó người dân chọn", justify="right")
    for (predicted, final), n in sorted(pairs.items(), key=lambda item: (-item[1], item[0])):
        table.add_row(predicted, final, str(n), *([str(citizens[(predicted, final)])] if citizens else []))
    console.print(table)
    skips = Table(title=f"Ứng viên: {len(chosen.accepted)} câu ghi vào tệp", title_justify="left")
    skips.add_column("bỏ qua vì")
    skips.add_column("số câu", justify="right")
    for kind, n in chosen.skipped.items():
        skips.add_row(_SKIP_LABELS[kind], str(n))
    console.print(skips)
    personal: Counter[str] = Counter()
    for c in found:
        personal.update(c.replaced)
    if personal:
        listed = ", ".join(f"{n} {_PERSONAL_LABELS.get(kind, kind)}" for kind, n in sorted(personal.items()))
        placeholders = "[sđt], [email], [cccd], [biển số]"
        console.print(escape(f"Dữ liệu cá nhân đã thay bằng nhãn giữ chỗ ({placeholders}): {listed}"))
