import pytest
from spacy.tokens import Doc

from relief_ner.evaluate import score_docs
from relief_ner.extensions import Relation, set_stored_quantity
from relief_ner.quantity import Quantity
from relief_ner.pipeline.record_builder import build_records

TEXT = "甲公司捐款5万元给乙村。丙集团向丁村捐赠20户。"
#       0123456789...


def make(nlp, ents, rels, values=None, records=True) -> Doc:
    doc = nlp.make_doc(TEXT)
    spans = {}
    for s, e, label in ents:
        spans[(s, e)] = doc.char_span(s, e, label=label)
    doc.ents = list(spans.values())
    for (s, e), q in (values or {}).items():
        set_stored_quantity(doc, s, e, q)
    doc._.relations = [Relation(spans[h], spans[t], label) for h, t, label in rels]
    if records:
        doc._.records = build_records(doc, doc._.relations)
    return doc


GOLD_ENTS = [(0, 3, "ORG"), (5, 8, "MONEY"), (9, 11, "LOC"), (12, 15, "ORG"), (16, 18, "LOC"), (20, 23, "COUNT")]
GOLD_RELS = [
    ((5, 8), (0, 3), "PROVIDER"),
    ((5, 8), (9, 11), "RECIPIENT"),
    ((20, 23), (12, 15), "PROVIDER"),
    ((20, 23), (16, 18), "RECIPIENT"),
]


def test_fixture_offsets():
    assert [TEXT[s:e] for s, e, _ in GOLD_ENTS] == ["甲公司", "5万元", "乙村", "丙集团", "丁村", "20户"]


def test_perfect_prediction(blank_nlp):
    gold = make(blank_nlp, GOLD_ENTS, GOLD_RELS, records=False)
    pred = make(blank_nlp, GOLD_ENTS, GOLD_RELS)
    s = score_docs([(gold, pred)])
    assert s.entities_micro.f1 == 1.0 and s.relations_micro.f1 == 1.0 and s.records.f1 == 1.0
    assert s.value_accuracy == 1.0 and s.values_total == 2


def test_known_partial_scores(blank_nlp):
    gold = make(blank_nlp, GOLD_ENTS, GOLD_RELS, records=False)
    # Prediction: misses 丙集团 (ORG), adds a wrong LOC, gets 5万元's boundary wrong as 5万.
    pred_ents = [(0, 3, "ORG"), (5, 7, "MONEY"), (9, 11, "LOC"), (16, 18, "LOC"), (20, 23, "COUNT"), (13, 15, "LOC")]
    pred_rels = [((20, 23), (16, 18), "RECIPIENT"), ((20, 23), (13, 15), "PROVIDER")]
    pred = make(blank_nlp, pred_ents, pred_rels)
    s = score_docs([(gold, pred)])
    # entities: tp = 甲公司, 乙村, 丁村, 20户 = 4; fp = 5万, 集团 = 2; fn = 5万元, 丙集团 = 2
    assert (s.entities_micro.tp, s.entities_micro.fp, s.entities_micro.fn) == (4, 2, 2)
    assert s.entities_micro.f1 == pytest.approx(2 / 3)
    assert s.entities["ORG"].precision == 1.0 and s.entities["ORG"].recall == 0.5
    # relations: tp 1 (20户→丁村), fp 1, fn 3
    assert s.relations_micro.precision == 0.5 and s.relations_micro.recall == 0.25
    assert s.relations["RECIPIENT"].f1 == pytest.approx(2 * 0.5 * 1.0 / 1.5 * 1.0)  # p=1, r=.5
    # records: gold has (甲公司, 乙村, 5万元) and (丙集团, 丁村, 20户); pred (集团, 丁村, 20户)
    assert (s.records.tp, s.records.fp, s.records.fn) == (0, 1, 2)
    # values: only 20户 is an exactly found measure and its value is right
    assert (s.values_correct, s.values_total) == (1, 1)


def test_value_mismatch_counts(blank_nlp):
    gold = make(blank_nlp, GOLD_ENTS, [], values={(5, 8): Quantity(50000.0, "CNY", True)}, records=False)
    pred = make(blank_nlp, GOLD_ENTS, [])
    s = score_docs([(gold, pred)])
    assert (s.values_correct, s.values_total) == (1, 2)  # approx differs on 5万元


def test_texts_must_match(blank_nlp):
    with pytest.raises(ValueError):
        score_docs([(blank_nlp("甲"), blank_nlp("乙"))])
