"""The application factory: API, webhooks, admin site, portal and (optionally) the scheduler."""

from __future__ import annotations

import asyncio
import gc
import importlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException

from backend.catalog import service as catalog_service
from backend.core import docs, jobs
from backend.core.config import get_settings
from backend.core.db import dispose_engine, get_engine, get_sessionmaker
from backend.core.errors import DomainError, TooManyRequests
from backend.core.headers import SecurityHeaders
from backend.core.limits import BodyLimit
from backend.core.logging import get_logger, setup_logging
from backend.dashboard import totals as dashboard_totals
from backend.geo import service as geo_service
from backend.notifications import channels, email
from backend.reports import delivery as report_delivery
from backend.reports import queries as report_queries
from bot.dialogue import scheduled as dialogue_jobs
from bot.telegram import channel as telegram
from bot.zalo import delivery as zalo_delivery
from bot.zalo import scheduled as zalo_jobs
from bot.zalo import worker as zalo_worker
from nlu import service as nlu_service

log = get_logger(__name__)

# Optional routers contributed by other packages (bots, admin, portal, open311): a module path
# and the attribute holding an APIRouter. Missing modules are skipped so the core runs alone.
EXTRA_ROUTERS = (
    "bot.zalo.webhook:router",
    "bot.zalo.site:router",
    "bot.telegram.webhook:router",
    "backend.open311.views:router",
    "backend.dashboard.views:router",
    "backend.cameras.views:router",
    "backend.monitoring.sites.views:router",
    "backend.monitoring.indicators.views:router",
    "backend.monitoring.public_services.views:router",
    "admin.views:router",
    "admin.portal:router",
)

# Startup/shutdown hooks contributed the same way (Telegram polling, scheduler).
LIFESPAN_HOOKS = (
    "backend.scheduler:lifespan_hook",
    "bot.telegram.runner:lifespan_hook",
    "backend.cameras.ingest:lifespan_hook",
    "backend.monitoring.sites.checker:lifespan_hook",
    "bot.zalo.inbox:lifespan_hook",
)


def _optional(path: str) -> Any | None:
    module_name, attr = path.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            return None
        raise
    return getattr(module, attr, None)


def install_edges() -> None:
    """Wire the chat channels into the domain, which knows them only by name: each channel's
    outbox sender and recovery hook (backend/notifications/channels.py), and the bots' scheduled
    jobs (backend/core/jobs.py). Called by every entry point that may send or run jobs (`phananh
    serve`, `phananh scheduler`, `phananh jobs`, the bots); idempotent."""
    channels.register("zalo", zalo_delivery.send_outbox, recover=zalo_worker.recover)
    channels.register("telegram", telegram.send_notification, recover=telegram.recover)
    channels.register("email", email.send_messages)  # staff alerts
    channels.on_failure(report_delivery.delivery_failed)  # a report's citizen not told: staff see it
    report_queries.count_all_with(dashboard_totals.count_all)  # the list's total from the rollups
    jobs.register(zalo_jobs.JOBS, dialogue_jobs.JOBS)


MACHINE_PREFIXES = ("/api/", "/open311/", "/webhooks/", "/media/", "/static/", "/docs-assets/", "/healthz")
NOT_FOUND_TEXT = "Không tìm thấy trang này. Đường dẫn có thể đã sai hoặc trang không còn nữa."
METHOD_TEXT = "Trang này không nhận yêu cầu kiểu này."


def _wants_page(request: Request) -> bool:
    """A browser asking for a page gets a Vietnamese HTML error; the JSON API keeps JSON errors."""
    return "text/html" in request.headers.get("accept", "") and not request.url.path.startswith(MACHINE_PREFIXES)


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": code, "detail": message, **extra})


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        resp = _error(exc.status_code, exc.code, exc.message, **({"field": exc.field} if exc.field else {}))
        if exc.status_code == 401:
            resp.headers["WWW-Authenticate"] = "Bearer"
        if isinstance(exc, TooManyRequests):
            resp.headers["Retry-After"] = str(exc.retry_after)
        return resp

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            errors.append({"field": loc, "message": err.get("msg", "invalid")})
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            return _error(400, "malformed_json", "Dữ liệu JSON không hợp lệ", errors=errors)
        message = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors)
        return _error(422, "validation_error", message or "invalid input", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in (404, 405) and _wants_page(request):  # a person's browser, not a client
            page: Callable[[Request, int, str], Response] | None = _optional("admin.web:error_page")
            if page is not None:
                return page(request, exc.status_code, NOT_FOUND_TEXT if exc.status_code == 404 else METHOD_TEXT)
        return _error(exc.status_code, "http_error", str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", error=str(exc))
        return _error(500, "internal_error", "Lỗi hệ thống, vui lòng thử lại")


class ParseIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


def _freeze_startup_objects() -> None:
    """Move everything built at start-up (routes, models, reference data, the NLU model, the
    gazetteer) out of the garbage collector's reach. Otherwise each full collection walks them
    all: under load the event loop stalled 250-300 ms every couple of seconds, and every request
    in flight waited (measured on the Zalo webhook: p99 300 ms against 40 ms for a bare app)."""
    gc.collect()
    gc.freeze()


async def warm_up() -> dict[str, float]:
    """What a worker's first report would otherwise wait for, done before it takes requests: the
    NLU model (loaded, or trained when the data changed), the catalog and the gazetteer, and a few
    database connections (PostgreSQL: the pool's, opened side by side). Returns milliseconds per step."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    await asyncio.to_thread(nlu_service.classify_sync, "vỉa hè bị lấn chiếm")
    timings["nlu_ms"] = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    async with get_sessionmaker()() as session:
        await catalog_service.reference(session=session)
        await geo_service.gazetteer(session=session)
        await session.commit()
    timings["catalog_ms"] = (time.perf_counter() - start) * 1000
    engine = get_engine()
    if engine.dialect.name == "postgresql":
        start = time.perf_counter()

        async def ping() -> None:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))

        await asyncio.gather(*(ping() for _ in range(engine.pool.size())))  # type: ignore[attr-defined]
        timings["connections_ms"] = (time.perf_counter() - start) * 1000
    log.info("warmed up: %s", ", ".join(f"{k} {v:.0f}" for k, v in timings.items()))
    return timings


def create_app(*, with_hooks: bool = True) -> FastAPI:
    settings = get_settings()
    setup_logging()
    install_edges()
    hooks: list[Callable[[FastAPI], Any]] = []
    if with_hooks:
        hooks = [h for h in (_optional(p) for p in LIFESPAN_HOOKS) if h is not None]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        get_engine()
        if settings.warm_up:
            await warm_up()
        stack = []
        for hook in hooks:
            ctx = hook(app)
            await ctx.__aenter__()
            stack.append(ctx)
        _freeze_startup_objects()
        try:
            yield
        finally:
            for ctx in reversed(stack):
                await ctx.__aexit__(None, None, None)
            await dispose_engine()

    app = FastAPI(
        title="PhanAnh API",
        version="0.1.0",
        description="Phản ánh hiện trường: citizen field reports for the Đắk Lắk IOC.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)
    docs.install(app)

    from backend.catalog.views import router as catalog_router
    from backend.reports.media_views import router as media_router
    from backend.reports.views import router as reports_router
    from backend.staff.views import router as auth_router

    app.include_router(auth_router)
    app.include_router(reports_router)
    app.include_router(catalog_router)

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> JSONResponse:
        from nlu import service as nlu_service

        try:
            async with get_engine().connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:  # the point of a health check is to report this, not raise
            # The error text names hosts, users and drivers: it goes to the log, not to the public.
            log.error("health check: database unreachable", error=str(exc), error_type=type(exc).__name__)
            return JSONResponse(status_code=503, content={"status": "error", "database": "failing"})
        return JSONResponse(
            {
                "status": "ok",
                "database": "ok",
                "nlu": nlu_service.status(),
                "db_backend": "sqlite" if settings.is_sqlite else "postgresql",
            }
        )

    @app.post("/api/v1/nlu/parse", tags=["nlu"])
    async def nlu_parse(body: ParseIn) -> dict[str, Any]:
        from nlu import service as nlu_service

        return await nlu_service.parse(body.text)

    app.include_router(media_router)

    for path in EXTRA_ROUTERS:
        router = _optional(path)
        if router is not None:
            app.include_router(router)
    static_mount: Callable[[FastAPI], None] | None = _optional("admin.static:mount")
    if static_mount is not None:
        static_mount(app)
    return app
