"""`phananh`: serve, migrate, seed, manage users, NLU, chat, bots, scheduler (Typer + Rich)."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Coroutine
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from backend.core.config import get_settings
from backend.core.console import fail
from backend.monitoring import cli as indicators_cli
from backend.open311.cli import app as apikey_app

T = TypeVar("T")

app = typer.Typer(help="PhanAnh: phản ánh hiện trường (citizen field reports).", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
user_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
bot_app = typer.Typer(help="Chat bots.", no_args_is_help=True)
jobs_app = typer.Typer(help="Scheduled jobs: list them or run one now.", no_args_is_help=True)
cameras_app = typer.Typer(help="Cameras: the MQTT ingest (Frigate events, traffic counts).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(bot_app, name="bot")
app.add_typer(jobs_app, name="jobs")
app.add_typer(cameras_app, name="cameras")
app.add_typer(indicators_cli.app, name="indicators")
app.add_typer(apikey_app, name="apikey")
console = Console()


def _mount_nlu() -> None:
    try:
        from nlu.cli import app as nlu_app
    except ModuleNotFoundError:  # the NLU package ships with the project; only broken installs hit this
        return
    from backend.reports.cli import corrections

    nlu_app.command("corrections")(corrections)
    app.add_typer(nlu_app, name="nlu", help="Train, evaluate and run the report classifier.")


def run(coro: Coroutine[Any, Any, T]) -> T:
    from backend.core.errors import DomainError

    try:
        return asyncio.run(coro)
    except DomainError as exc:
        fail(exc.message)
    except OSError as exc:
        fail(f"{exc}. Is DATABASE_URL ({get_settings().database_url}) reachable?")
        raise


def _install_edges() -> None:
    """The channels' senders and the bots' jobs (backend/main.py: install_edges), for the commands
    that run jobs without the web app."""
    from backend.main import install_edges

    install_edges()


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply Alembic migrations to DATABASE_URL."""
    from backend.core.migrate import current_revision, upgrade

    run(upgrade(revision=revision))
    console.print(f"[green]Database at revision[/] {run(current_revision())}")


async def _seed(demo: bool) -> dict[str, int]:
    from backend.cameras.loader import load_cameras
    from backend.catalog.loader import load_reference
    from backend.core.db import dispose_engine, session_scope
    from backend.core.migrate import upgrade
    from backend.geo import service as geo_service
    from backend.monitoring.indicators.registry import load_registry
    from backend.monitoring.sites.loader import load_sites

    settings = get_settings()
    await upgrade()
    counts: dict[str, int] = {}
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("Dữ liệu danh mục", total=6)
        async with session_scope() as session:
            result = await load_reference(
                session=session, data_dir=settings.data_dir, progress=lambda _n: bar.advance(task)
            )
            counts.update(await load_registry(session=session, data_dir=settings.data_dir))
        counts.update(result.counts)
        async with session_scope() as session:
            counts.update(await load_sites(session=session, data_dir=settings.data_dir))
        geo_service.invalidate_cache()
        async with session_scope() as session:
            counts.update(await load_cameras(session=session, data_dir=settings.data_dir))
        if demo:
            from backend.demo import load_demo, read_demo
            from backend.monitoring.demo import load_indicator_demo

            total = len(read_demo(settings.data_dir).get("reports", []))
            demo_task = bar.add_task("Dữ liệu mẫu", total=total)
            async with session_scope() as session:
                loaded = await load_demo(
                    session=session, data_dir=settings.data_dir, progress=lambda: bar.advance(demo_task)
                )
            bar.update(demo_task, completed=total)
            counts.update({f"demo {k}": v for k, v in loaded.items()})
            async with session_scope() as session:
                counts.update(await load_indicator_demo(session=session, data_dir=settings.data_dir))
    await dispose_engine()
    return counts


@app.command()
def seed(demo: Annotated[bool, typer.Option("--demo", help="add demo staff accounts and reports")] = False) -> None:
    """Load reference data from data/ (idempotent); --demo adds demo users and reports."""
    from backend.catalog.loader import DataError

    try:
        counts = run(_seed(demo))
    except DataError as exc:
        fail(str(exc))
    table = Table(title="Đã nạp")
    table.add_column("data")
    table.add_column("rows", justify="right")
    for name, n in counts.items():
        table.add_row(name, str(n))
    console.print(table)
    if demo:
        _print_demo_logins()


def _print_demo_logins() -> None:
    from backend.demo import read_demo

    users = read_demo(get_settings().data_dir).get("users", [])
    table = Table(title=f"Tài khoản mẫu ({get_settings().base_url.rstrip('/')}/admin/)")
    for col in ("username", "password", "role", "agency"):
        table.add_column(col)
    for user in users:
        table.add_row(user["username"], user["password"], user["role"], user.get("agency") or "")
    console.print(table)


async def _add_user(username: str, password: str, role: str, agency: str | None, full_name: str) -> None:
    from backend.core.db import dispose_engine, session_scope
    from backend.staff import service as staff_service

    async with session_scope() as session:
        await staff_service.create_user(
            session=session, username=username, password=password, role=role, agency_code=agency, full_name=full_name
        )
    await dispose_engine()


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[str, typer.Option(help="admin, supervisor, hotline or officer")],
    agency: Annotated[str | None, typer.Option(help="agency code (officers)")] = None,
    full_name: Annotated[str, typer.Option(help="display name")] = "",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="read the password from stdin")] = False,
) -> None:
    """Create a staff account."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Mật khẩu", hide_input=True, confirmation_prompt=True)
    run(_add_user(username, password, role, agency, full_name))
    console.print(f"[green]Đã tạo[/] {username} ({role}{', ' + agency if agency else ''})")


@user_app.command("contact")
def user_contact(
    username: str,
    email: Annotated[str | None, typer.Option(help="e-mail address ('' clears it)")] = None,
    telegram: Annotated[str | None, typer.Option(help="Telegram chat id ('' clears it)")] = None,
    zalo: Annotated[str | None, typer.Option(help="Zalo user id for the OA ('' clears it)")] = None,
) -> None:
    """Set where staff alerts (IOC incidents, escalations) reach this person."""
    from backend.core.db import dispose_engine, session_scope
    from backend.staff import service as staff_service

    async def _set() -> list[str]:
        async with session_scope() as session:
            user = await staff_service.set_contacts(session=session, username=username, email=email,
                                                    telegram_chat_id=telegram, zalo_user_id=zalo)
            shown = [f"{k}={v}" for k, v in (("email", user.email), ("telegram", user.telegram_chat_id),
                                               ("zalo", user.zalo_user_id)) if v]
        await dispose_engine()
        return shown

    shown = run(_set())
    console.print(f"[green]Đã cập nhật[/] {username}: {', '.join(shown) or 'không có liên hệ nào'}")


@user_app.command("list")
def user_list() -> None:
    """List staff accounts."""
    from backend.core.db import dispose_engine, session_scope
    from backend.staff import service as staff_service

    async def _list() -> list[tuple[str, str, str, str]]:
        async with session_scope() as session:
            users = await staff_service.list_users(session=session)
            rows = [(u.username, u.role, u.agency.code if u.agency else "", "yes" if u.active else "no") for u in users]
        await dispose_engine()
        return rows

    table = Table("username", "role", "agency", "active")
    for row in run(_list()):
        table.add_row(*row)
    console.print(table)


async def _prepare_database() -> None:
    """Migrate; load reference data when the database is empty."""
    from sqlalchemy import func, select

    from backend.catalog.models import Category
    from backend.core.db import dispose_engine, session_scope
    from backend.core.migrate import upgrade

    await upgrade()
    async with session_scope() as session:
        empty = not await session.scalar(select(func.count(Category.id)))
    await dispose_engine()
    if empty:
        await _seed(demo=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    workers: Annotated[int, typer.Option(help="web worker processes (set SCHEDULER_ENABLED=false if > 1)")] = 1,
) -> None:
    """The whole web app plus the scheduler in one process."""
    import uvicorn

    settings = get_settings()
    run(_prepare_database())
    console.print(f"[bold green]PhanAnh[/] http://{host}:{port}  (admin: http://{host}:{port}/admin/, API docs: /docs)")
    console.print(
        f"Database: {settings.database_url}   NLU: {settings.nlu_backend}   "
        f"scheduler: {'on' if settings.scheduler_enabled else 'off'}"
    )
    options = {"proxy_headers": True, "log_level": "info"}
    inboxes = []
    if settings.zalo_inbox == "process" and (settings.zalo_oa_secret_key or settings.zalo_signature_mode == "log"):
        from bot.zalo.worker import start_worker_process

        count = settings.zalo_inbox_workers
        inboxes = [start_worker_process(i, count) for i in range(count)]
        console.print(f"Zalo inbox worker{'s' if count > 1 else ''}: process "
                      f"{', '.join(str(p.pid) for p in inboxes)}")
    checker = None
    if settings.site_checks_on and settings.site_checker == "process" and settings.scheduler_enabled:
        from backend.monitoring.sites.checker import start_checker_process

        checker = start_checker_process()
        console.print(f"Site checker: process {checker.pid} (SITE_CHECKER=process)")
    try:
        if workers > 1:
            from backend.core import workers as multi

            if multi.supported():
                if settings.scheduler_enabled:
                    console.print("[yellow]SCHEDULER_ENABLED is on: every worker runs the scheduled jobs; run "
                                  "`phananh scheduler` once instead, with SCHEDULER_ENABLED=false here")
                multi.run(host, port, workers, options)
                return
        uvicorn.run("backend.main:create_app", factory=True, host=host, port=port, workers=workers, **options)
    finally:
        for inbox in inboxes:
            if inbox.is_alive():
                inbox.terminate()
        for inbox in inboxes:
            inbox.join(15)
        if checker is not None:
            from backend.monitoring.sites.checker import stop_checker_process

            stop_checker_process(checker)


@app.command()
def chat() -> None:
    """Talk to the report bot in the terminal (channel `cli`)."""
    try:
        from bot.cli import main as chat_main
    except ModuleNotFoundError:
        fail("the terminal chat is not installed in this build")
    run(_prepare_database())
    asyncio.run(chat_main())


@bot_app.command("zalo-inbox")
def bot_zalo_inbox(
    worker: Annotated[int, typer.Option(help="this worker's number, 0 .. workers-1")] = 0,
    workers: Annotated[int, typer.Option(help="inbox workers in all (each takes its share of the senders)")] = 1,
) -> None:
    """Process stored Zalo webhook events (when the web app is not started by `phananh serve`,
    which starts ZALO_INBOX_WORKERS of them itself)."""
    from bot.zalo.worker import run_worker

    if workers < 1 or not 0 <= worker < workers:
        fail(f"--worker must be 0 .. {max(workers, 1) - 1} for --workers {workers}: "
             "give each process its own number")
    run(_prepare_database())
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_worker(share=(worker, workers)))


@bot_app.command("telegram")
def bot_telegram() -> None:
    """Run the Telegram bot by long polling."""
    settings = get_settings()
    if not settings.telegram_bot_token:
        fail("TELEGRAM_BOT_TOKEN is not set: put the bot token from @BotFather in .env")
    try:
        from bot.telegram.runner import poll_forever
    except ModuleNotFoundError:
        fail("the Telegram bot is not installed in this build")
    run(_prepare_database())
    asyncio.run(poll_forever())


@app.command()
def scheduler() -> None:
    """Run the scheduled jobs alone (with SCHEDULER_ENABLED=false on the web workers)."""
    try:
        from backend.scheduler import run_forever
    except ModuleNotFoundError:
        fail("the scheduler is not installed in this build")
    from backend.monitoring.sites.checker import leave_checks_to_checker

    _install_edges()
    leave_checks_to_checker()  # SITE_CHECKER=process: `phananh serve` or `phananh monitor` checks the sites
    run(_prepare_database())
    asyncio.run(run_forever())


@app.command()
def monitor() -> None:
    """Check the watched websites, each at its interval (the site checker, one leader at a time;
    `phananh serve` starts one itself when it runs the scheduler)."""
    from backend.monitoring.sites.checker import NICE, run_checker

    settings = get_settings()
    if not settings.site_checks_on:
        fail("SITE_CHECKS_ENABLED is off: set SITE_CHECKS_ENABLED=true to check the sites")
    run(_prepare_database())
    console.print(f"[bold green]Site checker[/] (lease site-checker, {settings.site_check_concurrency} probes at once, "
                  f"nice {NICE}+, SITE_CHECKER_SCHED={settings.site_checker_sched})")
    run_checker()


@cameras_app.command("ingest")
def cameras_ingest() -> None:
    """Subscribe to Frigate's events and the traffic counts on MQTT_URL (one leader at a time)."""
    from backend.cameras.ingest import Broker, run_until_signalled

    url = get_settings().mqtt_url
    if not url:
        fail("MQTT_URL is not set: e.g. MQTT_URL=mqtt://user:pass@127.0.0.1:1883")
    try:
        Broker.parse(url)
    except ValueError as exc:
        fail(str(exc))
    run(_prepare_database())
    console.print(f"[bold green]Camera ingest[/] from {url.split('@')[-1]} (lease camera-ingest)")
    asyncio.run(run_until_signalled(url))


@jobs_app.command("list")
def jobs_list() -> None:
    """List the scheduled jobs."""
    from backend.scheduler import all_jobs

    _install_edges()
    table = Table("job", "schedule", "what it does")
    for job in all_jobs():
        table.add_row(job.name, job.schedule_text, job.doc)
    console.print(table)


@jobs_app.command("run")
def jobs_run(name: str) -> None:
    """Run one job now (for debugging); prints what it did."""
    from backend.scheduler import run_job_once

    _install_edges()
    result = run(run_job_once(name))
    console.print(result)


_mount_nlu()

if __name__ == "__main__":
    app()
