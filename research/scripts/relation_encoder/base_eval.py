import pickle
import spacy
from spacy.tokens import Span
from relief_ner.extensions import Relation
from relief_ner.records import build_records
from relief_ner.scoring import PRF, record_set
dev = pickle.load(open("training/relation-cache/cache_dev.pkl", "rb"))
base = pickle.load(open("training/relation-cache/cache_dev_basepred.pkl", "rb"))
nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "spacy.zh.ChineseTokenizer", "segmenter": "char"}}})
rel, rec = PRF(), PRF()
for d, pred in zip(dev, base):
    doc = nlp.make_doc(d["text"])
    ents = {s: Span(doc, s, e, label=l) for s, e, l in d["ents"]}
    g = [Relation(ents[h], ents[t], l, 1.0) for h, t, l in d["rels"]]
    p = [Relation(ents[h], ents[t], l, 1.0) for h, t, l in pred]
    rel.add(set(d["rels"]), set(pred))
    rec.add(record_set(doc, build_records(doc, g)), record_set(doc, build_records(doc, p)))
print("shipped relation model on gold entities, dev: rel", rel.to_dict(), "rec", rec.to_dict())
