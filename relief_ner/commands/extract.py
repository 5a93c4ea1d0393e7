"""`relief-ner extract`: entities, relations and records for every input document."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Iterator, List, Optional, TextIO

import typer
from rich.markup import escape

from ._common import MODEL_HELP, app, err, load_pipeline, progress_bar


@app.command()
def extract(
    paths: List[str] = typer.Argument(..., help=".txt files, folders, .jsonl files of {id, text}; '-' for stdin."),
    output: str = typer.Option("-", "--output", "-o", help="Output JSONL ('-' for stdout)."),
    model: str = typer.Option("default", "--model", "-m", help=MODEL_HELP),
    batch_size: int = typer.Option(32, "--batch-size", min=1, help="Documents per nlp.pipe batch."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Extract entities, relations and records: one JSON line per document."""
    from ..output import doc_to_json
    from ..readers import InputDoc, InputError, iter_inputs

    nlp = load_pipeline(model)
    errors: List[InputError] = []

    def good_docs() -> Iterator[InputDoc]:
        for item in iter_inputs(paths):
            if isinstance(item, InputError):
                errors.append(item)
                err.print(f"[yellow]skipped[/] {escape(item.where)}: {escape(item.reason)}")
                continue
            if len(item.text) > nlp.max_length:
                errors.append(InputError(item.id, item.id, f"document of {len(item.text)} characters "
                                         f"exceeds nlp.max_length={nlp.max_length}"))
                err.print(f"[yellow]skipped[/] {escape(item.id)}: too long ({len(item.text)} characters)")
                continue
            yield item

    out: TextIO
    tmp: Optional[Path] = None
    if output == "-":
        out = sys.stdout
    else:
        tmp = Path(output).with_name(Path(output).name + ".part")
        tmp.parent.mkdir(parents=True, exist_ok=True)
        out = tmp.open("w", encoding="utf-8")
    n_docs = n_chars = n_records = 0
    start = time.perf_counter()
    show_progress = not quiet and err.is_terminal
    with progress_bar(not show_progress) as progress:
        task = progress.add_task("extracting", total=None, rate="")
        stream = ((d.text, d) for d in good_docs())
        for doc, item in nlp.pipe(stream, as_tuples=True, batch_size=batch_size):
            record = doc_to_json(doc, item.id, item.extra)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            n_docs += 1
            n_chars += len(item.text)
            n_records += len(record["records"])
            elapsed = max(time.perf_counter() - start, 1e-9)
            progress.update(task, advance=1, rate=f"{n_docs / elapsed:.1f} docs/s {n_chars / elapsed:,.0f} chars/s")
    if tmp is not None:
        out.close()
        tmp.replace(output)  # only a finished run replaces the output file
    elapsed = time.perf_counter() - start
    err.print(f"{n_docs} documents, {n_chars:,} characters, {n_records} records in {elapsed:.1f} s"
              f" ({n_chars / max(elapsed, 1e-9):,.0f} chars/s); {len(errors)} skipped")
    if errors:
        raise typer.Exit(1)
