"""Staff set where alerts reach them on the staff site (their own page), and admins for anyone,
with the rules of `phananh user contact`; a bad value is a Vietnamese error and changes nothing."""

from sqlalchemy import select

from backend.staff.models import User
from tests.admin.conftest import csrf_of, login


async def contacts_of(site, username: str) -> tuple[str | None, str | None, str | None]:
    async with site.db() as session:
        user = await session.scalar(select(User).where(User.username == username))
        return user.email, user.telegram_chat_id, user.zalo_user_id


async def test_an_officer_sets_their_own_alert_channels(site, site_client):
    await site.user("canbo", "officer", agency="UBND-24121")
    await login(site_client, "canbo")
    token = await csrf_of(site_client, "/admin/password")
    response = await site_client.post("/admin/account/contacts", data={
        "csrf_token": token, "email": "canbo@tanlap.gov.vn", "telegram_chat_id": "123456", "zalo_user_id": ""})
    assert response.status_code == 303
    assert await contacts_of(site, "canbo") == ("canbo@tanlap.gov.vn", "123456", None)
    page = (await site_client.get("/admin/password?saved=1")).text
    assert "Đã lưu kênh nhận cảnh báo" in page and 'value="canbo@tanlap.gov.vn"' in page


async def test_a_bad_email_is_refused_in_vietnamese_and_keeps_the_old_one(site, site_client):
    await site.user("canbo", "officer", agency="UBND-24121")
    await login(site_client, "canbo")
    token = await csrf_of(site_client, "/admin/password")
    await site_client.post("/admin/account/contacts", data={"csrf_token": token, "email": "cb@tanlap.gov.vn"})
    token = await csrf_of(site_client, "/admin/password")
    response = await site_client.post("/admin/account/contacts",
                                      data={"csrf_token": token, "email": "khong-phai-email"})
    assert response.status_code == 400
    assert "Địa chỉ e-mail không hợp lệ" in response.text and 'value="khong-phai-email"' in response.text
    assert (await contacts_of(site, "canbo"))[0] == "cb@tanlap.gov.vn"


async def test_an_admin_sets_another_persons_channels(site, site_client):
    await site.user("qt", "admin")
    await site.user("giamsat", "supervisor")
    async with site.db() as session:
        target = await session.scalar(select(User).where(User.username == "giamsat"))
    await login(site_client, "qt")
    token = await csrf_of(site_client, "/admin/manage/users")
    response = await site_client.post(f"/admin/manage/users/{target.id}/contacts", data={
        "csrf_token": token, "email": "", "telegram_chat_id": "", "zalo_user_id": "8421"})
    assert response.status_code == 303
    assert await contacts_of(site, "giamsat") == (None, None, "8421")


async def test_a_supervisor_cannot_set_another_persons_channels(site, site_client):
    await site.user("gs", "supervisor")
    await site.user("canbo", "officer", agency="UBND-24121")
    async with site.db() as session:
        target = await session.scalar(select(User).where(User.username == "canbo"))
    await login(site_client, "gs")
    token = await csrf_of(site_client, "/admin/manage/users")
    response = await site_client.post(f"/admin/manage/users/{target.id}/contacts", data={
        "csrf_token": token, "email": "x@y.vn"})
    assert response.status_code == 403
    assert (await contacts_of(site, "canbo"))[0] is None
