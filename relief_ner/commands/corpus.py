"""`relief-ner corpus ...`: import, split, statistics and .spacy files of the gold corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from ._common import ROOT_HELP, TEXTS_HELP, app, err, fail, jsonl_files

corpus_app = typer.Typer(no_args_is_help=True, help="The gold corpus: import, split, statistics, .spacy files.")
app.add_typer(corpus_app, name="corpus")


def _layout_and_texts(root: Path, texts: Optional[Path]):
    from ..corpus import TextStore
    from ..corpus.project import CorpusLayout
    return CorpusLayout(root), TextStore(texts)


@corpus_app.command("import")
def corpus_import(
    files: List[Path] = typer.Argument(..., help="Gold JSONL files (with texts), e.g. a doccano export joined with values."),
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
    force: bool = typer.Option(False, "--force", help="Replace an existing split (the test split changes!)."),
) -> None:
    """Write corpus/splits.json: a seeded train/dev/test split by document."""
    from ..corpus import CorpusError
    from ..corpus.project import load_corpus, make_split

    layout, store = _layout_and_texts(root, texts)
    if layout.splits_file.exists() and not force:
        fail(f"{layout.splits_file} exists; the test split must stay fixed (use --force to replace it)")
    try:
        split = make_split(load_corpus(layout, store), seed=seed)
    except CorpusError as e:
        fail(str(e))
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
) -> None:
    """Write corpus/{train,dev,test}.spacy for `spacy train` (git-ignored)."""
    import spacy

    from ..corpus import CorpusError, gold_to_doc, write_docbin
    from ..corpus.project import iter_split_docs

    layout, store = _layout_and_texts(root, texts)
    out = out or root / "corpus"
    nlp = spacy.blank("zh")
    try:
        for name, docs in iter_split_docs(layout, store):
            n = write_docbin((gold_to_doc(nlp, d) for d in docs), out / f"{name}.spacy")
            err.print(f"{out / (name + '.spacy')}: {n} documents")
    except CorpusError as e:
        fail(str(e))


@corpus_app.command("transfer")
def corpus_transfer(
    datasets: List[str] = typer.Argument(None, help="Which corpora (default: msra peoples_daily cluener boson)."),
    source: Optional[Path] = typer.Option(None, "--source", help="Folder of the public datasets (default: <texts>/datasets)."),
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
        err.print(f"{out / (name + '.spacy')}: {counts['docs']:,} sentences, "
                  f"{counts['ORG']:,} ORG, {counts['LOC']:,} LOC")


@corpus_app.command("transfer-mix")
def corpus_transfer_mix(
    transfer: Path = typer.Option(Path("corpus/transfer"), "--transfer", help="Folder of <name>.spacy from `corpus transfer`."),
    train: Path = typer.Option(Path("corpus/train.spacy"), "--train", help="The gold training split."),
    out: Path = typer.Option(Path("corpus/mix"), "--out", help="Folder for the mixed training corpus (a spaCy corpus folder)."),
    sentences: int = typer.Option(2000, "--sentences", min=1, help="Transfer sentences, in equal shares per corpus."),
    datasets: List[str] = typer.Option(["msra", "peoples_daily", "boson"], "--dataset", help="Which transfer corpora to draw from."),
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
    err.print(f"{out}: {len(sample):,} transfer sentences ({n_missing:,} measure characters "
              f"marked missing) + {train}")
