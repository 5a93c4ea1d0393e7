"""Sentence boundaries by the schema's rule (。！？!? or a newline; not semicolons)."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from ..schema import SENTENCE_ENDS


@Language.component("relief_sentences")
def set_sentence_starts(doc: Doc) -> Doc:
    """Mark `token.is_sent_start` so that `doc.sents` follows the schema exactly."""
    for i, token in enumerate(doc):
        if i == 0:
            token.is_sent_start = True
            continue
        prev = doc[i - 1]
        token.is_sent_start = prev.text in SENTENCE_ENDS or "\n" in prev.whitespace_
    return doc
