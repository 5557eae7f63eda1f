"""The terminal chat: buttons shown as numbers, `#n` presses one, `/anh` sends a photo file."""

from __future__ import annotations

from rich.console import Console

from backend.notifications.messages import OutgoingMessage
from bot.cli import parse, show


def test_buttons_are_numbered_and_pressed_with_a_hash():
    console = Console(record=True, width=100)
    payloads = show(console, [OutgoingMessage("Xác nhận?", [("Xác nhận", "confirm"), ("Hủy", "cancel")])])
    assert "[1] Xác nhận" in console.export_text() and payloads == ["confirm", "cancel"]
    assert parse("#2", "me", payloads).payload == "cancel"


def test_plain_text_and_coordinates_are_sent_as_typed():
    assert parse("12.6675,108.0378", "me", []).text == "12.6675,108.0378"


def test_photo_command_reads_the_file(tmp_path):
    path = tmp_path / "a.jpg"
    path.write_bytes(b"data")
    assert parse(f"/anh {path}", "me", []).photos == [b"data"]
