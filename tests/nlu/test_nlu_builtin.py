"""The built-in classifier through the public interface `nlu.service`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nlu import CATEGORIES, DATA_DIR, FALLBACK_INTENT, model, service
from nlu.dataset import data_hash, load_file
from tests.nlu.conftest import run_nlu_cli

ROOT = Path(__file__).resolve().parents[2]

REPORTS = {
    "encroachment": "Quán nhậu kê bàn ghế kín vỉa hè đường Lê Duẩn, người đi bộ phải xuống lòng đường",
    "illegal_ads": "Tờ rơi quảng cáo cho vay tiền dán đầy cột điện ở phường Tân Lợi",
    "street_vending": "Chợ tự phát họp trên đường Y Wang mỗi sáng, người bán tràn xuống lòng đường",
    "unpermitted_construction": "Nhà bên cạnh đang xây thêm tầng 4 mà không có giấy phép xây dựng",
    "wastewater": "Cống bị tắc, nước thải tràn lên mặt đường bốc mùi hôi thối",
    "littering": "Có người đổ trộm xà bần và rác thải ra bãi đất trống ban đêm",
    "other": "Đèn đường hỏng cả tuần nay, buổi tối tối om rất nguy hiểm",
}


@pytest.mark.parametrize(("category", "text"), REPORTS.items())
def test_report_gets_its_category_with_confidence(nlu_env: Path, category: str, text: str) -> None:
    result = service.classify_sync(text)
    assert result.category == category
    assert 0.5 < result.confidence <= 1.0
    assert not result.unsure
    assert result.intent == category


def test_ranking_lists_the_seven_categories_best_first(nlu_env: Path) -> None:
    result = service.classify_sync(REPORTS["wastewater"])
    assert sorted(name for name, _ in result.ranking) == sorted(CATEGORIES)
    confidences = [conf for _, conf in result.ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert result.ranking[0] == (result.category, result.confidence)
    assert all(0.0 <= c <= 1.0 for c in confidences) and sum(confidences) <= 1.0 + 1e-9


def test_text_without_diacritics_gets_the_same_category(nlu_env: Path) -> None:
    assert service.classify_sync("cong bi tac nuoc thai tran len duong boc mui hoi thoi").category == "wastewater"
    assert service.classify_sync("quan nhau ke ban ghe kin via he duong le duan").category == "encroachment"


def test_chat_abbreviations_are_understood(nlu_env: Path) -> None:
    result = service.classify_sync("rac chat dong dau hem ca tuan k ai don, ko dc thu gom")
    assert result.category == "littering"
    assert service.classify_sync("dán qc cho vay đầy cột điện ở bmt").category == "illegal_ads"


async def test_small_talk_parses_as_conversation_not_a_category(nlu_env: Path) -> None:
    small_talk = [("xin chào", "greet"), ("cảm ơn nhiều", "thanks"), ("hôm nay thời tiết thế nào", "out_of_scope")]
    for text, intent in small_talk:
        parsed = await service.parse(text)
        assert parsed["intent"]["name"] == intent
    result = await service.classify("xin chào")
    assert result.intent == "greet"
    assert result.unsure


async def test_low_confidence_falls_back_and_is_unsure(nlu_env: Path) -> None:
    parsed = await service.parse("qwerty zxcv")
    assert parsed["intent"]["name"] == FALLBACK_INTENT
    assert parsed["intent_ranking"][0]["name"] == FALLBACK_INTENT
    result = await service.classify("qwerty zxcv")
    assert result.unsure
    assert result.confidence < 0.5
    assert result.category in CATEGORIES


def test_unsure_means_below_the_threshold(nlu_env: Path) -> None:
    threshold = service._builtin().threshold
    for text in [*REPORTS.values(), "xin chào", "có chuyện này", "ở đây"]:
        result = service.classify_sync(text)
        assert result.unsure == (result.confidence < threshold)


def test_empty_text_is_unsure_other(nlu_env: Path) -> None:
    result = service.classify_sync("   ")
    assert (result.category, result.confidence, result.unsure, result.intent) == ("other", 0.0, True, FALLBACK_INTENT)


async def test_parse_answers_in_rasa_shape(nlu_env: Path) -> None:
    parsed = await service.parse(REPORTS["littering"])
    assert set(parsed) == {"text", "intent", "intent_ranking", "entities"}
    assert parsed["text"] == REPORTS["littering"]
    assert parsed["intent"] == parsed["intent_ranking"][0]
    assert set(parsed["intent"]) == {"name", "confidence"}


async def test_tracking_code_is_extracted(nlu_env: Path) -> None:
    parsed = await service.parse("tra cứu PA-7K3M2Q giúp em")
    assert parsed["intent"]["name"] == "check_status"
    [entity] = parsed["entities"]
    assert entity["entity"] == "tracking_code" and entity["value"] == "PA-7K3M2Q"
    assert parsed["text"][entity["start"] : entity["end"]] == "PA-7K3M2Q"
    assert entity["extractor"]


async def test_address_entities_are_extracted(nlu_env: Path) -> None:
    parsed = await service.parse("Trước số 45 đường Lê Duẩn, phường Tân Lợi có quán lấn chiếm vỉa hè")
    found = {(e["entity"], e["value"]) for e in parsed["entities"]}
    assert found == {("house_number", "45"), ("street", "Lê Duẩn"), ("ward", "Tân Lợi")}


def test_status_reports_the_builtin_model(nlu_env: Path) -> None:
    service.classify_sync("xin chào")
    status = service.status()
    assert status == {"backend": "builtin", "model": data_hash(), "rasa_ok": None, "fallbacks": 0, "last_error": None}


def test_runtime_model_equals_scikit_learn(tmp_path: Path) -> None:
    from scipy import sparse

    examples = load_file(DATA_DIR / "conversation.yml") + load_file(DATA_DIR / "littering.yml")
    runtime = model.fit(examples)
    vectorizers, classifier = model.fit_sklearn(examples, restorer=runtime.restorer)
    for text in ["Có người đổ trộm rác  thải, xà bần!", "xin chào ạ", "k ai don rac o bmt", "x"]:
        views = {name: [view] for name, view in runtime.views(text).items()}
        features = sparse.hstack([vec.transform(views[view]) for view, vec in vectorizers], format="csr")
        expected = classifier.predict_proba(features)[0]
        got = dict(runtime.rank(text))
        assert all(abs(got[c] - expected[i]) < 1e-9 for i, c in enumerate(classifier.classes_))


def test_model_cache_is_keyed_by_data_hash(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("conversation.yml", "other.yml"):  # a small data set keeps the two trainings fast
        shutil.copy(DATA_DIR / name, data / name)
    var = tmp_path / "var"
    first = model.load(var_dir=var, data_dir=data)
    path = model.model_path(var, first.data_hash)
    assert path.exists()
    mtime = path.stat().st_mtime_ns
    assert model.load(var_dir=var, data_dir=data).data_hash == first.data_hash
    assert path.stat().st_mtime_ns == mtime  # loaded from the cache, not retrained

    with (data / "other.yml").open("a", encoding="utf-8") as f:
        f.write("    - Cột đèn trước nhà văn hóa bị gãy gục xuống đường\n")
    second = model.load(var_dir=var, data_dir=data)
    assert second.data_hash != first.data_hash
    assert model.model_path(var, second.data_hash).exists()
    assert not path.exists()  # the stale model is removed


def test_classify_cli_writes_one_json_line_per_input_line_in_order(nlu_var: Path) -> None:
    lines = [REPORTS["wastewater"], "", "dan quang cao cho vay day cot dien", REPORTS["other"]]
    result = run_nlu_cli(["classify"], nlu_var, "\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["text"] for o in out] == lines
    assert [o["category"] for o in out] == ["wastewater", "other", "illegal_ads", "other"]
    assert all(set(o) == {"text", "category", "confidence"} and 0 <= o["confidence"] <= 1 for o in out)
    assert out[1]["confidence"] == 0.0


def test_evaluate_cli_prints_scores_and_confusion(nlu_var: Path) -> None:
    result = run_nlu_cli(["evaluate", "--errors", "3", "--dev"], nlu_var)
    assert result.returncode == 0, result.stderr
    for name in ("fresh4.yml", "test_nlu.yml", "dev.yml (development set"):
        assert name in result.stdout
    assert "macro-F1" in result.stdout
    assert "confusion" in result.stdout
    for category in CATEGORIES:
        assert category in result.stdout


def test_train_cli_prints_hash_time_and_path(tmp_path: Path) -> None:
    result = run_nlu_cli(["train"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert data_hash() in result.stdout
    assert model.model_path(tmp_path, data_hash()).exists()


def test_word_cache_gives_the_ids_of_cutting_the_text_up(nlu_env: Path) -> None:
    runtime = service._builtin()
    text = "quán nhậu xyzqw kê bàn ghế ra vỉa hè zzkhông"  # two words no training text has
    for block in runtime.blocks:
        expected = [i for i in map(block.vocabulary.get, block.terms(text)) if i is not None]
        assert sorted(block.term_ids(text).tolist()) == sorted(expected)


def test_word_cache_stops_growing_at_its_bound(nlu_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nlu import runtime as runtime_module

    runtime = service._builtin()
    block = next(b for b in runtime.blocks if b.analyzer == "char_wb")
    monkeypatch.setattr(runtime_module, "WORD_CACHE_LIMIT", len(block.word_ids))
    before = len(block.word_ids)
    block.term_ids("qzxv1 qzxv2 qzxv3")
    assert len(block.word_ids) == before
    assert block.term_ids("qzxv1").tolist() == block.term_ids("qzxv1").tolist()


def test_threshold_without_a_builtin_model_comes_from_config(monkeypatch: pytest.MonkeyPatch) -> None:
    from nlu.dataset import fallback_threshold

    monkeypatch.setattr(service._state, "model", None)  # as with NLU_BACKEND=rasa
    assert service._threshold() == service._threshold() == fallback_threshold()
