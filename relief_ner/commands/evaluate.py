"""`relief-ner evaluate`: score a pipeline against gold annotations."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from ._common import MODEL_HELP, TEXTS_HELP, app, fail, jsonl_files, load_pipeline


@app.command()
def evaluate(
    gold: List[Path] = typer.Argument(..., help="Gold or stand-off JSONL files, or folders of them."),
    model: str = typer.Option("default", "--model", "-m", help=MODEL_HELP),
    texts: Optional[Path] = typer.Option(None, "--texts", help=TEXTS_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
) -> None:
    """Score a pipeline against gold annotations (exact character spans)."""
    from ..corpus import CorpusError, TextStore, gold_to_doc, read_any
    from ..evaluate import format_table, score_docs

    nlp = load_pipeline(model)
    store = TextStore(texts)
    try:
        golds = [g for path in jsonl_files(gold) for g in read_any(path, store)]
    except CorpusError as e:
        fail(str(e))
    if not golds:
        fail("no gold documents found in " + ", ".join(map(str, gold)))
    gold_docs = [gold_to_doc(nlp, g) for g in golds]
    start = time.perf_counter()
    preds = list(nlp.pipe(g.text for g in golds))
    elapsed = time.perf_counter() - start
    scores = score_docs(zip(gold_docs, preds))
    chars = sum(len(g.text) for g in golds)
    result = scores.to_dict()
    result["speed"] = {"characters": chars, "seconds": round(elapsed, 3),
                       "chars_per_second": round(chars / max(elapsed, 1e-9))}
    result["model"] = model
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{model} on {len(golds)} documents")
    for col in ("", "P", "R", "F", "support"):
        table.add_column(col, justify="right" if col else "left")
    for row in format_table(scores):
        table.add_row(*row)
    Console().print(table)
    Console().print(f"{chars:,} characters in {elapsed:.2f} s = {chars / max(elapsed, 1e-9):,.0f} chars/s")
