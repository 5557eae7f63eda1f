"""Chat-style vs careful reports (issue 16): quality on the fresh evaluation sets and speed per text.

`run()` prints a Rich table and returns the figures; `python -m bench.nlu_chat` runs it alone.
Quality is the built-in model on the fresh sets of `nlu.FRESH_FILES` (never trained on or tuned
on; the headline figures pool them; since round 6 only `nlu/tests/fresh4.yml`, 308 reports) and on the development set
`nlu/tests/dev.yml` (tuning only); speed is the same path as `classify_sync` with
NLU_BACKEND=builtin, per style, since chat-style text also goes through the diacritic restorer.
The first pass over the fresh sets is reported on its own (every text new to the process), and
the 1-minute load average beside the figures: on the shared 2-CPU VM timings follow the load.
"""

from __future__ import annotations

import os
import statistics
import time

from rich.console import Console
from rich.table import Table

from nlu import CATEGORIES, DEV_FILE, FRESH_FILES, TEST_FILE

TARGETS = {
    "macro_f1": (">=", 0.98),
    "chat_gap_points": ("<=", 2.0),
    "min_category_f1": (">=", 0.95),
    "p50_ms": ("<", 1.0),
    "p50_ms_first_pass": ("<", 1.0),
}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * share) - 1)]


def run(console: Console | None = None) -> dict:
    from nlu import evaluation, service
    from nlu.dataset import load_file

    console = console or Console()
    built = service._builtin()  # the model of VAR_DIR, held by the service as in production
    predict = evaluation.builtin_predictor(built)
    pooled = [ex for path in FRESH_FILES for ex in load_file(path)]
    report = evaluation.score(pooled, predict([ex.text for ex in pooled]))
    careful, chat = report.by_style["careful"][1], report.by_style["chat"][1]
    figures: dict[str, float | str] = {
        "model": built.data_hash,
        "macro_f1": round(report.macro_f1, 4),
        "careful_accuracy": round(careful, 4),
        "chat_accuracy": round(chat, 4),
        "chat_gap_points": round(100 * (careful - chat), 2),
        "min_category_f1": round(min(report.per_label[c][2] for c in CATEGORIES), 4),
    }
    dev = evaluation.holdout(evaluation.builtin_predictor(built), DEV_FILE)
    figures["dev_macro_f1"] = round(dev.macro_f1, 4)
    figures["dev_careful_accuracy"] = round(dev.by_style["careful"][1], 4)
    figures["dev_chat_accuracy"] = round(dev.by_style["chat"][1], 4)
    for path in FRESH_FILES:
        alone = evaluation.holdout(predict, path)
        figures[f"{path.stem}_macro_f1"] = round(alone.macro_f1, 4)
        figures[f"{path.stem}_careful_accuracy"] = round(alone.by_style["careful"][1], 4)
        figures[f"{path.stem}_chat_accuracy"] = round(alone.by_style["chat"][1], 4)
    figures["restorer_syllable_accuracy"] = round(evaluation.restorer_accuracy(built, load_file(TEST_FILE))[0], 4)

    def classify(text: str) -> None:
        service._to_classification(service._builtin_parse_uncached(built, text))

    examples = pooled
    timings: dict[str, list[float]] = {"careful": [], "chat": []}
    load_before = os.getloadavg()[0]
    first_pass: list[float] = []
    for rep in range(5):
        for ex in examples:
            started = time.perf_counter_ns()
            classify(ex.text)
            elapsed = (time.perf_counter_ns() - started) / 1e6
            timings[evaluation.style_of(ex)].append(elapsed)
            if rep == 0:
                first_pass.append(elapsed)
    figures["load_avg_1m"] = round((load_before + os.getloadavg()[0]) / 2, 2)
    figures["p50_ms_first_pass"] = round(statistics.median(first_pass), 3)
    every = timings["careful"] + timings["chat"]
    figures["p50_ms"] = round(statistics.median(every), 3)
    figures["p99_ms"] = round(_percentile(every, 0.99), 3)
    for style, values in timings.items():
        figures[f"p50_ms_{style}"] = round(statistics.median(values), 3)

    table = Table(
        title=f"NLU, chat-style vs careful (built-in model {built.data_hash}, fresh sets pooled; "
        f"load average {figures['load_avg_1m']} on {os.cpu_count()} CPUs)"
    )
    for col in ("measure", "value", "target", ""):
        table.add_column(col)
    labels = {
        "macro_f1": "fresh sets pooled, macro-F1 (7 categories)",
        "careful_accuracy": "accuracy, careful reports",
        "chat_accuracy": "accuracy, chat-style reports",
        "chat_gap_points": "careful minus chat (points)",
        "min_category_f1": "lowest category F1",
        "dev_macro_f1": "development set macro-F1 (tuning only)",
        "dev_careful_accuracy": "development set accuracy, careful",
        "dev_chat_accuracy": "development set accuracy, chat-style",
        **{
            f"{path.stem}_{key}": f"{path.name}: {label}"
            for path in FRESH_FILES
            for key, label in (("macro_f1", "macro-F1"), ("careful_accuracy", "accuracy, careful"),
                               ("chat_accuracy", "accuracy, chat-style"))
        },
        "restorer_syllable_accuracy": "diacritic restorer, syllable accuracy (held-out, stripped)",
        "p50_ms": "classification p50 per text (ms)",
        "p50_ms_first_pass": "p50, first pass (every text new to the process) (ms)",
        "p99_ms": "classification p99 per text (ms)",
        "p50_ms_careful": "p50, careful (ms)",
        "p50_ms_chat": "p50, chat-style incl. restoring (ms)",
        "load_avg_1m": "load average (1 min) during the timing",
    }
    for key, label in labels.items():
        value = figures[key]
        target = TARGETS.get(key)
        verdict = ""
        if target and isinstance(value, float | int):
            op, limit = target
            ok = {"<=": value <= limit, ">=": value >= limit, "<": value < limit}[op]
            verdict = "[green]ok[/]" if ok else "[red]missed[/]"
        table.add_row(label, str(value), f"{target[0]} {target[1]}" if target else "", verdict)
    console.print(table)
    return figures


if __name__ == "__main__":
    run(Console())
