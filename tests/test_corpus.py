import json

import pytest

from relief_ner.corpus import (
    CorpusError,
    TextStore,
    doc_to_gold,
    gold_to_doc,
    read_any,
    read_docbin,
    read_gold,
    read_standoff,
    renumber,
    text_sha256,
    write_docbin,
    write_jsonl,
)

TEXT = "州住建局协调浙江鸿基石化股份有限公司投资330万元为阿尔马之村修建幼儿园1所。\n全村共有耕地170亩。"


def gold_record(**overrides):
    rec = {
        "id": "doc1",
        "text": TEXT,
        "entities": [
            {"id": 1, "label": "ORG", "start_offset": 0, "end_offset": 4},
            {"id": 2, "label": "ORG", "start_offset": 6, "end_offset": 18},
            {
                "id": 3,
                "label": "MONEY",
                "start_offset": 20,
                "end_offset": 25,
                "value": 3300000.0,
                "unit": "CNY",
                "approx": False,
            },
            {"id": 4, "label": "LOC", "start_offset": 26, "end_offset": 31},
            {
                "id": 5,
                "label": "COUNT",
                "start_offset": 36,
                "end_offset": 38,
                "value": 1.0,
                "unit": "所",
                "approx": False,
            },
            {
                "id": 6,
                "label": "AREA",
                "start_offset": 46,
                "end_offset": 50,
                "value": 170 * 10000 / 15,
                "unit": "m2",
                "approx": False,
            },
        ],
        "relations": [
            {"id": 1, "from_id": 3, "to_id": 2, "type": "PROVIDER"},
            {"id": 2, "from_id": 3, "to_id": 4, "type": "RECIPIENT"},
            {"id": 3, "from_id": 5, "to_id": 4, "type": "RECIPIENT"},
        ],
    }
    rec.update(overrides)
    return rec


def write_lines(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_offsets_of_fixture_are_right():
    assert TEXT[6:18] == "浙江鸿基石化股份有限公司" and TEXT[46:50] == "170亩"


def test_gold_roundtrip_through_docbin(tmp_path, blank_nlp):
    src = write_lines(tmp_path / "gold.jsonl", [gold_record()])
    golds = list(read_gold(src))
    docs = [gold_to_doc(blank_nlp, g) for g in golds]
    write_docbin(docs, tmp_path / "gold.spacy")
    back = [doc_to_gold(d) for d in read_docbin(blank_nlp, tmp_path / "gold.spacy")]
    write_jsonl([renumber(g) for g in back], tmp_path / "again.jsonl")
    write_jsonl([renumber(g) for g in golds], tmp_path / "first.jsonl")
    assert (tmp_path / "again.jsonl").read_bytes() == (tmp_path / "first.jsonl").read_bytes()
    again = json.loads((tmp_path / "again.jsonl").read_text(encoding="utf-8"))
    assert again["entities"][5]["value"] == pytest.approx(170 * 10000 / 15)
    assert {(r["from_id"], r["to_id"], r["type"]) for r in again["relations"]} == {
        (3, 2, "PROVIDER"),
        (3, 4, "RECIPIENT"),
        (5, 4, "RECIPIENT"),
    }


def test_gold_values_survive_even_if_normaliser_differs(tmp_path, blank_nlp):
    rec = gold_record()
    rec["entities"][2]["approx"] = True  # an annotator's judgement the normaliser would not make
    doc = gold_to_doc(blank_nlp, next(read_gold(write_lines(tmp_path / "g.jsonl", [rec]))))
    assert doc.ents[2]._.quantity.approx is True


def test_standoff_join_and_hash(tmp_path):
    texts = tmp_path / "texts"
    (texts / "news").mkdir(parents=True)
    (texts / "news" / "doc1.txt").write_text("# source: http://example.org/1\n" + TEXT, encoding="utf-8")
    standoff = gold_record()
    del standoff["text"]
    standoff["sha256"] = text_sha256(TEXT)
    path = write_lines(tmp_path / "so.jsonl", [standoff])
    (doc,) = read_standoff(path, TextStore(texts))
    assert doc.text == TEXT and len(doc.relations) == 3
    # writing stand-off never writes the text
    write_jsonl([doc], tmp_path / "out.jsonl", standoff=True)
    assert "浙江" not in (tmp_path / "out.jsonl").read_text(encoding="utf-8")
    (texts / "news" / "doc1.txt").write_text("# source: x\n" + TEXT + "改", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"so.jsonl:1: .*sha256"):
        list(read_standoff(path, TextStore(texts)))


def test_standoff_missing_text(tmp_path):
    standoff = {"id": "nope", "sha256": "0", "entities": [], "relations": []}
    path = write_lines(tmp_path / "so.jsonl", [standoff])
    with pytest.raises(CorpusError, match=r"so.jsonl:1: no text for document 'nope'"):
        list(read_standoff(path, TextStore(tmp_path)))


def test_read_any_needs_texts_for_standoff(tmp_path):
    path = write_lines(tmp_path / "so.jsonl", [{"id": "a", "sha256": "0"}])
    with pytest.raises(CorpusError, match="text directory"):
        list(read_any(path))


@pytest.mark.parametrize(
    "mutate,message",
    [
        (lambda r: r["entities"][0].update(label="PER"), "unknown label 'PER'"),
        (lambda r: r["entities"][0].update(end_offset=999), "do not fit the text"),
        (lambda r: r["entities"][0].update(start_offset=3, end_offset=7), "overlap"),
        (lambda r: r["entities"][2].update(value="many"), "value/unit/approx"),
        (lambda r: r["relations"][0].update(type="DONOR"), "unknown type 'DONOR'"),
        (lambda r: r["relations"][0].update(from_id=2), "from a measure to an ORG/LOC"),
        (lambda r: r["relations"][0].update(to_id=99), "missing entity"),
        (
            lambda r: r["relations"].append({"id": 9, "from_id": 6, "to_id": 4, "type": "RECIPIENT"}),
            "different sentences",
        ),
        (
            lambda r: r["entities"].append({"id": 1, "label": "LOC", "start_offset": 40, "end_offset": 42}),
            "duplicate entity id 1",
        ),
        (lambda r: r["entities"].append({"id": 7, "label": "LOC", "start_offset": 38, "end_offset": 40}), "whitespace"),
    ],
)
def test_validation_errors_name_file_and_line(tmp_path, mutate, message):
    good = gold_record()
    bad = gold_record()
    mutate(bad)
    path = write_lines(tmp_path / "bad.jsonl", [good, bad])
    with pytest.raises(CorpusError) as info:
        list(read_gold(path))
    assert f"{path}:2:" in str(info.value)
    assert message in str(info.value)


def test_broken_json_names_line(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text(json.dumps(gold_record(), ensure_ascii=False) + '\n\n{"id": 1,,}\n', encoding="utf-8")
    with pytest.raises(CorpusError, match=r"broken.jsonl:3: broken JSON"):
        list(read_gold(path))


def test_offsets_that_split_a_token_are_reported(tmp_path):
    # The Chinese pipeline tokenises per character, so misalignment needs a word tokenizer
    # (a pipeline trained with another tokenizer is allowed by the loader).
    import spacy

    text = "Acme donated 50000元 to Hope village."
    rec = {
        "id": "x",
        "text": text,
        "entities": [
            {
                "id": 1,
                "label": "MONEY",
                "start_offset": 15,
                "end_offset": 19,
                "value": 0.0,
                "unit": "CNY",
                "approx": False,
            }
        ],
        "relations": [],
    }
    (gold,) = read_gold(write_lines(tmp_path / "g.jsonl", [rec]))
    with pytest.raises(CorpusError, match=r"x: entity 1 \(15-19\) does not align"):
        gold_to_doc(spacy.blank("en"), gold)
