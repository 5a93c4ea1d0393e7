"""`relief.GazetteerFeatures.v1`: per-token lexicon features for the NER.

Chinese NER gains from knowing which stretches of text are known names. For every
character token: where it sits in the longest administrative-division match of the packaged
gazetteer (B/I/E/S) and that division's level, where it sits in an organisation-name ending
(`公司`, `工商联`, `局` …, the rules' list), whether it is a level character (`省`, `县` …), a
digit or punctuation. A small ReLU layer maps the 16 binary features to `width` dimensions;
concatenated with the transformer listener's output they feed the NER
(`configs/ner_gazetteer.cfg`).
"""

from __future__ import annotations

import unicodedata
from typing import Callable, List, Tuple

import numpy as np
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model, Relu, chain, with_array
from thinc.types import Floats2d

from ..gazetteer import LEVELS, default_gazetteer
from .entity_rules import ORG_SUFFIX_RE

_LEVEL_CHARS = set("省市县区镇乡村州旗盟")
# B, I, E, S of a gazetteer match; its level; B, I, E of an organisation ending; level char;
# digit; punctuation; CJK.
N_FEATURES = 4 + len(LEVELS) + 3 + 4


def char_features(text: str) -> np.ndarray:
    """(len(text), N_FEATURES) binary features, one row per character."""
    feats = np.zeros((len(text), N_FEATURES), dtype="float32")
    gazetteer = default_gazetteer()
    for start, end in gazetteer.find(text):
        _mark(feats, start, end, 0)
        feats[start:end, 4 + LEVELS.index(gazetteer.level(text[start:end]))] = 1.0
    base = 4 + len(LEVELS)
    for m in ORG_SUFFIX_RE.finditer(text):
        s, e = m.span()
        feats[s, base] = 1.0
        feats[s + 1:e - 1, base + 1] = 1.0
        feats[e - 1, base + 2] = 1.0
    for i, ch in enumerate(text):
        feats[i, base + 3] = ch in _LEVEL_CHARS
        feats[i, base + 4] = ch.isdigit()
        feats[i, base + 5] = unicodedata.category(ch).startswith("P")
        feats[i, base + 6] = "\u4e00" <= ch <= "\u9fff"
    return feats


def _mark(feats: np.ndarray, start: int, end: int, offset: int) -> None:
    if end - start == 1:
        feats[start, offset + 3] = 1.0
        return
    feats[start, offset] = 1.0
    feats[start + 1:end - 1, offset + 1] = 1.0
    feats[end - 1, offset + 2] = 1.0


def _token_rows(doc: Doc) -> np.ndarray:
    """Character features pooled to spaCy's tokens (max over a token's characters)."""
    chars = char_features(doc.text)
    rows = np.zeros((len(doc), N_FEATURES), dtype="float32")
    for i, token in enumerate(doc):
        if len(token.text):
            rows[i] = chars[token.idx:token.idx + len(token.text)].max(axis=0)
    return rows


def _extract_forward(model: Model, docs: List[Doc], is_train: bool) -> Tuple[List[Floats2d], Callable]:
    rows = [model.ops.asarray2f(_token_rows(doc)) for doc in docs]
    return rows, lambda d_rows: []


@registry.architectures("relief.GazetteerFeatures.v1")
def build_gazetteer_features(width: int = 32) -> Model[List[Doc], List[Floats2d]]:
    extract: Model = Model("relief_gazetteer_features", _extract_forward)
    model = chain(extract, with_array(Relu(nO=width, nI=N_FEATURES)))
    model.set_dim("nO", width)
    return model
