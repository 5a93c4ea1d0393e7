import json

import spacy

from relief_ner.corpus.transfer import (
    BOSON_MAP,
    MSRA_MAP,
    PD_MAP,
    mask_measures,
    read_char_tags,
    read_cluener,
    read_entity_list,
    to_doc,
    transfer_mix,
)


def test_bmes_tags(tmp_path):
    lines = [
        "中\tB-ORG",
        "国\tM-ORG",
        "银\tM-ORG",
        "行\tE-ORG",
        "在\tO",
        "京\tS-LOC",
        "见\tO",
        "张\tB-PER",
        "三\tE-PER",
        "",
        "上\tB-LOC",
        "海\tE-LOC",
        "",
    ]
    path = tmp_path / "m.bio"
    path.write_text("\n".join(lines), encoding="utf-8")
    examples = list(read_char_tags(path, MSRA_MAP, sep="\t"))
    assert examples == [("中国银行在京见张三", [(0, 4, "ORG"), (5, 6, "LOC")]), ("上海", [(0, 2, "LOC")])]


def test_bio_tags_and_broken_sequences(tmp_path):
    # an I- without B- starts a span; a label change closes the previous one
    lines = ["北 I-LOC", "京 I-LOC", "大 B-ORG", "学 I-ORG", "的 O", "人 I-PER"]
    path = tmp_path / "p.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert list(read_char_tags(path, PD_MAP)) == [("北京大学的人", [(0, 2, "LOC"), (2, 4, "ORG")])]


def test_cluener_inclusive_ends(tmp_path):
    rec = {
        "text": "浙商银行在杭州西湖区",
        "label": {"company": {"浙商银行": [[0, 3]]}, "address": {"杭州西湖区": [[5, 9]]}, "name": {"x": [[0, 0]]}},
    }
    path = tmp_path / "c.json"
    path.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    ((text, spans),) = read_cluener(path)
    assert sorted(spans) == [(0, 4, "ORG"), (5, 10, "LOC")]
    assert [text[s:e] for s, e, _ in sorted(spans)] == ["浙商银行", "杭州西湖区"]


def test_entity_list_and_overlaps(tmp_path):
    rec = {
        "text": "杭州江干区公安分局",
        "entity_list": [
            {"entity_index": {"begin": 0, "end": 5}, "entity_type": "location", "entity": "杭州江干区"},
            {"entity_index": {"begin": 0, "end": 9}, "entity_type": "org_name", "entity": "杭州江干区公安分局"},
            {"entity_index": {"begin": 0, "end": 2}, "entity_type": "time", "entity": "杭州"},
        ],
    }
    path = tmp_path / "b.jsonl"
    path.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    ((text, spans),) = read_entity_list(path, BOSON_MAP)
    assert sorted(spans) == [(0, 5, "LOC"), (0, 9, "ORG")]
    doc = to_doc(spacy.blank("zh"), text, spans)
    # nested mentions are resolved to the longest, as the schema allows no nesting
    assert [(e.text, e.label_) for e in doc.ents] == [("杭州江干区公安分局", "ORG")]


def test_measures_become_missing_not_outside():
    nlp = spacy.blank("zh")
    doc = to_doc(nlp, "北京捐赠5万元给3个村", [(0, 2, "LOC")])
    # the measure finder also proposes a stretch overlapping a gold entity: that one stays
    doc = mask_measures(doc, [(4, 7), (8, 10), (1, 3)])
    iob = [t.ent_iob_ for t in doc]
    assert iob == ["B", "I", "O", "O", "", "", "", "O", "", "", "O"]
    assert [(e.text, e.label_) for e in doc.ents] == [("北京", "LOC")]


def test_transfer_mix_shares_and_filters():
    nlp = spacy.blank("zh")
    with_ent = lambda i: to_doc(nlp, f"上海第{i}次会议在这里召开了很多次", [(0, 2, "LOC")])
    docs = {
        "a": [with_ent(i) for i in range(10)] + [to_doc(nlp, "没有实体的一句很长很长的话啊啊", [])],
        "b": [with_ent(i) for i in range(3)] + [to_doc(nlp, "上海", [(0, 2, "LOC")])],
    }
    sample = transfer_mix(docs, 8, seed=1, find_measures=lambda text: [])
    # 4 per corpus asked; "b" has only 3 usable (one too short), entity-less ones never drawn
    assert len(sample) == 7
    assert all(d.ents for d in sample)
    texts = lambda seed: [d.text for d in transfer_mix(docs, 8, seed, lambda text: [])]
    assert texts(1) == [d.text for d in sample] and texts(1) != texts(2)
