import pickle
import numpy as np
import relief_ner
from relief_ner.pipeline.relation_model import TRAIN_ENTS_KEY
nlp = relief_ner.load()
wide = nlp.get_pipe("relief_relation_extractor").model.get_ref("wide")
dev = pickle.load(open("training/relation-cache/cache_dev.pkl", "rb"))
out = []
for d in dev:
    doc = nlp.make_doc(d["text"])
    doc.user_data[TRAIN_ENTS_KEY] = [list(e) for e in d["ents"]]
    out.append(np.asarray(wide.predict([doc])))
pickle.dump(out, open("training/relation-cache/wide_dev.pkl", "wb"))
print(sum(len(o) for o in out))
