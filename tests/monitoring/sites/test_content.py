"""Meaningful content: what a defacement check compares, and what it ignores."""

from backend.monitoring.sites.content import change_ratio, diff, extract, forbidden_found
from tests.monitoring.sites.standins import GAMBLING, HACKED, portal

KEYWORDS = ["cá cược", "nổ hũ", "tài xỉu", "hacked by"]


def _ratio(a: str, b: str) -> float:
    before, after = extract(a), extract(b)
    return change_ratio(before.text, before.structure, after.text, after.structure)


def test_scripts_styles_and_ads_are_not_content():
    content = extract(portal())
    assert "visits" not in content.text and "color" not in content.text
    assert "Khuyến mãi" not in content.text
    assert "Đắk Lắk là tỉnh thuộc vùng Tây Nguyên" in content.text


def test_a_new_date_clock_and_counter_change_nothing():
    assert extract(portal(day=1, clock="08:00", visits=5)).hash == extract(portal(day=2, clock="17:45",
                                                                                    visits=9999)).hash


def test_a_rotated_news_list_stays_under_the_threshold():
    assert 0 < _ratio(portal(news_from=0), portal(news_from=3)) < 0.4


def test_a_replaced_page_is_far_over_the_threshold():
    assert _ratio(portal(), HACKED) > 0.8


def test_forbidden_keywords_are_found_in_hidden_links_too():
    assert forbidden_found(extract(GAMBLING).all_text, KEYWORDS) == ["nổ hũ"]


def test_forbidden_keywords_match_without_diacritics_and_as_whole_words():
    assert forbidden_found("Choi tai xiu online", KEYWORDS) == ["tài xỉu"]
    assert forbidden_found("Danh bạ cơ quan; tài xỉuxx", ["đánh bạc", "tài xỉu"]) == []


def test_a_clean_portal_has_no_forbidden_keyword():
    assert forbidden_found(extract(portal()).all_text, KEYWORDS) == []


def test_the_diff_shows_removed_and_added_lines():
    lines = diff(extract(portal()).text, extract(HACKED).text)
    assert ("+", "HACKED BY ANONYMOUS TEAM") in lines
    assert ("-", "Bản quyền thuộc Ủy ban nhân dân tỉnh Đắk Lắk") in lines
