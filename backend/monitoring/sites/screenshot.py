"""A Chromium screenshot of a page, when Chromium is there: evidence for staff, never needed
for a check (a missing browser or a page that will not render gives None and a log line)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path

from backend.core.config import get_settings
from backend.core.db import utcnow
from backend.core.logging import get_logger

log = get_logger(__name__)
TIMEOUT_S = 45
_NAME = re.compile(r"^site-\d+-[a-z]+-\d{8}T\d{6}\.png$")
_one_at_a_time = asyncio.Semaphore(1)  # a browser is heavy on a small machine


def directory() -> Path:
    return get_settings().media_dir / "sites"


def path_of(name: str) -> Path | None:
    """The file of a screenshot name (None for anything that is not one of ours)."""
    if not _NAME.match(name):
        return None
    path = directory() / name
    return path if path.exists() else None


def available() -> bool:
    settings = get_settings()
    return settings.site_screenshots and shutil.which(settings.chromium_path) is not None


async def capture(url: str, site_id: int, label: str) -> str | None:
    """Take one screenshot; its file name under MEDIA_DIR/sites, or None."""
    if not available():
        return None
    target = directory()
    target.mkdir(parents=True, exist_ok=True)
    name = f"site-{site_id}-{label}-{utcnow():%Y%m%dT%H%M%S}.png"
    settings = get_settings()
    async with _one_at_a_time:
        with tempfile.TemporaryDirectory(prefix="phananh-shot-") as profile:
            process = await asyncio.create_subprocess_exec(
                settings.chromium_path, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--hide-scrollbars", "--ignore-certificate-errors",
                f"--user-data-dir={profile}", "--window-size=1280,900", f"--screenshot={target / name}", url,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
                preexec_fn=lambda: os.nice(10))
            try:
                _out, err = await asyncio.wait_for(process.communicate(), TIMEOUT_S)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
                log.warning("site screenshot timed out", url=url)
                return None
    if process.returncode != 0 or not (target / name).exists():
        log.warning("site screenshot failed", url=url, code=process.returncode, error=(err or b"")[-500:].decode())
        return None
    return name
