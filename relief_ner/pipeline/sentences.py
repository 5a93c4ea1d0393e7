"""Sentence boundaries by the schema's rule (。！？!? or a newline; not semicolons)."""

from __future__ import annotations

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
    starts = numpy.full((len(doc), 1), -1, dtype="int32")
    starts[0, 0] = 1
    for i in range(1, len(doc)):
        prev = doc[i - 1]
        if prev.text in SENTENCE_ENDS or "\n" in prev.whitespace_:
            starts[i, 0] = 1
    doc.from_array([SENT_START], starts.astype("uint64"))
    return doc
