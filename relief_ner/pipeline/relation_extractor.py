"""`relief_relation_extractor`: the trainable relation component.

A `TrainablePipe` that scores every measure–party candidate pair of a sentence with its
model (`relief.RelationEncoder.v1`, `relief.RelationLexical.v1`, `relief.RelationPooled.v1` or
`relief.RelationWideDeep.v1` of two of them) and keeps, per label, the pairs whose
probability reaches `threshold` (with `one_party_per_side`, only the best of them and the
parties listed together with it, which need only reach `list_threshold`). During training
the candidates come from the gold entities (teacher forcing), at prediction time from
`doc.ents`.
"""

from __future__ import annotations

from itertools import islice
from typing import Callable, Dict, Iterable, List, Optional, Tuple

import numpy as np
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc
from spacy.training import Example, validate_get_examples
from spacy.vocab import Vocab
from thinc.api import Adam, Config, Model, Optimizer, set_dropout_rate
from thinc.types import Floats2d

from ..scoring import score_relations
from ..extensions import Relation
from ..schema import RELATION_LABELS
from .relation_model import TRAIN_ENTS_KEY

DEFAULT_MODEL_CONFIG = """
[model]
@architectures = "relief.RelationPooled.v1"
hidden_width = 128
nO = 2

[model.get_candidates]
@misc = "relief.candidate_pairs.v1"
max_distance = 200

[model.tok2vec]
@architectures = "spacy.HashEmbedCNN.v2"
pretrained_vectors = null
width = 96
depth = 2
embed_size = 2000
window_size = 1
maxout_pieces = 3
subword_features = false
"""
DEFAULT_MODEL = Config().from_str(DEFAULT_MODEL_CONFIG)["model"]


@Language.factory(
    "relief_relation_extractor",
    requires=["doc.ents"],
    assigns=["doc._.relations"],
    default_config={
        "model": DEFAULT_MODEL,
        "threshold": 0.5,
        "head_learn_rate": None,
        "one_party_per_side": False,
        "list_threshold": None,
        "scorer": {"@scorers": "relief.relation_scorer.v1"},
    },
    default_score_weights={"rel_micro_f": 1.0, "rel_micro_p": 0.0, "rel_micro_r": 0.0},
)
def make_relation_extractor(
    nlp: Language,
    name: str,
    model: Model,
    threshold: float,
    head_learn_rate: Optional[float],
    one_party_per_side: bool,
    list_threshold: Optional[float],
    scorer: Optional[Callable] = None,
) -> "RelationExtractor":
    """The trainable relation extractor: a probability per label for every measure–party
    pair of a sentence (`relief.candidate_pairs.v1`).

    model (Model): the relation model (e.g. `relief.RelationEncoder.v1`), docs → pair scores.
    threshold (float): the probability a relation needs.
    head_learn_rate (Optional[float]): the model's own Adam rate, for a fresh head on a
        fine-tuned encoder (None: the training optimiser's).
    one_party_per_side (bool): per measure and label keep only the best party and those
        listed with it (`A、B和C`).
    list_threshold (Optional[float]): the probability a listed party needs (None: threshold).
    scorer (Callable): scores relations on examples (`relief.relation_scorer.v1`).
    """
    return RelationExtractor(
        nlp.vocab,
        model,
        name,
        threshold=threshold,
        head_learn_rate=head_learn_rate,
        one_party_per_side=one_party_per_side,
        list_threshold=list_threshold,
        scorer=scorer,
    )


class RelationExtractor(TrainablePipe):
    def __init__(
        self,
        vocab: Vocab,
        model: Model,
        name: str = "relief_relation_extractor",
        *,
        threshold: float = 0.5,
        head_learn_rate: Optional[float] = None,
        one_party_per_side: bool = False,
        list_threshold: Optional[float] = None,
        scorer: Optional[Callable] = score_relations,
    ) -> None:
        self.vocab = vocab
        self.scorer = scorer
        self.model = model
        self.name = name
        # one_party_per_side: per measure and label keep the best party and those listed
        # with it (`keep_best_and_coordinated`) instead of every party above the threshold.
        # list_threshold: a party listed with the best one (`广东省、广州市…援助`) shares its
        # evidence, so it may enter at a lower probability (None: the threshold).
        self.cfg = {
            "labels": list(RELATION_LABELS),
            "threshold": threshold,
            "one_party_per_side": one_party_per_side,
            "list_threshold": list_threshold,
        }
        # A freshly initialised scoring head learns far too slowly at a transformer's
        # fine-tuning rate (and Adam ignores gradient scale), so it can have its own
        # optimiser; the shared encoder still gets its gradients through the listener.
        self._head_sgd = Adam(head_learn_rate) if head_learn_rate else None

    @property
    def labels(self) -> Tuple[str, ...]:
        return tuple(self.cfg["labels"])

    @property
    def threshold(self) -> float:
        return float(self.cfg["threshold"])

    @property
    def list_threshold(self) -> float:
        """The probability a party listed with the best one needs (never above `threshold`)."""
        value = self.cfg.get("list_threshold")
        return self.threshold if value is None else min(float(value), self.threshold)

    def add_label(self, label: str) -> int:
        if label not in RELATION_LABELS:
            raise ValueError(f"unknown relation label {label!r}; the schema has {RELATION_LABELS}")
        return 0

    def _candidates(self, doc: Doc):
        return self.model.attrs["get_candidates"](doc)

    def predict(self, docs: Iterable[Doc]) -> Floats2d:
        docs = list(docs)
        if not any(doc.ents for doc in docs):
            # No entity, no candidate pair: nothing to score. Also spares the encoder part a
            # batch it cannot pool (a transformer listener fails on a batch whose only
            # document is empty). The candidates themselves are found once, in the model.
            return self.model.ops.alloc2f(0, len(self.labels))
        scores = self.model.predict(docs)
        return self.model.ops.asarray(scores)

    def set_annotations(self, docs: Iterable[Doc], scores: Floats2d) -> None:
        probs = _sigmoid(self.model.ops.to_numpy(scores))
        best_only = bool(self.cfg.get("one_party_per_side"))
        floor = self.list_threshold if best_only else self.threshold
        row = 0
        for doc in docs:
            relations: List[Relation] = []
            by_start = {e.start: e for e in doc.ents}
            for hs, he, ts, te in self._candidates(doc):
                for j, label in enumerate(self.labels):
                    p = float(probs[row, j])
                    if p >= floor:
                        relations.append(Relation(by_start[hs], by_start[ts], label, round(p, 4)))
                row += 1
            if best_only:
                relations = keep_best_and_coordinated(doc.text, relations, self.threshold)
            doc._.relations = relations

    def update(
        self,
        examples: Iterable[Example],
        *,
        drop: float = 0.0,
        sgd: Optional[Optimizer] = None,
        losses: Optional[Dict[str, float]] = None,
    ) -> Dict[str, float]:
        losses = {} if losses is None else losses
        losses.setdefault(self.name, 0.0)
        examples = list(examples)
        docs = [self._with_gold_entities(eg) for eg in examples]
        # No early return for batches without candidate pairs: a transformer listener that
        # never calls back would also drop the gradient the NER sent to the shared encoder
        # for this batch (the model backpropagates zeros then).
        set_dropout_rate(self.model, drop)
        scores, backprop = self.model.begin_update(docs)
        loss, d_scores = self.get_loss(examples, scores)
        backprop(d_scores)
        if self._head_sgd is not None:
            self.finish_update(self._head_sgd)
        elif sgd is not None:
            self.finish_update(sgd)
        losses[self.name] += loss
        for doc in docs:
            doc.user_data.pop(TRAIN_ENTS_KEY, None)
        return losses

    def _with_gold_entities(self, eg: Example) -> Doc:
        """The predicted doc, told to use the reference entities as candidates. Setting
        `doc.ents` instead would constrain the NER component in the same batch."""
        doc = eg.predicted
        spans = []
        for ent in eg.reference.ents:
            span = doc.char_span(ent.start_char, ent.end_char)
            if span is not None:
                spans.append([span.start, span.end, ent.label_])
        doc.user_data[TRAIN_ENTS_KEY] = spans
        return doc

    def _truth(self, examples: List[Example]) -> np.ndarray:
        rows = []
        for eg in examples:
            gold = {}
            for rel in eg.reference._.relations:
                gold[(rel.head.start_char, rel.tail.start_char, rel.label)] = 1.0
            doc = eg.predicted
            for hs, he, ts, te in self._candidates(doc):
                h_char, t_char = doc[hs].idx, doc[ts].idx
                rows.append([gold.get((h_char, t_char, label), 0.0) for label in self.labels])
        return np.asarray(rows, dtype="float32").reshape(-1, len(self.labels))

    def get_loss(self, examples: Iterable[Example], scores) -> Tuple[float, Floats2d]:
        truth = self._truth(list(examples))
        probs = _sigmoid(self.model.ops.to_numpy(scores))
        n = max(len(truth), 1)
        # Gradient of the mean binary cross-entropy with respect to the logits.
        d_scores = (probs - truth) / n
        eps = 1e-7
        loss = float(-(truth * np.log(probs + eps) + (1 - truth) * np.log(1 - probs + eps)).sum() / n)
        return loss, self.model.ops.asarray(d_scores.astype("float32"))

    def initialize(
        self, get_examples: Callable[[], Iterable[Example]], *, nlp: Language = None, labels: Optional[List[str]] = None
    ) -> None:
        validate_get_examples(get_examples, "RelationExtractor.initialize")
        sample = [self._with_gold_entities(eg) for eg in islice(get_examples(), 10)]
        self.model.initialize(X=sample)
        for doc in sample:
            doc.user_data.pop(TRAIN_ENTS_KEY, None)


_COORDINATORS = frozenset({"、", "和", "与", "及", "以及", "同", "跟", "并", ",", "，"})


def keep_best_and_coordinated(text: str, relations: List[Relation], threshold: float = 0.0) -> List[Relation]:
    """Per measure and label, the best-scoring party if it reaches `threshold`, plus the
    parties listed together with it (`A、B和C`: only coordinators between them), whatever
    their score. Nine in ten measures of the gold corpus have one provider and one
    recipient at most; where there are more, they are a list."""
    by_key: Dict[Tuple[int, str], List[Relation]] = {}
    for rel in relations:
        by_key.setdefault((rel.head.start, rel.label), []).append(rel)
    kept: List[Relation] = []
    for group in by_key.values():
        group.sort(key=lambda r: r.tail.start)
        best = max(range(len(group)), key=lambda i: group[i].score)
        if group[best].score < threshold:
            continue
        lo = hi = best
        while lo > 0 and _coordinated(text, group[lo - 1].tail, group[lo].tail):
            lo -= 1
        while hi + 1 < len(group) and _coordinated(text, group[hi].tail, group[hi + 1].tail):
            hi += 1
        kept.extend(group[lo : hi + 1])
    return sorted(kept, key=lambda r: (r.head.start, r.tail.start, r.label))


def _coordinated(text: str, left, right) -> bool:
    gap = text[left.end_char : right.start_char].strip()
    return gap in _COORDINATORS


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))
