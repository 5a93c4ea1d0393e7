"""Where relation errors come from, on a corpus split: the relation component of a trained
pipeline at several thresholds, the rules' relations on the same entities, and both again
with the gold entities in place of the NER's (research/README.md, "Relation head on a frozen encoder").

    python research/scripts/relation_analysis.py dev default
"""

from __future__ import annotations

import sys
from pathlib import Path

import relief_ner
from relief_ner.corpus import TextStore, gold_to_doc
from relief_ner.corpus.project import CorpusLayout, load_split
from relief_ner.evaluate import score_docs
from relief_ner.pipeline.record_builder import build_records

THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7)


def main(split: str = "dev", model: str = "default") -> None:
    golds = load_split(CorpusLayout(Path(".")), TextStore(None), split)
    nlp = relief_ner.load(model, int8=False)
    rel = nlp.get_pipe("relief_relation_extractor")
    rules = relief_ner.load("rules").get_pipe("relief_relation_rules")
    gold_docs = [gold_to_doc(nlp, g) for g in golds]
    docs = list(nlp.pipe([g.text for g in golds],
                         disable=["relief_relation_extractor", "relief_record_builder"]))

    def report(name: str) -> None:
        for doc in docs:
            doc._.records = build_records(doc, doc._.relations)
        s = score_docs(zip(gold_docs, docs)).to_dict()
        print(f"{name:28s} entity F {s['entities']['micro']['f']:.3f}  relation F "
              f"{s['relations']['micro']['f']:.3f}  record F {s['records']['f']:.3f}")

    for entities in ("predicted", "gold"):
        if entities == "gold":
            for doc, gold in zip(docs, gold_docs):
                doc.ents = [doc.char_span(e.start_char, e.end_char, label=e.label_) for e in gold.ents]
        scores = rel.predict(docs)
        for threshold in THRESHOLDS:
            rel.cfg["threshold"] = threshold
            rel.set_annotations(docs, scores)
            report(f"{entities} ents, model @{threshold}")
        for doc in docs:
            rules(doc)
        report(f"{entities} ents, rules")


if __name__ == "__main__":
    main(*sys.argv[1:])
