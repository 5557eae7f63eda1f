"""Staff-facing Vietnamese texts of website monitoring (alerts, timeline, statuses)."""

from __future__ import annotations

STATUS = {"up": "Hoạt động", "down": "Mất kết nối", "defaced": "Bị thay đổi giao diện", "unknown": "Chưa kiểm tra"}
KIND = {
    "down": "Website không truy cập được",
    "defaced": "Nghi bị tấn công thay đổi giao diện",
    "cert_expiring": "Chứng thư số SSL sắp hết hạn",
    "slow": "Website phản hồi chậm",
}
ACTION = {
    "opened": "Mở sự cố", "notified": "Đã báo", "acknowledged": "Đã tiếp nhận", "confirmed": "Xác nhận bị tấn công",
    "warning": "Cảnh báo", "reminded": "Nhắc lại", "note": "Ghi chú", "resolved": "Đã đóng",
    "baseline_accepted": "Chấp nhận nội dung mới",
}


def opened(kind: str, site: str, url: str, agency: str | None, detail: str) -> str:
    owner = f" ({agency})" if agency else ""
    return f"⚠️ {KIND[kind]}: {site}{owner}\n{url}\n{detail}"


def closed(kind: str, site: str, url: str, minutes: int, note: str) -> str:
    return f"✅ Đã hết sự cố «{KIND[kind]}»: {site}\n{url}\nKéo dài {duration(minutes)}. {note}".strip()


def reminder(kind: str, site: str, url: str, minutes: int) -> str:
    return f"⏰ Nhắc lại: {KIND[kind]} — {site}\n{url}\nĐã {duration(minutes)}, chưa có ai tiếp nhận."


def burst(count: int, names: list[str]) -> str:
    shown = ", ".join(names[:10]) + (f" và {count - 10} website khác" if count > 10 else "")
    return (f"⚠️ {count} sự cố website cùng lúc (có thể do mạng của Trung tâm): {shown}. "
            "Xem chi tiết tại trang Giám sát website.")


def cert_warning(days: int) -> str:
    return f"Chứng thư số còn {days} ngày" if days > 0 else "Chứng thư số đã hết hạn"


def duration(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} phút"
    hours, rest = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} giờ {rest} phút" if rest else f"{hours} giờ"
    days, hours = divmod(hours, 24)
    return f"{days} ngày {hours} giờ"
