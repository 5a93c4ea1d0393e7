"""The relation choices of 2026-12-05 on a split: stage 1's relation head (v1), stage 2's
lexical model (v3) and the mean of their logits, each with plain thresholding and with
`one_party_per_side` decoding, on the NER's entities and on the gold entities
(research/README.md, "One relation model from both").

    python research/scripts/relation_ensemble_eval.py dev training/runs/default-v1 training/runs/relation_wide/model-last

Both pipelines must share the encoder (stage 2 is trained on stage 1 frozen); entities come
from stage 2 (stage 1's NER plus `relief_entity_repair`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import relief_ner
from relief_ner.corpus import TextStore, gold_to_doc
from relief_ner.corpus.project import CorpusLayout, load_split
from relief_ner.evaluate import score_docs
from relief_ner.pipeline.record_builder import build_records

REL = "relief_relation_extractor"
THRESHOLDS = (0.3, 0.4, 0.5)


def main(split: str, stage1: str, stage2: str) -> None:
    golds = load_split(CorpusLayout(Path(".")), TextStore(None), split)
    deep_nlp, wide_nlp = relief_ner.load(stage1), relief_ner.load(stage2)
    gold_docs = [gold_to_doc(wide_nlp, g) for g in golds]
    texts = [g.text for g in golds]
    skip = [REL, "relief_record_builder"]
    wide_rel, deep_rel = wide_nlp.get_pipe(REL), deep_nlp.get_pipe(REL)
    print("entities  model decoding threshold: relation F, record F")
    for ents in ("predicted", "gold"):
        docs = list(wide_nlp.pipe(texts, disable=skip))
        if ents == "gold":
            for doc, gold in zip(docs, gold_docs):
                doc.ents = [doc.char_span(e.start_char, e.end_char, label=e.label_) for e in gold.ents]
        # stage 1's head reads its own transformer output with the same entities as candidates
        deep_docs = list(deep_nlp.pipe(texts, disable=skip))
        for d, doc in zip(deep_docs, docs):
            d.ents = [d.char_span(e.start_char, e.end_char, label=e.label_) for e in doc.ents]
        wide, deep = wide_rel.predict(docs), deep_rel.predict(deep_docs)
        for name, scores in (("v1", deep), ("v3", wide), ("mean", (deep + wide) / 2)):
            for best in (False, True):
                for t in THRESHOLDS:
                    wide_rel.cfg["threshold"], wide_rel.cfg["one_party_per_side"] = t, best
                    wide_rel.set_annotations(docs, scores)
                    for doc in docs:
                        doc._.records = build_records(doc, doc._.relations)
                    s = score_docs(zip(gold_docs, docs)).to_dict()
                    decoding = "best+list" if best else "all"
                    print(f"{ents:9s} {name:4s} {decoding:9s} {t}: {s['relations']['micro']['f']:.3f} "
                          f"{s['records']['f']:.3f}")


if __name__ == "__main__":
    main(*sys.argv[1:])
