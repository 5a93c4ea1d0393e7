"""`relief-ner evaluate-places`: score the place resolver on gold place mentions, beside
jionlp's `parse_location` as the peer."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import typer
from rich.console import Console
from rich.table import Table

from ._common import MODEL_HELP, TEXTS_HELP, app, err, fail, progress_bar

PEER_INSTALL = "pip install 'relief_ner\\[places]'"  # escaped for rich's markup


@app.command("evaluate-places")
def evaluate_places(
    gold: Path = typer.Argument(
        ..., help="Gold place mentions (JSONL: id, sha256, start, end, label, mention, code, level, kind)."
    ),
    model: str = typer.Option("rules", "--model", "-m", help=MODEL_HELP + " Only its place resolver runs."),
    texts: Optional[Path] = typer.Option(None, "--texts", help=TEXTS_HELP),
    peer: bool = typer.Option(
        True, "--peer/--no-peer", help="Also score jionlp's parse_location (needs jionlp: " + PEER_INSTALL + ")."
    ),
    peer_context: int = typer.Option(
        50, "--peer-context", min=0, help="Characters of the mention's line before it that the peer's second run sees."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
) -> None:
    """Accuracy of resolved places per level on the gold spans (not the NER's), coverage and
    precision of "no division", side by side with jionlp on the mention and on the mention
    with its preceding context."""
    from ..corpus import CorpusError, TextStore
    from ..corpus.place_gold import gold_place_docs, read_place_gold
    from ..loading import config_path, load
    from ..pipeline.place_resolver import PlaceResolver
    from ..pipeline.place_scoring import PlaceScores

    try:
        mentions, doc_texts = read_place_gold(gold, TextStore(texts))
    except CorpusError as e:
        fail(str(e))
    if not mentions:
        fail(f"{gold}: no gold place mentions")
    # Only the tokenizer and the resolver are needed: everything else stays unloaded.
    try:
        import spacy

        names = spacy.util.load_config(config_path(model))["nlp"]["pipeline"]
        factories = spacy.util.load_config(config_path(model))["components"]
        keep = [n for n in names if factories.get(n, {}).get("factory") == "relief_place_resolver"]
        if not keep:
            fail(f"the pipeline {model!r} has no relief_place_resolver")
        nlp = load(model, exclude=[n for n in names if n not in keep])
    except OSError as e:
        fail(str(e))
    resolver = nlp.get_pipe(keep[0])
    assert isinstance(resolver, PlaceResolver)
    try:
        docs = gold_place_docs(nlp, mentions, doc_texts)
    except CorpusError as e:
        fail(str(e))
    start = time.perf_counter()
    for doc in docs.values():
        resolver(doc)
    elapsed = time.perf_counter() - start
    ours = PlaceScores()
    for m in mentions:
        span = docs[m.doc_id].char_span(m.start, m.end)
        place = span._.place
        ours.add(
            m.code, m.level, m.kind, place.code if place else None, place.level if place else None, span._.place_kind
        )
    results: Dict[str, Any] = {
        "documents": len(docs),
        "mentions": len(mentions),
        "resolver": {**ours.to_dict(), "model": model, "seconds": round(elapsed, 3)},
    }
    if peer:
        results.update(_peer_scores(mentions, doc_texts, resolver.table, peer_context, as_json))
    if as_json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return
    _print_table(results, gold)


def _peer_scores(mentions, doc_texts, table, context_chars: int, quiet: bool) -> Dict[str, Any]:
    from ..pipeline.place_scoring import PlaceScores, peer_division

    try:
        # jionlp prints a banner to stdout on import, which would break --json
        with contextlib.redirect_stdout(sys.stderr):
            import jionlp
    except ImportError:
        err.print(f"jionlp is not installed: no peer scores ({PEER_INSTALL})")
        return {}
    alone, with_context = PlaceScores(), PlaceScores()
    with progress_bar(disable=quiet) as progress:
        task = progress.add_task("jionlp parse_location", total=len(mentions), rate="")
        for m in mentions:
            text = doc_texts[m.doc_id]
            line_start = text.rfind("\n", 0, m.start) + 1
            before = text[max(line_start, m.start - context_chars) : m.start]
            for scores, query in ((alone, m.mention), (with_context, before + m.mention)):
                i = peer_division(table, _parse_location(jionlp, query))
                scores.add(
                    m.code,
                    m.level,
                    m.kind,
                    table.code(i) if i is not None else None,
                    table.level(i) if i is not None else None,
                )
            progress.advance(task)
    return {"jionlp": alone.to_dict(), "jionlp_context": {**with_context.to_dict(), "context_chars": context_chars}}


def _parse_location(jionlp, text: str) -> Optional[Dict[str, Any]]:
    try:
        return jionlp.parse_location(text, town_village=True)
    except Exception:  # the peer fails on some inputs; that is a miss, not an error of ours
        return None


def _print_table(results: Dict[str, Any], gold: Path) -> None:
    systems = [
        ("resolver", f"resolver ({results['resolver']['model']})"),
        ("jionlp", "jionlp (mention)"),
        ("jionlp_context", "jionlp (+ context)"),
    ]
    systems = [(key, title) for key, title in systems if key in results]
    table = Table(title=f"{gold}: {results['mentions']} mentions in {results['documents']} documents")
    table.add_column("")
    for _, title in systems:
        table.add_column(title, justify="right")
    table.add_column("of", justify="right")
    rows: List[tuple] = [
        (f"accuracy {level}", ("accuracy", level)) for level in ("province", "city", "county", "town", "village")
    ]
    rows += [
        ("exact division", ("exact",)),
        ("coverage", ("coverage",)),
        ("precision of no division", ("none_precision",)),
        ("recall of no division", ("none_recall",)),
        ("kind of no division", ("kind_accuracy",)),
    ]
    for label, path in rows:
        cells, total = [], ""
        for key, _ in systems:
            value = results[key]
            for part in path:
                value = value[part]
            cell = "" if value["rate"] is None else f"{value['rate']:.3f}"
            if path[0] == "none_precision":  # of each system's own "no division" answers
                cell += f" of {value['total']}"
            cells.append(cell)
            total = str(value["total"]) if path[0] != "none_precision" else ""
        table.add_row(label, *cells, total)
    console = Console()
    console.print(table)
    console.print(f"resolver: {results['resolver']['seconds']:.2f} s for {results['documents']} documents")
