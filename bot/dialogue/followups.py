"""The follow-ups, at any time in a conversation: a report's status, "my reports", rating a
resolved report (a digit or a button) and reopening it when the result was poor."""

from __future__ import annotations

from backend.core.actor import Actor
from backend.core.errors import DomainError, NotFound
from backend.reports import service as reports_service
from backend.reports.models import Report
from bot.dialogue.base import ConversationBase, category_name, status_text
from bot.dialogue.texts import local_time, status_label, t
from bot.dialogue.words import NO, YES


class FollowUps(ConversationBase):
    """What a citizen asks about reports already filed."""

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
              category=category_name(r.category, self.lang))
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
        return await reports_service.rateable_for(session=self.session, citizen=self.citizen)

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
            if report.rating is not None and report.rating.stars >= 3:  # a stale button: rated well since
                self.say("reopen_stale", code=report.code, stars=report.rating.stars)
                return
            async with self.session.begin_nested():
                await reports_service.transition(session=self.session, report=report, action="reopen",
                                                 actor=Actor.of_citizen(self.citizen), note="Người dân mở lại qua chat",
                                                 receipt_in_chat=True)
        except DomainError as exc:
            self.say("cannot", reason=exc.message)
            return
        self.say("reopened", code=report.code, due=local_time(report.due_at, self.lang))
