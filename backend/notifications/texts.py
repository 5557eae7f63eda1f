"""The texts of the messages the outbox sends citizens (notifications), Vietnamese with
diacritics and English, and the labels they share with the chat (statuses, times).

`t(key, lang, **values)`: English when the person's language is English, Vietnamese otherwise.
The chat's own texts are in bot/dialogue/texts.py, which builds on these.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from backend.core.config import get_settings

TEXTS: dict[str, tuple[str, str]] = {
    "rating_hint": (
        "Bạn đánh giá kết quả từ 1 (rất tệ) đến 5 (rất tốt): gõ một số hoặc bấm nút.",
        "Please rate the result from 1 (very poor) to 5 (very good): type a digit or tap a button.",
    ),
    # --- notifications (outbox) -----------------------------------------------------------------
    "n_received": (
        "Đã tiếp nhận phản ánh {code}. Hạn xử lý: {due}.",
        "Report {code} received. Due: {due}.",
    ),
    "n_assigned": ("Phản ánh {code} đã được chuyển đến {agency}.", "Report {code} has been sent to {agency}."),
    "n_in_progress": ("Phản ánh {code} đang được xử lý.", "Report {code} is being handled."),
    "n_resolved": (
        "Phản ánh {code} đã được xử lý.\nKết quả: {note}\n",
        "Report {code} has been handled.\nResult: {note}\n",
    ),
    "n_rejected": (
        "Phản ánh {code} không được tiếp nhận xử lý. Lý do: {note}",
        "Report {code} was not accepted. Reason: {note}",
    ),
    "n_merged": (
        "Phản ánh {code} trùng với phản ánh {original} đã được tiếp nhận trước đó nên đã được gộp vào. "
        "Bạn sẽ nhận kết quả xử lý của {original} qua kênh này.",
        "Report {code} is the same as report {original}, filed earlier, and has been merged into it. "
        "You will hear the result of {original} here.",
    ),
    "n_closed": ("Phản ánh {code} đã đóng.", "Report {code} is closed."),
    "n_other": ("Phản ánh {code}: {status}", "Report {code}: {status}"),
    "n_question": (
        "Cán bộ xử lý phản ánh {code} hỏi bạn:\n«{question}»\nHãy trả lời bằng tin nhắn tiếp theo (chữ hoặc ảnh).",
        "The officer handling report {code} asks you:\n«{question}»\nPlease answer in your next message "
        "(text or a photo).",
    ),
    "n_question_reminder": (
        "Nhắc lại: cán bộ xử lý phản ánh {code} vẫn chờ bạn trả lời:\n«{question}»",
        "Reminder: the officer handling report {code} is still waiting for your answer:\n«{question}»",
    ),
    "n_rating_reminder": (
        "Phản ánh {code} ({category}) đã được xử lý mấy hôm trước. Bạn hài lòng với kết quả chứ?\n"
        "Đánh giá từ 1 (rất tệ) đến 5 (rất tốt): gõ một số hoặc bấm nút.",
        "Report {code} ({category}) was handled a few days ago. Are you happy with the result?\n"
        "Rate it from 1 (very poor) to 5 (very good): type a digit or tap a button.",
    ),
    "n_rating_link": ("\nHoặc đánh giá trên trang: {url}", "\nOr rate it on the web: {url}"),
    # --- e-mail to a reporter who gave an address (Open311 `email`) ---------------------------------
    "e_page": ("\nTheo dõi phản ánh: {url}", "\nFollow the report: {url}"),
    "e_rate": (
        "\nBạn hài lòng với kết quả chứ? Đánh giá từ 1 đến 5 sao tại: {url}",
        "\nAre you happy with the result? Rate it from 1 to 5 stars at: {url}",
    ),
    "e_footer": (
        "\n\n-- \nThư tự động của hệ thống tiếp nhận phản ánh hiện trường. Vui lòng không trả lời thư này.",
        "\n\n-- \nAn automatic message of the field-report service. Please do not reply.",
    ),
    "none": ("(chưa có)", "(none yet)"),
}

STATUS_LABELS: dict[str, tuple[str, str]] = {
    "new": ("Mới tiếp nhận", "Received"),
    "assigned": ("Đã chuyển đơn vị xử lý", "Assigned to an agency"),
    "in_progress": ("Đang xử lý", "In progress"),
    "resolved": ("Đã xử lý", "Resolved"),
    "closed": ("Đã đóng", "Closed"),
    "rejected": ("Từ chối tiếp nhận", "Rejected"),
}


def is_english(lang: str | None) -> bool:
    return bool(lang) and lang.lower().startswith("en")


def t(key: str, lang: str | None = "vi", **values: Any) -> str:
    vi, en = TEXTS[key]
    template = en if is_english(lang) else vi
    return template.format(**values) if values else template


def status_label(status: str, lang: str | None = "vi") -> str:
    vi, en = STATUS_LABELS.get(status, (status, status))
    return en if is_english(lang) else vi


def local_time(value: datetime | None, lang: str | None = "vi") -> str:
    """A moment as people in the province read it (HH:MM dd/mm/yyyy, local time)."""
    if value is None:
        return t("none", lang)
    return value.astimezone(ZoneInfo(get_settings().timezone)).strftime("%H:%M %d/%m/%Y")
