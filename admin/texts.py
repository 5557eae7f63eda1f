"""Vietnamese texts of the staff site and the portal (one module per surface, see STYLE.md)."""

from __future__ import annotations

from backend.reports.timeline import ACTION_LABELS

STATUS_LABELS = {
    "new": "Mới tiếp nhận",
    "assigned": "Đã chuyển xử lý",
    "in_progress": "Đang xử lý",
    "resolved": "Đã xử lý",
    "closed": "Đã đóng",
    "rejected": "Từ chối",
}
ROLE_LABELS = {
    "admin": "Quản trị",
    "supervisor": "Giám sát",
    "hotline": "Tổng đài",
    "officer": "Cán bộ xử lý",
}
CHANNEL_LABELS = {
    "zalo": "Zalo", "telegram": "Telegram", "cli": "Dòng lệnh", "web": "Cổng thông tin",
    "hotline": "Tổng đài", "api": "API", "open311": "Open311",
}
EVENT_LABELS = {
    **ACTION_LABELS,
    "note": "Ghi chú",
    "view_contact": "Xem số điện thoại người phản ánh",
}
# Buttons for the actions a role may take (labels on the report page).
BUTTON_LABELS = {
    "assign": "Tiếp nhận / chuyển xử lý",
    "reassign": "Chuyển đơn vị khác",
    "start": "Bắt đầu xử lý",
    "resolve": "Báo đã xử lý",
    "reject": "Từ chối",
    "reopen": "Mở lại",
    "close": "Đóng phản ánh",
    "duplicate": "Gộp trùng",
}
OUTBOX_KINDS = {
    "received": "Báo đã tiếp nhận", "assigned": "Báo đã chuyển xử lý", "in_progress": "Báo đang xử lý",
    "resolved": "Báo kết quả, mời đánh giá", "rejected": "Báo từ chối", "closed": "Báo đã đóng",
    "rating_reminder": "Nhắc đánh giá", "merged": "Báo đã gộp vào phản ánh khác",
}
OUTBOX_LABELS = {"pending": "Đang chờ gửi", "sent": "Đã gửi", "failed": "Gửi lỗi"}
UNIT_LABELS = {"working_days": "ngày làm việc", "working_hours": "giờ làm việc", "days": "ngày", "hours": "giờ"}

LOGIN_FAILED = "Sai tên đăng nhập hoặc mật khẩu."
CSRF_FAILED = "Phiên biểu mẫu không hợp lệ hoặc đã hết hạn. Hãy tải lại trang và thử lại."
FORBIDDEN = "Bạn không có quyền thực hiện thao tác này."
PASSWORD_CHANGED = "Đã đổi mật khẩu. Hãy đăng nhập lại."
