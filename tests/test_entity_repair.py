"""relief_entity_repair: the schema's "a place in front of an organisation belongs to it"."""

import spacy
from spacy.tokens import Span

import relief_ner  # noqa: F401  (registers the factory)
from relief_ner.pipeline.entity_repair import EntityRepair


def doc_with(text, ents):
    nlp = spacy.blank("zh")
    doc = nlp.make_doc(text)
    doc.ents = [doc.char_span(text.index(s), text.index(s) + len(s), label=label) for s, label in ents]
    return doc


def spans(doc):
    return [(e.text, e.label_) for e in doc.ents]


def test_place_ending_in_an_organisation_word_becomes_org():
    doc = doc_with("安康市长兴集团捐赠20万元。", [("安康市长兴集团", "LOC"), ("20万元", "MONEY")])
    assert spans(EntityRepair()(doc)) == [("安康市长兴集团", "ORG"), ("20万元", "MONEY")]


def test_places_that_do_not_end_in_an_organisation_word_stay():
    doc = doc_with("湖南省新田县团兴村获得资助。", [("湖南省新田县团兴村", "LOC")])
    assert spans(EntityRepair()(doc)) == [("湖南省新田县团兴村", "LOC")]
    # a bare level word plus suffix is too short to be sure (`县委` alone is not renamed)
    doc = doc_with("县委召开会议。", [("县委", "LOC")])
    assert spans(EntityRepair()(doc)) == [("县委", "LOC")]


def test_touching_places_in_front_of_an_organisation_merge_into_it():
    doc = doc_with("云南省红河州青基会向湾田村捐赠42盏路灯。",
                   [("云南省", "LOC"), ("红河州", "LOC"), ("青基会", "ORG"), ("湾田村", "LOC"), ("42盏", "COUNT")])
    assert spans(EntityRepair(relabel_org_endings=False)(doc)) == [
        ("云南省红河州青基会", "ORG"), ("湾田村", "LOC"), ("42盏", "COUNT")]


def test_a_place_separated_from_the_organisation_stays_a_place():
    doc = doc_with("在湛河区,某某公司捐资5万元。", [("湛河区", "LOC"), ("某某公司", "ORG"), ("5万元", "MONEY")])
    assert spans(EntityRepair()(doc)) == [("湛河区", "LOC"), ("某某公司", "ORG"), ("5万元", "MONEY")]


def test_repairs_can_be_switched_off_in_the_config():
    nlp = spacy.blank("zh")
    nlp.add_pipe("relief_entity_repair", config={"relabel_org_endings": False, "merge_place_prefix": False})
    doc = nlp.make_doc("舟山市工商联赴万源。")
    doc.ents = [Span(doc, 0, 6, label="LOC")]
    assert spans(nlp.get_pipe("relief_entity_repair")(doc)) == [("舟山市工商联", "LOC")]
    doc.ents = [Span(doc, 0, 6, label="LOC")]
    nlp2 = spacy.blank("zh")
    nlp2.add_pipe("relief_entity_repair")
    assert spans(nlp2.get_pipe("relief_entity_repair")(doc)) == [("舟山市工商联", "ORG")]


def test_gazetteer_features_mark_division_names_and_organisation_endings():
    import numpy as np

    from relief_ner.pipeline.gazetteer_features import N_FEATURES, build_gazetteer_features, char_features

    text = "湖南省新田县和某某有限公司"
    feats = char_features(text)
    assert feats.shape == (len(text), N_FEATURES)
    # 湖南省 is one division match: B, I, E
    assert feats[0, 0] == 1 and feats[1, 1] == 1 and feats[2, 2] == 1
    assert feats[6, :4].sum() == 0  # 和 is in no division name
    base = N_FEATURES - 7
    assert feats[text.index("有限公司"), base] == 1 and feats[len(text) - 1, base + 2] == 1
    nlp = spacy.blank("zh")
    model = build_gazetteer_features(width=8)
    doc = nlp.make_doc(text)
    model.initialize(X=[doc])
    (out,) = model.predict([doc])
    assert out.shape == (len(doc), 8) and np.isfinite(out).all()
