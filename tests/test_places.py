"""Place resolution (`relief_place_resolver`, `span._.place`): names decided by the report
around them, chains, datelines, organisations, non-divisions, short forms, and what the
records and outputs carry. The sentences are written for these tests."""

import pytest
import spacy
from spacy.tokens import Doc, DocBin

import relief_ner
from relief_ner.batch.engine import DocResult, process
from relief_ner.batch.readers import InputDoc
from relief_ner.batch.writers import RECORD_COLUMNS, record_rows
from relief_ner.extensions import Place
from relief_ner.output import doc_results, results_to_json
from relief_ner.records import shared_region

PINGHE = "350628000000"  # 平和县, Fujian
PINGHE_XINJIAN = "350628201212"  # 新建村 of 国强乡, 平和县 (one of some 300 新建村)


@pytest.fixture(scope="module")
def nlp():
    """A blank pipeline with the resolver: the tests choose the spans."""
    pipeline = spacy.blank("zh")
    pipeline.add_pipe("relief_place_resolver")
    return pipeline


def resolve(nlp, text, *spans):
    """`spans`: (mention, label) in text order, each found after the previous one."""
    doc = nlp.make_doc(text)
    ents, start = [], 0
    for mention, label in spans:
        start = text.index(mention, start)
        ents.append(doc.char_span(start, start + len(mention), label=label))
        start += len(mention)
    doc.ents = ents
    return nlp(doc)


def places(doc):
    return [(e.text, e._.place.code if e._.place else None, e._.place_kind) for e in doc.ents]


def test_a_village_is_the_one_in_the_county_named_before(nlp):
    doc = resolve(nlp, "福建省平和县开展结对帮扶。新建村修建了道路。", ("平和县", "LOC"), ("新建村", "LOC"))
    village = doc.ents[1]._.place
    assert village.code == PINGHE_XINJIAN and village.level == "village"
    assert (village.province, village.city, village.county, village.town) == ("福建省", "漳州市", "平和县", "国强乡")
    assert village.n_candidates > 100 and village.confidence > 0.9
    # without the county the name says nothing: a low confidence and other candidates
    alone = resolve(nlp, "新建村修建了道路。", ("新建村", "LOC")).ents[0]._.place
    assert alone.confidence < 0.05 and len(alone.candidates) == 5


def test_the_same_name_in_two_reports(nlp):
    beijing = resolve(nlp, "北京市海淀区和朝阳区的企业都来了。", ("北京市海淀区", "LOC"), ("朝阳区", "LOC"))
    changchun = resolve(nlp, "吉林省长春市的朝阳区。", ("吉林省长春市", "LOC"), ("朝阳区", "LOC"))
    assert beijing.ents[1]._.place.code == "110105000000"
    assert changchun.ents[1]._.place.code == "220104000000"
    # a municipality's district: its city is the municipality
    assert beijing.ents[1]._.place.city == "北京市"


def test_a_chain_names_its_last_division(nlp):
    doc = resolve(nlp, "云南省普洱市景东彝族自治县太忠镇王家村", ("云南省普洱市景东彝族自治县太忠镇王家村", "LOC"))
    place = doc.ents[0]._.place
    assert (place.code, place.level, place.name) == ("530823107212", "village", "王家村")
    assert place.county == "景东彝族自治县" and place.town == "太忠镇"
    assert place.n_candidates == 1 and place.confidence == 1.0
    # coordinates are known down to counties only
    assert place.longitude is None
    county = resolve(nlp, "景东彝族自治县", ("景东彝族自治县", "LOC")).ents[0]._.place
    assert 100 < county.longitude < 101.5 and 23.5 < county.latitude < 25


def test_short_forms_and_partial_chains(nlp):
    doc = resolve(
        nlp,
        "广西和浙，青川、文县，潮南陇田，浙江安吉黄杜村",
        ("广西", "LOC"),
        ("浙", "LOC"),
        ("青川", "LOC"),
        ("文县", "LOC"),
        ("潮南陇田", "LOC"),
        ("浙江安吉黄杜村", "LOC"),
    )
    assert [code for _, code, _ in places(doc)] == [
        "450000000000",
        "330000000000",
        "510822000000",
        "621222000000",
        "440514112000",
        "330523201202",
    ]
    assert doc.ents[0]._.place.level == "province" and doc.ents[0]._.place.name == "广西壮族自治区"


def test_the_dateline_decides(nlp):
    # 城关区 is a district of 兰州 and of 拉萨
    dated = resolve(nlp, "中新网兰州5月2日电 城关区的干部来到村里。", ("城关区", "LOC"))
    assert dated.ents[0]._.place.code == "620102000000"
    undated = resolve(nlp, "城关区的干部来到村里。", ("城关区", "LOC"))
    assert undated.ents[0]._.place.confidence < 0.6


def test_organisations_named_after_places(nlp):
    doc = resolve(
        nlp,
        "平和县供电公司为新建村捐款，中国农业银行兴义分行和浙江省农业农村厅也来了，县委组织部牵头。",
        ("平和县供电公司", "ORG"),
        ("新建村", "LOC"),
        ("中国农业银行兴义分行", "ORG"),
        ("浙江省农业农村厅", "ORG"),
        ("县委组织部", "ORG"),
    )
    assert [code for _, code, _ in places(doc)] == [PINGHE, PINGHE_XINJIAN, "522301000000", "330000000000", None]
    assert doc.ents[0]._.place.matched == "平和县"
    # an organisation without a place is not resolved at all
    assert doc.ents[4]._.place_kind is None


def test_a_place_inside_an_organisation_is_context(nlp):
    doc = resolve(
        nlp,
        "中山火炬开发区驻冷坑镇团结村工作队来到团结村。",
        ("中山火炬开发区驻冷坑镇团结村工作队", "ORG"),
        ("团结村", "LOC"),
    )
    assert doc.ents[1]._.place.county == "怀集县" and doc.ents[1]._.place.town == "冷坑镇"


def test_names_that_lie_together_decide_each_other(nlp):
    # each is dozens of villages; the three lie together in one town only
    doc = resolve(nlp, "镇东村、城南村和海东村", ("镇东村", "LOC"), ("城南村", "LOC"), ("海东村", "LOC"))
    towns = {(e._.place.county, e._.place.town) for e in doc.ents}
    assert towns == {("瑞安市", "塘下镇")}


def test_what_is_no_division(nlp):
    doc = resolve(
        nlp,
        "老挝、粤港澳大湾区、苏北、粤桂协作、金沙江、河湾水库和中国",
        ("老挝", "LOC"),
        ("粤港澳大湾区", "LOC"),
        ("苏北", "LOC"),
        ("粤桂", "LOC"),
        ("金沙江", "LOC"),
        ("河湾水库", "LOC"),
        ("中国", "LOC"),
    )
    assert places(doc) == [
        ("老挝", None, "foreign"),
        ("粤港澳大湾区", None, "region"),
        ("苏北", None, "region"),
        ("粤桂", None, "region"),
        ("金沙江", None, "nature"),
        ("河湾水库", None, "nature"),
        ("中国", None, "country"),
    ]
    # a fused name keeps its provinces
    assert doc.user_data["relief_ner.places"][f"{doc.ents[3].start_char}:{doc.ents[3].end_char}"]["parts"] == [
        "440000000000",
        "450000000000",
    ]


def test_a_province_unless_the_report_says_otherwise(nlp):
    assert resolve(nlp, "吉林的企业", ("吉林", "LOC")).ents[0]._.place.level == "province"
    assert resolve(nlp, "承德的企业", ("承德", "LOC")).ents[0]._.place.code == "130800000000"  # the city


def test_a_character_among_the_reports_places(nlp):
    doc = resolve(nlp, "汕头市的企业和汕的企业", ("汕头市", "LOC"), ("汕", "LOC"))
    assert doc.ents[1]._.place.code == doc.ents[0]._.place.code == "440500000000"


def test_empty_and_unknown(nlp):
    assert resolve(nlp, "").user_data["relief_ner.places"] == {}
    doc = resolve(nlp, "在某某地方", ("某某地方", "LOC"))
    assert doc.ents[0]._.place is None and doc.ents[0]._.place_kind == "other"


def test_places_survive_docbin_and_bytes(nlp):
    doc = resolve(nlp, "福建省平和县的新建村", ("福建省平和县", "LOC"), ("新建村", "LOC"))
    restored = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert restored.ents[1]._.place == doc.ents[1]._.place
    db = DocBin(store_user_data=True)
    db.add(doc)
    (again,) = DocBin().from_bytes(db.to_bytes()).get_docs(nlp.vocab)
    assert isinstance(again.ents[1]._.place, Place) and again.ents[1]._.place.code == PINGHE_XINJIAN


def test_without_context_the_text_alone_decides():
    pipeline = spacy.blank("zh")
    pipeline.add_pipe("relief_place_resolver", config={"context": False})
    doc = resolve(pipeline, "福建省平和县开展结对帮扶。新建村修建了道路。", ("平和县", "LOC"), ("新建村", "LOC"))
    assert doc.ents[0]._.place.code == PINGHE
    assert doc.ents[1]._.place.code != PINGHE_XINJIAN


# ------------------------------------------------------------- records and outputs

TEXT = "浙江鸿基石化股份有限公司投资330万元为平和县国强乡新建村修建幼儿园1所。"


def test_records_carry_places_and_regions(rules_nlp):
    doc = rules_nlp(TEXT)
    (record,) = doc._.records
    d = record.to_dict()
    (provider,), (recipient,) = d["providers"], d["recipients"]
    assert provider["place"] == {
        "code": "330000000000",
        "level": "province",
        "name": "浙江省",
        "province": "浙江省",
        "city": None,
        "county": None,
        "town": None,
    }
    assert recipient["place"]["code"] == PINGHE_XINJIAN
    assert d["provider_region"] == {"code": "330000000000", "level": "province", "name": "浙江省"}
    assert d["recipient_region"] == {"code": PINGHE_XINJIAN, "level": "village", "name": "新建村"}
    # the JSON of `relief-ner extract`: entities carry their place too
    results = doc_results(doc)
    org = next(e for e in results["entities"] if e["label"] == "ORG")
    assert org["place"]["code"] == "330000000000" and org["place"]["matched"] == "浙江"
    # and the record table its columns
    (row,) = record_rows(DocResult("d1", results_to_json("d1", results), TEXT))
    assert set(row) == set(RECORD_COLUMNS)
    assert (
        row["recipient_places"],
        row["recipient_region"],
        row["recipient_region_code"],
        row["recipient_region_level"],
    ) == (PINGHE_XINJIAN, "新建村", PINGHE_XINJIAN, "village")
    assert row["provider_region"] == "浙江省" and row["provider_region_level"] == "province"


def test_the_finest_region_shared():
    village = {
        "code": PINGHE_XINJIAN,
        "level": "village",
        "name": "新建村",
        "province": "福建省",
        "city": "漳州市",
        "county": "平和县",
        "town": "国强乡",
    }
    town = {
        "code": "350628100000",
        "level": "town",
        "name": "小溪镇",
        "province": "福建省",
        "city": "漳州市",
        "county": "平和县",
        "town": "小溪镇",
    }
    other_province = {
        "code": "330000000000",
        "level": "province",
        "name": "浙江省",
        "province": "浙江省",
        "city": None,
        "county": None,
        "town": None,
    }
    chaoyang = {
        "code": "110105000000",
        "level": "county",
        "name": "朝阳区",
        "province": "北京市",
        "city": "北京市",
        "county": "朝阳区",
        "town": None,
    }
    haidian = dict(chaoyang, code="110108000000", name="海淀区", county="海淀区")
    assert shared_region([village, town]) == {"code": PINGHE, "level": "county", "name": "平和县"}
    assert shared_region([village, None]) == {"code": PINGHE_XINJIAN, "level": "village", "name": "新建村"}
    assert shared_region([village, other_province]) is None
    assert shared_region([None]) is None
    # a municipality's districts share the municipality, a province
    assert shared_region([chaoyang, haidian]) == {"code": "110000000000", "level": "province", "name": "北京市"}


def test_a_long_document_is_resolved_as_a_whole(rules_nlp):
    # the county is in the first window, the village in the last: the merged result reads
    # the village as the whole document does
    filler = "当地干部群众对此表示衷心感谢。" * 30
    text = "福建省平和县开展结对帮扶。" + filler + "浙江某某集团投资30万元为新建村修建道路。"
    (whole,) = process(rules_nlp, [InputDoc("d", text)], window=None)
    (windowed,) = process(rules_nlp, [InputDoc("d", text)], window=200)
    village = next(e for e in windowed.record["entities"] if e["text"] == "新建村")
    assert village["place"]["code"] == PINGHE_XINJIAN
    assert windowed.record == whole.record


def test_the_component_switched_off(rules_nlp):
    off = relief_ner.load("rules", exclude=["relief_place_resolver"])
    assert "relief_place_resolver" in rules_nlp.pipe_names and "relief_place_resolver" not in off.pipe_names
    doc = off(TEXT)
    assert all(e._.place is None and e._.place_kind is None for e in doc.ents)
    d = doc._.records[0].to_dict()
    assert "place" not in d["recipients"][0] and d["recipient_region"] is None
    with rules_nlp.select_pipes(disable=["relief_place_resolver"]):
        assert rules_nlp(TEXT)._.records[0].to_dict()["provider_region"] is None
