"""Join two separately trained relation models into one `relief.RelationWideDeep.v1`.

A relation model that reads the encoder (`relief.RelationEncoder.v1` or
`relief.RelationPooled.v1`) and the lexical model (`relief.RelationLexical.v1`,
`configs/relation_wide.cfg`) make different mistakes: the mean of their logits beats each
of them (docs/MODEL.md). Both are trained on the same frozen encoder, so the joined model
is exact: its deep part *is* the encoder-based model (same weights, listening to the same
transformer) and its wide part the lexical model.

    relief-ner combine-relations training/runs/relation_wide/model-last \\
        --deep-from training/runs/transformer6/model-best --out training/runs/combined

`--deep-from` may also be an earlier combination (the shipped default): its deep part is
kept and the wide part replaced, which is how a lexical model retrained on more documents
joins an existing encoder (configs/README.md).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Tuple, Union

import spacy
from spacy.language import Language
from thinc.api import Config

REL = "relief_relation_extractor"


class EnsembleError(ValueError):
    pass


# The lexical (wide) part, and the parts that read encoder vectors (deep); the old names
# stay accepted for pipelines saved before 2026-12-07.
WIDE_ARCHITECTURES = ("relief.RelationLexical.v1", "relief.RelationModel.v3")
DEEP_ARCHITECTURES = ("relief.RelationEncoder.v1", "relief.RelationPooled.v1", "relief.RelationModel.v1")


def combine_relation_models(stage2: Union[str, Path, Language], stage1: Union[str, Path, Language]) -> Language:
    """`stage2`'s pipeline with its relation model replaced by the mean of its own (wide)
    model and `stage1`'s encoder-based relation model (deep); the two must share the
    transformer weights."""
    wide_nlp, deep_nlp = _pipeline(stage2), _pipeline(stage1)
    for nlp, what in ((wide_nlp, "stage-2"), (deep_nlp, "stage-1")):
        if REL not in nlp.pipe_names:
            raise EnsembleError(f"the {what} pipeline has no {REL} (components: {', '.join(nlp.pipe_names)})")
    wide_cfg, wide_model = _wide_part(dict(wide_nlp.config["components"][REL]["model"]), wide_nlp.get_pipe(REL).model)
    deep_cfg, deep_model = _deep_part(dict(deep_nlp.config["components"][REL]["model"]), deep_nlp.get_pipe(REL).model)
    upstream = deep_cfg.get("tok2vec", {}).get("upstream")
    if upstream is not None and not _same_encoder(wide_nlp, deep_nlp, upstream):
        raise EnsembleError(
            "the two pipelines do not share the transformer weights: the deep part "
            "would read another encoder than the one it was trained with"
        )
    model_cfg = {
        "@architectures": "relief.RelationWideDeep.v1",
        "wide": copy.deepcopy(wide_cfg),
        "deep": copy.deepcopy(deep_cfg),
    }
    old = wide_nlp.get_pipe(REL)
    comp_cfg = {
        "model": Config(model_cfg),
        "threshold": old.cfg["threshold"],
        "one_party_per_side": bool(old.cfg.get("one_party_per_side", False)),
    }
    new = wide_nlp.replace_pipe(REL, REL, config=comp_cfg)
    new.cfg.update({k: v for k, v in old.cfg.items() if k not in comp_cfg})
    new.model.get_ref("deep").from_bytes(deep_model.to_bytes())
    new.model.get_ref("wide").from_bytes(wide_model.to_bytes())
    wide_nlp.meta.setdefault("relief_ner", {})["relation_ensemble"] = {
        "wide": str(stage2) if not isinstance(stage2, Language) else "(in memory)",
        "deep": str(stage1) if not isinstance(stage1, Language) else "(in memory)",
    }
    return wide_nlp


def _wide_part(cfg: dict, model) -> Tuple[dict, object]:
    """The `relief.RelationLexical.v1` config and the model of the lexical part: the relation
    model itself, or the wide part of an earlier combination (so that a new encoder-based
    model can join a shipped lexical one)."""
    arch = cfg.get("@architectures")
    if arch in WIDE_ARCHITECTURES and not cfg.get("tok2vec"):
        return _as_lexical(cfg), model
    if arch == "relief.RelationWideDeep.v1":
        return _as_lexical(dict(cfg["wide"])), model.get_ref("wide")
    if arch == "relief.RelationModel.v3":
        return _as_lexical(cfg), model.get_ref("wide")
    raise EnsembleError(
        f"{REL} of the stage-2 pipeline must be relief.RelationLexical.v1 "
        "(a lexical model without tok2vec) or an earlier combination"
    )


def _as_lexical(cfg: dict) -> dict:
    """The earlier name's arguments of the lexical part, under its current name."""
    lexical = {k: v for k, v in cfg.items() if k not in ("tok2vec", "hidden_width")}
    lexical["@architectures"] = "relief.RelationLexical.v1"
    return lexical


def _deep_part(cfg: dict, model) -> Tuple[dict, object]:
    """The config and model of the part that reads the encoder: the relation model itself,
    or the deep part of an earlier combination (e.g. the shipped default), so that a lexical
    model retrained on more documents can replace a combination's wide part."""
    arch = cfg.get("@architectures")
    if arch in DEEP_ARCHITECTURES:
        return cfg, model
    if arch == "relief.RelationWideDeep.v1":
        return dict(cfg["deep"]), model.get_ref("deep")
    if arch == "relief.RelationModel.v3" and cfg.get("tok2vec"):
        pooled = {
            "@architectures": "relief.RelationPooled.v1",
            "tok2vec": cfg["tok2vec"],
            "get_candidates": cfg["get_candidates"],
            "hidden_width": cfg.get("hidden_width", 128),
            "nO": cfg.get("nO", 2),
        }
        return pooled, model.get_ref("deep")
    raise EnsembleError(
        f"{REL} of the stage-1 pipeline must read the encoder "
        f"({', '.join(DEEP_ARCHITECTURES[:2])}) or be an earlier combination"
    )


def _pipeline(source: Union[str, Path, Language]) -> Language:
    if isinstance(source, Language):
        return source
    try:
        return spacy.load(source)
    except OSError as e:
        raise EnsembleError(f"cannot load a pipeline from {source}: {e}") from e


def _same_encoder(a: Language, b: Language, name: str) -> bool:
    """Whether component `name` (the encoder the deep part listens to) has the same weights
    in both pipelines. Compared by value: serialised torch weights differ byte-wise."""
    import numpy as np
    import torch

    if name not in a.pipe_names or name not in b.pipe_names:
        return False
    nodes_a = list(a.get_pipe(name).model.walk())
    nodes_b = list(b.get_pipe(name).model.walk())
    if len(nodes_a) != len(nodes_b):
        return False
    for na, nb in zip(nodes_a, nodes_b):
        for param in na.param_names:
            if not (nb.has_param(param) and na.has_param(param)) or not np.array_equal(
                na.get_param(param), nb.get_param(param)
            ):
                return False
        for sa, sb in zip(getattr(na, "shims", []), getattr(nb, "shims", [])):
            ma, mb = getattr(sa, "_model", None), getattr(sb, "_model", None)
            if ma is None or mb is None:
                continue
            da, db = ma.state_dict(), mb.state_dict()
            if da.keys() != db.keys() or not all(torch.equal(da[k], db[k]) for k in da):
                return False
    return True
