"""`phananh nlu ...`: train, evaluate and run the built-in classifier.

Imports are lazy: `classify` is piped thousands of lines by scripts and must start fast, so
nothing heavy (FastAPI, scikit-learn before it is needed, Rich for plain JSON) is imported here.
Run standalone with `python -m nlu.cli`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Vietnamese report classification (built-in model and Rasa).", no_args_is_help=True)


def _fail(message: str) -> None:
    """One clear line on stderr with the fix, then exit 1."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _var_dir() -> Path:
    from nlu.service import _settings

    return Path(_settings().var_dir).resolve()


def _check_data() -> None:
    from nlu import DATA_DIR

    if not any(DATA_DIR.glob("*.yml")):
        _fail(f"no training data in {DATA_DIR}: restore nlu/data/nlu/*.yml from git")


@app.command()
def train() -> None:
    """Train the built-in classifier from nlu/data/nlu and write it under var/nlu/."""
    import yaml
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from nlu import model as model_module

    _check_data()
    console = Console()
    try:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console) as bar:
            bar.add_task("training the built-in classifier", total=None)
            model, path = model_module.train(var_dir=_var_dir())
    except yaml.YAMLError as exc:
        _fail(f"invalid YAML in nlu/data/nlu ({exc.__class__.__name__}): fix the file and rerun")
    except PermissionError as exc:
        _fail(f"cannot write the model ({exc}): make VAR_DIR writable")
    console.print(f"model    [bold]{model.data_hash}[/] ({model.n_examples} examples)")
    console.print(f"time     {model.train_seconds:.1f} s")
    console.print(f"path     {path}", soft_wrap=True)


@app.command()
def evaluate(
    cv: Annotated[int, typer.Option(help="also run k-fold cross-validation on the training data (e.g. 5)")] = 0,
    diet: Annotated[
        bool, typer.Option(help="also train Rasa DIET (nlu/config.yml) on the same data and folds, in the Rasa venv")
    ] = False,
    rasa: Annotated[bool, typer.Option(help="also evaluate the Rasa server at RASA_URL on the same files")] = False,
    rasa_url: Annotated[str | None, typer.Option(help="Rasa server (default: RASA_URL)")] = None,
    errors: Annotated[int, typer.Option(help="how many worst errors to list")] = 10,
    dev: Annotated[
        bool, typer.Option(help="also score the development set nlu/tests/dev.yml (tuning only), built-in model")
    ] = False,
) -> None:
    """Per-category precision/recall/F1, macro-F1, careful vs chat-style accuracy and the confusion
    matrix on the fresh evaluation set and the held-out file (never trained on)."""
    from rich.console import Console

    from nlu import DEV_FILE, evaluation
    from nlu import model as model_module
    from nlu.dataset import load_file
    from nlu.report import print_report, print_side_by_side

    if cv == 1 or cv < 0:
        _fail("--cv needs at least 2 folds, e.g. --cv 5")
    _check_data()
    if diet:
        from nlu.diet import DietUnavailable, venv_python

        try:
            venv_python()  # before minutes of built-in work, not after
        except DietUnavailable as exc:
            _fail(str(exc))
    files = [path for path in evaluation.EVALUATION_FILES if path.exists()]
    if not files:
        _fail("no evaluation file in nlu/tests/ (fresh4.yml, test_nlu.yml): restore them from git")
    console = Console()
    model = model_module.load(var_dir=_var_dir())
    engines: dict[str, dict[str, evaluation.Report]] = {"built-in": {}}
    for path in files:
        report = evaluation.holdout(evaluation.builtin_predictor(model), path)
        engines["built-in"][path.name] = report
        print_report(console, f"built-in {model.data_hash} · {path.name}", report, errors)
    if dev:
        if not DEV_FILE.exists():
            _fail(f"no development set at {DEV_FILE}: restore it from git")
        report = evaluation.holdout(evaluation.builtin_predictor(model), DEV_FILE)
        engines["built-in"][DEV_FILE.name] = report
        title = f"built-in {model.data_hash} · {DEV_FILE.name} (development set, tuning only)"
        print_report(console, title, report, errors)
    for path in [*files, *([DEV_FILE] if dev else [])]:
        accuracy, syllables = evaluation.restorer_accuracy(model, load_file(path))
        if syllables:
            console.print(
                f"diacritic restorer on {path.name} (careful texts, diacritics stripped): "
                f"syllable accuracy [bold]{accuracy:.3f}[/] of {syllables}"
            )
    if rasa:
        engines["Rasa server"] = _rasa_server_reports(console, rasa_url, files, errors)
    if cv:
        with console.status(f"built-in: {cv}-fold cross-validation"):
            engines["built-in"]["cv"] = evaluation.cross_validate(cv)
        title = f"built-in · {cv}-fold cross-validation (hand-written data)"
        print_report(console, title, engines["built-in"]["cv"], errors)
    if diet:
        n_train = 1 + cv
        with console.status(f"Rasa DIET: {n_train} training run(s) in the Rasa venv (minutes each on 2 CPUs)"):
            try:
                engines["Rasa DIET"] = evaluation.diet_reports(cv, cache_dir=_var_dir() / "nlu")
            except RuntimeError as exc:
                _fail(f"{exc}: see 'bash nlu/scripts/rasa.sh venv'")
        for name, report in engines["Rasa DIET"].items():
            title = f"{cv}-fold cross-validation (hand-written data)" if name == "cv" else name
            print_report(console, f"Rasa DIET · {title}", report, errors)
    if len(engines) > 1:
        for name in [*(p.name for p in files), *(["cv"] if cv else [])]:
            side = {engine: reports[name] for engine, reports in engines.items() if name in reports}
            if len(side) > 1:
                print_side_by_side(console, side, f"{cv}-fold cross-validation" if name == "cv" else name)


@app.command()
def overlap(
    threshold: Annotated[float, typer.Option(help="Jaccard similarity of character 4-grams (0..1)")] = 0.6,
) -> None:
    """List the training lines that are near copies of an evaluation line (fresh, held-out,
    development set). Only the training lines are printed; exit 1 when there is one."""
    from rich.console import Console
    from rich.table import Table

    from nlu import DEV_FILE, evaluation
    from nlu.dataset import load_file, load_training
    from nlu.overlap import near_copies

    if not 0 < threshold <= 1:
        _fail("--threshold is a similarity between 0 and 1, e.g. 0.6")
    _check_data()
    training = load_training()
    table = Table("similarity", "intent", "training line", "close to a line of")
    found = 0
    for path in [*evaluation.EVALUATION_FILES, DEV_FILE]:
        if not path.exists():
            continue
        for copy in near_copies(training, load_file(path), threshold):
            table.add_row(f"{copy.similarity:.2f}", copy.training.intent, copy.training.text, path.name)
            found += 1
    console = Console()
    if not found:
        console.print(f"no training line is a near copy (≥ {threshold:.2f}) of an evaluation line")
        return
    console.print(table)
    console.print(f"{found} near copies: reword or remove these training lines")
    raise typer.Exit(1)


def _rasa_server_reports(console, rasa_url: str | None, files: list[Path], errors: int) -> dict:
    import httpx

    from nlu import evaluation
    from nlu.report import print_report
    from nlu.service import _settings

    url = rasa_url or _settings().rasa_url
    reports = {}
    for path in files:
        try:
            reports[path.name] = evaluation.holdout(evaluation.rasa_predictor(url), path)
        except httpx.HTTPError as exc:
            _fail(
                f"Rasa at {url} does not answer ({exc.__class__.__name__}): "
                "start it with 'bash nlu/scripts/rasa.sh all'"
            )
        print_report(console, f"Rasa server at {url} · {path.name}", reports[path.name], errors)
    return reports


@app.command()
def classify() -> None:
    """Read one report per line (UTF-8) on stdin; write one JSON object per line on stdout."""
    import json

    from nlu.service import classify_sync

    out = sys.stdout.buffer
    try:
        for raw in sys.stdin.buffer:
            text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            result = classify_sync(text)
            line = {"text": text, "category": result.category, "confidence": round(result.confidence, 4)}
            out.write(json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n")
    except BrokenPipeError:  # `... | head` closed the pipe: not an error
        sys.stderr.close()
    except PermissionError as exc:
        _fail(f"cannot write the model ({exc}): make VAR_DIR writable or run 'phananh nlu train' once")
    out.flush()


if __name__ == "__main__":
    app()
