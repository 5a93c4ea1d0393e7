"""Dev entity F1 of the default with places of the rules' gazetteer matcher added where the NER
found nothing (variants), vs the default."""
import pickle
from collections import Counter
import relief_ner
from spacy.tokens import DocBin
from relief_ner.scoring import PRF
default = relief_ner.load()
rules = relief_ner.load("rules")
gold = list(DocBin().from_disk("corpus/dev.spacy").get_docs(default.vocab))
texts = [g.text for g in gold]
try:
    pred = pickle.load(open("training/relation-cache/dev_default_ents.pkl", "rb"))
except FileNotFoundError:
    pred = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in default.pipe(texts, batch_size=16)]
    pickle.dump(pred, open("training/relation-cache/dev_default_ents.pkl", "wb"))
places = rules.get_pipe("relief_place_rules")
rp = []
for t in texts:
    d = rules.make_doc(t)
    d = places(d)
    rp.append([(e.start_char, e.end_char, "LOC") for e in d.ents])
def score(preds):
    per = {}
    tot = PRF()
    for g, p in zip(gold, preds):
        gs = {(e.start_char, e.end_char, e.label_) for e in g.ents}
        ps = set(p)
        tot.add(gs, ps)
        for lab in ("ORG", "LOC"):
            per.setdefault(lab, PRF()).add({x for x in gs if x[2] == lab}, {x for x in ps if x[2] == lab})
    return f"micro {tot.f1:.3f} ORG {per['ORG'].f1:.3f} LOC {per['LOC'].f1:.3f} (p {per['LOC'].precision:.3f} r {per['LOC'].recall:.3f})"
print("default      ", score(pred))
def union(p, extra, min_len=2):
    out = list(p)
    for s, e, l in extra:
        if e - s < min_len: continue
        if any(not (e <= ps or s >= pe) for ps, pe, _ in out): continue
        out.append((s, e, l))
    return out
for ml in (2, 3):
    print(f"+gaz min{ml}    ", score([union(p, x, ml) for p, x in zip(pred, rp)]))
# how many missed gold LOCs does the gazetteer find exactly
miss = Counter()
for g, p, x in zip(gold, pred, rp):
    gs = {(e.start_char, e.end_char) for e in g.ents if e.label_ == "LOC"}
    ps = {(s, e) for s, e, l in p if l == "LOC"}
    xs = {(s, e) for s, e, l in x}
    for m in gs - ps:
        miss["found by gaz" if m in xs else "not"] += 1
print(miss)
