"""Training candidates from staff corrections (nlu/candidates.py): the Rasa YAML file, its
provenance CSV, and the lines it must not take (training lines, near copies of evaluation lines)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from backend.core import yamlfile
from backend.reports.corrections import Correction
from nlu import CATEGORIES, DATA_DIR, NLU_DIR
from nlu import candidates as cand
from nlu.dataset import Example, load_file, load_training
from nlu.text import strip_diacritics

MakeCorrection = Callable[..., Correction]
CAREFUL = "Cống thoát nước trước chợ Tân Lập bị vỡ, nước thải đen ngòm chảy ra lòng đường suốt tuần nay"
CHAT = "cong truoc hem 38 y wang bi tac, nc thai tran len ca via he, hoi thoi k chiu noi"
LITTER = "Bãi đất trống cạnh trường tiểu học bị người ta đổ trộm rác sinh hoạt và xà bần thành đống"
DAY = date(2026, 11, 20)
NO_EVALUATION: dict[str, list[Example]] = {}


@pytest.fixture
def correction() -> MakeCorrection:
    counter = {"n": 0}

    def make(text: str, final: str = "wastewater", predicted: str = "littering", source: str = "staff") -> Correction:
        counter["n"] += 1
        at = datetime(2026, 11, 20, 3, counter["n"], tzinfo=UTC)
        return Correction(code=f"PA-TEST{counter['n']:02d}", text=text, predicted=predicted, confidence=0.61,
                          final=final, source=source, channel="zalo", created_at=at, corrected_at=at, changes=1)

    return make


def written(tmp_path: Path, chosen: cand.Candidates) -> tuple[Path, Path]:
    return cand.write(chosen, tmp_path / "candidates.yml", exported_on=DAY)


def test_the_file_loads_with_the_training_loader_one_block_per_label_and_style(
    tmp_path: Path, correction: MakeCorrection
) -> None:
    chosen = cand.select_candidates(
        [correction(CHAT), correction(LITTER, final="littering", predicted="other"), correction(CAREFUL)],
        evaluation=NO_EVALUATION,
    )
    yml, _csv = written(tmp_path, chosen)
    assert [(ex.intent, ex.style, ex.text) for ex in load_file(yml)] == [
        ("wastewater", "careful", CAREFUL), ("wastewater", "chat", CHAT), ("littering", "careful", LITTER)
    ]
    blocks = yamlfile.load(yml.read_text(encoding="utf-8"))["nlu"]
    assert [(b["intent"], b["metadata"]) for b in blocks] == [
        ("wastewater", {"style": "careful"}), ("wastewater", {"style": "chat"}), ("littering", {"style": "careful"})
    ]


def test_no_comment_line_inside_an_examples_block(tmp_path: Path, correction: MakeCorrection) -> None:
    chosen = cand.select_candidates(
        [correction("#bmt cống tắc nước thải tràn\n# ảnh gửi sau\n\tlàm ơn xử lý"), correction(CAREFUL)],
        evaluation=NO_EVALUATION,
    )
    yml, _csv = written(tmp_path, chosen)
    lines = yml.read_text(encoding="utf-8").splitlines()
    inside, in_block = [], False
    for line in lines:
        if in_block and line.startswith("    "):
            inside.append(line)
        else:
            in_block = line == "  examples: |"
    assert len(inside) == 2 and all(line.startswith("    - ") for line in inside)
    assert not [line for line in lines[lines.index("nlu:") :] if line.lstrip().startswith("#")]
    assert load_file(yml)[0].text == "#bmt cống tắc nước thải tràn # ảnh gửi sau làm ơn xử lý"


def test_brackets_in_a_text_never_read_as_an_entity_annotation(tmp_path: Path, correction: MakeCorrection) -> None:
    chosen = cand.select_candidates([correction("gọi [sđt](anh Nam) về cống [tắc]{nặng} ở [hẻm][38]")],
                                    evaluation=NO_EVALUATION)
    yml, _csv = written(tmp_path, chosen)
    [example] = load_file(yml)
    assert (example.text, example.entities) == ("gọi [sđt] (anh Nam) về cống [tắc] {nặng} ở [hẻm] [38]", ())


def test_a_text_already_in_the_training_data_is_skipped_after_normalisation(correction: MakeCorrection) -> None:
    line = next(ex for ex in load_training() if ex.intent in CATEGORIES and not ex.entities)
    typed = strip_diacritics(line.text).upper()
    chosen = cand.select_candidates([correction(typed, final=line.intent), correction(CAREFUL)],
                                    evaluation=NO_EVALUATION)
    assert [(c.skip, c.detail) for c in chosen.items] == [("training", line.intent), ("", "")]
    assert chosen.skipped == {"training": 1, "evaluation": 0, "repeat": 0}


def test_a_near_copy_of_an_evaluation_line_is_skipped(correction: MakeCorrection) -> None:
    evaluation = {"fresh.yml": [Example(text=CAREFUL, intent="wastewater")]}
    reworded = CAREFUL.replace("suốt tuần nay", "mấy hôm nay")
    chosen = cand.select_candidates([correction(reworded), correction(LITTER, final="littering")],
                                    evaluation=evaluation)
    assert [c.skip for c in chosen.items] == ["evaluation", ""]
    assert chosen.items[0].detail.startswith("fresh.yml 0.")
    assert chosen.skipped == {"training": 0, "evaluation": 1, "repeat": 0}


def test_the_evaluation_files_are_guarded_by_default(correction: MakeCorrection) -> None:
    sets = cand.evaluation_sets()
    assert {"fresh4.yml", "test_nlu.yml", "dev.yml"} <= set(sets)
    line = next(ex for ex in sets["fresh4.yml"] if ex.intent in CATEGORIES)
    chosen = cand.select_candidates([correction(line.text + " ạ", final=line.intent)])
    assert [c.skip for c in chosen.items] == ["evaluation"]


def test_a_text_repeated_by_another_report_is_taken_once(correction: MakeCorrection) -> None:
    first, again = correction(CAREFUL), correction(CAREFUL.lower(), final="other")
    chosen = cand.select_candidates([first, again], evaluation=NO_EVALUATION)
    assert [(c.skip, c.detail) for c in chosen.items] == [("", ""), ("repeat", first.code)]


def test_the_csv_beside_it_tells_where_each_line_came_from(tmp_path: Path, correction: MakeCorrection) -> None:
    kept, copy = correction(CAREFUL), correction(CAREFUL)
    _yml, csv_path = written(tmp_path, cand.select_candidates([kept, copy], evaluation=NO_EVALUATION))
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8").lstrip("\ufeff"))))
    assert rows[0] == list(cand.CSV_HEADER)
    assert rows[1] == [kept.code, "wastewater", "littering", "0.61", "cán bộ", "zalo", "2026-11-20 03:01",
                       "careful", "ứng viên", CAREFUL]
    assert rows[2][0] == copy.code and rows[2][8] == f"bỏ qua: trùng câu của {kept.code}"


@pytest.mark.parametrize("folder", [DATA_DIR, NLU_DIR / "tests"])
def test_the_candidates_are_never_written_into_the_training_or_evaluation_data(
    folder: Path, correction: MakeCorrection
) -> None:
    target = folder / "candidates-test.yml"
    with pytest.raises(ValueError, match="người duyệt"):
        cand.write(cand.select_candidates([correction(CAREFUL)], evaluation=NO_EVALUATION), target,
                   exported_on=DAY)
    assert not target.exists() and not target.with_suffix(".csv").exists()


def test_nothing_accepted_still_gives_a_loadable_file(tmp_path: Path, correction: MakeCorrection) -> None:
    line = next(ex for ex in load_training() if ex.intent in CATEGORIES and not ex.entities)
    yml, _csv = written(tmp_path, cand.select_candidates([correction(line.text)], evaluation=NO_EVALUATION))
    assert load_file(yml) == []
