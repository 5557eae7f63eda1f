"""Real agency websites on 127.0.0.1 for the checks: one aiohttp app served over HTTP and over
HTTPS (certificates from trustme: a healthy one and one expiring in 5 days). Each path's page,
status and delay can be changed while the test runs."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import trustme
from aiohttp import web

from tests.bot.standins import free_port

PORTAL = """<!doctype html><html lang="vi"><head><title>Cổng thông tin điện tử tỉnh Đắk Lắk</title>
<style>body {{ color: #123 }}</style><script>var visits = {visits};</script></head>
<body><header class="site-header"><h1>Cổng thông tin điện tử tỉnh Đắk Lắk</h1>
<div class="date">Thứ Ba, ngày {day} tháng 12 năm 2026, {clock}</div></header>
<nav class="menu"><ul><li>Giới thiệu</li><li>Tin tức - Sự kiện</li><li>Chỉ đạo điều hành</li>
<li>Dịch vụ công trực tuyến</li><li>Văn bản pháp luật</li></ul></nav>
<main class="content"><section class="news"><h2>Tin nổi bật</h2><ul class="news-list">{news}</ul></section>
<section class="intro"><p>Đắk Lắk là tỉnh thuộc vùng Tây Nguyên và Duyên hải Nam Trung Bộ.</p>
<p>Trung tâm hành chính tỉnh đặt tại phường Buôn Ma Thuột.</p>
<p>Ủy ban nhân dân tỉnh tiếp nhận phản ánh, kiến nghị của người dân và doanh nghiệp.</p></section>
<div class="banner-quangcao"><a href="#">Khuyến mãi tháng {day}</a></div></main>
<footer class="site-footer"><p>Bản quyền thuộc Ủy ban nhân dân tỉnh Đắk Lắk</p>
<p>Địa chỉ: số 9 Lê Duẩn, phường Buôn Ma Thuột</p></footer></body></html>"""

NEWS = ["Hội nghị triển khai chuyển đổi số năm 2026", "Khánh thành cầu Ea Nuôl", "Lễ hội cà phê Buôn Ma Thuột",
        "Tiếp công dân định kỳ tháng 12", "Kết quả thu ngân sách 11 tháng", "Phòng chống dịch bệnh trên cây cà phê",
        "Hướng dẫn nộp hồ sơ trực tuyến", "Tuyển dụng viên chức năm 2026"]

HACKED = """<html><head><title>Hacked by Anonymous Team</title></head><body style="background:#000">
<h1>HACKED BY ANONYMOUS TEAM</h1><p>Your security is low. Greetz to all members.</p></body></html>"""

GAMBLING = PORTAL.replace("<p>Trung tâm hành chính tỉnh đặt tại phường Buôn Ma Thuột.</p>",
                          '<p>Trung tâm hành chính tỉnh đặt tại phường Buôn Ma Thuột.</p>'
                          '<div style="display:none"><a href="https://example.invalid/">Nổ hũ đổi thưởng uy tín</a>'
                          '</div>')


def portal(news_from: int = 0, day: int = 1, clock: str = "08:00", visits: int = 1000) -> str:
    items = "".join(f"<li><a href='#'>{NEWS[(news_from + i) % len(NEWS)]}</a></li>" for i in range(3))
    return PORTAL.format(news=items, day=day, clock=clock, visits=visits)


@dataclass
class Page:
    body: str = field(default_factory=portal)
    status: int = 200
    delay_s: float = 0.0
    redirect_to: str | None = None


class Websites:
    """Paths → pages, served on `http_url` and on `https_url` (good cert) and `https_expiring_url`
    (a certificate that expires in 5 days)."""

    def __init__(self, workdir: Path) -> None:
        self.pages: dict[str, Page] = {}
        self.hits: dict[str, int] = {}
        self.ca = trustme.CA(organization_name="CA phục vụ các cơ quan Nhà nước (thử nghiệm)")
        self.ca_file = workdir / "ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        now = datetime.now(UTC)
        self.good_cert = self.ca.issue_cert("127.0.0.1", "localhost", not_after=now + timedelta(days=200))
        self.expiring_cert = self.ca.issue_cert("127.0.0.1", "localhost", not_after=now + timedelta(days=5, hours=2))
        self.ports = {"http": free_port(), "https": free_port(), "expiring": free_port()}
        self.runner: web.AppRunner | None = None

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['http']}"

    @property
    def https_url(self) -> str:
        return f"https://127.0.0.1:{self.ports['https']}"

    @property
    def https_expiring_url(self) -> str:
        return f"https://127.0.0.1:{self.ports['expiring']}"

    def page(self, path: str, **kw: object) -> Page:
        self.pages[path] = Page(**kw)  # type: ignore[arg-type]
        return self.pages[path]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.hits[request.path] = self.hits.get(request.path, 0) + 1
        found = self.pages.get(request.path)
        if found is None:
            return web.Response(status=404, text="Không tìm thấy trang")
        if found.delay_s:
            await asyncio.sleep(found.delay_s)
        if found.redirect_to:
            raise web.HTTPFound(found.redirect_to)
        return web.Response(status=found.status, text=found.body, content_type="text/html", charset="utf-8")

    def _context(self, cert: trustme.LeafCert) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        return context

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.ports["http"]).start()
        await web.TCPSite(self.runner, "127.0.0.1", self.ports["https"],
                          ssl_context=self._context(self.good_cert)).start()
        await web.TCPSite(self.runner, "127.0.0.1", self.ports["expiring"],
                          ssl_context=self._context(self.expiring_cert)).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
