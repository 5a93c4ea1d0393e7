"""The rules baseline on the project's own sentences (not copies of the reports)."""

import pytest

import relief_ner


def ents(doc):
    return [(e.text, e.label_) for e in doc.ents]


def test_load_names():
    assert relief_ner.load("rules").pipe_names[-1] == "relief_record_builder"
    with pytest.raises(OSError, match="no pipeline named 'nonsense'"):
        relief_ner.load("nonsense")


def test_load_dir_without_config(tmp_path):
    with pytest.raises(OSError, match="not a saved spaCy pipeline"):
        relief_ner.load(tmp_path)


def test_measures(rules_nlp):
    doc = rules_nlp("县里拿出3万余元和160余亩土地,帮扶120户贫困户,时间是2021年3月,增长59.3%。")
    assert ents(doc) == [("3万余元", "MONEY"), ("160余亩", "AREA"), ("120户", "COUNT")]
    money = doc.ents[0]._.quantity
    assert (money.value, money.unit, money.approx) == (30000.0, "CNY", True)


def test_measure_context_and_set_phrases(rules_nlp):
    doc = rules_nlp("实现两不愁三保障,驻村7个月,第3个项目,捐款约5万元以上,一条路子。")
    assert ents(doc) == [("5万元", "MONEY")]
    assert doc.ents[0]._.quantity.approx is True


def test_orgs_and_places(rules_nlp):
    doc = rules_nlp("四川省凉山州布拖县拉果乡拉果村获得成都银行捐赠的50万元。")
    assert ("四川省凉山州布拖县拉果乡拉果村", "LOC") in ents(doc) or ("四川省", "LOC") in ents(doc)
    assert ("成都银行", "ORG") in ents(doc)
    # the place inside the organisation's name is not a separate LOC
    assert ("成都", "LOC") not in ents(doc)


def test_generic_org_nouns_not_tagged(rules_nlp):
    doc = rules_nlp("驻村工作队和合作社一起干,该公司也来了。")
    assert [e for e in ents(doc) if e[1] == "ORG"] == []


def test_relations_and_records(rules_nlp):
    text = "州住建局协调浙江鸿基石化股份有限公司投资330万元为阿尔马之村修建幼儿园1所。"
    doc = rules_nlp(text)
    rels = {(r.head.text, r.label, r.tail.text) for r in doc._.relations}
    assert ("330万元", "PROVIDER", "浙江鸿基石化股份有限公司") in rels
    assert not any(t == "州住建局" for _, _, t in rels)  # coordinating is not giving
    (record,) = doc._.records
    d = record.to_dict()
    assert set(d) == {
        "providers",
        "recipients",
        "money",
        "counts",
        "areas",
        "purpose",
        "sentence",
        "provider_region",
        "recipient_region",
    }
    assert d["money"][0]["value"] == 3300000.0
    assert text[d["money"][0]["start"] : d["money"][0]["end"]] == "330万元"
    assert d["sentence"] == {"start": 0, "end": len(text)}


def test_outcomes_are_not_linked(rules_nlp):
    doc = rules_nlp("在某某公司帮扶下,明东村年产值330万元,全村共有耕地170亩。")
    assert doc._.relations == []
    assert doc._.records == []


def test_empty_and_non_chinese(rules_nlp):
    assert list(rules_nlp("").ents) == []
    doc = rules_nlp("The quick brown fox. 1234")
    assert doc._.records == []


def test_pipe_matches_call(rules_nlp):
    texts = ["甲公司捐款5万元给乙村。", "", "丙集团向丁村捐赠20户。" * 3]
    piped = [ents(d) for d in rules_nlp.pipe(texts, batch_size=2)]
    assert piped == [ents(rules_nlp(t)) for t in texts]


def test_results_survive_serialisation(rules_nlp):
    from spacy.tokens import Doc

    doc = rules_nlp("浙江某某集团投资30万元为明东村修建道路。")
    clone = Doc(rules_nlp.vocab).from_bytes(doc.to_bytes())
    assert [r.to_dict() for r in clone._.records] == [r.to_dict() for r in doc._.records]
    assert [r.to_dict() for r in clone._.relations] == [r.to_dict() for r in doc._.relations]


def test_sentence_starts_follow_the_schemas_sentence_rule(blank_nlp):
    from relief_ner.pipeline.sentences import set_sentence_starts
    from relief_ner.schema import sentence_bounds

    text = "县财政投入500万元；用于修建道路3条。某某公司捐赠30万元！\n新田县获得资助?  最后一句没有句号"
    doc = set_sentence_starts(blank_nlp.make_doc(text))
    got = [s.text.strip() for s in doc.sents if s.text.strip()]
    assert got == [text[a:b] for a, b in sentence_bounds(text)]
    assert len(got) == 4  # the semicolon does not end a sentence
    assert list(set_sentence_starts(blank_nlp.make_doc("")).sents) == []
