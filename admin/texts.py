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
    "hotline": "Tổng đài", "api": "API", "open311": "Open311", "camera": "Camera giám sát",
}
EVENT_LABELS = {
    **ACTION_LABELS,
    "note": "Ghi chú",
    "view_contact": "Xem số điện thoại người phản ánh",
    "question": "Hỏi người dân",
    "citizen_answer": "Người dân trả lời",
    "deadline_paused": "Tạm dừng tính hạn",
    "deadline_resumed": "Tiếp tục tính hạn",
    "called_back": "Tổng đài đã gọi lại",
    "staff_chat": "Cán bộ nhắn trực tiếp trên Zalo OA",
    "erased": "Xóa dữ liệu cá nhân theo yêu cầu",
    "unreachable": "Không liên lạc được với người dân",
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
    "question": "Câu hỏi cho người dân", "question_reminder": "Nhắc trả lời câu hỏi",
    "staff_alert": "Cảnh báo cho cán bộ",
}
ROUTE_LABELS = {"cs": "tin tư vấn", "transaction": "tin giao dịch", "zns": "ZNS"}
RECEIPT_LABELS = {"sent": "đã gửi", "received": "đã nhận", "seen": "đã xem"}
CALLBACK_REASONS = {"question": "Hỏi người dân qua điện thoại", "unreachable": "Không nhắn tin được cho người dân"}
OUTBOX_LABELS = {"pending": "Đang chờ gửi", "sent": "Đã gửi", "failed": "Gửi lỗi"}
UNIT_LABELS = {"working_days": "ngày làm việc", "working_hours": "giờ làm việc", "days": "ngày", "hours": "giờ"}

LOGIN_FAILED = "Sai tên đăng nhập hoặc mật khẩu."
CSRF_FAILED = "Phiên biểu mẫu không hợp lệ hoặc đã hết hạn. Hãy tải lại trang và thử lại."
FORBIDDEN = "Bạn không có quyền thực hiện thao tác này."
PASSWORD_CHANGED = "Đã đổi mật khẩu. Hãy đăng nhập lại."
