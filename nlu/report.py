"""Rich tables for `phananh nlu evaluate`."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from nlu import CATEGORIES
from nlu.evaluation import Report, threshold_table

SHORT = {
    "encroachment": "encr",
    "illegal_ads": "ads",
    "street_vending": "vend",
    "unpermitted_construction": "constr",
    "wastewater": "water",
    "littering": "litter",
    "other": "other",
}


def print_report(console: Console, title: str, report: Report, n_errors: int = 10) -> None:
    table = Table(title=title, title_justify="left")
    for col in ("intent", "precision", "recall", "F1", "n"):
        table.add_column(col, justify="left" if col == "intent" else "right")
    for label in report.labels:
        p, r, f, n = report.per_label[label]
        if n or label in CATEGORIES:
            style = "bold" if label in CATEGORIES else "dim"
            table.add_row(label, f"{p:.3f}", f"{r:.3f}", f"{f:.3f}", str(n), style=style)
    console.print(table)
    console.print(
        f"macro-F1 (7 categories) [bold]{report.macro_f1:.3f}[/] · accuracy (all intents) {report.accuracy:.3f}"
    )
    if report.by_style:
        console.print(
            "accuracy by style: "
            + " · ".join(f"{style} {acc:.3f} (n={n})" for style, (n, acc) in report.by_style.items())
        )

    confusion = Table(title="confusion (rows: expected, columns: predicted)", title_justify="left")
    confusion.add_column("")
    predicted_other = "conv."  # any conversational intent
    for c in CATEGORIES:
        confusion.add_column(SHORT[c], justify="right")
    confusion.add_column(predicted_other, justify="right")
    for gold in CATEGORIES:
        cells = [str(report.confusion.get((gold, p), 0) or ".") for p in CATEGORIES]
        conv = sum(n for (g, p), n in report.confusion.items() if g == gold and p not in CATEGORIES)
        confusion.add_row(SHORT[gold], *cells, str(conv or "."))
    console.print(confusion)

    thresholds = Table(title="fallback threshold: answered without asking / accuracy of those", title_justify="left")
    thresholds.add_column("threshold", justify="right")
    thresholds.add_column("answered", justify="right")
    thresholds.add_column("accuracy", justify="right")
    for t, coverage, accuracy in threshold_table(report):
        thresholds.add_row(f"{t:.2f}", f"{coverage:.1%}", f"{accuracy:.1%}")
    console.print(thresholds)

    if report.errors and n_errors:
        worst = Table(title=f"worst errors (most confident first, {len(report.errors)} in all)", title_justify="left")
        for col in ("text", "expected", "predicted", "conf"):
            worst.add_column(col, overflow="fold")
        for text, gold, pred, conf in report.errors[:n_errors]:
            worst.add_row(text, gold, pred, f"{conf:.2f}")
        console.print(worst)


def print_side_by_side(console: Console, reports: dict[str, Report], title: str = "held-out") -> None:
    table = Table(title=f"F1 side by side ({title})", title_justify="left")
    table.add_column("category")
    for name in reports:
        table.add_column(name, justify="right")
    for c in CATEGORIES:
        table.add_row(c, *(f"{r.per_label[c][2]:.3f}" for r in reports.values()))
    table.add_row("macro-F1", *(f"{r.macro_f1:.3f}" for r in reports.values()), style="bold")
    table.add_row("accuracy (all intents)", *(f"{r.accuracy:.3f}" for r in reports.values()))
    for style in ("careful", "chat"):
        if all(style in r.by_style for r in reports.values()):
            table.add_row(
                f"accuracy, {style} (n={next(iter(reports.values())).by_style[style][0]})",
                *(f"{r.by_style[style][1]:.3f}" for r in reports.values()),
            )
    console.print(table)
