"""The project's scorer: exact character spans, one code path for the CLI, training
and benchmarks.

- entities: (start, end, label), P/R/F per label and micro;
- relations: (head span, tail span, label);
- records: one tuple per measure in a record: (provider texts, recipient texts, measure span);
- values: of the measures found exactly (span and label), the share whose normalised
  (value, unit, approx) equals gold (value compared with a relative tolerance of 1e-6).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Tuple

from spacy.tokens import Doc

from .records import build_records
from .schema import ENTITY_LABELS, MEASURE_LABELS, RELATION_LABELS
from .scoring import PRF, entity_set, record_set, relation_set, same_value

__all__ = ["PRF", "Scores", "entity_set", "error_kinds", "record_set", "relation_set", "same_value", "score_docs"]


@dataclass
class Scores:
    entities: Dict[str, PRF] = field(default_factory=lambda: defaultdict(PRF))
    entities_micro: PRF = field(default_factory=PRF)
    relations: Dict[str, PRF] = field(default_factory=lambda: defaultdict(PRF))
    relations_micro: PRF = field(default_factory=PRF)
    records: PRF = field(default_factory=PRF)
    values_correct: int = 0
    values_total: int = 0
    documents: int = 0

    @property
    def value_accuracy(self) -> float:
        return self.values_correct / self.values_total if self.values_total else 0.0

    def to_dict(self) -> Dict[str, object]:
        return {
            "documents": self.documents,
            "entities": {
                "micro": self.entities_micro.to_dict(),
                **{label: self.entities[label].to_dict() for label in ENTITY_LABELS},
            },
            "relations": {
                "micro": self.relations_micro.to_dict(),
                **{label: self.relations[label].to_dict() for label in RELATION_LABELS},
            },
            "records": self.records.to_dict(),
            "values": {
                "accuracy": round(self.value_accuracy, 4),
                "correct": self.values_correct,
                "total": self.values_total,
            },
        }

    def flat(self) -> Dict[str, float]:
        """Headline figures, as spaCy's training loop logs them."""
        return {
            "ents_f": self.entities_micro.f1,
            "rel_f": self.relations_micro.f1,
            "record_f": self.records.f1,
            "value_acc": self.value_accuracy,
        }


def score_docs(pairs: Iterable[Tuple[Doc, Doc]]) -> Scores:
    """Score (gold, predicted) doc pairs; the texts of each pair must be identical."""
    scores = Scores()
    for gold, pred in pairs:
        if gold.text != pred.text:
            raise ValueError("gold and predicted docs have different texts")
        scores.documents += 1
        g_ents, p_ents = entity_set(gold), entity_set(pred)
        for label in ENTITY_LABELS:
            scores.entities[label].add({e for e in g_ents if e[2] == label}, {e for e in p_ents if e[2] == label})
        scores.entities_micro.add(g_ents, p_ents)
        g_rels, p_rels = relation_set(gold), relation_set(pred)
        for label in RELATION_LABELS:
            scores.relations[label].add({r for r in g_rels if r[4] == label}, {r for r in p_rels if r[4] == label})
        scores.relations_micro.add(g_rels, p_rels)
        # Gold records are derived from gold relations by the same builder the pipeline uses.
        scores.records.add(record_set(gold, build_records(gold, gold._.relations)), record_set(pred))
        pred_by_span = {(e.start_char, e.end_char, e.label_): e for e in pred.ents}
        for ent in gold.ents:
            key = (ent.start_char, ent.end_char, ent.label_)
            if ent.label_ in MEASURE_LABELS and key in pred_by_span:
                scores.values_total += 1
                if same_value(ent._.quantity, pred_by_span[key]._.quantity):
                    scores.values_correct += 1
    return scores


def _overlaps(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def error_kinds(pairs: Iterable[Tuple[Doc, Doc]], examples_per_kind: int = 3) -> List[Tuple[str, int, List[str]]]:
    """The kinds of errors a prediction makes, most frequent first, with a few examples.

    Entities: missed, spurious, wrong boundary, wrong label. Relations: missed or spurious,
    split by whether the entities themselves were right. Values: wrong value/unit/approx.
    """
    counts: Dict[str, int] = defaultdict(int)
    examples: Dict[str, List[str]] = defaultdict(list)

    def add(kind: str, text: str, start: int, end: int) -> None:
        counts[kind] += 1
        if len(examples[kind]) < examples_per_kind:
            examples[kind].append(
                f"{text[max(0, start - 6) : start]}[{text[start:end]}]{text[end : end + 6]}".replace("\n", " ")
            )

    for gold, pred in pairs:
        text = gold.text
        g_ents, p_ents = entity_set(gold), entity_set(pred)
        for g in g_ents - p_ents:
            over = [p for p in p_ents if _overlaps(g, p)]
            if any(p[2] == g[2] for p in over):
                add(f"ENT {g[2]} wrong boundary", text, g[0], g[1])
            elif over:
                add(f"ENT {g[2]} tagged as {over[0][2]}", text, g[0], g[1])
            else:
                add(f"ENT {g[2]} missed", text, g[0], g[1])
        for p in p_ents - g_ents:
            if not any(_overlaps(p, g) for g in g_ents):
                add(f"ENT {p[2]} spurious", text, p[0], p[1])
        g_rels, p_rels = relation_set(gold), relation_set(pred)
        ent_spans = {(s, e) for s, e, _ in p_ents & g_ents}
        for r in g_rels - p_rels:
            found = (r[0], r[1]) in ent_spans and (r[2], r[3]) in ent_spans
            add(f"REL {r[4]} missed" + ("" if found else " (entity not found)"), text, r[0], r[1])
        for r in p_rels - g_rels:
            right = (r[0], r[1]) in ent_spans and (r[2], r[3]) in ent_spans
            add(f"REL {r[4]} spurious" + ("" if right else " (on a wrong entity)"), text, r[0], r[1])
        pred_by_span = {(e.start_char, e.end_char, e.label_): e for e in pred.ents}
        for ent in gold.ents:
            key = (ent.start_char, ent.end_char, ent.label_)
            if ent.label_ in MEASURE_LABELS and key in pred_by_span:
                if not same_value(ent._.quantity, pred_by_span[key]._.quantity):
                    add(f"VALUE {ent.label_} wrong", text, ent.start_char, ent.end_char)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(kind, n, examples[kind]) for kind, n in ranked]
