"""Telegram keyboards from channel-neutral messages."""

from aiogram.types import ReplyKeyboardMarkup

from backend.notifications.messages import OutgoingMessage
from bot.telegram.keyboards import markup


def test_a_phone_question_gets_a_share_contact_keyboard_with_its_choices() -> None:
    keyboard = markup(OutgoingMessage("Số điện thoại?", [("Bỏ qua", "skip")], request_contact=True), "vi")
    assert isinstance(keyboard, ReplyKeyboardMarkup)
    first, second = keyboard.keyboard
    assert first[0].request_contact and first[0].text == "📞 Gửi số điện thoại"
    assert second[0].text == "Bỏ qua" and not second[0].request_contact


def test_the_share_button_speaks_english_to_english_users() -> None:
    keyboard = markup(OutgoingMessage("Phone?", [], request_contact=True), "en")
    assert isinstance(keyboard, ReplyKeyboardMarkup)
    assert keyboard.keyboard[0][0].text == "📞 Share my phone number"
