"""Settings: one object, built once, read from the environment and `.env`.

Names follow shared/CONTRACT.md. `SECRET_KEY` is generated into `var/` on first run in
development; outside development a missing or default key is refused.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT_DIR = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT_DIR / "data"
DEFAULT_SECRET = "change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    var_dir: Path = Path("var")
    database_url: str = "sqlite+aiosqlite:///var/phananh.db"
    database_echo: bool = False
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:8000"
    media_dir: Path = Path("var/media")
    data_dir: Path = DATA_DIR
    timezone: str = "Asia/Ho_Chi_Minh"
    province_code: str = "66"  # Đắk Lắk (official code); the area table says which it is

    nlu_backend: Literal["builtin", "rasa"] = "builtin"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout: float = 2.0

    telegram_bot_token: str | None = None
    telegram_api_base: str = "https://api.telegram.org"
    telegram_mode: Literal["polling", "webhook", "external"] = "polling"
    telegram_webhook_secret: str | None = None

    zalo_app_id: str | None = None
    zalo_app_secret: str | None = None
    zalo_oa_secret_key: str | None = None
    zalo_access_token: str | None = None
    zalo_refresh_token: str | None = None
    zalo_api_base: str = "https://openapi.zalo.me"
    zalo_oauth_base: str = "https://oauth.zaloapp.com"
    zalo_signature_mode: Literal["enforce", "log"] = "enforce"
    # Domain verification code from Zalo's developer console: served as /zalo_verifier<code>.html
    # and as the zalo-platform-site-verification meta tag on /.
    zalo_site_verification: str | None = None
    # Consultation (/message/cs) messages are accepted only this long after the person's last
    # message (Zalo: free for 48 h, billed to 7 days; the exact window is unsettled). Past it,
    # report-status notices go as transaction messages, or ZNS when a template is configured.
    zalo_cs_window_hours: float = Field(default=48, gt=0)
    zalo_zns_base: str = "https://business.openapi.zalo.me"
    zalo_zns_template_id: str | None = None  # an approved ZNS template with code, status, note
    # A staff member answering in Zalo's own OA chat tool pauses the bot for that person this long.
    zalo_human_pause_minutes: int = Field(default=30, ge=0)
    # process: `phananh serve` starts one inbox worker process that runs the dialogue for webhook
    # events (`phananh bot zalo-inbox` when the web app is started otherwise); the web process
    # only verifies, stores and answers. inline: the web process does both (small setups, tests).
    zalo_inbox: Literal["process", "inline"] = "process"
    # Inbox worker processes `phananh serve` starts. Each takes the events of its share of the
    # senders (a person's events stay in one worker, in order). More than 1 pays on PostgreSQL with
    # spare cores; on SQLite the workers take turns on the one write lock.
    zalo_inbox_workers: int = Field(default=1, ge=1, le=32)

    geocoder: Literal["offline", "nominatim"] = "offline"
    nominatim_url: str = "https://nominatim.openstreetmap.org"
    nominatim_user_agent: str = "phananh-ioc"

    map_tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"  # empty: no tiles (closed networks)

    redis_url: str | None = None
    # E-mail for staff alerts: smtp://user:pass@host:587 (STARTTLS when offered), smtps://… (TLS).
    smtp_url: str | None = None
    smtp_from: str = "PhanAnh IOC <no-reply@localhost>"
    scheduler_enabled: bool = True
    # Load the NLU model, the catalog and the gazetteer and open database connections before the
    # first request (a cold worker's first reports otherwise wait seconds for them).
    warm_up: bool = True
    catalog_check_seconds: float = 5.0  # an admin's catalog edit reaches the processes of other hosts within this
    dashboard_cache_seconds: float = 5.0  # the IOC screen's figures are reused this long at most (0: never)

    # Cameras (backend/cameras): MQTT_URL unset = no ingest; CAMERA_WEBHOOK_SECRET unset = webhook refuses all
    mqtt_url: str | None = None
    mqtt_client_id: str = "phananh-ingest"  # fixed: the broker keeps this session's QoS-1 messages
    frigate_topic_prefix: str = "frigate"
    traffic_topic_prefix: str = "phananh/traffic"
    frigate_url: str | None = None
    camera_webhook_secret: str | None = None
    camera_offline_minutes: int = Field(default=10, ge=1)  # silent this long = offline
    camera_pending_hours: int = Field(default=72, ge=1)  # an unverified candidate expires after
    congestion_intervals: int = Field(default=3, ge=1)  # LOS E-F this many intervals in a row = incident

    # Report rules (configurable, defaults from the issue tracker)
    duplicate_radius_m: float = 100.0
    duplicate_street_radius_m: float = 300.0  # a street's middle (geocoded street, no house) matches this far
    duplicate_window_days: int = 30
    description_max_chars: int = 4000
    photo_max_bytes: int = 10 * 1024 * 1024
    photos_per_report: int = 5
    request_max_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)  # JSON, forms, webhooks (uploads: photos)
    rating_window_days: int = 14
    access_token_minutes: int = 12 * 60

    # Website monitoring (backend/monitoring/sites). Checks run by the scheduler only when enabled:
    # unset means on in production, off elsewhere (`make run` has no internet).
    site_checks_enabled: bool | None = None
    site_check_concurrency: int = Field(default=20, ge=1, le=500)  # probes in flight at once
    # process: the checks run in the site checker process (`phananh serve` starts it; `phananh
    # monitor` alone), niced, so the web process keeps the CPU; scheduler: in the scheduler's own
    # process (small setups).
    site_checker: Literal["process", "scheduler"] = "process"
    site_check_keepalive_s: float = Field(default=90, ge=0)  # idle connections kept for the next check (0: none)
    site_checker_sched: Literal["batch", "idle", "normal"] = "batch"  # the checker's Linux scheduling policy
    site_check_ca_bundle: Path | None = None  # extra CA certificates (an internal or government CA)
    site_results_keep_days: int = Field(default=30, ge=1)  # raw check results; daily rollups stay
    site_alert_reminder_minutes: int = Field(default=240, ge=5)  # reminder for an unacknowledged incident
    site_alert_burst: int = Field(default=10, ge=1)  # more incidents than this in one round: one summary alert
    site_screenshots: bool = True  # Chromium screenshots of defaced pages (skipped when Chromium is missing)
    chromium_path: str = "/usr/bin/chromium"

    # Login throttling per (client address, account): this many failures are free, then each
    # further failure doubles the wait (1 s, 2 s, 4 s …) up to the cap; never an account lockout.
    admin_login_max_failures: int = Field(default=5, ge=1, le=1000)
    admin_lockout_minutes: int = Field(default=15, ge=1, le=1440)  # the cap of the growing wait
    admin_session_hours: int = Field(default=12, ge=1, le=24 * 30)

    # Security limits (docs/security.md)
    photo_max_pixels: int = Field(default=40_000_000, ge=10_000)  # larger images are refused
    photo_display_max_side: int = Field(default=1600, ge=200, le=10_000)  # the stored display copy
    zalo_event_max_age_s: int = Field(default=600, ge=30, le=7 * 86400)  # freshness window
    open311_key_per_minute: int = Field(default=30, ge=1, le=100_000)  # POSTs per API key
    open311_media_timeout_s: float = Field(default=10.0, gt=0, le=120)  # fetching a POST's media_url
    open311_media_private_hosts: bool = False  # let media_url point into private networks (closed IOC LANs)
    lookup_per_minute: int = Field(default=60, ge=1, le=100_000)  # tracking-code lookups per client
    lookup_max_codes: int = Field(default=50, ge=1, le=1000)  # codes in one Open311 list query

    @model_validator(mode="after")
    def _secret(self) -> Settings:
        if not self.secret_key or self.secret_key == DEFAULT_SECRET:
            if self.environment == "production":
                raise ValueError("SECRET_KEY must be set to a random value in production "
                                 "(python -c 'import secrets; print(secrets.token_urlsafe(48))')")
            self.secret_key = _load_or_create_secret(self.var_dir)
        elif self.environment == "production" and not strong_secret(self.secret_key):
            raise ValueError(f"SECRET_KEY is too weak for production: it needs at least {MIN_SECRET_BYTES} random "
                             "bytes (python -c 'import secrets; print(secrets.token_urlsafe(48))')")
        return self

    @property
    def site_checks_on(self) -> bool:
        return self.site_checks_enabled if self.site_checks_enabled is not None else self.environment == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


MIN_SECRET_BYTES = 32


def strong_secret(key: str) -> bool:
    """At least 32 bytes' worth of randomness: long enough and not one character repeated.
    A url-safe base64 or hex key of 43+ characters (token_urlsafe(32), token_hex(32)) passes."""
    return len(key.encode()) >= 43 and len(set(key)) >= 16


def _load_or_create_secret(var_dir: Path) -> str:
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Created with mode 600 (O_EXCL: never through an existing file or link), so there is no moment
    # at which the key is readable under the umask's permissions.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
