"""Every text the bot says to citizens, Vietnamese (with diacritics) and English.

`t(key, lang, **values)`: English when the user's language is English, Vietnamese otherwise.
The notification texts (outbox), status labels and times come from backend/notifications/texts.py,
so a channel says the same thing in the chat and in a notification.
"""

from __future__ import annotations

from typing import Any

from backend.notifications import texts as notification_texts
from backend.notifications.texts import is_english, local_time, status_label

__all__ = ["TEXTS", "is_english", "local_time", "status_label", "t"]

TEXTS: dict[str, tuple[str, str]] = {
    **notification_texts.TEXTS,
    # --- conversation -------------------------------------------------------------------------
    "greeting": (
        "Xin chào{name}! Đây là kênh phản ánh hiện trường của Trung tâm Giám sát, điều hành đô thị thông minh "
        "tỉnh Đắk Lắk.\nHãy mô tả sự việc bạn thấy (lấn chiếm vỉa hè, rác thải, quảng cáo sai phép...), "
        "gửi vị trí và ảnh nếu có.",
        "Hello{name}! This is the field-reporting channel of the Đắk Lắk smart-city operations centre.\n"
        "Describe what you saw (sidewalk encroachment, litter, illegal ads...), then send the location and "
        "photos if you have any.",
    ),
    "help": (
        "Bạn có thể:\n"
        "• Gửi phản ánh: mô tả sự việc, gửi vị trí (hoặc gõ địa chỉ) và tối đa {photos} ảnh.\n"
        "• Tra cứu: gõ mã phản ánh, ví dụ \"tra cứu PA-ABC234\".\n"
        "• Gõ \"phản ánh của tôi\" để xem các phản ánh đã gửi.\n"
        "• Gõ \"hủy\" để hủy, \"bỏ qua\" để bỏ qua ảnh, \"xác nhận\" để gửi.",
        "You can:\n"
        "• Report: describe the problem, share the location (or type an address) and up to {photos} photos.\n"
        "• Track: type the tracking code, e.g. \"tra cứu PA-ABC234\".\n"
        "• Type \"phản ánh của tôi\" (my reports) to list your reports.\n"
        "• Type \"huy\" to cancel, \"bo qua\" to skip photos, \"ok\" to confirm.",
    ),
    "thanks_reply": ("Cảm ơn bạn đã đồng hành cùng thành phố!", "Thank you for helping your city!"),
    "not_understood": (
        "Xin lỗi, tôi chưa hiểu. Hãy mô tả sự việc cần phản ánh, hoặc gõ \"giúp\" để xem hướng dẫn.",
        "Sorry, I did not understand. Describe the problem you want to report, or type \"help\".",
    ),
    "out_of_scope": (
        "Kênh này chỉ tiếp nhận phản ánh sự việc ngoài hiện trường (vỉa hè, rác, nước thải, quảng cáo, "
        "xây dựng, đèn đường...).\n"
        "• Thủ tục hành chính (căn cước, hộ tịch, cư trú, đất đai, giấy phép xây dựng): Bộ phận một cửa "
        "của UBND phường, xã nơi bạn ở, hoặc Cổng dịch vụ công quốc gia dichvucong.gov.vn.\n"
        "• Khiếu nại, tố cáo: tiếp công dân tại UBND phường, xã.\n"
        "• Khẩn cấp: 113 (công an), 114 (cứu hỏa, cứu nạn), 115 (cấp cứu).\n"
        "Nếu bạn muốn phản ánh một sự việc, hãy mô tả nó, hoặc gõ \"giúp\" để xem hướng dẫn.",
        "This channel only takes reports of problems in public places (sidewalks, litter, wastewater, "
        "adverts, construction, street lights...).\n"
        "• Administrative procedures (ID cards, civil status, residence, land, building permits): the "
        "one-stop desk of your ward or commune People's Committee, or the national public service portal "
        "dichvucong.gov.vn.\n"
        "• Complaints and denunciations: the citizen reception of your ward or commune.\n"
        "• Emergencies: 113 (police), 114 (fire and rescue), 115 (ambulance).\n"
        "To report a problem, describe it, or type \"help\".",
    ),
    "unsupported": (
        "Tôi chưa xử lý được loại tin này (nhãn dán, tệp, ghi âm, video). Hãy gửi chữ, ảnh hoặc vị trí.",
        "I cannot handle this kind of message (sticker, file, voice, video). Please send text, photos or a "
        "location.",
    ),
    "empty": (
        "Tin nhắn trống. Hãy mô tả sự việc cần phản ánh, hoặc gõ \"giúp\".",
        "The message is empty. Describe the problem, or type \"help\".",
    ),
    "too_long": (
        "Nội dung dài quá ({length} ký tự, tối đa {limit}). Hãy rút gọn và gửi lại.",
        "The text is too long ({length} characters, at most {limit}). Please shorten it and send again.",
    ),
    "emoji_only": (
        "Cảm ơn bạn! Nếu muốn phản ánh, hãy mô tả sự việc bằng chữ nhé.",
        "Thanks! To report a problem, please describe it in words.",
    ),
    "expired": (
        "Phản ánh bạn đang soạn đã quá 24 giờ không hoạt động nên đã được hủy. Xin mời bắt đầu lại.",
        "The report you were writing was idle for 24 hours and has been discarded. Please start again.",
    ),
    "cancelled": (
        "Đã hủy. Khi cần, bạn cứ mô tả sự việc để gửi phản ánh mới.",
        "Cancelled. Describe a problem any time to start a new report.",
    ),
    "nothing_to_cancel": ("Không có gì để hủy.", "There is nothing to cancel."),
    "error": (
        "Xin lỗi, hệ thống đang gặp sự cố. Bạn vui lòng thử lại sau ít phút.",
        "Sorry, something went wrong on our side. Please try again in a few minutes.",
    ),
    # --- report slots -------------------------------------------------------------------------
    "ask_description": (
        "Bạn hãy mô tả ngắn gọn sự việc (điều gì, ở đâu, từ khi nào).",
        "Please describe the problem briefly (what, where, since when).",
    ),
    "description_short": (
        "Mô tả hơi ngắn. Bạn hãy nói rõ hơn sự việc (ví dụ: \"quán bày bàn ghế chiếm hết vỉa hè\").",
        "The description is too short. Please say a bit more (e.g. \"a café's tables block the sidewalk\").",
    ),
    "got_description": ("Đã ghi nhận mô tả.", "Description noted."),
    "ask_location": (
        "Sự việc ở đâu? Bấm \"📍 Gửi vị trí\" hoặc gõ địa chỉ (số nhà, đường, phường/xã).",
        "Where is it? Tap \"📍 Send location\" or type the address (street and ward/commune).",
    ),
    "ask_location_typed": (
        "Sự việc ở đâu? Gõ địa chỉ (số nhà, đường, phường/xã) hoặc toạ độ \"vĩ độ, kinh độ\".",
        "Where is it? Type the address (street and ward/commune) or the coordinates \"lat, lon\".",
    ),
    "location_button": ("📍 Gửi vị trí", "📍 Send location"),
    "contact_button": ("📞 Gửi số điện thoại", "📞 Share my phone number"),
    "contact_form_title": ("Chia sẻ số điện thoại", "Share your phone number"),
    "contact_form_subtitle": (
        "Để cán bộ gọi lại khi cần làm rõ phản ánh (không bắt buộc).",
        "So that an officer can call you back about your report (optional).",
    ),
    "confirm_address": (
        "Tôi tìm thấy: {place}. Đúng địa điểm chứ?",
        "I found: {place}. Is this the right place?",
    ),
    "confirm_address_area": (
        "Tôi chưa tìm được chính xác \"{address}\" trên bản đồ, chỉ xác định được {area} (vị trí gần đúng "
        "ở tâm phường/xã). Địa chỉ bạn gõ vẫn được gửi kèm để cán bộ tìm đến. Đúng địa điểm chứ? "
        "Nếu đang ở hiện trường, bạn có thể gửi vị trí để chính xác hơn.",
        "I could not find \"{address}\" exactly on the map, only {area} (an approximate point at the ward's "
        "centre). The address you typed is sent with the report so officers can find it. Is this the right place? "
        "If you are on the spot, share your location to be exact.",
    ),
    "place_approximate": (
        "{address} — {area} (vị trí gần đúng)",
        "{address} — {area} (approximate location)",
    ),
    "address_not_found": (
        "Không tìm thấy địa chỉ \"{address}\" trong tỉnh Đắk Lắk. Hãy ghi rõ phường/xã, hoặc gửi vị trí.",
        "Could not find \"{address}\" in Đắk Lắk province. Add the ward/commune, or share the location.",
    ),
    "outside_province": (
        "Vị trí này nằm ngoài tỉnh Đắk Lắk nên chúng tôi không tiếp nhận được. Cảm ơn bạn! "
        "Nếu nhầm, hãy gửi lại vị trí hoặc gõ địa chỉ trong tỉnh.",
        "This place is outside Đắk Lắk province, so we cannot take it. Thank you! If that was a mistake, "
        "send the location again or type an address in the province.",
    ),
    "location_ok": ("Đã ghi nhận vị trí: {place}.", "Location noted: {place}."),
    "ask_photos": (
        "Bạn có ảnh hiện trường không? Gửi tối đa {photos} ảnh, hoặc gõ \"bỏ qua\".",
        "Do you have photos? Send up to {photos}, or type \"bo qua\" to skip.",
    ),
    "photo_received": (
        "Đã nhận ảnh {count}/{photos}. Gửi thêm, hoặc gõ \"xong\" để tiếp tục.",
        "Photo {count}/{photos} received. Send more, or type \"done\" to continue.",
    ),
    "photo_received_first": (
        "Đã nhận ảnh {count}/{photos}.",
        "Photo {count}/{photos} received.",
    ),
    "photo_all_received": (
        "Đã nhận đủ {photos}/{photos} ảnh.",
        "All {photos} photos received.",
    ),
    "photo_bad": ("Ảnh không hợp lệ: {reason}", "The photo was not accepted: {reason}"),
    "photo_limit": (
        "Đã đủ {photos} ảnh, ảnh thêm không được lưu.",
        "You already sent {photos} photos; extra photos are not kept.",
    ),
    "ask_category": (
        "Sự việc thuộc lĩnh vực nào? Bấm nút hoặc gõ số:\n{choices}",
        "Which kind of problem is it? Tap a button or type the number:\n{choices}",
    ),
    "bad_category": ("Hãy chọn số từ 1 đến {n}.", "Please choose a number from 1 to {n}."),
    "ask_consent": (
        "Để cán bộ liên hệ lại khi cần, chúng tôi xin lưu tên và số điện thoại của bạn "
        "(theo Nghị định 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân; chỉ dùng để xử lý phản ánh, không công khai). "
        "Bạn đồng ý chứ?",
        "So that an officer can call you back if needed, may we keep your name and phone number "
        "(Decree 13/2023 on personal data protection; used only to handle reports, never published)?",
    ),
    "consent_no": (
        "Đã rõ, chúng tôi sẽ không lưu tên và số điện thoại của bạn.",
        "Understood: we will not keep your name or phone number.",
    ),
    "ask_phone": (
        "Cảm ơn! Số điện thoại để cán bộ gọi lại (không bắt buộc)? Gõ số, hoặc \"bỏ qua\".",
        "Thanks! A phone number for a call back (optional)? Type it, or \"bo qua\".",
    ),
    "bad_phone": (
        "Số điện thoại chưa đúng (ví dụ 0912345678). Gõ lại, hoặc \"bỏ qua\".",
        "That phone number does not look right (e.g. 0912345678). Type it again, or \"bo qua\".",
    ),
    "duplicate_found": (
        "Hình như sự việc này đã được phản ánh: {code} ({category}, {status}), cách khoảng {distance} m.\n"
        "Bạn có muốn ủng hộ phản ánh đó thay vì gửi mới không?",
        "This looks like report {code} ({category}, {status}), about {distance} m away.\n"
        "Would you like to support it instead of filing a new one?",
    ),
    "duplicate_found_address": (
        "Hình như sự việc này đã được phản ánh: {code} ({category}, {status}), cùng địa chỉ \"{address}\".\n"
        "Bạn có muốn ủng hộ phản ánh đó thay vì gửi mới không?",
        "This looks like report {code} ({category}, {status}), at the same address \"{address}\".\n"
        "Would you like to support it instead of filing a new one?",
    ),
    "supported": (
        "Cảm ơn! Bạn đã ủng hộ phản ánh {code}. Bạn sẽ nhận được kết quả xử lý.\n{status}",
        "Thanks! You now support report {code} and will hear its result.\n{status}",
    ),
    "already_supported": (
        "Bạn đã theo dõi phản ánh {code} rồi.\n{status}",
        "You already follow report {code}.\n{status}",
    ),
    "summary": (
        "Xin kiểm tra lại phản ánh:\n• Lĩnh vực: {category}\n• Địa điểm: {place}\n• Ảnh: {photos}\n"
        "• Mô tả: {description}\n"
        "Gõ \"xác nhận\" để gửi, \"đổi lĩnh vực\" để chọn lại, \"hủy\" để hủy.",
        "Please check your report:\n• Category: {category}\n• Place: {place}\n• Photos: {photos}\n"
        "• Description: {description}\n"
        "Type \"ok\" to send, \"change category\" to pick another, \"cancel\" to drop it.",
    ),
    "created": (
        "Đã tiếp nhận phản ánh. Mã tra cứu: {code}\nĐơn vị xử lý: {agency}\nHạn xử lý: {due}\n"
        "Chúng tôi sẽ báo kết quả qua kênh này.",
        "Your report has been received. Tracking code: {code}\nHandled by: {agency}\nDue: {due}\n"
        "We will send you the result here.",
    ),
    "create_failed": ("Chưa gửi được phản ánh: {reason}", "The report could not be filed: {reason}"),
    "not_in_report": (
        "Chưa có phản ánh nào đang soạn. Hãy mô tả sự việc để bắt đầu.",
        "There is no report in progress. Describe the problem to start one.",
    ),
    # --- status, my reports ------------------------------------------------------------------
    "ask_code": ("Bạn gõ mã phản ánh (dạng PA-XXXXXX) nhé.", "Please type the tracking code (PA-XXXXXX)."),
    "status": (
        "Phản ánh {code}: {status}\nLĩnh vực: {category}\nĐịa bàn: {area}\nĐơn vị xử lý: {agency}\nHạn: {due}{note}",
        "Report {code}: {status}\nCategory: {category}\nArea: {area}\nHandled by: {agency}\nDue: {due}{note}",
    ),
    "status_note": ("\nKết quả: {note}", "\nResult: {note}"),
    "code_not_found": (
        "Không tìm thấy phản ánh {code}. Bạn kiểm tra lại mã nhé.",
        "Report {code} was not found. Please check the code.",
    ),
    "my_reports": ("Phản ánh gần đây của bạn:\n{items}", "Your recent reports:\n{items}"),
    "my_reports_item": ("• {code}: {status} ({category})", "• {code}: {status} ({category})"),
    "no_reports": ("Bạn chưa gửi phản ánh nào.", "You have not sent any report yet."),
    # --- rating -------------------------------------------------------------------------------
    "rated": ("Cảm ơn bạn đã đánh giá {stars}/5 cho {code}.", "Thank you for rating {code} {stars}/5."),
    "ask_reopen": (
        "Rất tiếc vì kết quả chưa tốt. Sự việc vẫn chưa được khắc phục? Bạn có muốn mở lại phản ánh {code} không?",
        "Sorry the result was not good. Is it still not fixed? Do you want to reopen report {code}?",
    ),
    "reopen_stale": (
        "Phản ánh {code} bạn đã đánh giá {stars}★ nên không mở lại. Nếu sự việc tái diễn, hãy gửi phản ánh mới.",
        "You rated {code} {stars}★, so it is not reopened. If the problem is back, send a new report.",
    ),
    "reopened": (
        "Đã mở lại phản ánh {code} và chuyển lại đơn vị xử lý. Hạn mới: {due}.",
        "Report {code} is reopened and sent back to the agency. New deadline: {due}.",
    ),
    "not_reopened": ("Đã rõ, cảm ơn bạn.", "Understood, thank you."),
    "cannot": ("Không thực hiện được: {reason}", "That did not work: {reason}"),
    "nothing_to_rate": (
        "Hiện không có phản ánh nào chờ bạn đánh giá.",
        "There is no report waiting for your rating.",
    ),
    # --- buttons --------------------------------------------------------------------------------
    "btn_confirm": ("✅ Xác nhận", "✅ Confirm"),
    "btn_change_category": ("🔁 Đổi lĩnh vực", "🔁 Change category"),
    "btn_cancel": ("❌ Hủy", "❌ Cancel"),
    "btn_yes": ("Đồng ý", "Yes"),
    "btn_no": ("Không", "No"),
    "btn_right_place": ("Đúng", "Yes"),
    "btn_wrong_place": ("Không đúng", "No"),
    "btn_skip": ("Bỏ qua", "Skip"),
    "btn_done": ("Xong", "Done"),
    "btn_support": ("👍 Ủng hộ", "👍 Support it"),
    "btn_new_report": ("Gửi mới", "File a new one"),
    "btn_reopen": ("Mở lại", "Reopen"),
    "photos_none": ("không có", "none"),
    "answer_thanks": (
        "Cảm ơn bạn! Câu trả lời đã được gửi đến cán bộ xử lý phản ánh {code}.",
        "Thank you! Your answer has been passed to the officer handling report {code}.",
    ),
    "erase_confirm": (
        "Bạn muốn xóa dữ liệu cá nhân (tên, số điện thoại, định danh chat) khỏi các phản ánh đã gửi? "
        "Các phản ánh vẫn được xử lý nhưng ẩn danh, và cán bộ không liên lạc lại được với bạn. "
        "Gõ \"đồng ý\" để xóa, hoặc \"không\" để giữ lại.",
        "Delete your personal data (name, phone, chat id) from the reports you sent? The reports stay and "
        "are still handled, anonymously, and officers cannot contact you. Type \"dong y\" to delete, or "
        "\"khong\" to keep it.",
    ),
    "erased": (
        "Đã xóa dữ liệu cá nhân của bạn ({reports} phản ánh đã được ẩn danh). Cảm ơn bạn đã sử dụng dịch vụ.",
        "Your personal data has been deleted ({reports} reports made anonymous). Thank you for using the "
        "service.",
    ),
    "erase_kept": ("Dữ liệu của bạn được giữ nguyên.", "Your data is kept as it was."),
}


def t(key: str, lang: str | None = "vi", **values: Any) -> str:
    vi, en = TEXTS[key]
    template = en if is_english(lang) else vi
    return template.format(**values) if values else template
