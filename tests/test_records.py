from relief_ner.extensions import Relation
from relief_ner.pipeline.record_builder import build_records
from relief_ner.schema import sentence_bounds


def doc_with(nlp, text, ents):
    doc = nlp.make_doc(text)
    doc.ents = [doc.char_span(text.index(t), text.index(t) + len(t), label=l) for t, l in ents]
    return doc


def test_grouping_by_same_parties(blank_nlp):
    text = "甲公司和乙公司捐款5万元、物资3批给丙村,另给丁村8万元。"
    doc = doc_with(
        blank_nlp,
        text,
        [
            ("甲公司", "ORG"),
            ("乙公司", "ORG"),
            ("5万元", "MONEY"),
            ("3批", "COUNT"),
            ("丙村", "LOC"),
            ("丁村", "LOC"),
            ("8万元", "MONEY"),
        ],
    )
    e = {x.text: x for x in doc.ents}
    rels = [
        Relation(e["5万元"], e["甲公司"], "PROVIDER"),
        Relation(e["5万元"], e["乙公司"], "PROVIDER"),
        Relation(e["5万元"], e["丙村"], "RECIPIENT"),
        Relation(e["3批"], e["甲公司"], "PROVIDER"),
        Relation(e["3批"], e["乙公司"], "PROVIDER"),
        Relation(e["3批"], e["丙村"], "RECIPIENT"),
        Relation(e["8万元"], e["丁村"], "RECIPIENT"),
    ]
    records = [r.to_dict() for r in build_records(doc, rels)]
    assert len(records) == 2
    first, second = records
    assert [p["text"] for p in first["providers"]] == ["甲公司", "乙公司"]
    assert [m["text"] for m in first["money"]] == ["5万元"] and [c["text"] for c in first["counts"]] == ["3批"]
    assert second["providers"] == [] and [r["text"] for r in second["recipients"]] == ["丁村"]
    assert second["money"][0]["value"] == 80000.0


def test_same_parties_in_two_sentences_make_two_records(blank_nlp):
    text = "甲公司捐款5万元给丙村。甲公司捐款6万元给丙村。"
    doc = blank_nlp.make_doc(text)
    spans = [
        doc.char_span(0, 3, "ORG"),
        doc.char_span(5, 8, "MONEY"),
        doc.char_span(9, 11, "LOC"),
        doc.char_span(12, 15, "ORG"),
        doc.char_span(17, 20, "MONEY"),
        doc.char_span(21, 23, "LOC"),
    ]
    doc.ents = spans
    rels = [Relation(spans[1], spans[0], "PROVIDER"), Relation(spans[4], spans[3], "PROVIDER")]
    records = build_records(doc, rels)
    assert [r.sentence for r in records] == [{"start": 0, "end": 12}, {"start": 12, "end": 24}]


def test_sentence_bounds_follow_schema():
    text = "  第一句。第二句；还是第二句！\n第三句\n\n"
    assert [text[s:e] for s, e in sentence_bounds(text)] == ["第一句。", "第二句；还是第二句！", "第三句"]
