"""Join two separately trained relation models into one `relief.RelationModel.v3` (wide and deep).

The transformer pipeline's own relation head (`relief.RelationModel.v1`, trained with the
encoder in stage 1) and the lexical model (v3 without encoder, trained on the frozen
stage-1 pipeline in stage 2, `configs/relation_wide.cfg`) make different mistakes: on dev
the mean of their logits beats each of them (docs/MODEL.md, "Relation model"). Both read
the same frozen encoder, so the joined model is exact: its deep part *is* the stage-1 head
(same weights, listening to the same transformer) and its wide part the stage-2 model.

    relief-ner combine-relations training/runs/relation_wide/model-last \\
        --deep-from training/runs/transformer6/model-best --out training/runs/combined

`--deep-from` may also be an earlier combination (the shipped default): its deep part is
kept and the wide part replaced, which is how a lexical model retrained on more documents
joins an existing encoder (configs/README.md).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Union

import spacy
from spacy.language import Language
from thinc.api import Config

REL = "relief_relation_extractor"


class EnsembleError(ValueError):
    pass


def combine_relation_models(stage2: Union[str, Path, Language], stage1: Union[str, Path, Language]) -> Language:
    """`stage2`'s pipeline with its relation model replaced by the mean of its own (wide)
    model and `stage1`'s relation head (deep); the two must share the transformer weights."""
    wide_nlp, deep_nlp = _pipeline(stage2), _pipeline(stage1)
    for nlp, what in ((wide_nlp, "stage-2"), (deep_nlp, "stage-1")):
        if REL not in nlp.pipe_names:
            raise EnsembleError(f"the {what} pipeline has no {REL} (components: {', '.join(nlp.pipe_names)})")
    wide_cfg = wide_nlp.config["components"][REL]["model"]
    deep_cfg = deep_nlp.config["components"][REL]["model"]
    if wide_cfg.get("@architectures") != "relief.RelationModel.v3" or wide_cfg.get("tok2vec"):
        raise EnsembleError(f"{REL} of the stage-2 pipeline must be relief.RelationModel.v3 without tok2vec")
    deep_model = deep_nlp.get_pipe(REL).model
    if deep_cfg.get("@architectures") == "relief.RelationModel.v3" and deep_model.has_ref("deep"):
        # an earlier combination (e.g. the shipped default): its deep part is reused, so
        # that a lexical model retrained on more documents can replace its wide part
        deep_model = deep_model.get_ref("deep")
    elif deep_cfg.get("@architectures") != "relief.RelationModel.v1":
        raise EnsembleError(f"{REL} of the stage-1 pipeline must be relief.RelationModel.v1 "
                            "or an earlier combination")
    upstream = deep_cfg.get("tok2vec", {}).get("upstream")
    if upstream is not None and not _same_encoder(wide_nlp, deep_nlp, upstream):
        raise EnsembleError("the two pipelines do not share the transformer weights: the deep part "
                            "would read another encoder than the one it was trained with")
    model_cfg = copy.deepcopy(dict(wide_cfg))
    model_cfg["tok2vec"] = copy.deepcopy(dict(deep_cfg["tok2vec"]))
    model_cfg["hidden_width"] = deep_cfg["hidden_width"]
    old = wide_nlp.get_pipe(REL)
    comp_cfg = {"model": Config(model_cfg), "threshold": old.cfg["threshold"],
                "one_party_per_side": bool(old.cfg.get("one_party_per_side", False))}
    new = wide_nlp.replace_pipe(REL, REL, config=comp_cfg)
    new.cfg.update({k: v for k, v in old.cfg.items() if k not in comp_cfg})
    new.model.get_ref("deep").from_bytes(deep_model.to_bytes())
    new.model.get_ref("wide").from_bytes(old.model.to_bytes())
    wide_nlp.meta.setdefault("relief_ner", {})["relation_ensemble"] = {
        "wide": str(stage2) if not isinstance(stage2, Language) else "(in memory)",
        "deep": str(stage1) if not isinstance(stage1, Language) else "(in memory)"}
    return wide_nlp


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
            if not (nb.has_param(param) and na.has_param(param)) or \
                    not np.array_equal(na.get_param(param), nb.get_param(param)):
                return False
        for sa, sb in zip(getattr(na, "shims", []), getattr(nb, "shims", [])):
            ma, mb = getattr(sa, "_model", None), getattr(sb, "_model", None)
            if ma is None or mb is None:
                continue
            da, db = ma.state_dict(), mb.state_dict()
            if da.keys() != db.keys() or not all(torch.equal(da[k], db[k]) for k in da):
                return False
    return True
