"""The `relief-ner` command line."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Iterator, List, Optional, TextIO

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
)
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Assistance records from Chinese poverty-alleviation reports.")
gazetteer_app = typer.Typer(no_args_is_help=True, help="The administrative-division resource.")
app.add_typer(gazetteer_app, name="gazetteer")
corpus_app = typer.Typer(no_args_is_help=True, help="The gold corpus: import, split, statistics, .spacy files.")
app.add_typer(corpus_app, name="corpus")
ROOT_HELP = "Project root holding corpus/ and seeds/."
# soft_wrap: messages naming files and lines must stay on one line for grep and tests.
err = Console(stderr=True, soft_wrap=True, highlight=False)

MODEL_HELP = "Pipeline: 'default', 'rules' or the path of a saved pipeline."
TEXTS_HELP = "Directory with news/ and seeds/ texts for stand-off files (default: $RELIEF_NER_TEXTS or ../shared)."


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


def _load(model: str):
    import relief_ner
    try:
        return relief_ner.load(model)
    except OSError as e:
        _fail(str(e))


def _progress(disable: bool) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                    console=err, disable=disable, transient=False)


@app.command()
def extract(
    paths: List[str] = typer.Argument(..., help=".txt files, folders, .jsonl files of {id, text}; '-' for stdin."),
    output: str = typer.Option("-", "--output", "-o", help="Output JSONL ('-' for stdout)."),
    model: str = typer.Option("default", "--model", "-m", help=MODEL_HELP),
    batch_size: int = typer.Option(32, "--batch-size", min=1, help="Documents per nlp.pipe batch."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Extract entities, relations and records: one JSON line per document."""
    from .output import doc_to_json
    from .readers import InputDoc, InputError, iter_inputs

    nlp = _load(model)
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
    with _progress(not show_progress) as progress:
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


@app.command()
def evaluate(
    gold: List[Path] = typer.Argument(..., help="Gold or stand-off JSONL files, or folders of them."),
    model: str = typer.Option("default", "--model", "-m", help=MODEL_HELP),
    texts: Optional[Path] = typer.Option(None, "--texts", help=TEXTS_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
) -> None:
    """Score a pipeline against gold annotations (exact character spans)."""
    from .corpus import CorpusError, TextStore, gold_to_doc, read_any
    from .evaluate import format_table, score_docs

    nlp = _load(model)
    store = TextStore(texts)
    try:
        golds = [g for path in _jsonl_files(gold) for g in read_any(path, store)]
    except CorpusError as e:
        _fail(str(e))
    if not golds:
        _fail("no gold documents found in " + ", ".join(map(str, gold)))
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


def _jsonl_files(paths: List[Path]) -> List[Path]:
    files: List[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.rglob("*.jsonl")))
        elif path.exists():
            files.append(path)
        else:
            _fail(f"{path}: no such file or folder")
    return files


@gazetteer_app.command("build")
def gazetteer_build(
    source: Path = typer.Option(None, "--source", help="china-division tables (default: <texts>/gazetteer/china-division_npm)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Resource file to write (default: the package's)."),
) -> None:
    """Compile the packaged gazetteer resource from the NBS division tables."""
    from .corpus.texts import default_texts_dir
    from .gazetteer import RESOURCE, build_gazetteer

    source = source or default_texts_dir() / "gazetteer" / "china-division_npm"
    try:
        counts = build_gazetteer(source, out or RESOURCE)
    except FileNotFoundError as e:
        _fail(str(e))
    err.print(f"wrote {out or RESOURCE}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))


def _layout_and_texts(root: Path, texts: Optional[Path]):
    from .corpus import TextStore
    from .corpus.project import CorpusLayout
    return CorpusLayout(root), TextStore(texts)


@corpus_app.command("import")
def corpus_import(
    files: List[Path] = typer.Argument(..., help="Gold JSONL files (with texts), e.g. a doccano export joined with values."),
    root: Path = typer.Option(Path("."), "--root", help=ROOT_HELP),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing different annotations."),
) -> None:
    """Store gold documents stand-off (no text) under corpus/news/ and seeds/."""
    from .corpus import CorpusError, read_gold, renumber
    from .corpus.project import CorpusLayout, save_document

    layout = CorpusLayout(root)
    counts: dict = {}
    try:
        for path in _jsonl_files(files):
            for doc in read_gold(path):
                state = save_document(layout, renumber(doc), overwrite=overwrite)
                counts[state] = counts.get(state, 0) + 1
    except CorpusError as e:
        _fail(str(e))
    err.print(", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "nothing imported")


@corpus_app.command("split")
def corpus_split(
    root: Path = typer.Option(Path("."), "--root", help=ROOT_HELP),
    texts: Optional[Path] = typer.Option(None, "--texts", help=TEXTS_HELP),
    seed: int = typer.Option(13, "--seed"),
    force: bool = typer.Option(False, "--force", help="Replace an existing split (the test split changes!)."),
) -> None:
    """Write corpus/splits.json: a seeded train/dev/test split by document."""
    from .corpus import CorpusError
    from .corpus.project import load_corpus, make_split

    layout, store = _layout_and_texts(root, texts)
    if layout.splits_file.exists() and not force:
        _fail(f"{layout.splits_file} exists; the test split must stay fixed (use --force to replace it)")
    try:
        split = make_split(load_corpus(layout, store), seed=seed)
    except CorpusError as e:
        _fail(str(e))
    layout.splits_file.write_text(json.dumps(split, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    err.print(f"wrote {layout.splits_file}: " + ", ".join(f"{k} {len(split[k])}" for k in ("train", "dev", "test"))
              + f" (seed {split['seed']})")


@corpus_app.command("stats")
def corpus_stats(
    root: Path = typer.Option(Path("."), "--root", help=ROOT_HELP),
    texts: Optional[Path] = typer.Option(None, "--texts", help=TEXTS_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Documents, characters, entities per label and relations per type, per split."""
    from .corpus import CorpusError
    from .corpus.project import load_corpus, read_split, statistics

    layout, store = _layout_and_texts(root, texts)
    try:
        docs = load_corpus(layout, store)
        parts = {"all": docs}
        if layout.splits_file.exists():
            split = read_split(layout)
            by_id = {d.id: d for d in docs}
            for name, ids in split.items():
                parts[name] = [by_id[i] for i in ids if i in by_id]
    except CorpusError as e:
        _fail(str(e))
    stats = {name: statistics(part) for name, part in parts.items()}
    if as_json:
        print(json.dumps(stats, ensure_ascii=False, indent=2))
        return
    from .schema import ENTITY_LABELS
    table = Table(title="relief_ner gold corpus")
    table.add_column("split")
    for c in ["docs", "chars", *ENTITY_LABELS, "PROV", "RECIP"]:
        table.add_column(c, justify="right", no_wrap=True)
    for name, st in stats.items():
        values = [st["documents"], st["characters"], *st["entities"].values(), *st["relations"].values()]
        table.add_row(name, *[f"{v:,}" for v in values])
    Console().print(table)


@corpus_app.command("build")
def corpus_build(
    root: Path = typer.Option(Path("."), "--root", help=ROOT_HELP),
    texts: Optional[Path] = typer.Option(None, "--texts", help=TEXTS_HELP),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for train/dev/test.spacy (default: corpus/)."),
) -> None:
    """Write corpus/{train,dev,test}.spacy for `spacy train` (git-ignored)."""
    import spacy

    from .corpus import CorpusError, gold_to_doc, write_docbin
    from .corpus.project import iter_split_docs

    layout, store = _layout_and_texts(root, texts)
    out = out or root / "corpus"
    nlp = spacy.blank("zh")
    try:
        for name, docs in iter_split_docs(layout, store):
            n = write_docbin((gold_to_doc(nlp, d) for d in docs), out / f"{name}.spacy")
            err.print(f"{out / (name + '.spacy')}: {n} documents")
    except CorpusError as e:
        _fail(str(e))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
