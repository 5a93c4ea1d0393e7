"""Relation/record F1 on dev with gold entities, for pipelines given as arguments."""
import sys
import relief_ner
from spacy.tokens import DocBin
from relief_ner.records import build_records
from relief_ner.scoring import PRF, record_set, relation_set
for path in sys.argv[1:]:
    nlp = relief_ner.load(path)
    gold = list(DocBin().from_disk("corpus/dev.spacy").get_docs(nlp.vocab))
    rel, rec = PRF(), PRF()
    for g in gold:
        doc = nlp.make_doc(g.text)
        doc = nlp.get_pipe("relief_sentences")(doc)
        doc = nlp.get_pipe("transformer")(doc)
        doc.ents = [doc.char_span(e.start_char, e.end_char, e.label_) for e in g.ents]
        doc = nlp.get_pipe("relief_relation_extractor")(doc)
        rel.add(relation_set(g), relation_set(doc))
        rec.add(record_set(g, build_records(g, g._.relations)), record_set(doc, build_records(doc, doc._.relations)))
    print(path, f"rel {rel.f1:.3f} (p {rel.precision:.3f} r {rel.recall:.3f}) rec {rec.f1:.3f}", flush=True)
