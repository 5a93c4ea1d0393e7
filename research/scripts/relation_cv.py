"""Cross-validated relation scoring with gold entities: the relation component with a given
model config, trained on k-1 folds of train+dev and scored on the k-th, against the rules on
the same folds. 107 documents in 5 folds give a far steadier figure than the 19 dev
documents (research/README.md, "The lexical relation model").

    python research/scripts/relation_cv.py [--folds 5] [--epochs 30] [--model-config FILE]

FILE is a config with a [model] section for `relief_relation_extractor` (default: the
sparse `relief.RelationModel.v3` without encoder).
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from pathlib import Path
from typing import List

import relief_ner
from relief_ner.corpus import TextStore, gold_to_doc
from relief_ner.corpus.project import CorpusLayout, load_split
from relief_ner.evaluate import PRF, relation_set, score_docs
from relief_ner.pipeline.record_builder import build_records
from relief_ner.schema import SentenceIndex
from spacy.tokens import Doc
from spacy.training import Example
from thinc.api import Adam, Config

WIDE = """
[model]
@architectures = "relief.RelationModel.v3"
length = 262144
nO = 2

[model.get_candidates]
@misc = "relief.candidate_pairs.v1"
max_distance = 200
"""


def with_gold_ents(nlp, gold: Doc) -> Doc:
    doc = nlp.make_doc(gold.text)
    doc.ents = [doc.char_span(e.start_char, e.end_char, label=e.label_) for e in gold.ents]
    return doc


# The rules pipeline up to its entities (its relations are scored separately).
RULES_NER_ONLY = ["relief_relation_rules", "relief_record_builder"]


def with_extra_entities(gold: Doc, found: Doc) -> Doc:
    """A copy of `gold` whose entities include the spans of `found` (the rules' entities of
    the same text) that overlap none of its own."""
    doc = gold.copy()
    taken = set()
    for e in gold.ents:
        taken.update(range(e.start, e.end))
    extra = [doc.char_span(e.start_char, e.end_char, label=e.label_) for e in found.ents
             if not taken.intersection(range(e.start, e.end))]
    doc.ents = sorted(list(doc.ents) + [e for e in extra if e is not None], key=lambda e: e.start)
    return doc


def score(golds: List[Doc], preds: List[Doc]):
    for doc in preds:
        doc._.records = build_records(doc, doc._.relations)
    s = score_docs(zip(golds, preds)).to_dict()
    return s["relations"]["micro"], s["records"]


def error_kinds(golds: List[Doc], preds: List[Doc]) -> Counter:
    """Where the errors are: on measures gold links to nothing, on measures with no party
    predicted, or on the choice of party."""
    kinds: Counter = Counter()
    for gold, pred in zip(golds, preds):
        g, p = relation_set(gold), relation_set(pred)
        gold_measures = {r[:2] for r in g}
        gold_sides, pred_sides = {(*r[:2], r[4]) for r in g}, {(*r[:2], r[4]) for r in p}
        for r in p - g:
            kinds["spurious: measure gold does not link" if r[:2] not in gold_measures else
                  "spurious: measure linked in gold, not on this side" if (*r[:2], r[4]) not in gold_sides else
                  "spurious: wrong or extra party on a side gold links"] += 1
        for r in g - p:
            kinds["missed: no party predicted on this side" if (*r[:2], r[4]) not in pred_sides else
                  "missed: another party predicted on this side"] += 1
    return kinds


def write_errors(out, golds: List[Doc], preds: List[Doc]) -> None:
    for gold, pred in zip(golds, preds):
        g, p = relation_set(gold), relation_set(pred)
        index = SentenceIndex(gold.text)
        for kind, rels in (("MISSED", g - p), ("SPURIOUS", p - g)):
            for hs, he, ts, te, label in sorted(rels):
                start, end = index.bounds_of(hs)
                sentence = gold.text[start:end].replace("\n", " ")
                out.write(f"{kind}\t{label}\t{gold.text[hs:he]}\t{gold.text[ts:te]}\t{sentence}\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--learn-rate", type=float, default=0.01)
    ap.add_argument("--thresholds", default="0.5", help="comma-separated; each is scored")
    ap.add_argument("--list-threshold", type=float,
                    help="with `one_party_per_side`, the probability a party listed with the best "
                         "one needs (default: the threshold)")
    ap.add_argument("--model-config", type=Path)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--entities", choices=["gold", "rules"], default="gold",
                    help="candidates on the held-out fold: gold entities, or the rules pipeline's "
                         "(honest predictions: the rules never saw the corpus), a proxy for NER errors")
    ap.add_argument("--dump", type=Path,
                    help="write the held-out errors (missed and spurious relations with their "
                         "sentence) of the first threshold with `one_party_per_side` to this file")
    ap.add_argument("--train-fraction", type=float, default=1.0,
                    help="train each fold on this share of its training documents (a learning "
                         "curve: how much would more annotated reports help?)")
    ap.add_argument("--train-extra", action="store_true",
                    help="train with the rules' entities that overlap no gold entity added as "
                         "candidates (negatives the model learns to reject)")
    args = ap.parse_args()

    layout, texts = CorpusLayout(Path(".")), TextStore(None)
    golds = load_split(layout, texts, "train") + load_split(layout, texts, "dev")
    nlp = relief_ner.load("rules")
    rules = nlp.get_pipe("relief_relation_rules")
    gold_docs = [gold_to_doc(nlp, g) for g in golds]
    # The rules' entities of every document, found once for all folds.
    rules_docs = (list(nlp.pipe([g.text for g in golds], disable=RULES_NER_ONLY))
                  if args.entities == "rules" or args.train_extra else None)
    order = list(range(len(gold_docs)))
    random.Random(args.seed).shuffle(order)
    folds = [order[k::args.folds] for k in range(args.folds)]
    model_cfg = args.model_config.read_text() if args.model_config else WIDE
    thresholds = [float(t) for t in args.thresholds.split(",")]
    totals = {**{f"model@{t}": [] for t in thresholds},
              **{f"best@{t}": [] for t in thresholds}, "rules": []}
    dump = args.dump.open("w", encoding="utf-8") if args.dump else None
    dumped_kinds: Counter = Counter()
    for k, held in enumerate(folds):
        held_set = set(held)
        train = [gold_docs[i] for i in order if i not in held_set]
        test = [gold_docs[i] for i in held]
        blank = relief_ner.load("rules")
        blank.add_pipe("relief_relation_extractor", name="rel",
                       config={"model": Config().from_str(model_cfg)["model"]})
        rel = blank.get_pipe("rel")
        if args.train_extra:
            train = [with_extra_entities(gold_docs[i], rules_docs[i]) for i in order if i not in held_set]
        if args.train_fraction < 1.0:
            train = random.Random(args.seed + k).sample(train, max(1, round(len(train) * args.train_fraction)))
        examples = [Example(blank.make_doc(d.text), d) for d in train]
        rel.initialize(lambda: examples, nlp=blank)
        sgd = Adam(args.learn_rate)
        rng = random.Random(args.seed)
        for _ in range(args.epochs):
            rng.shuffle(examples)
            for i in range(0, len(examples), 8):
                rel.update(examples[i:i + 8], sgd=sgd, drop=0.1)
        if args.entities == "rules":
            preds = [rules_docs[i].copy() for i in held]
        else:
            preds = [with_gold_ents(blank, d) for d in test]
        scores = rel.predict(preds)
        for t in thresholds:
            rel.cfg["threshold"], rel.cfg["list_threshold"] = t, args.list_threshold
            for mode, best in (("model", False), ("best", True)):
                rel.cfg["one_party_per_side"] = best
                rel.set_annotations(preds, scores)
                totals[f"{mode}@{t}"].append(score(test, preds))
                if dump and best and t == thresholds[0]:
                    write_errors(dump, test, preds)
                    dumped_kinds.update(error_kinds(test, preds))
        rule_preds = ([rules(rules_docs[i].copy()) for i in held]
                      if args.entities == "rules" else [rules(with_gold_ents(nlp, d)) for d in test])
        totals["rules"].append(score(test, rule_preds))
        print(f"fold {k}: " + " | ".join(f"{name} rel F {runs[-1][0]['f']:.3f} rec F {runs[-1][1]['f']:.3f}"
                                         for name, runs in totals.items()), flush=True)
    for name, runs in totals.items():
        rel = PRF(*(sum(r[0][key] for r in runs) for key in ("tp", "fp", "fn")))
        rec = PRF(*(sum(r[1][key] for r in runs) for key in ("tp", "fp", "fn")))
        print(f"{name:10s} pooled over {len(golds)} documents: relation F {rel.f1:.3f} "
              f"(tp {rel.tp}, fp {rel.fp}, fn {rel.fn}), record F {rec.f1:.3f}")
    if dump:
        print(f"errors written to {args.dump}, by kind:")
        for kind, n in sorted(dumped_kinds.items()):
            print(f"  {n:4d}  {kind}")


if __name__ == "__main__":
    main()
