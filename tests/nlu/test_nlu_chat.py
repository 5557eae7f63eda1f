"""Chat-style reports (no diacritics, abbreviations) understood like careful ones (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu import CATEGORIES, DEV_FILE, FRESH4_FILE, FRESH_FILES, TEST_FILE, service
from nlu.dataset import load_file, load_training
from nlu.diet import annotated, write_split
from nlu.evaluation import holdout, style_of
from nlu.restore import ACCENTED_ABBREVIATIONS, Restorer, load_lexicon
from nlu.runtime import chat_style, needs_restoring
from nlu.text import ABBREVIATIONS, plain_view, strip_diacritics, teen_code
from tests.nlu.conftest import run_nlu_cli


@pytest.fixture(scope="module")
def restorer() -> Restorer:
    return Restorer.train((ex.text for ex in load_training()), load_lexicon())


@pytest.mark.parametrize(
    ("typed", "restored"),
    [
        ("nuoc thai tran ra duong", "nước thải tràn ra đường"),
        ("quan nhau ke ban ghe ra het via he", "quán nhậu kê bàn ghế ra hết vỉa hè"),
        ("nha ben canh xay them tang ma ko thay giay phep", "nhà bên cạnh xây thêm tầng mà không thấy giấy phép"),
        ("rac chat dong dau hem k ai don", "rác chất đống đầu hẻm không ai dọn"),
        ("nc thai o p tan loi bmt", "nước thải ở phường tân lợi buôn ma thuột"),
    ],
)
def test_restorer_puts_back_the_diacritics_of_known_phrases(restorer: Restorer, typed: str, restored: str) -> None:
    assert restorer.restore(typed) == restored


def test_restorer_keeps_words_typed_with_diacritics(restorer: Restorer) -> None:
    # "ban" alone could be bán/bàn/bạn: a word the citizen marked is never changed.
    assert restorer.restore("bạn ơi rac day duong") == "bạn ơi rác đầy đường"


def test_broken_is_not_read_as_no_in_the_plain_view() -> None:
    # "hỏng"/"hong" (broken) is what reports say; mapping it to "không" erased it.
    assert plain_view("Đèn đường hỏng") == plain_view("den duong hong") == "den duong hong"


def test_diacritics_strip_the_same_from_composed_and_decomposed_text() -> None:
    import unicodedata

    from nlu.text import strip_diacritics

    text = "Đường Lê Duẩn ngập nước, ĐẮK LẮK"
    bare = "Duong Le Duan ngap nuoc, DAK LAK"
    assert strip_diacritics(text) == strip_diacritics(unicodedata.normalize("NFD", text)) == bare


def test_more_chat_abbreviations_expand_in_both_views(restorer: Restorer) -> None:
    assert plain_view("oto cty dau tren vh") == "o to cong ty dau tren via he"
    assert restorer.restore("oto cty vh hqua") == "ô tô công ty vỉa hè hôm qua"


def test_every_abbreviation_of_the_plain_view_expands_in_the_accented_view_too() -> None:
    for short, plain in ABBREVIATIONS.items():
        assert strip_diacritics(ACCENTED_ABBREVIATIONS[short]) == plain


def test_a_half_accented_report_gets_its_bare_words_restored(nlu_env: Path) -> None:
    built = service._builtin()
    view = built.views("cong o dg Y Jút tràn nc đen thui cả khu, ko mưa mà vẫn tràn")["accented"]
    assert "đường" in view.split() and "nước" in view.split() and "không" in view.split()


def test_only_a_text_with_a_word_typed_bare_goes_through_the_restorer() -> None:
    assert not needs_restoring("cống tràn nước đen")
    assert needs_restoring("cống tràn nc đen")
    assert needs_restoring("cống số 12 tràn")  # a number is bare too: its neighbours may not be
    assert not chat_style("cống tràn nc đen")  # restored, yet still a careful text


def test_restorer_leaves_unknown_words_alone(restorer: Restorer) -> None:
    assert restorer.restore("xyzzy qwerty") == "xyzzy qwerty"


PAIRS = [
    ("Quán nhậu kê bàn ghế kín vỉa hè, người đi bộ phải đi xuống lòng đường", "quan nhau ke ban ghe kin vh, ng di bo"),
    ("Cột điện bị dán đầy tờ rơi quảng cáo khoan cắt bê tông", "cot dien bi dan day to roi qc khoan cat be tong"),
    ("Xe đẩy bán hàng rong tụ tập trước cổng trường giờ tan học", "xe day ban hang rong truoc cong truong"),
    ("Nhà bên cạnh xây thêm tầng mà không thấy giấy phép", "nha ben canh xay them tang ma ko thay giay phep"),
    ("Nước hôi từ xưởng mổ chảy ra suối", "nuoc hoi tu xuong mo chay ra suoi"),
    ("Có người đổ trộm xà bần ra bãi đất trống ban đêm", "co ng do tram xa ban ra bai dat trong ban dem"),
    ("Đèn đường hỏng cả tuần, buổi tối tối om", "den duong hong ca tuan, buoi toi toi om"),
]


@pytest.mark.parametrize(("careful", "chat"), PAIRS)
def test_chat_style_and_accented_forms_get_the_same_category(nlu_env: Path, careful: str, chat: str) -> None:
    assert service.classify_sync(chat).category == service.classify_sync(careful).category


def test_administrative_question_is_out_of_scope_not_a_report(nlu_env: Path) -> None:
    for text in ("cho hỏi thủ tục làm căn cước ở đâu", "xin giay phep xay dung nop ho so o dau"):
        assert service.classify_sync(text).intent == "out_of_scope"


FRESH_SETS = pytest.mark.parametrize("fresh_file", FRESH_FILES, ids=lambda p: p.name)


@FRESH_SETS
def test_fresh_set_never_overlaps_the_training_data(fresh_file: Path) -> None:
    trained = {plain_view(ex.text) for ex in load_training()}
    fresh = load_file(fresh_file)
    assert not [ex.text for ex in fresh if plain_view(ex.text) in trained]
    held_out = {plain_view(ex.text) for ex in load_file(TEST_FILE)}
    assert not [ex.text for ex in fresh if plain_view(ex.text) in held_out]


def test_development_set_shares_no_line_with_training_held_out_or_fresh_data() -> None:
    dev = {plain_view(ex.text) for ex in load_file(DEV_FILE)}
    for other in (load_training(), load_file(TEST_FILE), *map(load_file, FRESH_FILES)):
        assert not dev & {plain_view(ex.text) for ex in other}


def test_development_set_is_mostly_chat_style_reports_of_every_category() -> None:
    reports = [ex for ex in load_file(DEV_FILE) if ex.intent in CATEGORIES]
    assert len(reports) >= 150
    assert {ex.intent for ex in reports} == set(CATEGORIES)
    assert sum(ex.style == "chat" for ex in reports) > len(reports) / 2


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("fải", "phải"), ("wá", "quá"), ("jấy", "giấy"), ("zậy", "vậy"), ("dzô", "vô"), ("kái", "cái"), ("hoiiii", "hoi")],
)
def test_teen_code_spellings_read_as_the_vietnamese_word(typed: str, meant: str) -> None:
    assert teen_code(typed) == meant


def test_teen_code_leaves_vietnamese_words_and_abbreviations_alone() -> None:
    for word in ("đi", "khi", "kê", "kiểm", "ko", "kg", "giấy", "phải", "dân", "z", "k"):
        assert teen_code(word) == word
    assert plain_view("hok có jấy fép") == "khong co giay phep"


def test_restorer_reads_teen_code(restorer: Restorer) -> None:
    assert restorer.restore("xay nha hok co jay fep") == "xây nhà không có giấy phép"


def test_restorer_accuracy_counts_the_syllables_of_careful_texts_only(nlu_env: Path) -> None:
    from nlu.dataset import Example
    from nlu.evaluation import restorer_accuracy

    examples = [Example("Nước thải tràn ra đường", "wastewater"), Example("nuoc thai tran", "wastewater")]
    accuracy, syllables = restorer_accuracy(service._builtin(), examples)
    assert syllables == 5
    assert accuracy == 1.0


@FRESH_SETS
def test_fresh_set_has_300_reports_a_third_chat_style(fresh_file: Path) -> None:
    reports = [ex for ex in load_file(fresh_file) if ex.intent in CATEGORIES]
    assert len(reports) >= 300
    assert {ex.intent for ex in reports} == set(CATEGORIES)
    assert all(ex.style in {"careful", "chat"} for ex in reports)
    assert sum(ex.style == "chat" for ex in reports) >= 0.33 * len(reports)  # a third (fresh4: 104 of 308)


def test_fresh_set_scores_split_by_style(nlu_env: Path) -> None:
    report = holdout(lambda texts: [service.classify_sync(t).ranking[0] for t in texts], FRESH4_FILE)
    assert set(report.by_style) == {"careful", "chat"}
    assert report.by_style["chat"][0] >= 100


def test_style_is_guessed_when_the_file_does_not_say() -> None:
    from nlu.dataset import Example

    assert style_of(Example("nuoc thai tran ra duong", "wastewater")) == "chat"
    assert style_of(Example("Nước thải tràn ra đường", "wastewater")) == "careful"


def test_diet_split_files_read_back_as_the_same_examples(tmp_path: Path) -> None:
    examples = [ex for ex in load_training() if ex.entities][:20]
    write_split(examples, tmp_path)
    assert load_file(tmp_path / "split.yml") == examples
    assert annotated(examples[0]).count("](") == len(examples[0].entities)


def test_evaluate_with_diet_but_no_rasa_venv_fails_at_once_with_the_fix(tmp_path: Path) -> None:
    done = run_nlu_cli(["evaluate", "--diet"], tmp_path, env={"RASA_VENV": str(tmp_path / "no-venv")})
    assert done.returncode == 1
    assert "rasa.sh venv" in done.stderr
    assert "macro-F1" not in done.stdout  # failed before scoring anything
