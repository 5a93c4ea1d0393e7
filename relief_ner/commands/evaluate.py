"""`relief-ner evaluate`: score a pipeline against gold annotations."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from ._common import INT8_HELP, MODEL_HELP, ROOT_HELP, TEXTS_HELP, app, fail, jsonl_files, load_pipeline


@app.command()
def evaluate(
    gold: List[Path] = typer.Argument(None, help="Gold or stand-off JSONL files, or folders of them."),
    split: Optional[str] = typer.Option(
        None,
        "--split",
        help="Score on a split of the project corpus (train, dev, test) instead; several, pooled: dev,test.",
    ),
    root: Path = typer.Option(Path("."), "--root", help=ROOT_HELP),
    model: List[str] = typer.Option(
        ["default"], "--model", "-m", help=MODEL_HELP + " Repeat to compare pipelines side by side."
    ),
    texts: Optional[Path] = typer.Option(None, "--texts", help=TEXTS_HELP),
    errors: int = typer.Option(0, "--errors", min=0, help="Also list the N most frequent error kinds."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
    int8: Optional[bool] = typer.Option(None, "--int8/--fp32", help=INT8_HELP),
) -> None:
    """Score pipelines against gold annotations (exact character spans)."""
    from ..corpus import CorpusError, TextStore, gold_to_doc, read_any
    from ..corpus.project import CorpusLayout, load_split
    from ..evaluate import error_kinds, score_docs

    store = TextStore(texts)
    try:
        if split:
            golds = [
                g
                for name in split.split(",")
                if name.strip()
                for g in load_split(CorpusLayout(root), store, name.strip())
            ]
        elif gold:
            golds = [g for path in jsonl_files(gold) for g in read_any(path, store)]
        else:
            fail("give gold files or --split")
    except CorpusError as e:
        fail(str(e))
    if not golds:
        fail("no gold documents found")
    chars = sum(len(g.text) for g in golds)
    results = {}
    tables = {}
    for name in model:
        nlp = load_pipeline(name, int8=int8)
        gold_docs = [gold_to_doc(nlp, g) for g in golds]
        start = time.perf_counter()
        preds = list(nlp.pipe(g.text for g in golds))
        elapsed = time.perf_counter() - start
        pairs = list(zip(gold_docs, preds))
        scores = score_docs(pairs)
        result = scores.to_dict()
        result["speed"] = {
            "characters": chars,
            "seconds": round(elapsed, 3),
            "chars_per_second": round(chars / max(elapsed, 1e-9)),
        }
        if errors:
            result["errors"] = [{"kind": k, "count": n, "examples": ex} for k, n, ex in error_kinds(pairs)[:errors]]
        results[name] = result
        tables[name] = scores
    if as_json:
        print(json.dumps(results if len(model) > 1 else results[model[0]], ensure_ascii=False, indent=2))
        return
    console = Console()
    table = Table(title=f"{len(golds)} documents, {chars:,} characters" + (f" ({split} split)" if split else ""))
    table.add_column("")
    for name in model:
        for col in ("P", "R", "F"):
            table.add_column(f"{name} {col}" if len(model) > 1 else col, justify="right")
    table.add_column("support", justify="right")
    rows = [format_row(tables, model, key) for key in ROW_KEYS]
    for row in rows:
        table.add_row(*row)
    console.print(table)
    for name in model:
        sp = results[name]["speed"]
        console.print(
            f"{name}: {sp['characters']:,} characters in {sp['seconds']:.2f} s = {sp['chars_per_second']:,} chars/s"
        )
        for item in results[name].get("errors", []):
            console.print(f"  {item['count']:4d}  {item['kind']}: " + " | ".join(item["examples"]))


ROW_KEYS = [
    "ORG",
    "LOC",
    "MONEY",
    "AREA",
    "COUNT",
    "entities (micro)",
    "PROVIDER",
    "RECIPIENT",
    "relations (micro)",
    "records",
    "value accuracy",
]


def format_row(tables, models, key: str) -> List[str]:
    cells = [key]
    support = ""
    for name in models:
        s = tables[name]
        if key == "value accuracy":
            cells += ["", "", f"{s.value_accuracy:.3f}"]
            support = f"{s.values_total}"
            continue
        prf = {
            "entities (micro)": s.entities_micro,
            "relations (micro)": s.relations_micro,
            "records": s.records,
            "PROVIDER": s.relations["PROVIDER"],
            "RECIPIENT": s.relations["RECIPIENT"],
        }.get(key) or s.entities[key]
        cells += [f"{prf.precision:.3f}", f"{prf.recall:.3f}", f"{prf.f1:.3f}"]
        support = str(prf.tp + prf.fn)
    return cells + [support]
