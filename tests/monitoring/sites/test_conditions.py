"""The Gatus-style condition parser and evaluator (no eval)."""

import pytest

from backend.monitoring.sites.conditions import ConditionError, failed, parse, parse_all

FACTS = {"STATUS": 200, "RESPONSE_TIME": 350, "BODY": "Cổng thông tin điện tử tỉnh Đắk Lắk",
         "CERTIFICATE_EXPIRATION": 20 * 86_400_000, "CONNECTED": True, "IP": "127.0.0.1", "HTTP_VERSION": "HTTP/2"}


@pytest.mark.parametrize("text", [
    "[STATUS] == 200", "[STATUS] < 400", "[STATUS] == any(200, 301)", "[STATUS] != 500",
    "[RESPONSE_TIME] < 2000", "[RESPONSE_TIME] <= 1s", "[CERTIFICATE_EXPIRATION] > 14d",
    "[CERTIFICATE_EXPIRATION] > 48h", "[BODY] contains Đắk Lắk", "[BODY] not contains hacked by",
    "[BODY] == pat(*điện tử*)", "[CONNECTED] == true", "[IP] == 127.0.0.1", "[HTTP_VERSION] == HTTP/2",
    "[BODY] contains \"tỉnh Đắk Lắk\"",
])
def test_met_conditions_pass(text):
    assert parse(text).evaluate(FACTS) is True


@pytest.mark.parametrize("text", [
    "[STATUS] == 301", "[RESPONSE_TIME] < 100", "[CERTIFICATE_EXPIRATION] > 30d", "[BODY] contains hacked by",
    "[BODY] not contains Đắk Lắk", "[STATUS] == any(500, 502)", "[CONNECTED] == false",
])
def test_unmet_conditions_fail(text):
    assert parse(text).evaluate(FACTS) is False


def test_a_missing_fact_fails_the_condition():
    assert parse("[CERTIFICATE_EXPIRATION] > 7d").evaluate({**FACTS, "CERTIFICATE_EXPIRATION": None}) is False


@pytest.mark.parametrize(("text", "words"), [
    ("", "trống"),
    ("STATUS == 200", "không hợp lệ"),
    ("[STATUSCODE] == 200", "[STATUSCODE]"),
    ("[STATUS] == ok", "số nguyên"),
    ("[RESPONSE_TIME] < fast", "Thời lượng"),
    ("[CERTIFICATE_EXPIRATION] > 14 weeks", "Thời lượng"),
    ("[BODY] < 3", "lớn/nhỏ"),
    ("[STATUS] contains 2", "chỉ dùng cho"),
    ("[STATUS] ==", "Thiếu giá trị"),
    ("__import__('os').system('id')", "không hợp lệ"),
    ("[STATUS] == 200; import os", "số nguyên"),
])
def test_bad_conditions_are_refused_with_a_message(text, words):
    with pytest.raises(ConditionError) as caught:
        parse(text)
    assert words in str(caught.value)


def test_the_position_of_the_bad_condition_is_named():
    with pytest.raises(ConditionError, match="thứ 2"):
        parse_all(["[STATUS] == 200", "[STATUS] === 200"])


def test_failed_lists_the_unmet_conditions_only():
    conditions = parse_all(["[STATUS] == 200", "[RESPONSE_TIME] < 100"])
    assert failed(conditions, FACTS) == ["[RESPONSE_TIME] < 100"]
