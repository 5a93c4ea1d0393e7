"""`relief_relation_extractor`: the trainable relation component.

A `TrainablePipe` that scores every measure–party candidate pair of a sentence with
`relief.RelationModel.v1` and keeps, per label, the pairs whose probability reaches
`threshold`. During training the candidates come from the gold entities (teacher
forcing), at prediction time from `doc.ents`.
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

from ..evaluate import PRF, relation_set
from ..extensions import Relation
from ..schema import RELATION_LABELS
from .relation_model import TRAIN_ENTS_KEY

DEFAULT_MODEL_CONFIG = """
[model]
@architectures = "relief.RelationModel.v1"
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
    default_config={"model": DEFAULT_MODEL, "threshold": 0.5, "head_learn_rate": None},
    default_score_weights={"rel_micro_f": 1.0, "rel_micro_p": 0.0, "rel_micro_r": 0.0},
)
def make_relation_extractor(nlp: Language, name: str, model: Model, threshold: float,
                            head_learn_rate: Optional[float]) -> "RelationExtractor":
    return RelationExtractor(nlp.vocab, model, name, threshold=threshold,
                             head_learn_rate=head_learn_rate)


class RelationExtractor(TrainablePipe):
    def __init__(self, vocab: Vocab, model: Model, name: str = "relief_relation_extractor",
                 *, threshold: float = 0.5, head_learn_rate: Optional[float] = None) -> None:
        self.vocab = vocab
        self.model = model
        self.name = name
        self.cfg = {"labels": list(RELATION_LABELS), "threshold": threshold}
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

    def add_label(self, label: str) -> int:
        if label not in RELATION_LABELS:
            raise ValueError(f"unknown relation label {label!r}; the schema has {RELATION_LABELS}")
        return 0

    def _candidates(self, doc: Doc):
        return self.model.attrs["get_candidates"](doc)

    def predict(self, docs: Iterable[Doc]) -> Floats2d:
        docs = list(docs)
        scores = self.model.predict(docs)
        return self.model.ops.asarray(scores)

    def set_annotations(self, docs: Iterable[Doc], scores: Floats2d) -> None:
        probs = _sigmoid(self.model.ops.to_numpy(scores))
        row = 0
        for doc in docs:
            relations: List[Relation] = []
            by_start = {e.start: e for e in doc.ents}
            for hs, he, ts, te in self._candidates(doc):
                for j, label in enumerate(self.labels):
                    p = float(probs[row, j])
                    if p >= self.threshold:
                        relations.append(Relation(by_start[hs], by_start[ts], label, round(p, 4)))
                row += 1
            doc._.relations = relations

    def update(self, examples: Iterable[Example], *, drop: float = 0.0,
               sgd: Optional[Optimizer] = None, losses: Optional[Dict[str, float]] = None) -> Dict[str, float]:
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

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *, nlp: Language = None,
                   labels: Optional[List[str]] = None) -> None:
        validate_get_examples(get_examples, "RelationExtractor.initialize")
        sample = [self._with_gold_entities(eg) for eg in islice(get_examples(), 10)]
        self.model.initialize(X=sample)
        for doc in sample:
            doc.user_data.pop(TRAIN_ENTS_KEY, None)

    def score(self, examples: Iterable[Example], **kwargs) -> Dict[str, float]:
        prf = PRF()
        for eg in examples:
            prf.add(relation_set(eg.reference), relation_set(eg.predicted))
        return {"rel_micro_p": prf.precision, "rel_micro_r": prf.recall, "rel_micro_f": prf.f1}


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))
