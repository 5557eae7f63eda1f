"""Zalo webhook parsing and signature, without a network."""

from __future__ import annotations

import hashlib

from backend.notifications.messages import OutgoingMessage
from bot.zalo.client import split_text
from bot.zalo.events import event_key, ignored, to_incoming
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


def test_echo_and_receipts_are_ignored():
    assert ignored("oa_send_text") and ignored("oa_send_image") and ignored("user_seen_message")
    assert not ignored("user_send_text")


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
