"""Text helpers: folding, and whether a text says something in words."""

import pytest

from backend.core.text import fold, fold_words, has_words


def test_fold_drops_diacritics_case_and_apostrophes():
    assert fold("Cư M'gar Đắk Lắk") == "cu mgar dak lak"


def test_fold_words_turns_punctuation_into_single_spaces():
    assert fold_words("  Xác nhận!!  OK. ") == "xac nhan ok"


@pytest.mark.parametrize("text", ["x", "ab", "😀😀😀", "?!...", "123456", "- - -", "a b c"])
def test_text_without_words_is_not_a_description(text):
    assert not has_words(text)


@pytest.mark.parametrize("text", ["ổ gà", "rác", "Đèn hỏng", "nuoc thai chay ra duong", "xe 29A chắn lối"])
def test_short_real_descriptions_have_words(text):
    assert has_words(text)
