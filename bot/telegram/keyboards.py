"""Keyboards as functions; button payloads from the engine travel as typed CallbackData."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from backend.notifications.messages import OutgoingMessage
from bot.dialogue.texts import t


class CategoryCb(CallbackData, prefix="cat"):
    code: str


class RatingCb(CallbackData, prefix="rate"):
    code: str
    stars: int


class ReportCb(CallbackData, prefix="rep"):
    action: str  # status | reopen | noreopen
    code: str


class ActionCb(CallbackData, prefix="act"):
    name: str  # confirm | cancel | change_category | yes | no | skip | support | new ...


def pack(payload: str) -> str:
    head, _, rest = payload.partition(":")
    if head == "cat":
        return CategoryCb(code=rest).pack()
    if head == "rate":
        code, _, stars = rest.rpartition(":")
        return RatingCb(code=code, stars=int(stars)).pack()
    if head in ("status", "reopen", "noreopen"):
        return ReportCb(action=head, code=rest).pack()
    return ActionCb(name=payload).pack()


def unpack(cb: CallbackData) -> str:
    if isinstance(cb, CategoryCb):
        return f"cat:{cb.code}"
    if isinstance(cb, RatingCb):
        return f"rate:{cb.code}:{cb.stars}"
    if isinstance(cb, ReportCb):
        return f"{cb.action}:{cb.code}"
    assert isinstance(cb, ActionCb)
    return cb.name


def location_keyboard(lang: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=t("location_button", lang), request_location=True)]],
        resize_keyboard=True, one_time_keyboard=True,
    )


def inline_keyboard(buttons: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    payloads = [p for _label, p in buttons]
    per_row = 5 if all(p.startswith("rate:") for p in payloads) else 1 if payloads[0].startswith("cat:") else 3
    rows: list[list[InlineKeyboardButton]] = []
    for i in range(0, len(buttons), per_row):
        rows.append([InlineKeyboardButton(text=label, callback_data=pack(p)) for label, p in buttons[i:i + per_row]])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def contact_keyboard(message: OutgoingMessage, lang: str) -> ReplyKeyboardMarkup:
    """Share-my-number button, and the message's other choices as buttons that type their label
    (a message has one keyboard: a reply keyboard here, not inline buttons)."""
    rows = [[KeyboardButton(text=t("contact_button", lang), request_contact=True)]]
    rows += [[KeyboardButton(text=label)] for label, _payload in message.buttons]
    return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, one_time_keyboard=True)


def markup(message: OutgoingMessage, lang: str) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    if message.request_contact:
        return contact_keyboard(message, lang)
    if message.buttons:
        return inline_keyboard(message.buttons)
    if message.request_location:
        return location_keyboard(lang)
    return None
