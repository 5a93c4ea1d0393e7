"""Cache the shipped encoder's token vectors + gold ents/relations for train/dev; and the
shipped relation component's predictions on gold entities (dev) as a baseline."""
import pickle
import sys
import time
import numpy as np
import relief_ner
from spacy.tokens import DocBin
from relief_ner.pipeline.relation_model import sentence_ids as _sentence_ids

nlp = relief_ner.load(sys.argv[1] if len(sys.argv) > 1 else "default")
out = sys.argv[2] if len(sys.argv) > 2 else "training/relation-cache/cache"
import os
os.makedirs(os.path.dirname(out), exist_ok=True)
trf = nlp.get_pipe("transformer")
listener = nlp.get_pipe("relief_relation_extractor").model.get_ref("deep").get_ref("tok2vec")
rel = nlp.get_pipe("relief_relation_extractor")
for split in ["dev", "train"]:
    gold = list(DocBin().from_disk(f"corpus/{split}.spacy").get_docs(nlp.vocab))
    items = []
    t0 = time.time()
    base_pred = []
    for k, g in enumerate(gold):
        doc = nlp.make_doc(g.text)
        doc = nlp.get_pipe("relief_sentences")(doc)
        doc = trf(doc)
        vec = listener.predict([doc])[0]
        ents = [(e.start, e.end, e.label_) for e in g.ents]
        rels = [(r.head.start, r.tail.start, r.label) for r in g._.relations]
        if split == "dev":
            doc.ents = [doc.char_span(e.start_char, e.end_char, e.label_) for e in g.ents]
            rel(doc)
            base_pred.append([(r.head.start, r.tail.start, r.label) for r in doc._.relations])
        items.append(dict(id=g.user_data.get("relief_ner.id"), text=g.text, vec=vec.astype(np.float16),
                          ents=ents, rels=rels, sent=_sentence_ids(doc)))
        if k % 100 == 0:
            print(split, k, time.time() - t0, flush=True)
    with open(f"{out}_{split}.pkl", "wb") as f:
        pickle.dump(items, f)
    if split == "dev":
        with open(f"{out}_dev_basepred.pkl", "wb") as f:
            pickle.dump(base_pred, f)
print("done")
