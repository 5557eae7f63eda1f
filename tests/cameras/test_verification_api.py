"""The verification queue over the API: confirm files a camera report (snapshot attached, placed
and routed like any report), the duplicate-link offer, dismissals counted per rule and camera."""

from __future__ import annotations

from sqlalchemy import select

from backend.cameras.models import CameraEvent
from tests.cameras.conftest import CHO, NGA_SAU
from tests.conftest import BMT_CENTRE, auth_headers


async def test_confirm_files_a_camera_report_with_the_snapshot_placed_and_routed(
        app_client, make_user, candidate):
    supervisor = await make_user("supervisor")
    event_id = await candidate()
    resp = await app_client.post(f"/api/v1/camera-events/{event_id}/confirm", json={},
                                 headers=auth_headers(supervisor))
    assert resp.status_code == 200, resp.text
    code = resp.json()["report"]
    report = (await app_client.get(f"/api/v1/reports/{code}", headers=auth_headers(supervisor))).json()
    assert (report["channel"], report["category"]) == ("camera", "encroachment")
    assert report["area"]["name"] == "Phường Buôn Ma Thuột"
    assert report["agency"] and report["due_at"]
    assert (report["latitude"], report["longitude"]) == (12.6676, 108.0378)
    assert [a["content_type"] for a in report["attachments"]] == ["image/jpeg"]
    assert "Ngã Sáu" in report["description"]
    listed = (await app_client.get("/api/v1/camera-events?status=confirmed", headers=auth_headers(supervisor))).json()
    assert [(e["id"], e["report"]) for e in listed["items"]] == [(event_id, code)]


async def test_confirm_takes_another_category_and_the_operators_note(app_client, make_user, candidate):
    supervisor = await make_user("supervisor")
    event_id = await candidate()
    resp = await app_client.post(f"/api/v1/camera-events/{event_id}/confirm",
                                 json={"category": "street_vending", "note": "Xe bán trái cây dừng lâu"},
                                 headers=auth_headers(supervisor))
    report = (await app_client.get(f"/api/v1/reports/{resp.json()['report']}", headers=auth_headers(supervisor))).json()
    assert report["category"] == "street_vending"
    assert report["description"].endswith("Xe bán trái cây dừng lâu")


async def test_an_open_report_nearby_is_offered_and_the_evidence_can_be_linked_to_it(
        app_client, make_user, candidate, report_factory):
    supervisor = await make_user("supervisor")
    existing = await report_factory(description="Ô tô đỗ trên vỉa hè vòng xoay Ngã Sáu", latitude=12.6677,
                                    longitude=108.0379, category="encroachment")
    event_id = await candidate()
    offered = (await app_client.get(f"/api/v1/camera-events/{event_id}", headers=auth_headers(supervisor))).json()
    assert offered["possible_duplicates"] == [existing.code]
    resp = await app_client.post(f"/api/v1/camera-events/{event_id}/confirm", json={"link_to": existing.code},
                                 headers=auth_headers(supervisor))
    assert resp.json() == {"report": existing.code, "linked": True}
    report = (await app_client.get(f"/api/v1/reports/{existing.code}", headers=auth_headers(supervisor))).json()
    assert len(report["attachments"]) == 1
    assert "camera_evidence" in [e["action"] for e in report["timeline"]]
    total = (await app_client.get("/api/v1/reports", headers=auth_headers(supervisor))).json()["total"]
    assert total == 1


async def test_a_dismissal_needs_a_reason_and_counts_as_a_false_alarm_of_its_rule(
        app_client, make_user, candidate):
    supervisor = await make_user("supervisor")
    first, second = await candidate(), await candidate()
    no_reason = await app_client.post(f"/api/v1/camera-events/{first}/dismiss", json={"reason": "  "},
                                      headers=auth_headers(supervisor))
    assert no_reason.status_code == 422
    ok = await app_client.post(f"/api/v1/camera-events/{first}/dismiss", json={"reason": "Xe cứu thương đang đỗ"},
                               headers=auth_headers(supervisor))
    assert ok.json() == {"id": first, "status": "dismissed"}
    await app_client.post(f"/api/v1/camera-events/{second}/confirm", json={}, headers=auth_headers(supervisor))
    rules = (await app_client.get("/api/v1/camera-rules", headers=auth_headers(supervisor))).json()["items"]
    rule = next(r for r in rules if r["code"] == "o-to-do-via-he")
    assert (rule["candidates"], rule["dismissed"], rule["false_alarm_rate"]) == (2, 1, 0.5)


async def test_an_event_is_decided_once(app_client, make_user, candidate):
    supervisor = await make_user("supervisor")
    event_id = await candidate()
    await app_client.post(f"/api/v1/camera-events/{event_id}/dismiss", json={"reason": "Báo nhầm"},
                          headers=auth_headers(supervisor))
    again = await app_client.post(f"/api/v1/camera-events/{event_id}/confirm", json={},
                                  headers=auth_headers(supervisor))
    assert again.status_code == 409
    assert again.json()["error"] == "invalid_transition"


async def test_officers_and_anonymous_callers_cannot_verify(app_client, make_user, candidate):
    officer = await make_user("officer", agency_code="UBND-24133")
    event_id = await candidate(snapshot=False)
    assert (await app_client.post(f"/api/v1/camera-events/{event_id}/confirm", json={},
                                  headers=auth_headers(officer))).status_code == 403
    assert (await app_client.post(f"/api/v1/camera-events/{event_id}/confirm", json={})).status_code == 401


async def test_the_queue_filters_by_status_and_camera_and_refuses_unknown_ones(app_client, make_user, candidate,
                                                                              cameras):
    supervisor = await make_user("supervisor")
    await candidate()
    market = await candidate(camera=CHO, label="motorcycle", minutes=20)
    h = auth_headers(supervisor)
    items = (await app_client.get(f"/api/v1/camera-events?status=pending&camera={CHO}", headers=h)).json()["items"]
    assert [i["id"] for i in items] == [market]
    assert items[0]["snapshot_url"] == f"/api/v1/camera-events/{market}/snapshot"
    image = await app_client.get(items[0]["snapshot_url"], headers=h)
    assert image.headers["content-type"] == "image/jpeg"
    assert (await app_client.get("/api/v1/camera-events?camera=khong_co", headers=h)).status_code == 404
    assert (await app_client.get("/api/v1/camera-events?status=maybe", headers=h)).status_code == 422
    assert (await app_client.post("/api/v1/camera-events/999999/confirm", json={}, headers=h)).status_code == 404
    assert await cameras.scalar(select(CameraEvent.camera_id).where(CameraEvent.id == market)) is not None


async def test_the_registry_lists_cameras_with_their_ward_and_admins_add_one(app_client, make_user, cameras):
    admin, supervisor = await make_user("admin"), await make_user("supervisor")
    listed = (await app_client.get("/api/v1/cameras", headers=auth_headers(supervisor))).json()
    nga_sau = next(c for c in listed["items"] if c["code"] == NGA_SAU)
    assert nga_sau["area"]["name"] == "Phường Buôn Ma Thuột" and nga_sau["status"] == "unknown"
    body = {"code": "tan_lap_2", "name": "Tân Lập 2", "kind": "security", "latitude": BMT_CENTRE[0] - 0.003,
            "longitude": 108.097}
    assert (await app_client.post("/api/v1/cameras", json=body, headers=auth_headers(supervisor))).status_code == 403
    made = await app_client.post("/api/v1/cameras", json=body, headers=auth_headers(admin))
    assert made.status_code == 201 and made.json()["area"]["name"] == "Phường Tân Lập"
    outside = await app_client.post("/api/v1/cameras", json={**body, "latitude": 21.03, "longitude": 105.85},
                                    headers=auth_headers(admin))
    assert outside.status_code == 422


async def test_a_rule_added_by_the_api_makes_candidates(app_client, make_user, candidate, cameras):
    h = auth_headers(await make_user("admin"))
    resp = await app_client.post("/api/v1/camera-rules", json={
        "camera": CHO, "zone": "goc_rac", "labels": ["truck"], "min_duration_s": 60, "category": "littering",
        "name": "Xe tải dừng ở góc rác"}, headers=h)
    assert resp.status_code == 201, resp.text
    event_id = await candidate(camera=CHO, label="truck", zone="goc_rac", minutes=2)
    assert await cameras.scalar(select(CameraEvent.category).where(CameraEvent.id == event_id)) == "littering"
    await cameras.rollback()  # SQLite: one connection, the app needs it next
    bad = await app_client.post("/api/v1/camera-rules", json={"labels": ["car"], "category": "khong_co"},
                                headers=h)
    assert bad.status_code == 422
    bad_hours = await app_client.post("/api/v1/camera-rules", json={"labels": ["car"], "category": "littering",
                                                                   "hours": "25:00-03:00"},
                                      headers=h)
    assert bad_hours.status_code == 422
