"""One conversation for every channel: `handle(incoming, session=...) -> [OutgoingMessage]`.

A report is filled slot by slot in any order (description, location, photos), then the category
(asked only when the classifier is unsure), consent (once), a look for the same problem nearby,
a summary and confirmation (bot/dialogue/form.py). Status lookup, "my reports", rating and
reopening work at any time (bot/dialogue/followups.py). Typed words always work; buttons are a
convenience (bot/dialogue/words.py). The engine asks the services, never the tables.
"""

from __future__ import annotations

import copy
import logging
import re

from sqlalchemy.ext.asyncio import AsyncSession

from backend.citizens import service as citizens_service
from backend.core.db import utcnow
from backend.core.text import clean, fold_words
from backend.geo import service as geo_service
from backend.notifications.messages import OutgoingMessage
from bot.dialogue import contact
from bot.dialogue.followups import FollowUps
from bot.dialogue.form import ReportForm
from bot.dialogue.messages import IncomingMessage
from bot.dialogue.state import expire_if_idle, get_store
from bot.dialogue.texts import is_english, t
from bot.dialogue.words import (
    BUTTON_WORDS,
    CANCEL,
    CODE_RE,
    CONVERSATIONAL,
    COORD_RE,
    HELP,
    HOUSE_NUMBER_RE,
    MINE,
    NEW_REPORT,
    PLACE_START_RE,
    START,
    TRACK,
)
from nlu import service as nlu_service

log = logging.getLogger(__name__)


class Conversation(ReportForm, FollowUps):
    """One turn: the message goes to the report form, a follow-up, or small talk."""

    async def run(self) -> list[OutgoingMessage]:
        msg = self.msg
        if await contact.intercept(self):  # the answer to a staff question, "xóa dữ liệu của tôi"
            return self.out
        if msg.contact_phone:
            await self.on_phone(msg.contact_phone, from_contact=True)
            return self.out
        if msg.payload:
            await self.on_payload(msg.payload)
            return self.out
        if msg.location is not None:
            await self.on_location(*msg.location)
            return self.out
        if msg.photos:
            await self.on_photos(msg.photos)
            if msg.text and msg.text.strip():  # a caption is a description
                await self.on_text(msg.text, caption=True)
            elif self.draft is not None:
                await self.advance(after_photo=True)
            return self.out
        if msg.unsupported:
            self.say("unsupported")
            return self.out
        await self.on_text(msg.text or "")
        return self.out

    async def on_payload(self, payload: str) -> None:
        head, _, rest = payload.partition(":")
        if head == "cat":
            await self.pick_category(rest)
        elif head == "rate":
            code, _, stars = rest.rpartition(":")
            await self.rate(int(stars) if stars.isdigit() else 0, code or None)
        elif head == "reopen":
            await self.reopen(rest)
        elif head == "noreopen":
            self.data.pop("await", None)
            self.say("not_reopened")
        elif head == "status":
            await self.show_status(rest)
        else:  # confirm, cancel, yes, no, skip, support, new, help...: the same as typing them
            await self.on_text(BUTTON_WORDS.get(payload, payload))

    async def on_text(self, text: str, caption: bool = False) -> None:
        raw = text.strip()
        folded = fold_words(raw) or raw  # punctuation alone ("?") is kept
        limit = self.settings.description_max_chars
        if not raw:
            self.say("empty")
            return
        if len(raw) > limit:
            self.say("too_long", length=len(raw), limit=limit)
            return
        if folded in CANCEL:
            if self.draft is not None or self.awaiting:
                self.clear()
                self.say("cancelled")
            else:
                self.say("nothing_to_cancel")
            return
        if folded in HELP:
            self.say("help", photos=self.settings.photos_per_report)
            return
        if folded in START:
            self.clear()
            name = f" {self.citizen.display_name}" if self.citizen.display_name else ""
            self.say("greeting", name=name)
            return
        code = CODE_RE.search(raw)
        if code and (len(folded.split()) <= 4 or folded.startswith("tra cuu") or self.awaiting == "code"):
            if self.awaiting == "code":
                self.data.pop("await", None)
            await self.show_status(code.group(0))
            return
        if folded in MINE:
            await self.my_reports()
            return
        if folded in NEW_REPORT:
            self.clear()
            self.new_draft()
            self.data["await"] = "description"
            self.say("ask_description")
            return
        if folded in TRACK:
            self.data["await"] = "code"
            self.say("ask_code")
            return
        if not any(c.isalnum() for c in folded):
            self.say("emoji_only" if self.draft is None else "not_understood")
            if self.draft is not None:
                await self.advance()
            return
        if re.fullmatch(r"[1-5]", folded) and self.awaiting not in ("category", "phone"):
            if await self.rate(int(folded), None, quiet=self.draft is not None):
                return
        handler = {
            "reopen": self.answer_reopen, "consent": self.answer_consent, "phone": self.answer_phone,
            "place_ok": self.answer_place, "category": self.answer_category, "duplicate": self.answer_duplicate,
            "confirm": self.answer_confirm, "photos": self.answer_photos, "code": self.answer_code,
        }.get(self.awaiting or "")
        if handler is not None and await handler(raw, folded):
            return
        coords = COORD_RE.match(raw)
        if coords:
            await self.on_location(float(coords.group(1)), float(coords.group(2)))
            return
        await self.fill_text(raw, folded, caption)

    async def fill_text(self, raw: str, folded: str, caption: bool) -> None:
        draft = self.draft
        if (draft is None or (not draft.get("description") and draft.get("lat") is None)) and not caption \
                and await self.reads_as_place(raw, folded):
            if draft is None:
                self.new_draft()
            await self.on_address(raw)  # the place first: the description is asked for next
            return
        if draft is None:
            if not caption:
                parsed = await nlu_service.parse(raw)
                intent = parsed.get("intent", {}).get("name")
                confidence = parsed.get("intent", {}).get("confidence", 0)
                if intent in CONVERSATIONAL and confidence >= 0.5:
                    await self.small_talk(intent, raw)
                    return
                if len(folded) < 12 or len(folded.split()) < 3:
                    self.say("not_understood")
                    return
            draft = self.new_draft()
        if not draft.get("description"):
            if len(folded) < 8 or len(folded.split()) < 2:
                self.say("description_short")
                return
            draft["description"] = raw
            if draft.get("lat") is None:
                self.say("got_description")
            await self.advance()
            return
        if draft.get("lat") is None:
            await self.on_address(raw)
            return
        # More words after the description: keep them with it.
        draft["description"] = (draft["description"] + "\n" + raw)[: self.settings.description_max_chars]
        draft.pop("category", None)
        self.say("got_description")
        await self.advance()

    async def reads_as_place(self, raw: str, folded: str) -> bool:
        """An address typed before any description ("123 Lê Duẩn, phường Tân Lập"): it starts as an
        address does, is short, says nothing the classifier recognises as a problem (unless it starts
        with a house number), and the geocoder finds it in the province."""
        if len(folded.split()) > 12:
            return False
        if not HOUSE_NUMBER_RE.match(folded):
            if not PLACE_START_RE.match(folded) or not (await nlu_service.classify(raw)).unsure:
                return False
        return await geo_service.geocode(session=self.session, address=raw) is not None

    async def small_talk(self, intent: str, raw: str) -> None:
        if intent == "greet":
            name = f" {self.citizen.display_name}" if self.citizen.display_name else ""
            self.say("greeting", name=name)
        elif intent == "thanks":
            self.say("thanks_reply")
        elif intent == "check_status":
            self.data["await"] = "code"
            self.say("ask_code")
        elif intent == "give_rating":
            self.say("rating_hint")
        elif intent == "out_of_scope":  # an administrative question, not a field report: where it goes
            self.say("out_of_scope")
        else:
            self.say("help", photos=self.settings.photos_per_report)


async def handle(incoming: IncomingMessage, *, session: AsyncSession) -> list[OutgoingMessage]:
    """Answer one message. Never raises for bad input: the person always gets a reply.

    The session's transaction belongs to this turn (each channel opens one per message): when the
    conversation fails half-way, its changes are rolled back and the conversation state is kept as
    it was, without the cost of a savepoint on every turn."""
    if incoming.text:  # every channel's text, cleaned once at the edge of the dialogue
        incoming.text = clean(incoming.text)
    store = get_store()
    data, updated_at = await store.load(session, incoming.channel, incoming.user_id)
    data, expired = expire_if_idle(data, updated_at, utcnow())
    language = ("en" if is_english(incoming.language) else "vi") if incoming.language else None
    citizen = await citizens_service.get_or_create(
        session=session, channel=incoming.channel, external_id=incoming.user_id, language=language
    )
    if citizen.bot_paused_until is not None and citizen.bot_paused_until > utcnow():
        return []  # a staff member is answering this person by hand: the bot keeps quiet
    conversation = Conversation(session, incoming, citizen, copy.deepcopy(data))
    try:
        out = await conversation.run()
        await session.flush()  # a failing write fails here, inside the try
        data = conversation.data
    except Exception:
        log.exception("dialogue failed on %s:%s", incoming.channel, incoming.user_id)
        await session.rollback()
        out = [OutgoingMessage(t("error", conversation.lang))]
    if expired:
        out.insert(0, OutgoingMessage(t("expired", conversation.lang)))
    if not out:  # never silence
        out = [OutgoingMessage(t("not_understood", conversation.lang))]
    await store.save(session, incoming.channel, incoming.user_id, data)
    return out
