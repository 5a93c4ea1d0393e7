"""What the scorer compares, as a leaf module that components can use without importing the
scorer: precision/recall counts and the sets that entities, relations and records are
compared as (exact character spans), and the comparison of normalised values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, Set, Tuple

from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import registry

from .records import build_records


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, gold: Set, pred: Set) -> None:
        self.tp += len(gold & pred)
        self.fp += len(pred - gold)
        self.fn += len(gold - pred)

    def to_dict(self) -> Dict[str, float]:
        return {
            "p": round(self.precision, 4),
            "r": round(self.recall, 4),
            "f": round(self.f1, 4),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


def entity_set(doc: Doc) -> Set[Tuple[int, int, str]]:
    return {(e.start_char, e.end_char, e.label_) for e in doc.ents}


def relation_set(doc: Doc) -> Set[Tuple[int, int, int, int, str]]:
    return {(r.head.start_char, r.head.end_char, r.tail.start_char, r.tail.end_char, r.label) for r in doc._.relations}


def record_set(doc: Doc, records=None) -> Set[tuple]:
    if records is None:
        records = doc._.records
    out = set()
    for rec in records:
        providers = tuple(sorted(p["text"] for p in rec.providers))
        recipients = tuple(sorted(r["text"] for r in rec.recipients))
        for m in rec.measures:
            out.add((providers, recipients, m["start"], m["end"]))
    return out


def same_value(a, b) -> bool:
    """Whether two quantities are the same: unit and approx equal, value within 1e-6."""
    return (
        a is not None
        and b is not None
        and a.unit == b.unit
        and a.approx == b.approx
        and math.isclose(a.value, b.value, rel_tol=1e-6, abs_tol=1e-9)
    )


def score_relations(examples: Iterable[Example], **kwargs) -> Dict[str, float]:
    """Relation P/R/F of predicted against reference docs (the relation extractor's scorer)."""
    prf = PRF()
    for eg in examples:
        prf.add(relation_set(eg.reference), relation_set(eg.predicted))
    return {"rel_micro_p": prf.precision, "rel_micro_r": prf.recall, "rel_micro_f": prf.f1}


def score_records(examples: Iterable[Example], **kwargs) -> Dict[str, float]:
    """Record P/R/F; the reference records follow from the reference relations."""
    prf = PRF()
    for eg in examples:
        gold = build_records(eg.reference, eg.reference._.relations)
        prf.add(record_set(eg.reference, gold), record_set(eg.predicted))
    return {"records_p": prf.precision, "records_r": prf.recall, "records_f": prf.f1}


@registry.scorers("relief.relation_scorer.v1")
def make_relation_scorer() -> Callable[..., Dict[str, float]]:
    return score_relations


@registry.scorers("relief.record_scorer.v1")
def make_record_scorer() -> Callable[..., Dict[str, float]]:
    return score_records
