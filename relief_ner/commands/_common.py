"""Shared pieces of the `relief-ner` commands: the Typer app, messages, model loading."""

from __future__ import annotations

from pathlib import Path
from typing import List, NoReturn, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Assistance records from Chinese poverty-alleviation reports."
)
# soft_wrap: messages naming files and lines must stay on one line for grep and tests.
err = Console(stderr=True, soft_wrap=True, highlight=False)

MODEL_HELP = "Pipeline: 'default', 'rules' or the path of a saved pipeline."
TEXTS_HELP = "Directory with news/ and seeds/ texts for stand-off files (default: $RELIEF_NER_TEXTS or ../shared)."
ROOT_HELP = "Project root holding corpus/ and seeds/."


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


INT8_HELP = (
    "int8 (dynamic, per channel) or float32 CPU inference of the transformer: "
    "about 1.3 times as fast, a little less accurate (docs/MODEL.md); default: as the pipeline was shipped."
)


def load_pipeline(model: str, int8: Optional[bool] = None):
    import relief_ner

    try:
        return relief_ner.load(model, int8=int8)
    except OSError as e:
        fail(str(e))


def progress_bar(disable: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=err,
        disable=disable,
        transient=False,
    )


def jsonl_files(paths: List[Path]) -> List[Path]:
    files: List[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.rglob("*.jsonl")))
        elif path.exists():
            files.append(path)
        else:
            fail(f"{path}: no such file or folder")
    return files
