"""One conversation for every channel: `handle(incoming, session=...) -> [OutgoingMessage]`.

A report is filled slot by slot in any order (description, location, photos), then the category
(asked only when the classifier is unsure), consent (once), a look for the same problem nearby,
a summary and confirmation. Status lookup, "my reports", rating and reopening work at any time.
Typed words always work; buttons are a convenience.
"""

from __future__ import annotations

import copy
import logging
import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog import service as catalog_service
from backend.citizens import service as citizens_service
from backend.citizens.models import Citizen
from backend.core.actor import Actor
from backend.core.config import get_settings
from backend.core.db import utcnow
from backend.core.errors import DomainError, NotFound
from backend.geo import service as geo_service
from backend.notifications.models import Outbox
from backend.reports import media
from backend.reports import service as reports_service
from backend.reports.models import Report, Status, Supporter
from backend.reports.schemas import ReportCreate
from bot.dialogue import contact
from bot.dialogue.messages import IncomingMessage, OutgoingMessage, PhotoRef
from bot.dialogue.state import expire_if_idle, get_store
from bot.dialogue.texts import is_english, status_label, t
from nlu import service as nlu_service

log = logging.getLogger(__name__)

CODE_RE = re.compile(r"\bPA-[0-9A-Z]{6,}\b", re.IGNORECASE)
COORD_RE = re.compile(r"^\s*(-?\d{1,2}\.\d+)\s*[,; ]\s*(-?\d{1,3}\.\d+)\s*$")
PHONE_RE = re.compile(r"^(\+?84|0)\d{8,10}$")

CANCEL = {"huy", "/huy", "huy bo", "cancel", "/cancel", "thoi"}
CONFIRM = {"xac nhan", "ok", "okay", "oke", "confirm", "gui", "gui di", "dong y", "yes", "co", "dung"}
YES = {"co", "dong y", "yes", "y", "ok", "okay", "dung", "vang", "u", "uh", "duoc", "xac nhan", "chinh xac",
       "phai", "co a", "dung roi", "ung ho", "mo lai"}
NO = {"khong", "ko", "k", "no", "n", "khong dung", "sai", "khong phai", "thoi", "khong can", "gui moi"}
SKIP = {"bo qua", "/skip", "skip", "xong", "done", "khong co", "khong co anh", "het", "tiep", "tiep tuc"}
HELP = {"giup", "/help", "help", "huong dan", "tro giup", "?", "menu"}
START = {"/start", "bat dau", "start"}
NEW_REPORT = {"/baocao", "bao cao", "phan anh", "gui phan anh", "phan anh moi", "report"}
TRACK = {"/tracuu", "tra cuu", "tra cuu phan anh", "track"}
MINE = {"phan anh cua toi", "/cuatoi", "my reports", "cua toi", "danh sach phan anh"}
CHANGE_CATEGORY = {"doi linh vuc", "change category", "doi", "sua linh vuc", "chon lai"}
CONVERSATIONAL = {"greet", "thanks", "ask_help", "check_status", "affirm", "deny", "give_rating", "out_of_scope"}


def fold(text: str) -> str:
    """Lower case, no diacritics, single spaces: what typed words are compared on."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return " ".join(text.lower().replace("!", " ").replace(".", " ").replace(",", " ").split())


def is_command(text: str) -> bool:
    """A message that is a command (never the answer to a staff question)."""
    folded = fold(text)
    if folded.startswith("/") or any(folded in words for words in (CANCEL, HELP, START, MINE, NEW_REPORT, TRACK)):
        return True
    return bool(CODE_RE.search(text)) and (len(folded.split()) <= 4 or folded.startswith("tra cuu"))


def local_time(value: datetime | None, lang: str) -> str:
    if value is None:
        return t("none", lang)
    return value.astimezone(ZoneInfo(get_settings().timezone)).strftime("%H:%M %d/%m/%Y")


async def status_text(report: Report, lang: str) -> str:
    note = t("status_note", lang, note=report.resolution_note) if report.resolution_note else ""
    return t(
        "status", lang, code=report.code, status=status_label(report.status, lang),
        category=_category_name(report.category, lang), area=report.area.name if report.area else t("none", lang),
        agency=report.agency.name if report.agency else t("none", lang), due=local_time(report.due_at, lang),
        note=note,
    )


def _category_name(category: Any, lang: str) -> str:
    if category is None:
        return t("none", lang)
    return (category.name_en or category.name) if is_english(lang) else category.name


class Conversation:
    def __init__(self, session: AsyncSession, msg: IncomingMessage, citizen: Citizen, data: dict[str, Any]) -> None:
        self.session = session
        self.msg = msg
        self.citizen = citizen
        self.data = data
        self.lang = "en" if is_english(msg.language or citizen.language) else "vi"
        self.out: list[OutgoingMessage] = []
        self.settings = get_settings()

    # ---- helpers --------------------------------------------------------------------------
    def say(self, key: str, buttons: list[tuple[str, str]] | None = None, request_location: bool = False,
            request_contact: bool = False, **values: Any) -> None:
        self.out.append(OutgoingMessage(t(key, self.lang, **values), buttons or [], request_location,
                                        request_contact=request_contact))

    def say_text(self, text: str, buttons: list[tuple[str, str]] | None = None) -> None:
        self.out.append(OutgoingMessage(text, buttons or []))

    def b(self, key: str, payload: str) -> tuple[str, str]:
        return (t(key, self.lang), payload)

    @property
    def draft(self) -> dict[str, Any] | None:
        return self.data.get("draft")

    def new_draft(self) -> dict[str, Any]:
        self.data["draft"] = {"photos": []}
        return self.data["draft"]

    def clear(self) -> None:
        for key in ("draft", "await", "candidate", "reopen_code", "dup_code"):
            self.data.pop(key, None)

    @property
    def awaiting(self) -> str | None:
        return self.data.get("await")

    # ---- entry ----------------------------------------------------------------------------
    async def run(self) -> list[OutgoingMessage]:
        msg = self.msg
        if await contact.intercept(self, command=is_command(msg.text or "")):  # answers, erasure
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
            words = {"confirm": "xac nhan", "cancel": "huy", "change_category": "doi linh vuc", "yes": "co",
                     "no": "khong", "skip": "bo qua", "done": "xong", "support": "ung ho", "new": "gui moi",
                     "help": "giup", "report": "/baocao", "mine": "phan anh cua toi"}
            await self.on_text(words.get(payload, payload))

    # ---- text ------------------------------------------------------------------------------
    async def on_text(self, text: str, caption: bool = False) -> None:
        raw = text.strip()
        folded = fold(raw)
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
        elif intent == "out_of_scope":  # small talk or gibberish: say so, and how to go on
            self.say("not_understood")
        else:
            self.say("help", photos=self.settings.photos_per_report)

    # ---- slots ------------------------------------------------------------------------------
    async def on_location(self, lat: float, lon: float) -> None:
        draft = self.draft if self.draft is not None else self.new_draft()
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            self.say("outside_province")
            return
        area = await geo_service.locate(session=self.session, latitude=lat, longitude=lon)
        if area is None:
            self.say("outside_province")
            return
        draft.update(lat=lat, lon=lon, address=None, place=f"{area.name} ({lat:.5f}, {lon:.5f})")
        draft.pop("dup_checked", None)
        self.data.pop("candidate", None)
        self.say("location_ok", place=draft["place"])
        await self.advance()

    async def on_address(self, address: str) -> None:
        found = await geo_service.geocode(session=self.session, address=address)
        if found is None:
            self.say("address_not_found", address=address[:200], request_location=True)
            return
        area = None
        if found.latitude is not None:
            area = await geo_service.locate(session=self.session, latitude=found.latitude, longitude=found.longitude)
        if area is None:
            self.say("outside_province")
            return
        self.data["candidate"] = {"lat": found.latitude, "lon": found.longitude, "address": address[:500],
                                  "place": found.display_name}
        self.data["await"] = "place_ok"
        self.say("confirm_address", place=found.display_name,
                 buttons=[self.b("btn_right_place", "yes"), self.b("btn_wrong_place", "no")])

    async def answer_place(self, raw: str, folded: str) -> bool:
        candidate = self.data.get("candidate")
        if candidate is None or self.draft is None:
            self.data.pop("await", None)
            return False
        if folded in YES:
            self.draft.update(candidate)
            self.draft.pop("dup_checked", None)
            self.data.pop("candidate", None)
            self.data.pop("await", None)
            self.say("location_ok", place=candidate["place"])
            await self.advance()
            return True
        if folded in NO:
            self.data.pop("candidate", None)
            self.data.pop("await", None)
            self.say("ask_location", request_location=True)
            return True
        # Another address typed instead of yes/no: try that one.
        self.data.pop("await", None)
        self.data.pop("candidate", None)
        await self.on_address(raw)
        return True

    async def on_photos(self, photos: list[bytes | PhotoRef]) -> None:
        draft = self.draft if self.draft is not None else self.new_draft()
        limit = self.settings.photos_per_report
        for photo in photos:
            if len(draft["photos"]) >= limit:
                self.say("photo_limit", photos=limit)
                break
            try:
                data = await photo.fetch() if isinstance(photo, PhotoRef) else photo
                stored = media.store(data)
            except DomainError as exc:
                self.say("photo_bad", reason=exc.message)
                continue
            except Exception as exc:  # download failed: tell the person, keep going
                log.warning("photo download failed: %s", exc)
                self.say("photo_bad", reason=t("error", self.lang))
                continue
            draft["photos"].append({"sha256": stored.sha256, "content_type": stored.content_type})
            self.say("photo_received", count=len(draft["photos"]), photos=limit)
        if len(draft["photos"]) >= limit:
            draft["photos_done"] = True
            if self.awaiting == "photos":
                self.data.pop("await", None)

    async def answer_photos(self, raw: str, folded: str) -> bool:
        if folded in SKIP or folded in NO:
            if self.draft is not None:
                self.draft["photos_done"] = True
            self.data.pop("await", None)
            await self.advance()
            return True
        return False  # more words: part of the description

    # ---- what next -------------------------------------------------------------------------
    async def advance(self, after_photo: bool = False) -> None:
        """Ask for the first thing still missing, or show the summary."""
        draft = self.draft
        if draft is None:
            return
        if not draft.get("description"):
            self.data["await"] = "description"
            self.say("ask_description")
            return
        if draft.get("lat") is None:
            self.data["await"] = "location"
            self.say("ask_location", request_location=True)
            return
        if not draft.get("photos_done"):
            if after_photo:  # "photo n/5 received, send more or type done" was just said
                self.data["await"] = "photos"
                return
            if not draft["photos"]:
                self.data["await"] = "photos"
                self.say("ask_photos", photos=self.settings.photos_per_report, buttons=[self.b("btn_skip", "skip")])
                return
            draft["photos_done"] = True  # photos sent earlier count as the answer
        if not draft.get("category"):
            result = await nlu_service.classify(draft["description"])
            draft["category"] = result.category
            draft["picked"] = False
            if result.unsure:
                await self.ask_category()
                return
        if self.citizen.consent_at is None and not self.data.get("consent_declined") and not draft.get("consent_asked"):
            draft["consent_asked"] = True
            self.data["await"] = "consent"
            self.say("ask_consent", buttons=[self.b("btn_yes", "yes"), self.b("btn_no", "no")])
            return
        if not draft.get("dup_checked"):
            draft["dup_checked"] = True
            if await self.offer_duplicate():
                return
        await self.summary()

    async def ask_category(self) -> None:
        categories = await self.categories()
        lines = "\n".join(f"{i}. {_category_name(c, self.lang)}" for i, c in enumerate(categories, 1))
        self.data["await"] = "category"
        self.say("ask_category", choices=lines,
                 buttons=[(_category_name(c, self.lang), f"cat:{c.code}") for c in categories])

    async def categories(self) -> list[Any]:
        rows = await catalog_service.list_categories(session=self.session)
        return sorted((c for c in rows if c.active), key=lambda c: (c.sort_order, c.id))

    async def answer_category(self, raw: str, folded: str) -> bool:
        categories = await self.categories()
        chosen = None
        if folded.isdigit() and 1 <= int(folded) <= len(categories):
            chosen = categories[int(folded) - 1]
        else:
            for c in categories:
                if folded in (fold(c.name), fold(c.name_en or ""), c.code):
                    chosen = c
        if chosen is None:
            if folded.isdigit() or len(folded.split()) <= 3:
                self.say("bad_category", n=len(categories))
                return True
            return False
        await self.pick_category(chosen.code)
        return True

    async def pick_category(self, code: str) -> None:
        if self.draft is None:
            self.say("not_in_report")
            return
        codes = {c.code for c in await self.categories()}
        if code not in codes:
            await self.ask_category()
            return
        self.draft.update(category=code, picked=True)
        self.draft.pop("dup_checked", None)
        self.data.pop("await", None)
        await self.advance()

    async def answer_consent(self, raw: str, folded: str) -> bool:
        if folded in YES:
            await citizens_service.record_consent(session=self.session, citizen=self.citizen)
            if self.msg.display_name and not self.citizen.display_name:
                self.citizen.display_name = self.msg.display_name[:200]
            self.data["await"] = "phone"
            self.say("ask_phone", buttons=[self.b("btn_skip", "skip")], request_contact=True)
            return True
        if folded in NO:
            self.data["consent_declined"] = True
            self.data.pop("await", None)
            self.say("consent_no")
            await self.advance()
            return True
        return False

    async def answer_phone(self, raw: str, folded: str) -> bool:
        if folded in SKIP or folded in NO:
            self.data.pop("await", None)
            await self.advance()
            return True
        await self.on_phone(raw)
        return True

    async def on_phone(self, raw: str, from_contact: bool = False) -> None:
        phone = re.sub(r"[\s.\-()]", "", raw)
        if not PHONE_RE.match(phone):
            self.say("bad_phone", buttons=[self.b("btn_skip", "skip")])
            return
        if self.citizen.consent_at is None and not from_contact:
            self.say("ask_consent", buttons=[self.b("btn_yes", "yes"), self.b("btn_no", "no")])
            self.data["await"] = "consent"
            return
        # Sharing one's contact on Telegram is itself the consent to use it.
        await citizens_service.record_consent(session=self.session, citizen=self.citizen, phone=phone)
        if self.awaiting == "phone":
            self.data.pop("await", None)
        if self.draft is not None:
            await self.advance()
        else:
            self.say("thanks_reply")

    async def offer_duplicate(self) -> bool:
        draft = self.draft
        assert draft is not None
        category = await catalog_service.get_category(session=self.session, code=draft["category"])
        found = await reports_service.nearby_open(
            session=self.session, category_id=category.id, latitude=draft["lat"], longitude=draft["lon"],
            radius_m=self.settings.duplicate_radius_m,
        )
        if not found:
            return False
        other = found[0]
        distance = round(reports_service.haversine_m(draft["lat"], draft["lon"], other.latitude or 0,
                                                     other.longitude or 0))
        self.data["dup_code"] = other.code
        self.data["await"] = "duplicate"
        self.say("duplicate_found", code=other.code, category=_category_name(other.category, self.lang),
                 status=status_label(other.status, self.lang), distance=distance,
                 buttons=[self.b("btn_support", "support"), self.b("btn_new_report", "new")])
        return True

    async def answer_duplicate(self, raw: str, folded: str) -> bool:
        code = self.data.get("dup_code")
        if folded in YES and code:
            try:
                report = await reports_service.get(session=self.session, code=code)
                added = await reports_service.support(session=self.session, report=report, citizen=self.citizen)
            except DomainError as exc:
                self.data.pop("await", None)
                self.say("cannot", reason=exc.message)
                await self.summary()
                return True
            self.clear()
            self.say("supported" if added else "already_supported", code=code,
                     status=await status_text(report, self.lang))
            return True
        if folded in NO:
            self.data.pop("await", None)
            self.data.pop("dup_code", None)
            await self.summary()
            return True
        return False

    async def summary(self) -> None:
        draft = self.draft
        assert draft is not None
        category = await catalog_service.get_category(session=self.session, code=draft["category"])
        description = draft["description"]
        if len(description) > 300:
            description = description[:300] + "…"
        self.data["await"] = "confirm"
        self.say(
            "summary", category=_category_name(category, self.lang), place=draft.get("place") or "",
            photos=len(draft["photos"]) or t("photos_none", self.lang), description=description,
            buttons=[self.b("btn_confirm", "confirm"), self.b("btn_change_category", "change_category"),
                     self.b("btn_cancel", "cancel")],
        )

    async def answer_confirm(self, raw: str, folded: str) -> bool:
        if folded in CONFIRM:
            await self.file_report()
            return True
        if folded in CHANGE_CATEGORY:
            await self.ask_category()
            return True
        return False

    async def file_report(self) -> None:
        draft = self.draft
        if draft is None:
            self.say("not_in_report")
            return
        citizen = self.citizen
        consented = citizen.consent_at is not None
        report_in = ReportCreate(
            description=draft["description"], latitude=draft["lat"], longitude=draft["lon"],
            address=draft.get("address"), channel=self.msg.channel if self.msg.channel in (
                "zalo", "telegram", "cli", "web") else None,
            phone=citizen.phone if consented else None, name=citizen.display_name if consented else None,
            category=draft["category"] if draft.get("picked") else None,
        )
        actor = Actor.of_citizen(citizen)
        try:
            async with self.session.begin_nested():
                created = await reports_service.create(
                    session=self.session, report_in=report_in, actor=actor, citizen=citizen, channel=self.msg.channel
                )
                report = created.report
                for photo in draft["photos"]:
                    path = media.media_path(photo["sha256"], photo["content_type"])
                    if path.exists():
                        await reports_service.add_photo(session=self.session, report=report,
                                                        data=path.read_bytes(), actor=actor)
                # This reply is the receipt: the queued "received" message would say it twice.
                await self.session.execute(
                    update(Outbox).where(Outbox.dedupe_key == f"{report.code}:received", Outbox.status == "pending")
                    .values(status="sent", sent_at=utcnow())
                )
        except DomainError as exc:
            self.say("create_failed", reason=exc.message)
            return
        self.clear()
        self.say("created", code=report.code, agency=report.agency.name if report.agency else t("none", self.lang),
                 due=local_time(report.due_at, self.lang))

    # ---- status, my reports, rating -----------------------------------------------------------
    async def answer_code(self, raw: str, folded: str) -> bool:
        self.data.pop("await", None)
        return False

    async def show_status(self, code: str) -> None:
        try:
            report = await reports_service.get(session=self.session, code=code)
        except NotFound:
            self.say("code_not_found", code=reports_service.normalize_code(code))
            return
        self.say_text(await status_text(report, self.lang))

    async def my_reports(self) -> None:
        reports = await reports_service.reports_of_citizen(session=self.session, citizen=self.citizen, limit=5)
        if not reports:
            self.say("no_reports")
            return
        items = "\n".join(
            t("my_reports_item", self.lang, code=r.code, status=status_label(r.status, self.lang),
              category=_category_name(r.category, self.lang))
            for r in reports
        )
        self.say("my_reports", items=items, buttons=[(r.code, f"status:{r.code}") for r in reports])

    async def rate(self, stars: int, code: str | None, quiet: bool = False) -> bool:
        """Record a rating; False (and nothing said when quiet) when there is nothing to rate."""
        report = await self.rateable(code)
        if report is None:
            if not quiet:
                self.say("nothing_to_rate")
            return not quiet
        try:
            _rating, offer_reopen = await reports_service.rate(
                session=self.session, report=report, stars=stars, actor=Actor.of_citizen(self.citizen)
            )
        except DomainError as exc:
            self.say("cannot", reason=exc.message)
            return True
        self.say("rated", stars=stars, code=report.code)
        if offer_reopen and report.citizen_id == self.citizen.id:
            self.data["await"] = "reopen"
            self.data["reopen_code"] = report.code
            self.say("ask_reopen", code=report.code, buttons=[
                self.b("btn_reopen", f"reopen:{report.code}"), self.b("btn_no", f"noreopen:{report.code}")])
        return True

    async def rateable(self, code: str | None) -> Report | None:
        if code:
            try:
                return await reports_service.get(session=self.session, code=code)
            except NotFound:
                return None
        window = utcnow() - timedelta(days=self.settings.rating_window_days)
        supported = select(Supporter.report_id).where(Supporter.citizen_id == self.citizen.id)
        stmt = (
            select(Report)
            .where(or_(Report.citizen_id == self.citizen.id, Report.id.in_(supported)),
                   Report.status.in_((Status.resolved, Status.closed)), Report.resolved_at >= window)
            .order_by(Report.resolved_at.desc())
            .limit(1)
        )
        return await self.session.scalar(stmt)

    async def answer_reopen(self, raw: str, folded: str) -> bool:
        code = self.data.get("reopen_code")
        if folded in YES and code:
            await self.reopen(code)
            return True
        if folded in NO:
            self.data.pop("await", None)
            self.data.pop("reopen_code", None)
            self.say("not_reopened")
            return True
        self.data.pop("await", None)
        return False

    async def reopen(self, code: str) -> None:
        self.data.pop("await", None)
        self.data.pop("reopen_code", None)
        try:
            report = await reports_service.get(session=self.session, code=code)
            async with self.session.begin_nested():
                await reports_service.transition(session=self.session, report=report, action="reopen",
                                                 actor=Actor.of_citizen(self.citizen), note="Người dân mở lại qua chat")
        except DomainError as exc:
            self.say("cannot", reason=exc.message)
            return
        self.say("reopened", code=report.code, due=local_time(report.due_at, self.lang))


async def handle(incoming: IncomingMessage, *, session: AsyncSession) -> list[OutgoingMessage]:
    """Answer one message. Never raises for bad input: the person always gets a reply.

    The session's transaction belongs to this turn (each channel opens one per message): when the
    conversation fails half-way, its changes are rolled back and the conversation state is kept as
    it was, without the cost of a savepoint on every turn."""
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
