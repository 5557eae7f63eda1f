"""The report form: description, location (a shared point, or a typed address confirmed),
photos, the category (asked only when the classifier is unsure), consent (once), a look for the
same problem nearby, a summary and confirmation, slot by slot in any order."""

from __future__ import annotations

import logging
import re
from typing import Any

from backend.catalog import service as catalog_service
from backend.citizens import service as citizens_service
from backend.core.actor import Actor
from backend.core.errors import DomainError
from backend.core.geodesy import haversine_m
from backend.core.text import fold_words
from backend.geo import service as geo_service
from backend.geo.precision import Precision, is_coarse
from backend.reports import media
from backend.reports import service as reports_service
from backend.reports.schemas import ReportCreate
from bot.dialogue.base import ConversationBase, category_name, status_text
from bot.dialogue.messages import PhotoRef
from bot.dialogue.texts import local_time, status_label, t
from bot.dialogue.words import CHANGE_CATEGORY, CONFIRM, NO, PHONE_RE, SKIP, YES
from nlu import service as nlu_service

log = logging.getLogger(__name__)


def draft_precision(draft: dict[str, Any]) -> Precision:
    """How precise the draft's point is (a draft saved before precision was kept: a shared point
    is GPS, a typed address cannot be told)."""
    try:
        return Precision(draft["precision"])
    except (KeyError, ValueError):
        return Precision.unknown if draft.get("address") else Precision.gps


class ReportForm(ConversationBase):
    """Filling and filing one report."""

    async def on_location(self, lat: float, lon: float) -> None:
        draft = self.draft if self.draft is not None else self.new_draft()
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            self.say("outside_province")
            return
        area = await geo_service.locate(session=self.session, latitude=lat, longitude=lon)
        if area is None:
            self.say("outside_province")
            return
        draft.update(lat=lat, lon=lon, address=None, place=f"{area.name} ({lat:.5f}, {lon:.5f})",
                     precision=Precision.gps, area_id=area.id)
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
        candidate = {"lat": found.latitude, "lon": found.longitude, "address": address[:500],
                     "precision": found.precision, "area_id": area.id}
        buttons = [self.b("btn_right_place", "yes"), self.b("btn_wrong_place", "no")]
        if found.approximate:
            # Only the ward was found: the point is its centre, and the bot must not say it found the street.
            typed = (found.street or address)[:200]
            candidate["place"] = t("place_approximate", self.lang, area=area.name, address=typed)
            self.data["candidate"] = candidate
            self.data["await"] = "place_ok"
            self.say("confirm_address_area", area=area.name, address=typed, buttons=buttons,
                     request_location=True)
            return
        candidate["place"] = found.display_name
        self.data["candidate"] = candidate
        self.data["await"] = "place_ok"
        self.say("confirm_address", place=found.display_name, buttons=buttons)

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
            count = len(draft["photos"])
            # At the limit nothing more is invited; before the description, the next question
            # (what happened?) follows instead of "type done".
            key = ("photo_all_received" if count >= limit
                   else "photo_received" if draft.get("description") else "photo_received_first")
            self.say(key, count=count, photos=limit)
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
        lines = "\n".join(f"{i}. {category_name(c, self.lang)}" for i, c in enumerate(categories, 1))
        self.data["await"] = "category"
        self.say("ask_category", choices=lines,
                 buttons=[(category_name(c, self.lang), f"cat:{c.code}") for c in categories])

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
                if folded in (fold_words(c.name), fold_words(c.name_en or ""), c.code):
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
            radius_m=self.settings.duplicate_radius_m, precision=draft_precision(draft),
            address=draft.get("address"), area_id=draft.get("area_id"),
        )
        if not found:
            return False
        other = found[0]
        distance = round(haversine_m(draft["lat"], draft["lon"], other.latitude or 0,
                                                     other.longitude or 0))
        self.data["dup_code"] = other.code
        self.data["await"] = "duplicate"
        buttons = [self.b("btn_support", "support"), self.b("btn_new_report", "new")]
        common = {"code": other.code, "category": category_name(other.category, self.lang),
                  "status": status_label(other.status, self.lang)}
        if is_coarse(draft_precision(draft)) or is_coarse(other.location_precision):
            # Matched by the address text (a ward's centre is no distance): say where, not how far.
            self.say("duplicate_found_address", address=(other.address or "")[:200], buttons=buttons, **common)
        else:
            self.say("duplicate_found", distance=distance, buttons=buttons, **common)
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
            "summary", category=category_name(category, self.lang), place=draft.get("place") or "",
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
            address=draft.get("address"), location_precision=draft_precision(draft),
            channel=self.msg.channel if self.msg.channel in ("zalo", "telegram", "cli", "web") else None,
            phone=citizen.phone if consented else None, name=citizen.display_name if consented else None,
            category=draft["category"] if draft.get("picked") else None,
        )
        actor = Actor.of_citizen(citizen)
        try:
            async with self.session.begin_nested():
                # This reply is the receipt: the queued "received" message would say it twice.
                created = await reports_service.create(
                    session=self.session, report_in=report_in, actor=actor, citizen=citizen, channel=self.msg.channel,
                    receipt_in_chat=True,
                )
                report = created.report
                for photo in draft["photos"]:
                    path = media.media_path(photo["sha256"], photo["content_type"])
                    if path.exists():
                        await reports_service.add_photo(session=self.session, report=report,
                                                        data=path.read_bytes(), actor=actor)
        except DomainError as exc:
            self.say("create_failed", reason=exc.message)
            return
        self.clear()
        self.say("created", code=report.code, agency=report.agency.name if report.agency else t("none", self.lang),
                 due=local_time(report.due_at, self.lang))
