"""relief_entity_repair: the schema's "a place in front of an organisation belongs to it"."""

import pytest
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
    doc = doc_with(
        "云南省红河州青基会向湾田村捐赠42盏路灯。",
        [("云南省", "LOC"), ("红河州", "LOC"), ("青基会", "ORG"), ("湾田村", "LOC"), ("42盏", "COUNT")],
    )
    assert spans(EntityRepair(relabel_org_endings=False)(doc)) == [
        ("云南省红河州青基会", "ORG"),
        ("湾田村", "LOC"),
        ("42盏", "COUNT"),
    ]


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


def test_an_organisation_that_runs_past_its_name_ends_at_its_organisation_word():
    text = "州住建局结合城乡环境综合治理有关要求,投入5万元。"
    doc = doc_with(text, [("州住建局结合城乡环境综合治理有关", "ORG"), ("5万元", "MONEY")])
    assert spans(EntityRepair()(doc)) == [("州住建局", "ORG"), ("5万元", "MONEY")]
    doc = doc_with("共青团红河州委、红河州青基会协调社会组织。", [("红河州青基会协", "ORG")])
    assert spans(EntityRepair()(doc)) == [("红河州青基会", "ORG")]


def test_an_organisation_that_is_a_place_followed_by_other_words_becomes_that_place():
    doc = doc_with("云南蒙自市水田乡湾田村创新思路,推进乡村振兴。", [("云南蒙自市水田乡湾田村创新思路", "ORG")])
    assert spans(EntityRepair()(doc)) == [("云南蒙自市水田乡湾田村", "LOC")]
    # a bare county name is a place too
    doc = doc_with("安庆日报:怀宁 党建引领扶贫。", [("怀宁 党建", "ORG")])
    assert spans(EntityRepair()(doc)) == [("怀宁", "LOC")]


def test_punctuation_and_unclosed_quotes_are_cut_off():
    doc = doc_with("舟山市工商联与万源市草坝镇寨坝村、大竹镇营盘村签约。", [("万源市草坝镇寨坝村、", "LOC")])
    assert spans(EntityRepair()(doc)) == [("万源市草坝镇寨坝村", "LOC")]
    doc = doc_with("二十里店镇“闽疆生态文化村”是援疆项目。", [("二十里店镇“闽疆生态文化村", "LOC")])
    assert spans(EntityRepair()(doc)) == [("二十里店镇", "LOC")]
    # an organisation one character short of its closing quote gets it back
    doc = doc_with("白文村村“两委”和驻村工作队商议。", [("白文村村“两委", "ORG")])
    assert spans(EntityRepair()(doc)) == [("白文村村“两委”", "ORG")]


def test_an_organisation_takes_in_its_named_work_team_but_not_a_team_member():
    doc = doc_with("省水文局第一书记工作队整合资金160万元。", [("省水文局", "ORG")])
    assert spans(EntityRepair()(doc)) == [("省水文局第一书记工作队", "ORG")]
    doc = doc_with("广西中烟柳州卷烟厂驻村工作队员李明说。", [("广西中烟柳州卷烟厂", "ORG")])
    assert spans(EntityRepair()(doc)) == [("广西中烟柳州卷烟厂", "ORG")]


def test_a_place_directly_followed_by_an_organisation_word_is_that_organisation():
    doc = doc_with("奉贤区代表处先后支出1010万元。", [("奉贤区", "LOC"), ("1010万元", "MONEY")])
    assert spans(EntityRepair()(doc)) == [("奉贤区代表处", "ORG"), ("1010万元", "MONEY")]
    # a facility after the place is not an organisation word
    doc = doc_with("潘庄村党群服务中心前。", [("潘庄村", "LOC")])
    assert spans(EntityRepair()(doc)) == [("潘庄村", "LOC")]


def test_a_verb_in_front_of_a_name_is_cut_off():
    doc = doc_with("会议讨论通过:组织团结村31户参与。", [("组织团结村", "ORG")])
    assert spans(EntityRepair()(doc)) == [("团结村", "LOC")]
    doc = doc_with("配合县委将资金投入。", [("配合县委", "ORG")])
    assert spans(EntityRepair()(doc)) == [("县委", "ORG")]


def test_an_organisation_takes_in_its_department_but_not_a_position():
    doc = doc_with("扶沟县委统战部长说。", [("扶沟县委", "ORG")])
    assert spans(EntityRepair()(doc)) == [("扶沟县委统战部", "ORG")]
    doc = doc_with("州住建局党组书记表示。", [("州住建局", "ORG")])
    assert spans(EntityRepair()(doc)) == [("州住建局", "ORG")]


def test_a_place_that_runs_on_by_a_character_or_into_its_villagers_is_cut_back():
    doc = doc_with("交城县野则河村位于山区。", [("交城县野则河村位", "ORG")])
    assert spans(EntityRepair()(doc)) == [("交城县野则河村", "LOC")]
    doc = doc_with("许久没回家的云南省蒙自市水田乡湾田村村民李平。", [("云南省蒙自市水田乡湾田村村民", "ORG")])
    assert spans(EntityRepair()(doc)) == [("云南省蒙自市水田乡湾田村", "LOC")]


def test_a_place_that_lost_its_first_character_gets_it_back_from_the_gazetteer():
    doc = doc_with("主要目的是巩固阿尔马之村花椒产业。", [("尔马之村", "LOC")])
    assert spans(EntityRepair()(doc)) == [("阿尔马之村", "LOC")]
    # not from a neighbouring entity
    doc = doc_with("巩固阿尔马之村花椒产业。", [("巩固阿", "ORG"), ("尔马之村", "LOC")])
    assert spans(EntityRepair()(doc)) == [("巩固阿", "ORG"), ("尔马之村", "LOC")]


def test_a_branch_written_after_its_parent_is_one_organisation():
    doc = doc_with("中化化肥有限公司海南分公司负责人表示。", [("中化化肥有限公司", "ORG"), ("海南分公司", "ORG")])
    assert spans(EntityRepair()(doc)) == [("中化化肥有限公司海南分公司", "ORG")]
    # two organisations side by side stay two (`绛县县委县政府`)
    doc = doc_with("绛县县委县政府高度重视。", [("绛县县委", "ORG"), ("县政府", "ORG")])
    assert spans(EntityRepair()(doc)) == [("绛县县委", "ORG"), ("县政府", "ORG")]


def test_a_measure_takes_the_label_its_unit_gives():
    doc = doc_with("直接受益人数达8.9万人,投入5万元。", [("8.9万人", "MONEY"), ("5万元", "COUNT")])
    assert spans(EntityRepair()(doc)) == [("8.9万人", "COUNT"), ("5万元", "MONEY")]
    # colloquial money stays money; what the normaliser cannot read keeps the NER's label
    doc = doc_with("每天有3块钱,建了一处。", [("3块", "MONEY"), ("一处", "COUNT")])
    assert spans(EntityRepair()(doc)) == [("3块", "MONEY"), ("一处", "COUNT")]


def test_a_name_that_runs_on_into_the_word_society_is_cut():
    doc = doc_with("红河州青基会协调社会公益组织捐赠。", [("红河州青基会协调社会", "ORG")])
    assert spans(EntityRepair()(doc)) == [("红河州青基会", "ORG")]


def test_a_quoted_facility_is_cut_from_the_place_before_it():
    doc = doc_with("2018年来,湖南省新田县“扶贫车间”吸纳就业。", [("湖南省新田县“扶贫车间", "ORG")])
    assert spans(EntityRepair()(doc)) == [("湖南省新田县", "LOC")]


def test_a_works_name_ending_in_a_level_character_is_no_place():
    doc = doc_with("安康水电厂驻村工作人员走访。", [("安康水电厂驻村", "ORG")])
    assert spans(EntityRepair()(doc)) == [("安康水电厂驻村", "ORG")]


@pytest.mark.parametrize(
    "name,label",
    [
        # names from the schema's examples: spans the repair must leave as they are
        ("省交通运输厅党组", "ORG"),
        ("明东村党支部", "ORG"),
        ("浙江鸿基石化股份有限公司", "ORG"),
        ("省农信社第一书记工作队", "ORG"),
        ("大口村委会", "ORG"),
        ("绥宁县红岩镇盐井学校", "ORG"),
        ("中山市小榄镇组团驻潮安区金石镇帮扶工作队", "ORG"),
        ("省千佛山医院", "ORG"),
        ("绥宁一中", "ORG"),
        ("重庆市慈善总会", "ORG"),
        ("中国日报网", "ORG"),
        ("海南省总", "ORG"),
        ("新疆宜化", "ORG"),
        ("双河村“两委”", "ORG"),
        ("龙井市智新镇明东村", "LOC"),
        ("布拖县拉果乡拉果村", "LOC"),
        ("泗水", "LOC"),
    ],
)
def test_well_formed_names_are_left_alone(name, label):
    doc = doc_with(f"据悉,{name}捐赠了5万元。", [(name, label)])
    assert spans(EntityRepair()(doc)) == [(name, label)]


def test_entities_without_a_chinese_character_are_dropped():
    text = "Hello. TCL集团 donated 5 million yuan, 为该村捐赠30万元。"
    doc = doc_with(text, [("Hello", "LOC"), ("TCL集团", "ORG"), ("5 million y", "MONEY"), ("30万元", "MONEY")])
    assert spans(EntityRepair()(doc)) == [("TCL集团", "ORG"), ("30万元", "MONEY")]
    doc = doc_with(text, [("Hello", "LOC")])
    assert spans(EntityRepair(require_cjk=False)(doc)) == [("Hello", "LOC")]


def test_only_organisations_and_places_are_touched():
    doc = doc_with("捐赠5万元,帮助120户。", [("5万元", "MONEY"), ("120户", "COUNT")])
    assert spans(EntityRepair()(doc)) == [("5万元", "MONEY"), ("120户", "COUNT")]
