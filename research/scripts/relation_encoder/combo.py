import pickle
import sys
import numpy as np
import spacy
from spacy.tokens import Span
from relief_ner.extensions import Relation
from relief_ner.records import build_records
from relief_ner.scoring import PRF, record_set
from relief_ner.schema import MEASURE_LABELS, PARTY_LABELS
from relief_ner.pipeline.relation_extractor import keep_best_and_coordinated
dev = pickle.load(open("training/relation-cache/cache_dev.pkl", "rb"))
deep = pickle.load(open(sys.argv[1], "rb"))
wide = pickle.load(open("training/relation-cache/wide_dev.pkl", "rb"))
nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "spacy.zh.ChineseTokenizer", "segmenter": "char"}}})
def pairs_of(d):
    m=[e for e in d["ents"] if e[2] in MEASURE_LABELS]; p=[e for e in d["ents"] if e[2] in PARTY_LABELS]; s=d["sent"]
    return [(hs,he,ts,te) for hs,he,_ in m for ts,te,_ in p if s[hs]==s[ts] and abs(hs-ts)<=200]
docs = []
for d in dev:
    doc = nlp.make_doc(d["text"]); ents = {s: Span(doc, s, e, label=l) for s, e, l in d["ents"]}
    gold = [Relation(ents[h], ents[t], l, 1.0) for h, t, l in d["rels"]]
    docs.append((d, doc, ents, pairs_of(d), set(d["rels"]), record_set(doc, build_records(doc, gold))))
def score(logit_list, thr, lthr):
    rel, rec = PRF(), PRF()
    for (d, doc, ents, pairs, gs, grec), lg in zip(docs, logit_list):
        probs = 1 / (1 + np.exp(-lg)); preds = []
        for k, (hs, he, ts, te) in enumerate(pairs):
            for j, l in enumerate(("PROVIDER", "RECIPIENT")):
                if probs[k, j] >= lthr: preds.append(Relation(ents[hs], ents[ts], l, float(probs[k, j])))
        kept = keep_best_and_coordinated(d["text"], preds, thr)
        rel.add(gs, {(r.head.start, r.tail.start, r.label) for r in kept})
        rec.add(grec, record_set(doc, build_records(doc, kept)))
    return rel, rec
for name, lg in (("deep", deep), ("wide", wide), ("mean", [(a + b) / 2 for a, b in zip(deep, wide)])):
    for thr in (0.3, 0.4, 0.5, 0.6):
        rel, rec = score(lg, thr, min(0.2, thr))
        print(f"{name} thr {thr}: rel {rel.f1:.3f} (p {rel.precision:.3f} r {rel.recall:.3f}) rec {rec.f1:.3f}")
