"""Sentence boundaries by the schema's rule (。！？!? or a newline; not semicolons), on
tokens: the `relief_sentences` component and the relation models' candidate pairs both read
them from here (`schema.sentence_bounds` is the same rule on characters)."""

from __future__ import annotations

from typing import List

import numpy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from ..schema import SENTENCE_ENDS


@Language.component("relief_sentences", assigns=["token.is_sent_start"])
def set_sentence_starts(doc: Doc) -> Doc:
    """Mark `token.is_sent_start` so that `doc.sents` follows the schema exactly."""
    if not len(doc):
        return doc
    # One array write: setting token.is_sent_start one token at a time checks the whole
    # doc's annotation on each call (quadratic on long documents).
    ids = sentence_ids(doc)
    starts = numpy.full((len(doc), 1), -1, dtype="int32")
    starts[0, 0] = 1
    for i in range(1, len(doc)):
        if ids[i] != ids[i - 1]:
            starts[i, 0] = 1
    doc.from_array([SENT_START], starts.astype("uint64"))
    return doc


def sentence_ids(doc: Doc) -> List[int]:
    """The sentence number of every token: a token after 。！？!? or a newline starts the
    next sentence. Computed from the text, so that it holds on docs no component has
    annotated (the predicted docs of training)."""
    ids, sid = [], 0
    for token in doc:
        ids.append(sid)
        if token.text in SENTENCE_ENDS or "\n" in token.whitespace_:
            sid += 1
    return ids
