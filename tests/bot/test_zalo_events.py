"""Zalo webhook parsing and signature, without a network."""

from __future__ import annotations

import hashlib

from backend.notifications.messages import OutgoingMessage
from bot.zalo.client import split_text
from bot.zalo.events import (
    event_key,
    ignored,
    is_system,
    normalize_phone,
    phone_to_zns,
    recipient_of,
    to_incoming,
    user_of,
)
from bot.zalo.render import as_text
from bot.zalo.webhook import expected_mac


def test_signature_is_sha256_of_app_id_body_timestamp_and_secret():
    raw = b'{"app_id":"1","timestamp":"2"}'
    assert expected_mac(raw, {"app_id": "1", "timestamp": "2"}, "s") == hashlib.sha256(b"1" + raw + b"2s").hexdigest()


def test_location_with_string_coordinates_is_a_point():
    msg = to_incoming({"event_name": "user_send_location", "sender": {"id": "u"}, "message": {
        "msg_id": "m", "attachments": [{"type": "location", "payload": {
            "coordinates": {"latitude": "12.6675", "longitude": "108.0378"}}}]}})
    assert msg.location == (12.6675, 108.0378)


def test_location_with_number_coordinates_is_a_point():
    msg = to_incoming({"event_name": "user_send_location", "sender": {"id": "u"}, "message": {
        "msg_id": "m", "attachments": [{"type": "location", "payload": {
            "coordinates": {"latitude": 12.6, "longitude": 108.0}}}]}})
    assert msg.location == (12.6, 108.0)


def test_image_becomes_a_lazily_fetched_photo():
    msg = to_incoming({"event_name": "user_send_image", "sender": {"id": "u"}, "message": {
        "msg_id": "m", "attachments": [{"type": "image", "payload": {"url": "https://x/y.jpg"}}]}})
    assert len(msg.photos) == 1 and msg.photos[0].label == "https://x/y.jpg"


def test_submit_info_is_read_flat_or_nested():
    flat = to_incoming({"event_name": "user_submit_info", "sender": {"id": "u"},
                        "info": {"name": "An", "phone": "0912345678"}})
    nested = to_incoming({"event_name": "user_submit_info", "sender": {"id": "u"},
                          "info": {"full_address": {"city": "BMT"}, "name": "An", "phone": "0912345678"}})
    assert flat.contact_phone == nested.contact_phone == "0912345678"
    assert flat.display_name == "An"


def test_unfollow_needs_no_answer():
    assert to_incoming({"event_name": "unfollow", "follower": {"id": "u"}}) is None


def test_file_audio_video_are_unsupported_kinds():
    for kind in ("file", "audio", "video", "sticker", "gif"):
        msg = to_incoming({"event_name": f"user_send_{kind}", "sender": {"id": "u"}, "message": {
            "msg_id": "m", "attachments": [{"type": kind, "payload": {"url": "https://x"}}]}})
        assert msg.unsupported == kind


def test_echoes_of_the_bot_are_ignored_and_receipts_recorded_not_answered():
    assert ignored("oa_send_text") and ignored("oa_send_image") and not ignored("user_send_text")
    seen = {"event_name": "user_seen_message", "sender": {"id": "oa"}, "recipient": {"id": "u"},
            "message": {"msg_ids": ["a", "b"]}}
    assert is_system(seen) and to_incoming(seen) is None


def test_an_echo_typed_by_staff_is_recorded_for_the_person_it_went_to():
    echo = {"event_name": "oa_send_text", "sender": {"id": "oa", "admin_id": "adm7"}, "recipient": {"id": "u9"},
            "message": {"msg_id": "e1", "text": "Chào anh, em là cán bộ phường"}}
    assert not ignored("oa_send_text", echo) and is_system(echo)
    assert user_of(echo) == "u9" and to_incoming(echo) is None
    assert event_key(echo) == "e:e1"


def test_consent_withdrawal_is_a_system_event():
    assert is_system({"event_name": "user_withdraw", "sender": {"id": "u"}})


def test_anonymous_text_keeps_what_a_reply_needs():
    msg = to_incoming({"event_name": "anonymous_send_text", "sender": {"id": "anon123"},
                       "recipient": {"id": "oa"}, "message": {"msg_id": "m", "text": "Có rác ở chợ",
                                                               "conversation_id": "conv9"}})
    assert msg.user_id == "anon:anon123:conv9" and msg.text == "Có rác ở chợ"
    assert recipient_of(msg.user_id) == {"anonymous_id": "anon123", "conversation_id": "conv9"}
    assert recipient_of("u1") == {"user_id": "u1"}


def test_a_photo_sent_as_a_jpg_or_png_file_is_a_photo():
    for name, kind in (("IMG_2031.JPG", "jpg"), ("chup.png", "png")):
        msg = to_incoming({"event_name": "user_send_file", "sender": {"id": "u"}, "message": {
            "msg_id": "m", "attachments": [{"type": "file", "payload": {
                "url": "https://f/x", "name": name, "size": "20000", "type": kind}}]}})
        assert len(msg.photos) == 1 and msg.unsupported is None


def test_a_pdf_file_is_still_unsupported():
    msg = to_incoming({"event_name": "user_send_file", "sender": {"id": "u"}, "message": {
        "msg_id": "m", "attachments": [{"type": "file", "payload": {"url": "https://f/x", "name": "a.pdf",
                                                                     "type": "pdf"}}]}})
    assert msg.unsupported == "file" and not msg.photos


def test_an_image_without_url_is_fetched_from_its_thumbnail():
    msg = to_incoming({"event_name": "user_send_image", "sender": {"id": "u"}, "message": {
        "msg_id": "m", "attachments": [{"type": "image", "payload": {"thumbnail": "https://x/t.jpg"}}]}})
    assert [p.label for p in msg.photos] == ["https://x/t.jpg"]


def test_a_phone_in_84_form_becomes_0():
    msg = to_incoming({"event_name": "user_submit_info", "sender": {"id": "u"},
                       "info": {"name": "An", "phone": "84912345678"}})
    assert msg.contact_phone == "0912345678"
    assert normalize_phone("+84 912 345 678") == "0912345678" and normalize_phone("0912345678") == "0912345678"
    assert phone_to_zns("0912345678") == "84912345678"


def test_event_key_is_the_msg_id_or_a_digest():
    assert event_key({"message": {"msg_id": "abc"}}) == "abc"
    follow = {"event_name": "follow", "timestamp": "1", "follower": {"id": "u"}}
    assert event_key(follow) == event_key(dict(follow)) != event_key({**follow, "timestamp": "2"})


def test_long_text_is_split_under_2000_characters():
    parts = split_text(("câu dài " * 50 + "\n") * 20)
    assert len(parts) > 1 and all(len(p) <= 2000 for p in parts)


def test_buttons_become_words_to_type():
    text = as_text(OutgoingMessage("Đúng địa điểm chứ?", [("Đúng", "yes"), ("Không đúng", "no")]))
    assert text.endswith("Đúng | Không đúng")
