"""`relief-ner corpus ...`: import, split, statistics and .spacy files of the gold corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from ._common import ROOT_HELP, TEXTS_HELP, app, err, fail, jsonl_files, load_pipeline, progress_bar

corpus_app = typer.Typer(no_args_is_help=True, help="The gold corpus: import, split, statistics, .spacy files.")
app.add_typer(corpus_app, name="corpus")


def _layout_and_texts(root: Path, texts: Optional[Path]):
    from ..corpus import TextStore
    from ..corpus.project import CorpusLayout

    return CorpusLayout(root), TextStore(texts)


@corpus_app.command("import")
def corpus_import(
    files: List[Path] = typer.Argument(
        ..., help="Gold JSONL files (with texts), e.g. a doccano export joined with values."
    ),
    root: Path = typer.Option(Path("."), "--root", help=ROOT_HELP),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing different annotations."),
) -> None:
    """Store gold documents stand-off (no text) under corpus/news/ and seeds/."""
    from ..corpus import CorpusError, read_gold, renumber
    from ..corpus.project import CorpusLayout, save_document

    layout = CorpusLayout(root)
    counts: dict = {}
    try:
        for path in jsonl_files(files):
            for doc in read_gold(path):
                state = save_document(layout, renumber(doc), overwrite=overwrite)
                counts[state] = counts.get(state, 0) + 1
    except CorpusError as e:
        fail(str(e))
    err.print(", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "nothing imported")


@corpus_app.command("split")
def corpus_split(
    root: Path = typer.Option(Path("."), "--root", help=ROOT_HELP),
    texts: Optional[Path] = typer.Option(None, "--texts", help=TEXTS_HELP),
    seed: int = typer.Option(13, "--seed"),
    fractions: Optional[List[float]] = typer.Option(
        None, "--fraction", help="train, dev, test fractions (three times; default 0.7 0.15 0.15)."
    ),
    extend: bool = typer.Option(
        False,
        "--extend",
        help="Keep every document where it is and deal out the new ones (dev/test grow to their fractions).",
    ),
    force: bool = typer.Option(False, "--force", help="Replace an existing split (the test split changes!)."),
) -> None:
    """Write corpus/splits.json: a seeded train/dev/test split by document."""
    from ..corpus import CorpusError
    from ..corpus.project import DEFAULT_FRACTIONS, extend_split, load_corpus, make_split

    layout, store = _layout_and_texts(root, texts)
    parts = tuple(fractions) if fractions else DEFAULT_FRACTIONS
    if len(parts) != 3 or abs(sum(parts) - 1) > 1e-6:
        fail("--fraction takes three fractions that add up to 1 (train, dev, test)")
    if layout.splits_file.exists() and not (force or extend):
        fail(
            f"{layout.splits_file} exists; the test split must stay fixed (use --extend to grow it "
            "to new documents, --force to replace it)"
        )
    try:
        docs = load_corpus(layout, store)
        if extend:
            previous = json.loads(layout.splits_file.read_text(encoding="utf-8"))
            split = extend_split(previous, docs, seed=seed, fractions=parts)
        else:
            split = make_split(docs, seed=seed, fractions=parts)
    except CorpusError as e:
        fail(str(e))
    layout.splits_file.write_text(json.dumps(split, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    err.print(
        f"wrote {layout.splits_file}: "
        + ", ".join(f"{k} {len(split[k])}" for k in ("train", "dev", "test"))
        + f" (seed {split['seed']})"
    )


@corpus_app.command("stats")
def corpus_stats(
    root: Path = typer.Option(Path("."), "--root", help=ROOT_HELP),
    texts: Optional[Path] = typer.Option(None, "--texts", help=TEXTS_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Documents, characters, entities per label and relations per type, per split."""
    from ..corpus import CorpusError
    from ..corpus.project import load_corpus, read_split, statistics

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
        fail(str(e))
    stats = {name: statistics(part) for name, part in parts.items()}
    if as_json:
        print(json.dumps(stats, ensure_ascii=False, indent=2))
        return
    from ..schema import ENTITY_LABELS

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
    train_fraction: float = typer.Option(
        1.0,
        "--train-fraction",
        help="Keep this share of the training documents (a learning curve; dev and test stay whole).",
    ),
    seed: int = typer.Option(0, "--seed", help="Which documents --train-fraction keeps (nested across fractions)."),
) -> None:
    """Write corpus/{train,dev,test}.spacy for `spacy train` (git-ignored)."""
    import spacy

    from ..corpus import CorpusError, gold_to_doc, write_docbin
    from ..corpus.project import iter_split_docs, subsample

    layout, store = _layout_and_texts(root, texts)
    out = out or root / "corpus"
    nlp = spacy.blank("zh")
    try:
        for name, docs in iter_split_docs(layout, store):
            if name == "train" and train_fraction < 1:
                keep = set(subsample([d.id for d in docs], train_fraction, seed))
                docs = [d for d in docs if d.id in keep]
            n = write_docbin((gold_to_doc(nlp, d) for d in docs), out / f"{name}.spacy")
            err.print(f"{out / (name + '.spacy')}: {n} documents")
    except CorpusError as e:
        fail(str(e))


@corpus_app.command("transfer")
def corpus_transfer(
    datasets: List[str] = typer.Argument(None, help="Which corpora (default: msra peoples_daily cluener boson)."),
    source: Optional[Path] = typer.Option(
        None, "--source", help="Folder of the public datasets (default: <texts>/datasets)."
    ),
    out: Path = typer.Option(Path("corpus/transfer"), "--out", help="Folder for <name>.spacy files (git-ignored)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="At most this many sentences per corpus."),
) -> None:
    """Map public Chinese NER corpora to ORG/LOC and write them as .spacy files."""
    import spacy

    from ..corpus.texts import default_texts_dir
    from ..corpus.transfer import DATASETS, write_transfer

    names = datasets or ["msra", "peoples_daily", "cluener", "boson"]
    root = source or default_texts_dir() / "datasets"
    nlp = spacy.blank("zh")
    for name in names:
        if name not in DATASETS:
            fail(f"unknown dataset {name!r}; choose from {', '.join(DATASETS)}")
        try:
            counts = write_transfer(nlp, name, root, out / f"{name}.spacy", limit=limit)
        except FileNotFoundError as e:
            fail(f"{e.filename}: not found (set --source to the datasets folder)")
        except ValueError as e:
            fail(str(e))
        err.print(
            f"{out / (name + '.spacy')}: {counts['docs']:,} sentences, {counts['ORG']:,} ORG, {counts['LOC']:,} LOC"
        )


@corpus_app.command("transfer-mix")
def corpus_transfer_mix(
    transfer: Path = typer.Option(
        Path("corpus/transfer"), "--transfer", help="Folder of <name>.spacy from `corpus transfer`."
    ),
    train: Path = typer.Option(Path("corpus/train.spacy"), "--train", help="The gold training split."),
    out: Path = typer.Option(
        Path("corpus/mix"), "--out", help="Folder for the mixed training corpus (a spaCy corpus folder)."
    ),
    sentences: int = typer.Option(2000, "--sentences", min=1, help="Transfer sentences, in equal shares per corpus."),
    datasets: List[str] = typer.Option(
        ["msra", "peoples_daily", "boson"], "--dataset", help="Which transfer corpora to draw from."
    ),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Gold training split + a sample of transfer sentences (measures marked missing), for
    the first stage of training with transfer data (configs/README.md)."""
    import shutil

    import spacy
    from spacy.tokens import DocBin

    from ..corpus.transfer import transfer_mix
    from ..loading import load
    from ..schema import MEASURE_LABELS

    if not train.exists():
        fail(f"{train}: not found (run `relief-ner corpus build` first)")
    blank = spacy.blank("zh")
    docs = {}
    for name in datasets:
        path = transfer / f"{name}.spacy"
        if not path.exists():
            fail(f"{path}: not found (run `relief-ner corpus transfer` first)")
        docs[name] = list(DocBin().from_disk(path).get_docs(blank.vocab))
    rules = load("rules")

    def find_measures(text: str):
        return [(e.start_char, e.end_char) for e in rules(text).ents if e.label_ in MEASURE_LABELS]

    sample = transfer_mix(docs, sentences, seed, find_measures)
    out.mkdir(parents=True, exist_ok=True)
    DocBin(docs=sample, store_user_data=True).to_disk(out / "transfer.spacy")
    shutil.copyfile(train, out / "train.spacy")
    n_missing = sum(1 for d in sample for t in d if t.ent_iob == 0)
    err.print(f"{out}: {len(sample):,} transfer sentences ({n_missing:,} measure characters marked missing) + {train}")


@corpus_app.command("markup-export")
def corpus_markup_export(
    ids: List[str] = typer.Argument(
        ..., help="Document ids (e.g. news_0162), or 'new' for every news report without an annotation."
    ),
    out: Path = typer.Option(
        ..., "--out", help="Folder for <id>.txt markup files (outside the repository: they hold the texts)."
    ),
    model: Optional[str] = typer.Option(
        None, "--model", "-m", help="Pre-annotate with this pipeline instead of exporting the corpus's annotation."
    ),
    root: Path = typer.Option(Path("."), "--root", help=ROOT_HELP),
    texts: Optional[Path] = typer.Option(None, "--texts", help=TEXTS_HELP),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing markup files (they may hold edits)."),
) -> None:
    """Write documents as inline markup (⟦span|LABEL|n⟧ + relation lines) for editing by hand;
    `corpus markup-import` reads them back (format: relief_ner/corpus/markup.py)."""
    from ..corpus import CorpusError, doc_to_gold, read_standoff
    from ..corpus.markup import to_markup

    layout, store = _layout_and_texts(root, texts)
    if ids == ["new"]:
        ids = [i for i in store.ids("news") if not layout.path_for(i).exists()]
    out.mkdir(parents=True, exist_ok=True)
    targets = [i for i in ids if overwrite or not (out / f"{i}.txt").exists()]
    if len(targets) < len(ids):
        err.print(f"{len(ids) - len(targets)} markup files exist already and are kept (use --overwrite)")
    try:
        if model:
            nlp = load_pipeline(model)
            texts_by_id = {i: store(i) for i in targets}
            with progress_bar(False) as bar:
                task = bar.add_task("pre-annotating", total=len(targets), rate="")
                for doc_id, doc in zip(targets, nlp.pipe(texts_by_id[i] for i in targets)):
                    gold = doc_to_gold(doc, doc_id)
                    (out / f"{doc_id}.txt").write_text(to_markup(gold), encoding="utf-8")
                    bar.advance(task)
        else:
            for doc_id in targets:
                path = layout.path_for(doc_id)
                if not path.exists():
                    fail(f"{doc_id}: no annotation in {path} (use --model to pre-annotate)")
                for gold in read_standoff(path, store):
                    (out / f"{doc_id}.txt").write_text(to_markup(gold), encoding="utf-8")
    except (CorpusError, KeyError) as e:
        fail(str(e))
    err.print(f"{out}: {len(targets)} markup files")


@corpus_app.command("markup-import")
def corpus_markup_import(
    files: List[Path] = typer.Argument(..., help="Markup files or folders of them."),
    check_only: bool = typer.Option(False, "--check", help="Only validate and print warnings; write nothing."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing different annotations."),
    root: Path = typer.Option(Path("."), "--root", help=ROOT_HELP),
    texts: Optional[Path] = typer.Option(None, "--texts", help=TEXTS_HELP),
) -> None:
    """Validate markup files against their source texts and store them stand-off."""
    from ..corpus import CorpusError, renumber
    from ..corpus.markup import check, read_markup
    from ..corpus.project import save_document

    layout, store = _layout_and_texts(root, texts)
    paths = sorted(p for f in files for p in ([f] if f.is_file() else f.glob("*.txt")))
    counts: dict = {}
    errors = 0
    for path in paths:
        try:
            gold = read_markup(path, store)
        except (CorpusError, KeyError, UnicodeDecodeError) as e:
            errors += 1
            err.print(f"[red]error[/red] {e}")
            continue
        for warning in check(gold).warnings:
            err.print(f"[yellow]warning[/yellow] {path}: {warning}")
        if check_only:
            counts["valid"] = counts.get("valid", 0) + 1
            continue
        try:
            state = save_document(layout, renumber(gold), overwrite=overwrite)
        except CorpusError as e:
            errors += 1
            err.print(f"[red]error[/red] {e}")
            continue
        counts[state] = counts.get(state, 0) + 1
    err.print(", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "nothing imported")
    if errors:
        fail(f"{errors} of {len(paths)} files have errors", code=1)


@corpus_app.command("agreement")
def corpus_agreement(
    first: Path = typer.Argument(
        ..., help="First annotation: a folder of markup files, or gold/stand-off JSONL (file or folder)."
    ),
    second: Path = typer.Argument(..., help="Second annotation of (some of) the same documents, same kinds of input."),
    texts: Optional[Path] = typer.Option(None, "--texts", help=TEXTS_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
) -> None:
    """Agreement of two annotations of the same documents, per label, for relations, records
    and values (the project's scorer: F1 is symmetric)."""
    import spacy

    from ..corpus import CorpusError, TextStore, read_any
    from ..corpus.agreement import agreement
    from ..corpus.markup import read_markup
    from .evaluate import ROW_KEYS, format_row

    store = TextStore(texts)

    def load(path: Path):
        files = sorted(path.glob("*")) if path.is_dir() else [path]
        docs = []
        for f in files:
            if f.suffix == ".txt":
                docs.append(read_markup(f))
            elif f.suffix == ".jsonl":
                docs.extend(read_any(f, store))
        return docs

    try:
        scores, shared = agreement(spacy.blank("zh"), load(first), load(second))
    except (CorpusError, ValueError) as e:
        fail(str(e))
    if not shared:
        fail("the two annotations share no document")
    if as_json:
        print(json.dumps({**scores.to_dict(), "documents": shared}, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"agreement on {len(shared)} documents")
    table.add_column("")
    for col in ("P", "R", "F", "support"):
        table.add_column(col, justify="right")
    for key in ROW_KEYS:
        table.add_row(*format_row({"x": scores}, ["x"], key))
    Console().print(table)
