"""Inter-annotator agreement: two annotations of the same documents scored against each
other with the project's scorer (F1 is symmetric, so which side is "gold" does not matter)."""

from __future__ import annotations

from typing import Dict, Iterable, List, Tuple

from spacy.language import Language

from ..evaluate import Scores, score_docs
from .docs import gold_to_doc
from .gold import GoldDoc


def agreement(nlp: Language, first: Iterable[GoldDoc], second: Iterable[GoldDoc]) -> Tuple[Scores, List[str]]:
    """Scores of `second` against `first` on the documents both contain, and their ids."""
    a: Dict[str, GoldDoc] = {d.id: d for d in first}
    b: Dict[str, GoldDoc] = {d.id: d for d in second}
    shared = sorted(set(a) & set(b))
    for doc_id in shared:
        if a[doc_id].text != b[doc_id].text:
            raise ValueError(f"{doc_id}: the two annotations are of different texts")
    pairs = [(gold_to_doc(nlp, a[i]), gold_to_doc(nlp, b[i])) for i in shared]
    return score_docs(pairs), shared
