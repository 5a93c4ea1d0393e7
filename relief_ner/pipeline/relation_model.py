"""The relation model: scores every candidate (measure, party) pair of a doc.

Candidates are pairs of a MONEY/AREA/COUNT entity and an ORG/LOC entity in the same
sentence (the schema's rule). A pair is represented by the mean token vector of the
measure, of the party and of the tokens between them (where cue words such as 为, 向,
协调 sit), plus the direction and distance; a small feed-forward network maps that to
one logit per relation label. Shapes follow spaCy's relation-component pattern
(explosion/projects tutorials/rel_component), with the context vector added.
"""

from __future__ import annotations

from typing import Callable, List, Optional, Tuple

import numpy as np
from spacy.strings import hash_string
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Dropout, HashEmbed, Linear, Model, Relu, SparseLinear_v2, chain
from thinc.types import Floats2d

from ..schema import MEASURE_LABELS, PARTY_LABELS
from .relation_features import Pair, pair_features
from .relation_rules import CueWords
from .sentences import sentence_ids

# Entities used as candidates during training (gold ones, set by the pipe's update).
TRAIN_ENTS_KEY = "relief_ner.train_ents"
N_EXTRA = 2  # direction, log-distance


def doc_entities(doc: Doc) -> List[Tuple[int, int, str]]:
    stored = doc.user_data.get(TRAIN_ENTS_KEY)
    if stored is not None:
        return [tuple(e) for e in stored]
    return [(e.start, e.end, e.label_) for e in doc.ents]


@registry.misc("relief.candidate_pairs.v1")
def make_candidate_pairs(max_distance: int = 200) -> Callable[[Doc], List[Pair]]:
    """Measure–party pairs in the same sentence, at most `max_distance` tokens apart."""

    def candidate_pairs(doc: Doc) -> List[Pair]:
        ents = doc_entities(doc)
        if not ents:
            return []
        sent_of = sentence_ids(doc)
        measures = [e for e in ents if e[2] in MEASURE_LABELS]
        parties = [e for e in ents if e[2] in PARTY_LABELS]
        pairs = []
        for hs, he, _ in measures:
            for ts, te, _ in parties:
                if sent_of[hs] == sent_of[ts] and abs(hs - ts) <= max_distance:
                    pairs.append((hs, he, ts, te))
        return pairs

    return candidate_pairs


@registry.architectures("relief.RelationPooled.v1")
def build_relation_pooled(
    tok2vec: Model[List[Doc], List[Floats2d]],
    get_candidates: Callable[[Doc], List[Pair]],
    hidden_width: int = 128,
    nO: int = 2,
) -> Model[List[Doc], Floats2d]:
    """Docs → (n_pairs, nO) logits, pairs in the order `get_candidates` lists them: the mean
    token vector of the measure, of the party and of the tokens between them, direction and
    distance → a small ReLU network.

    tok2vec (Model): token vectors (a transformer listener in the shipped pipeline).
    get_candidates (Callable): the doc's candidate pairs (`relief.candidate_pairs.v1`).
    hidden_width (int): the hidden layer's width.
    nO (int): relation labels.
    """
    hidden = Relu(nO=hidden_width)
    scorer = chain(hidden, Dropout(0.1), Linear(nO=nO, nI=hidden_width))
    model: Model = Model(
        "relief_relation_model",
        _forward,
        init=_init,
        layers=[tok2vec, scorer],
        refs={"tok2vec": tok2vec, "scorer": scorer, "hidden": hidden},
        attrs={"get_candidates": get_candidates},
    )
    return model


def _init(model: Model, X: Optional[List[Doc]] = None, Y=None) -> Model:
    tok2vec = model.get_ref("tok2vec")
    scorer = model.get_ref("scorer")
    tok2vec.initialize(X=X) if X is not None else tok2vec.initialize()
    width = tok2vec.get_dim("nO") if tok2vec.has_dim("nO") else None
    if width is None and X is not None:
        width = tok2vec.predict(X[:1])[0].shape[1]
    if width is not None:
        model.get_ref("hidden").set_dim("nI", 3 * width + N_EXTRA)
    scorer.initialize()
    return model


def _forward(model: Model, docs: List[Doc], is_train: bool):
    tok2vec = model.get_ref("tok2vec")
    scorer = model.get_ref("scorer")
    get_candidates = model.attrs["get_candidates"]
    tokvecs, bp_tokvecs = tok2vec(docs, is_train)
    xp = model.ops.xp
    rows = []
    index = []  # (doc i, pair) for the backward pass
    for i, (doc, vecs) in enumerate(zip(docs, tokvecs)):
        for pair in get_candidates(doc):
            rows.append(_pair_features(xp, vecs, pair))
            index.append((i, pair))
    width = tokvecs[0].shape[1] if tokvecs else 0
    if not rows:
        empty = model.ops.alloc2f(0, scorer.get_dim("nO"))

        def backprop_empty(d_scores):
            return bp_tokvecs([model.ops.alloc2f(*v.shape) for v in tokvecs])

        return empty, backprop_empty
    feats = xp.stack(rows).astype("float32")
    scores, bp_scores = scorer(feats, is_train)

    def backprop(d_scores: Floats2d):
        d_feats = bp_scores(d_scores)
        d_tokvecs = [model.ops.alloc2f(*v.shape) for v in tokvecs]
        for row, (i, (hs, he, ts, te)) in enumerate(index):
            d = d_feats[row]
            d_tokvecs[i][hs:he] += d[:width] / (he - hs)
            d_tokvecs[i][ts:te] += d[width : 2 * width] / (te - ts)
            cs, ce = _between(hs, he, ts, te)
            if ce > cs:
                d_tokvecs[i][cs:ce] += d[2 * width : 3 * width] / (ce - cs)
        return bp_tokvecs(d_tokvecs)

    return scores, backprop


def _between(hs: int, he: int, ts: int, te: int) -> Tuple[int, int]:
    return (he, ts) if he <= ts else (te, hs)


def _pair_features(xp, vecs, pair: Pair):
    hs, he, ts, te = pair
    head = vecs[hs:he].mean(axis=0)
    tail = vecs[ts:te].mean(axis=0)
    cs, ce = _between(hs, he, ts, te)
    context = vecs[cs:ce].mean(axis=0) if ce > cs else xp.zeros_like(head)
    direction = 1.0 if ts >= he else -1.0
    distance = float(np.log1p(max(ce - cs, 0)))
    return xp.concatenate([head, tail, context, xp.asarray([direction, distance], dtype=head.dtype)])


@registry.architectures("relief.RelationLexical.v1")
def build_relation_lexical(
    get_candidates: Callable[[Doc], List[Pair]],
    length: int = 2**18,
    embed_width: int = 0,
    nO: int = 2,
) -> Model[List[Doc], Floats2d]:
    """A linear model over the pair's hashed lexical features (`relation_features`); with
    `embed_width` > 0 plus a hidden layer over the mean of the features' hashed embeddings
    (so that features can combine). It needs no encoder and trains in seconds on a CPU, so
    it can be retrained on a frozen pipeline.

    get_candidates (Callable): the doc's candidate pairs (`relief.candidate_pairs.v1`).
    length (int): rows of the hashed feature table.
    embed_width (int): width of the hashed embeddings (0: the linear model only).
    nO (int): relation labels.
    """
    linear = SparseLinear_v2(nO=nO, length=length)
    layers: List[Model] = [linear]
    refs = {"linear": linear}
    if embed_width:
        embed = HashEmbed(nO=embed_width, nV=length // 4, seed=7)
        mlp = chain(Relu(nO=embed_width, nI=embed_width), Dropout(0.1), Linear(nO=nO, nI=embed_width))
        layers += [embed, mlp]
        refs.update({"embed": embed, "mlp": mlp})
    return Model(
        "relief_relation_wide",
        _wide_forward,
        layers=layers,
        refs=refs,
        # The cue-word lists the features read, kept in the model's attrs: saved with its
        # weights and restored on loading, so editing the rules' lists cannot change it.
        attrs={"get_candidates": get_candidates, "cue_words": CueWords().to_dict()},
        init=_wide_init,
    )


@registry.architectures("relief.RelationWideDeep.v1")
def build_relation_wide_deep(
    wide: Model[List[Doc], Floats2d], deep: Model[List[Doc], Floats2d]
) -> Model[List[Doc], Floats2d]:
    """The mean of two relation models' logits: `wide` (lexical, `relief.RelationLexical.v1`)
    and `deep` (reading encoder vectors: `relief.RelationEncoder.v1` or
    `relief.RelationPooled.v1`). Both must list the same candidate pairs. The parts can be
    trained together or apart and joined afterwards (`relief-ner combine-relations`).

    wide (Model): the lexical model.
    deep (Model): the encoder-based model (it holds the `tok2vec`).
    """
    return Model(
        "relief_relation_wide_deep",
        _sum_forward,
        layers=[deep, wide],
        init=_sum_init,
        refs={"tok2vec": deep.get_ref("tok2vec"), "wide": wide, "deep": deep},
        attrs={"get_candidates": deep.attrs["get_candidates"]},
    )


# Names used by pipelines saved before 2026-12-07 (the shipped default's config.cfg among
# them); they build the same models as the names above.
registry.architectures.register("relief.RelationModel.v1", func=build_relation_pooled)


@registry.architectures("relief.RelationModel.v3")
def build_relation_model_v3(
    get_candidates: Callable[[Doc], List[Pair]],
    tok2vec: Optional[Model[List[Doc], List[Floats2d]]] = None,
    hidden_width: int = 128,
    length: int = 2**18,
    embed_width: int = 0,
    nO: int = 2,
) -> Model[List[Doc], Floats2d]:
    """`relief.RelationLexical.v1`, or with a `tok2vec` `relief.RelationWideDeep.v1` of it
    and `relief.RelationPooled.v1` (the earlier name of both)."""
    wide = build_relation_lexical(get_candidates, length, embed_width, nO)
    if tok2vec is None:
        return wide
    return build_relation_wide_deep(wide, build_relation_pooled(tok2vec, get_candidates, hidden_width, nO))


def _wide_init(model: Model, X=None, Y=None) -> Model:
    for layer in model.layers:
        layer.initialize()
    return model


def _wide_forward(model: Model, docs: List[Doc], is_train: bool):
    linear = model.get_ref("linear")
    get_candidates = model.attrs["get_candidates"]
    cues = CueWords.from_dict(model.attrs["cue_words"])
    keys: List[int] = []
    lengths: List[int] = []
    for doc in docs:
        pairs = get_candidates(doc)
        for feats in pair_features(doc, doc_entities(doc), pairs, cues):
            keys.extend(hash_string(f) for f in feats)
            lengths.append(len(feats))
    if not lengths:
        return model.ops.alloc2f(0, linear.get_dim("nO")), lambda d_scores: []
    ops = model.ops
    key_arr = ops.asarray(np.asarray(keys, dtype="uint64"))
    len_arr = ops.asarray(np.asarray(lengths, dtype="int32"))
    X = (key_arr, ops.asarray(np.ones(len(keys), dtype="float32")), len_arr)
    scores, bp_scores = linear(X, is_train)
    bp_embed = bp_mlp = None
    if model.has_ref("embed"):
        vecs, bp_embed = model.get_ref("embed")(key_arr, is_train)
        hidden, bp_mlp = model.get_ref("mlp")(ops.reduce_mean(vecs, len_arr), is_train)
        scores = scores + hidden

    def backprop(d_scores: Floats2d):
        bp_scores(d_scores)
        if bp_mlp is not None:
            bp_embed(ops.backprop_reduce_mean(bp_mlp(d_scores), len_arr))
        return []

    return scores, backprop


def _sum_init(model: Model, X=None, Y=None) -> Model:
    model.get_ref("deep").initialize(X=X)
    model.get_ref("wide").initialize(X=X)
    return model


def _sum_forward(model: Model, docs: List[Doc], is_train: bool):
    # The mean, not the sum, of the two logits: the parts can also be trained apart and
    # joined afterwards (`relief_ner.pipeline.relation_ensemble`), each calibrated on its own.
    deep_scores, bp_deep = model.get_ref("deep")(docs, is_train)
    wide_scores, bp_wide = model.get_ref("wide")(docs, is_train)

    def backprop(d_scores: Floats2d):
        bp_wide(d_scores / 2)
        return bp_deep(d_scores / 2)

    return (deep_scores + wide_scores) / 2, backprop
