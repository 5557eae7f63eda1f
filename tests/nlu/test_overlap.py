"""Near copies between the training data and the evaluation files (nlu/overlap.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu import DEV_FILE, FRESH_FILES, TEST_FILE
from nlu.dataset import Example, load_file, load_training
from nlu.overlap import near_copies
from tests.nlu.conftest import run_nlu_cli

WIDE = {"COLUMNS": "200"}  # Rich wraps the table to the terminal's width


def test_a_report_reworded_by_two_words_is_a_near_copy() -> None:
    training = [Example("xe ban trai cay dau giua duong ban hang, ng mua dung xe lung tung", "street_vending")]
    evaluation = [Example("xe ban trai cay dau giua duong ban, ng mua dung xe tum lum", "street_vending")]
    [copy] = near_copies(training, evaluation)
    assert copy.training is training[0]
    assert 0.6 <= copy.similarity < 1


def test_a_chat_style_copy_of_a_careful_line_is_a_near_copy() -> None:
    training = [Example("Xe bán bánh mì dừng ngay nút giao, người mua đỗ xe để mua", "street_vending")]
    evaluation = [Example("xe ban banh mi dung ngay nut giao, ng mua do xe de mua", "street_vending")]
    assert near_copies(training, evaluation)


def test_another_report_of_the_same_kind_is_not_a_near_copy() -> None:
    training = [Example("Quán cà phê bày bàn ghế kín vỉa hè đường Lê Duẩn", "encroachment")]
    evaluation = [Example("tiệm sửa xe để xe khách tràn ra lòng đường Ngô Quyền cả ngày", "encroachment")]
    assert near_copies(training, evaluation) == []


def test_small_talk_is_never_compared() -> None:
    assert near_copies([Example("cảm ơn nhiều", "thanks")], [Example("cảm ơn nhiều", "thanks")]) == []


@pytest.mark.parametrize("path", [*FRESH_FILES, DEV_FILE, TEST_FILE], ids=lambda p: p.name)
def test_no_training_line_is_a_near_copy_of_an_evaluation_line(path: Path) -> None:
    """Only the training lines are named: the evaluation texts stay unread."""
    assert [c.training.text for c in near_copies(load_training(), load_file(path))] == []


def test_overlap_command_names_the_near_copies_and_exits_1(tmp_path: Path) -> None:
    # At a threshold this low, the training data is full of "near copies": the command must list
    # them and fail, as it would on a line reworded from an evaluation file.
    result = run_nlu_cli(["overlap", "--threshold", "0.3"], tmp_path, env=WIDE)
    assert result.returncode == 1, result.stderr
    assert "near copies: reword or remove these training lines" in result.stdout


def test_overlap_command_passes_on_the_shipped_data(tmp_path: Path) -> None:
    result = run_nlu_cli(["overlap"], tmp_path, env=WIDE)
    assert result.returncode == 0, result.stderr
    assert "no training line is a near copy" in result.stdout


def test_overlap_command_rejects_a_threshold_outside_0_to_1(tmp_path: Path) -> None:
    result = run_nlu_cli(["overlap", "--threshold", "7"], tmp_path, env=WIDE)
    assert result.returncode == 1
    assert "between 0 and 1" in result.stderr
