"""The Zalo channel's scheduled job, registered at start-up by the composition roots
(backend/main.py: install_edges)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.core.jobs import Job
from bot.zalo import freshness, tokens


async def zalo_token_refresh(now: datetime | None = None) -> dict[str, Any]:
    """Refresh the Zalo OA tokens ahead of expiry (no-op when fresh or Zalo is not configured)."""
    try:
        return await tokens.refresh_if_needed()
    except tokens.TokenError as exc:  # already logged loudly and stored on the token row
        return {"refreshed": False, "error": str(exc)}


JOBS: list[Job] = [
    Job("zalo-token-refresh", zalo_token_refresh, 1800, "mỗi 30 phút",
        "Làm mới token Zalo OA trước khi hết hạn"),
    Job("chat-event-prune", freshness.prune_processed, 3600, "mỗi giờ",
        "Xóa mã sự kiện Zalo đã xử lý, cũ hơn cửa sổ chống phát lại"),
]
