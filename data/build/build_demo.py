"""Generate `data/demo.yaml`: demo staff accounts and 40 sample reports.

Run after build_areas.py: `.venv/bin/python data/build/build_demo.py`. Coordinates are the area
centroids from data/areas.yaml moved by a deterministic offset of at most 600 m, kept only if the
gazetteer still places the point in the same area.
"""

from __future__ import annotations

import hashlib
import math
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from backend.geo.gazetteer import load_yaml  # noqa: E402

MAX_OFFSET_M = 600.0

USERS = [
    {"username": "admin", "password": "demo1234", "role": "admin", "agency": None, "full_name": "Quản trị hệ thống"},
    {
        "username": "giamsat",
        "password": "demo1234",
        "role": "supervisor",
        "agency": "IOC",
        "full_name": "Nguyễn Thị Hồng Nhung",
    },
    {"username": "tongdai", "password": "demo1234", "role": "hotline", "agency": "IOC", "full_name": "Trần Minh Khoa"},
    {"username": "ioc", "password": "demo1234", "role": "officer", "agency": "IOC", "full_name": "Lê Văn Phúc"},
    {
        "username": "tanlap",
        "password": "demo1234",
        "role": "officer",
        "agency": "UBND-24121",
        "full_name": "Phạm Quốc Huy",
    },
    {
        "username": "buonmathuot",
        "password": "demo1234",
        "role": "officer",
        "agency": "UBND-24133",
        "full_name": "H'Hen Niê",
    },
    {
        "username": "eakao",
        "password": "demo1234",
        "role": "officer",
        "agency": "UBND-24169",
        "full_name": "Võ Thanh Tùng",
    },
    {
        "username": "buonho",
        "password": "demo1234",
        "role": "officer",
        "agency": "UBND-24305",
        "full_name": "Đinh Công Thành",
    },
    {"username": "snnmt", "password": "demo1234", "role": "officer", "agency": "SNNMT", "full_name": "Y Bhin Mlô"},
    {
        "username": "thoatnuoc",
        "password": "demo1234",
        "role": "officer",
        "agency": "CTY-DTMT",
        "full_name": "Hoàng Văn Dũng",
    },
]

NAMES = [
    "Nguyễn Văn An",
    "Trần Thị Bích",
    "Lê Hoàng Nam",
    "Phạm Thị Lan",
    "Hoàng Minh Tuấn",
    "Y Sơn Niê",
    "H'Linh Êban",
    "Vũ Đức Thắng",
    "Đặng Thị Mai",
    "Bùi Quang Vinh",
    "Ngô Thị Hạnh",
    "Đỗ Văn Hải",
]

# (area code, street/place, category, status, channel, days_ago, description, note, rating)
REPORTS = [
    (
        "24121",
        "45 Lê Duẩn",
        "encroachment",
        "new",
        "zalo",
        0,
        "Quán cà phê trước số 45 Lê Duẩn bày bàn ghế kín cả vỉa hè, người đi bộ phải xuống lòng đường.",
        None,
        None,
    ),
    (
        "24121",
        "Ngã tư Lê Duẩn - Hà Huy Tập",
        "street_vending",
        "assigned",
        "hotline",
        1,
        "Chiều nào cũng có mấy xe bán trái cây đậu dưới lòng đường ở ngã tư, gây ùn tắc giờ tan tầm.",
        None,
        None,
    ),
    (
        "24121",
        "Hẻm 120 Hà Huy Tập",
        "littering",
        "in_progress",
        "telegram",
        2,
        "Đầu hẻm 120 có bãi rác tự phát mấy tuần nay chưa ai dọn, bốc mùi hôi thối.",
        None,
        None,
    ),
    (
        "24121",
        "Trường Chinh",
        "wastewater",
        "resolved",
        "zalo",
        6,
        "Cống thoát nước trên đường Trường Chinh bị tắc, mưa xuống là nước thải tràn lên mặt đường.",
        "Công ty đã nạo vét cống, khơi thông dòng chảy.",
        5,
    ),
    (
        "24121",
        "Y Wang",
        "illegal_ads",
        "closed",
        "web",
        20,
        "Tờ rơi quảng cáo khoan cắt bê tông, cho vay dán đầy cột điện dọc đường Y Wang.",
        "Tổ dân phố đã bóc xóa quảng cáo rao vặt trên 12 cột điện.",
        4,
    ),
    (
        "24121",
        "Thôn 4 (xã Hòa Thắng cũ)",
        "unpermitted_construction",
        "rejected",
        "hotline",
        9,
        "Nhà dân đang xây thêm tầng, nghi không có giấy phép.",
        "Công trình đã có giấy phép xây dựng số 215/GPXD, xây đúng phép.",
        None,
    ),
    (
        "24133",
        "Ngã sáu Buôn Ma Thuột",
        "street_vending",
        "new",
        "zalo",
        0,
        "Bán hàng rong tụ tập quanh ngã sáu buổi tối, lấn cả phần đường xe chạy.",
        None,
        None,
    ),
    (
        "24133",
        "12 Phan Bội Châu",
        "encroachment",
        "assigned",
        "web",
        1,
        "Cửa hàng vật liệu xây dựng để cát, gạch tràn ra vỉa hè và một phần lòng đường.",
        None,
        None,
    ),
    (
        "24133",
        "Chợ Buôn Ma Thuột, đường Quang Trung",
        "littering",
        "resolved",
        "hotline",
        4,
        "Rác thải sau giờ chợ không được thu gom, ứ đọng cả đêm ở lề đường.",
        "Đã bố trí xe thu gom thêm chuyến 21 giờ hằng ngày.",
        4,
    ),
    (
        "24133",
        "Nguyễn Tất Thành",
        "illegal_ads",
        "in_progress",
        "zalo",
        3,
        "Băng rôn quảng cáo khai trương treo ngang đường, không thấy ghi số giấy phép.",
        None,
        None,
    ),
    (
        "24133",
        "Hẻm 85 Y Jút",
        "wastewater",
        "assigned",
        "telegram",
        2,
        "Nước thải sinh hoạt từ mấy hộ trong hẻm chảy thẳng ra rãnh, đọng lại bốc mùi.",
        None,
        None,
    ),
    (
        "24133",
        "Mai Hắc Đế",
        "other",
        "closed",
        "web",
        25,
        "Đèn đường đoạn Mai Hắc Đế gần trường học bị hư cả tuần, buổi tối rất tối.",
        "Đã thay bóng đèn và sửa tủ điện chiếu sáng.",
        5,
    ),
    (
        "24133",
        "Hai Bà Trưng",
        "encroachment",
        "closed",
        "hotline",
        30,
        "Quán nhậu dựng mái che, kê bàn ra sát mép đường Hai Bà Trưng.",
        "Đã lập biên bản, yêu cầu tháo dỡ mái che; chủ quán chấp hành.",
        3,
    ),
    (
        "24133",
        "Buôn Alê A (phường Ea Tam cũ)",
        "unpermitted_construction",
        "in_progress",
        "zalo",
        5,
        "Có người san lấp, đổ móng xây nhà trên đất nông nghiệp gần buôn Alê A.",
        None,
        None,
    ),
    (
        "24133",
        "Lý Thường Kiệt",
        "other",
        "new",
        "telegram",
        0,
        "Ổ gà lớn giữa đường Lý Thường Kiệt, xe máy đi qua ban đêm rất nguy hiểm.",
        None,
        None,
    ),
    (
        "24154",
        "Nguyễn Văn Cừ",
        "littering",
        "assigned",
        "zalo",
        1,
        "Xà bần, gạch vỡ bị đổ trộm ở bãi đất trống cạnh đường Nguyễn Văn Cừ.",
        None,
        None,
    ),
    (
        "24154",
        "Buôn Ky",
        "wastewater",
        "rejected",
        "web",
        7,
        "Nước thải từ cơ sở chế biến cà phê chảy ra suối gần buôn Ky.",
        "Kiểm tra không phát hiện xả thải; nước màu nâu do phù sa sau mưa.",
        None,
    ),
    (
        "24154",
        "Phan Huy Chú",
        "street_vending",
        "resolved",
        "hotline",
        5,
        "Chợ cóc họp dưới lòng đường Phan Huy Chú từ 5 giờ sáng, xe không đi được.",
        "Đã vận động các hộ vào chợ, tổ trật tự tuần tra buổi sáng.",
        3,
    ),
    (
        "24163",
        "Nguyễn Chí Thanh",
        "encroachment",
        "in_progress",
        "zalo",
        2,
        "Tiệm sửa xe bày xe, dụng cụ sửa chữa chiếm hết vỉa hè đường Nguyễn Chí Thanh.",
        None,
        None,
    ),
    (
        "24163",
        "Khu dân cư Tân An",
        "unpermitted_construction",
        "new",
        "web",
        0,
        "Nhà đang xây lấn ra hành lang đường, đổ cột sát mép vỉa hè.",
        None,
        None,
    ),
    (
        "24163",
        "Chợ Tân An",
        "wastewater",
        "closed",
        "zalo",
        18,
        "Nước thải từ khu bán cá ở chợ Tân An chảy ra đường, hôi thối.",
        "Đã nạo vét hố ga và yêu cầu ban quản lý chợ lắp song chắn rác.",
        4,
    ),
    (
        "24169",
        "Giải Phóng",
        "illegal_ads",
        "new",
        "telegram",
        0,
        "Biển quảng cáo lớn dựng trên vỉa hè đường Giải Phóng, che khuất tầm nhìn ở giao lộ.",
        None,
        None,
    ),
    (
        "24169",
        "Khu công nghiệp Hòa Phú",
        "wastewater",
        "in_progress",
        "hotline",
        3,
        "Mương thoát nước gần khu công nghiệp có nước đen, mùi hóa chất nồng nặc.",
        None,
        None,
    ),
    (
        "24169",
        "Đường Võ Văn Kiệt",
        "littering",
        "closed",
        "web",
        22,
        "Người dân đốt rác, lá cây ven đường Võ Văn Kiệt, khói bay vào nhà dân.",
        "Đã nhắc nhở, đặt biển cấm đốt rác.",
        2,
    ),
    (
        "24175",
        "Thôn 9, xã Hòa Phú",
        "unpermitted_construction",
        "assigned",
        "hotline",
        2,
        "Có người xây nhà xưởng trên đất trồng cà phê, không thấy treo biển báo công trình.",
        None,
        None,
    ),
    (
        "24305",
        "Hùng Vương, Buôn Hồ",
        "encroachment",
        "new",
        "zalo",
        1,
        "Hàng quán lấn chiếm vỉa hè dọc đường Hùng Vương đoạn gần chợ Buôn Hồ.",
        None,
        None,
    ),
    (
        "24305",
        "Chợ Buôn Hồ",
        "littering",
        "resolved",
        "telegram",
        6,
        "Rác ở cổng sau chợ Buôn Hồ chất thành đống, không ai thu gom.",
        "Đã thu gom và tăng tần suất thu gom lên 2 lần/ngày.",
        5,
    ),
    (
        "24305",
        "Trần Hưng Đạo, Buôn Hồ",
        "illegal_ads",
        "rejected",
        "web",
        10,
        "Biển hiệu cửa hàng quá to, nghi sai phép.",
        "Biển hiệu đúng kích thước cho phép theo quy chuẩn; không vi phạm.",
        None,
    ),
    (
        "24340",
        "Tổ dân phố 3 (phường Bình Tân cũ)",
        "wastewater",
        "assigned",
        "hotline",
        1,
        "Trại heo xả nước thải ra mương thoát nước chung của khu dân cư.",
        None,
        None,
    ),
    (
        "24259",
        "Thị trấn Quảng Phú cũ, đường Hùng Vương",
        "street_vending",
        "in_progress",
        "zalo",
        2,
        "Xe bán hàng rong đậu dọc quốc lộ đoạn trước trường học, học sinh ra về rất nguy hiểm.",
        None,
        None,
    ),
    (
        "24259",
        "Thôn 3 (xã Quảng Tiến cũ)",
        "littering",
        "new",
        "hotline",
        0,
        "Đổ rác thải xuống suối cạnh cầu thôn 3, nước suối bốc mùi.",
        None,
        None,
    ),
    (
        "24280",
        "Buôn Sah A, xã Cư M'gar",
        "other",
        "resolved",
        "telegram",
        8,
        "Cây xà cừ ven đường bị gãy sau mưa, đổ chắn một nửa đường.",
        "Đã cưa dọn cây đổ, thông đường.",
        5,
    ),
    (
        "24265",
        "Thôn 7, xã Ea Kiết",
        "unpermitted_construction",
        "closed",
        "web",
        28,
        "Xây dựng lò sấy cà phê sát nhà dân khi chưa được cấp phép.",
        "Đã đình chỉ thi công, chủ công trình đã làm hồ sơ xin phép.",
        4,
    ),
    (
        "24373",
        "Giải Phóng, Ea Kar",
        "encroachment",
        "resolved",
        "zalo",
        5,
        "Các cửa hàng nông sản phơi cà phê, để bao hàng tràn ra lề đường Giải Phóng.",
        "Đã nhắc nhở, các hộ đã dọn hàng vào trong.",
        4,
    ),
    (
        "24373",
        "Chợ Ea Kar",
        "wastewater",
        "new",
        "hotline",
        0,
        "Cống thoát nước chợ Ea Kar bị vỡ, nước thải chảy ra đường.",
        None,
        None,
    ),
    (
        "24376",
        "Thôn 2 (thị trấn Ea Knốp cũ)",
        "illegal_ads",
        "assigned",
        "telegram",
        1,
        "Băng rôn quảng cáo bán đất nền treo trên cây ven quốc lộ 26.",
        None,
        None,
    ),
    (
        "24400",
        "Xã Ea Păl",
        "littering",
        "rejected",
        "web",
        12,
        "Có người đổ rác ở rẫy.",
        "Thông tin không đủ để xác minh vị trí; đề nghị người phản ánh cung cấp thêm hình ảnh.",
        None,
    ),
    (
        "24343",
        "Hùng Vương, Krông Năng",
        "street_vending",
        "closed",
        "zalo",
        26,
        "Họp chợ tự phát ven đường Hùng Vương sáng sớm, gây mất an toàn giao thông.",
        "Đã bố trí lại điểm bán, tổ công tác duy trì kiểm tra.",
        3,
    ),
    (
        "24343",
        "Tổ dân phố 5 (thị trấn Krông Năng cũ)",
        "other",
        "in_progress",
        "hotline",
        3,
        "Tiếng ồn từ xưởng cưa gỗ hoạt động đến 11 giờ đêm.",
        None,
        None,
    ),
    (
        "24364",
        "Thôn Xuân Thành, xã Phú Xuân",
        "wastewater",
        "resolved",
        "web",
        7,
        "Cơ sở chế biến mủ cao su xả nước thải ra suối, cá chết nổi trắng.",
        "Đoàn kiểm tra Sở NN&MT đã lấy mẫu, xử phạt và yêu cầu dừng xả thải.",
        4,
    ),
]


def offset(lat: float, lon: float, seed: str, scale: float) -> tuple[float, float]:
    digest = hashlib.sha256(seed.encode()).digest()
    bearing = digest[0] / 255 * 2 * math.pi
    dist_m = (100 + digest[1] / 255 * (MAX_OFFSET_M - 100)) * scale
    dlat = dist_m * math.cos(bearing) / 111_320
    dlon = dist_m * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


def main() -> None:
    gazetteer = load_yaml()
    reports = []
    for i, (code, place, category, status, channel, days_ago, text, note, rating) in enumerate(REPORTS):
        area = gazetteer.get(code)
        assert area is not None, code
        for scale in (1.0, 0.5, 0.25, 0.0):
            lat, lon = offset(area.latitude, area.longitude, f"{i}-{code}", scale)
            if gazetteer.locate(lat, lon) == area:
                break
        digits = hashlib.sha256(f"phone-{i}".encode()).hexdigest()
        reports.append(
            {
                "description": text,
                "category": category,
                "latitude": lat,
                "longitude": lon,
                "address": f"{place}, {area.name}",
                "channel": channel,
                "status": status,
                "days_ago": days_ago,
                "reporter_name": NAMES[i % len(NAMES)],
                "phone": "09" + "".join(str(int(c, 16) % 10) for c in digits[:8]),
                "note": note,
                "rating": rating,
            }
        )
    assert len(reports) == 40, len(reports)
    body = yaml.safe_dump({"users": USERS, "reports": reports}, allow_unicode=True, sort_keys=False, width=120)
    header = (
        "# Generated by data/build/build_demo.py. Demo only: fake reporters and phone numbers.\n"
        "# Coordinates: area centroid from data/areas.yaml plus a deterministic offset <= 600 m.\n"
    )
    (ROOT / "data" / "demo.yaml").write_text(header + body, encoding="utf-8")
    print("wrote data/demo.yaml")


if __name__ == "__main__":
    main()
