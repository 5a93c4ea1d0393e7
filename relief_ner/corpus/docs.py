"""Conversion between gold records and spaCy `Doc`s (and `DocBin` files for training)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator, List, Optional

from spacy.language import Language
from spacy.tokens import Doc, DocBin

from ..extensions import Relation, set_stored_quantity
from ..records import build_records
from ..quantity import Quantity
from ..schema import MEASURE_LABELS
from .gold import CorpusError, GoldDoc, GoldEntity, GoldRelation


def gold_to_doc(nlp: Language, gold: GoldDoc) -> Doc:
    """A Doc with `ents`, stored measure values and `doc._.relations` set from gold."""
    doc = nlp.make_doc(gold.text)
    spans = {}
    for ent in gold.entities:
        span = doc.char_span(ent.start, ent.end, label=ent.label)
        if span is None:
            raise CorpusError(f"{gold.id}: entity {ent.id} ({ent.start}-{ent.end}) does not align "
                              "with the tokenizer's tokens")
        spans[ent.id] = span
        if ent.label in MEASURE_LABELS and ent.value is not None:
            set_stored_quantity(doc, ent.start, ent.end, Quantity(ent.value, ent.unit, ent.approx))
    doc.ents = sorted(spans.values(), key=lambda s: s.start)
    doc._.relations = [Relation(spans[r.from_id], spans[r.to_id], r.type, 1.0)
                       for r in gold.relations]
    # Gold records follow from gold relations by the schema's grouping.
    doc._.records = build_records(doc, doc._.relations)
    doc.user_data["relief_ner.id"] = gold.id
    return doc


def doc_to_gold(doc: Doc, doc_id: Optional[str] = None) -> GoldDoc:
    """Gold record of a Doc (annotated or predicted); entity ids follow text order."""
    doc_id = doc_id or doc.user_data.get("relief_ner.id") or ""
    entities: List[GoldEntity] = []
    ids = {}
    for i, ent in enumerate(doc.ents, 1):
        gold = GoldEntity(i, ent.label_, ent.start_char, ent.end_char)
        if ent.label_ in MEASURE_LABELS:
            q = ent._.quantity
            if q is not None:
                gold.value, gold.unit, gold.approx = q.value, q.unit, q.approx
        entities.append(gold)
        ids[(ent.start_char, ent.end_char)] = i
    relations = []
    for j, rel in enumerate(doc._.relations, 1):
        relations.append(GoldRelation(j, ids[(rel.head.start_char, rel.head.end_char)],
                                      ids[(rel.tail.start_char, rel.tail.end_char)], rel.label))
    return GoldDoc(str(doc_id), doc.text, entities, relations)


def renumber(gold: GoldDoc) -> GoldDoc:
    """The same annotation with entity ids in text order and relation ids 1..n, so that
    two files that say the same thing are byte-identical."""
    order = sorted(gold.entities, key=lambda e: e.start)
    mapping = {e.id: i for i, e in enumerate(order, 1)}
    entities = [GoldEntity(mapping[e.id], e.label, e.start, e.end, e.value, e.unit, e.approx)
                for e in order]
    rels = sorted(((mapping[r.from_id], mapping[r.to_id], r.type) for r in gold.relations))
    relations = [GoldRelation(i, f, t, ty) for i, (f, t, ty) in enumerate(rels, 1)]
    return GoldDoc(gold.id, gold.text, entities, relations, dict(gold.meta))


def write_docbin(docs: Iterable[Doc], path: Path) -> int:
    db = DocBin(store_user_data=True)
    n = 0
    for doc in docs:
        db.add(doc)
        n += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    db.to_disk(path)
    return n


def read_docbin(nlp: Language, path: Path) -> Iterator[Doc]:
    yield from DocBin().from_disk(path).get_docs(nlp.vocab)
