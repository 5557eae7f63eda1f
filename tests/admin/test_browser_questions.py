"""Chromium on the report page: an officer asks the reporter a question, the reporter answers in
chat, the answer is on the page; a reporter without a chat becomes a call-back task."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.citizens import service as citizens_service
from backend.core.actor import Actor
from backend.reports import service as reports_service
from backend.reports.schemas import ReportCreate
from bot.dialogue import engine
from bot.dialogue.messages import IncomingMessage
from tests.admin.conftest import browser_login, shot

pytestmark = pytest.mark.browser
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ANSWER = "Trước nhà số 45 Phan Chu Trinh, cạnh cột điện"


async def chat_report(site, user: str) -> str:
    async with site.db() as session:
        citizen = await citizens_service.get_or_create(session=session, channel="cli", external_id=user)
        created = await reports_service.create(
            session=session, actor=Actor.of_citizen(citizen), citizen=citizen, channel="cli",
            report_in=ReportCreate(description="Quán cà phê bày bàn ghế chiếm hết vỉa hè", latitude=12.6647,
                                   longitude=108.097, category="encroachment"))
        return created.report.code


async def citizen_says(site, user: str, text: str) -> str:
    async with site.db() as session:
        replies = await engine.handle(IncomingMessage(channel="cli", user_id=user, text=text), session=session)
    return "\n".join(r.text for r in replies)


def test_an_officer_asks_the_reporter_and_reads_the_answer_on_the_page(page, site_live):
    site = site_live.site
    site.run(site.user("giamsat", "supervisor"))
    code = site.run(chat_report(site, "u-browser"))
    browser_login(page, site_live, "giamsat")
    page.goto(f"{site_live.url}/admin/reports/{code}")
    page.fill("#ask-form textarea[name=text]", "Quán ở số nhà nào, anh/chị chụp thêm ảnh được không?")
    page.check("#ask-form input[name=public]")
    page.click("#ask-form button")
    page.wait_for_selector("text=Đã gửi câu hỏi cho người dân")
    assert page.locator(".question[data-status=waiting]").count() == 1
    assert page.locator(".outbox[data-kind=question]").count() == 1
    reply = site.run(citizen_says(site, "u-browser", ANSWER))
    assert "Cảm ơn" in reply and code in reply
    page.reload()
    assert page.locator(".question[data-status=answered] .answer").inner_text() == f"↳ {ANSWER}"
    assert page.locator(f".timeline li:has-text('Người dân trả lời'):has-text('{ANSWER}')").count() == 1
    DOCS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS / "ask-citizen.png"), full_page=True)
    shot(page, "ask-citizen")


def test_a_question_for_a_phone_reporter_becomes_a_call_back_for_the_hotline(page, site_live):
    site = site_live.site
    site.run(site.user("tongdai", "hotline"))
    site.run(site.user("giamsat2", "supervisor"))
    code = site.run(site.report(phone="0905123456", channel="hotline"))
    browser_login(page, site_live, "giamsat2")
    page.goto(f"{site_live.url}/admin/reports/{code}")
    page.fill("#ask-form textarea[name=text]", "Hỏi lại người dân giờ nào quán bày bàn ghế?")
    page.click("#ask-form button")
    page.wait_for_selector("text=đã tạo việc gọi lại cho tổng đài")
    assert page.locator("#callbacks .callback").count() == 1
    page.goto(f"{site_live.url}/admin/logout")
    page.context.clear_cookies()
    browser_login(page, site_live, "tongdai")
    page.goto(f"{site_live.url}/admin/callbacks")
    row = page.locator(f"#callback-list tr:has-text('{code}')")
    assert row.count() == 1
    row.locator("input[name=note]").fill("Người dân nói quán bày từ 6 giờ sáng")
    row.locator("button").click()
    page.wait_for_selector("text=Đã ghi nhận cuộc gọi")
    assert page.locator(f"#callback-list tr:has-text('{code}')").count() == 0
    page.goto(f"{site_live.url}/admin/reports/{code}")
    assert page.locator(".timeline li:has-text('Người dân nói quán bày từ 6 giờ sáng')").count() >= 1
