"""Training candidates from staff corrections: a Rasa NLU YAML file a person reviews before any
line enters the training data, and a CSV beside it saying where each line came from.

The YAML has the training files' shape (`- intent: <final label>`, `metadata: {style: ...}`,
`examples: |`), one block per category and style (careful / chat-style, detected as the
evaluation does: `nlu.evaluation.style_of`), and no comment inside a block (Rasa would read it as
an example): the provenance (public id, classifier label → staff label, date) is in the CSV.

A correction is skipped, and counted, when its text
- repeats the text of a correction already taken in this export (`repeat`);
- is already a training line, exactly after the plain-view normalisation (`training`): nothing
  to learn, or a conflict with the training data that the CSV names;
- nearly copies a line of an evaluation file (`evaluation`, `nlu/overlap.py`, the threshold of
  `phananh nlu overlap`): training on it would leak the test sets into training.

This module never writes into nlu/data/nlu/ or nlu/tests/ (`check_out_path`)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Protocol

from backend.core import tabular
from nlu import CATEGORIES, DATA_DIR, DEV_FILE, NLU_DIR
from nlu.dataset import Example, load_file, load_training
from nlu.evaluation import EVALUATION_FILES, style_of
from nlu.overlap import NEAR_COPY, near_copies
from nlu.text import plain_view

STYLES = ("careful", "chat")
SKIPS = ("training", "evaluation", "repeat")
# "[sđt](x)", "[a]{...}", "[a][...]": Rasa's entity annotations; a bracket closed right before
# one of these gets a space, so a citizen's brackets (and the scrubber's placeholders) stay text.
_ANNOTATION_START = re.compile(r"\](?=[(\[{])")


class CorrectionLike(Protocol):
    """What a correction carries (backend/reports/corrections.py: Correction)."""

    code: str
    text: str
    predicted: str
    confidence: float | None
    final: str
    source: str
    channel: str
    corrected_at: datetime


@dataclass(frozen=True)
class Candidate:
    correction: CorrectionLike
    line: str  # the text as written in the YAML: one line, annotation brackets defused
    style: str  # careful | chat
    skip: str = ""  # "" (a candidate) or one of SKIPS
    detail: str = ""  # for a skip: the training intent, the evaluation file and similarity, the code repeated


@dataclass
class Candidates:
    items: list[Candidate] = field(default_factory=list)

    @property
    def accepted(self) -> list[Candidate]:
        return [c for c in self.items if not c.skip]

    @property
    def skipped(self) -> Counter[str]:
        counts: Counter[str] = Counter({kind: 0 for kind in SKIPS})
        counts.update(c.skip for c in self.items if c.skip)
        return counts


def one_line(text: str) -> str:
    """A report as one example line: whitespace runs (new lines of a chat) become one space,
    unprintable characters go, and brackets never read as an entity annotation."""
    text = " ".join(text.split())
    text = "".join(ch for ch in text if ch.isprintable())
    return _ANNOTATION_START.sub("] ", text)


def evaluation_sets() -> dict[str, list[Example]]:
    """Every evaluation file (fresh sets, held-out, development set) by file name, as
    `phananh nlu overlap` compares them."""
    return {path.name: load_file(path) for path in [*EVALUATION_FILES, DEV_FILE] if path.exists()}


def select_candidates(
    corrections: Iterable[CorrectionLike],
    *,
    training: Sequence[Example] | None = None,
    evaluation: dict[str, list[Example]] | None = None,
    threshold: float = NEAR_COPY,
) -> Candidates:
    """Each correction as a candidate line, or skipped with the reason (see the module doc).
    `training` / `evaluation` default to nlu/data/nlu and the evaluation files."""
    training = load_training() if training is None else training
    evaluation = evaluation_sets() if evaluation is None else evaluation
    trained = {}
    for ex in training:
        trained.setdefault(plain_view(ex.text), ex.intent)
    seen: dict[str, str] = {}
    items: list[Candidate] = []
    for correction in corrections:
        line = one_line(correction.text)
        key = plain_view(line)
        style = style_of(Example(text=line, intent=correction.final))
        if key in seen:
            items.append(Candidate(correction, line, style, "repeat", seen[key]))
        elif key in trained:
            items.append(Candidate(correction, line, style, "training", trained[key]))
        else:
            items.append(Candidate(correction, line, style))
        seen.setdefault(key, correction.code)
    open_ones = {Example(text=c.line, intent=c.correction.final): i for i, c in enumerate(items) if not c.skip}
    closest: dict[int, tuple[float, str]] = {}
    for name, lines in evaluation.items():
        for copy in near_copies(list(open_ones), lines, threshold):
            i = open_ones[copy.training]
            if copy.similarity > closest.get(i, (0.0, ""))[0]:
                closest[i] = (copy.similarity, name)
    for i, (similarity, name) in closest.items():
        c = items[i]
        items[i] = Candidate(c.correction, c.line, c.style, "evaluation", f"{name} {similarity:.2f}")
    return Candidates(items)


def check_out_path(path: Path) -> None:
    """Refuse a path inside the training data or the evaluation files: candidates enter the
    training data only through a person's review."""
    resolved = path.resolve()
    for guarded in (DATA_DIR, NLU_DIR / "tests"):
        if resolved.is_relative_to(guarded.resolve()):
            raise ValueError(
                f"{path} nằm trong {guarded.relative_to(NLU_DIR.parent)}: tệp ứng viên phải được người duyệt "
                "trước khi vào dữ liệu huấn luyện; hãy ghi ra chỗ khác (mặc định var/nlu/)"
            )


def default_path(var_dir: Path, day: date) -> Path:
    return var_dir / "nlu" / f"candidates-{day.isoformat()}.yml"


def _label_order(label: str) -> tuple[int, str]:
    return (CATEGORIES.index(label) if label in CATEGORIES else len(CATEGORIES), label)


def to_yaml(candidates: Candidates, *, exported_on: date, provenance: str) -> str:
    """The candidates as a Rasa NLU training file, grouped by final label, then style."""
    groups: dict[tuple[str, str], list[str]] = {}
    for c in candidates.accepted:
        groups.setdefault((c.correction.final, c.style), []).append(c.line)
    out = [
        'version: "3.1"',
        f"# CANDIDATES from staff corrections (phananh nlu corrections), exported {exported_on.isoformat()}.",
        "# Not training data yet: a person reviews each line, then moves the accepted ones into",
        "# nlu/data/nlu/<category>.yml (nlu/README.md, \"Learning from staff corrections\").",
        f"# Where each line comes from (public id, classifier label -> staff label, date): {provenance}",
    ]
    if not groups:
        return "\n".join([*out, "nlu: []", ""])
    out.append("nlu:")
    for label, style in sorted(groups, key=lambda key: (_label_order(key[0]), STYLES.index(key[1]))):
        out += [f"- intent: {label}", "  metadata:", f"    style: {style}", "  examples: |"]
        out += [f"    - {line}" for line in groups[(label, style)]]
    return "\n".join([*out, ""])


CSV_HEADER = ("mã phản ánh", "lĩnh vực đúng", "phân loại tự động", "độ tin cậy", "người sửa", "kênh",
              "thời điểm sửa", "kiểu viết", "kết quả", "câu")
_SKIP_TEXT = {
    "": "ứng viên",
    "training": "bỏ qua: đã có trong dữ liệu huấn luyện ({detail})",
    "evaluation": "bỏ qua: gần trùng một câu đánh giá ({detail})",
    "repeat": "bỏ qua: trùng câu của {detail}",
}


def csv_rows(candidates: Candidates, zone: tzinfo = UTC) -> list[list[object]]:
    """The rows under CSV_HEADER (also the admin's download, /admin/manage/nlu/corrections.csv)."""
    rows: list[list[object]] = []
    for c in candidates.items:
        r = c.correction
        rows.append([
            r.code, r.final, r.predicted, "" if r.confidence is None else round(r.confidence, 3),
            "cán bộ" if r.source == "staff" else "người dân", r.channel,
            r.corrected_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"), c.style,
            _SKIP_TEXT[c.skip].format(detail=c.detail), c.line,
        ])
    return rows


def to_csv(candidates: Candidates, zone: tzinfo = UTC) -> str:
    return tabular.to_csv(CSV_HEADER, csv_rows(candidates, zone))


def write(candidates: Candidates, out: Path, *, exported_on: date, zone: tzinfo = UTC) -> tuple[Path, Path]:
    """Write the YAML to `out` and the provenance CSV beside it (same name, `.csv`); the YAML is
    read back with the training loader and must give exactly the accepted lines."""
    check_out_path(out)
    csv_path = out.with_suffix(".csv")
    text = to_yaml(candidates, exported_on=exported_on, provenance=csv_path.name)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    csv_path.write_text(to_csv(candidates, zone), encoding="utf-8")
    read_back = sorted((ex.intent, ex.text) for ex in load_file(out))
    if read_back != sorted((c.correction.final, c.line) for c in candidates.accepted):
        raise RuntimeError(f"{out} does not read back as the candidates written: a bug, please report it")
    return out, csv_path
