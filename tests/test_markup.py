import pytest

from relief_ner.corpus import CorpusError, parse_gold_record
from relief_ner.corpus.markup import check, from_markup, to_markup
from test_corpus import TEXT, gold_record


def gold():
    return parse_gold_record(gold_record(), "test")


def test_markup_round_trip_is_exact():
    doc = gold()
    markup = to_markup(doc)
    assert "⟦浙江鸿基石化股份有限公司|ORG|2⟧" in markup
    back = from_markup(markup, text=TEXT)
    assert back.text == TEXT
    assert [e.to_json() for e in back.entities] == [e.to_json() for e in doc.entities]
    assert sorted((r.from_id, r.type, r.to_id) for r in back.relations) == sorted(
        (r.from_id, r.type, r.to_id) for r in doc.relations
    )


def test_changed_character_is_reported_with_its_position():
    markup = to_markup(gold()).replace("协调", "协助")
    with pytest.raises(CorpusError, match="differs from the document at character 5"):
        from_markup(markup, text=TEXT, where="x.txt")
    with pytest.raises(CorpusError, match="sha256"):
        from_markup(markup, where="x.txt")


def test_added_span_gets_its_value_from_the_normaliser_or_the_override():
    markup = to_markup(gold()).replace("幼儿园⟦1所|COUNT|5⟧", "幼儿园⟦1所|COUNT|5|3~|座⟧")
    markup = markup.replace("⟦170亩|AREA|6⟧", "170亩").replace("共有耕地170亩", "共有耕地⟦170亩|AREA|9⟧")
    back = from_markup(markup, text=TEXT)
    by_text = {TEXT[e.start : e.end]: e for e in back.entities}
    assert (by_text["1所"].value, by_text["1所"].unit, by_text["1所"].approx) == (3.0, "座", True)
    assert by_text["170亩"].value == pytest.approx(170 * 10000 / 15)


@pytest.mark.parametrize(
    "edit, message",
    [
        (("3 PROVIDER 2", "2 PROVIDER 3"), "from a measure to an ORG/LOC"),
        (("3 PROVIDER 2", "3 GIVES 2"), "HEAD TYPE TAIL"),
        (("3 PROVIDER 2", "3 PROVIDER 42"), "no span numbered 42"),
        (("|LOC|4⟧", "|PLACE|4⟧"), "unknown label 'PLACE'"),
        (("|LOC|4⟧", "|LOC|3⟧"), "used twice"),
        (("⟦330万元|MONEY|3⟧", "⟦330万元|MONEY|3"), "f.txt:5: spans cannot nest"),
    ],
)
def test_malformed_markup_names_the_problem(edit, message):
    markup = to_markup(gold()).replace(*edit)
    with pytest.raises(CorpusError, match=message):
        from_markup(markup, text=TEXT, where="f.txt")


def test_relation_across_sentences_is_refused():
    markup = to_markup(gold()).replace("3 PROVIDER 2", "6 PROVIDER 2")
    with pytest.raises(CorpusError, match="different sentences"):
        from_markup(markup, text=TEXT)


def test_untagged_repeat_is_a_warning():
    text = "阿尔马之村获捐10万元。阿尔马之村修路。"
    doc = parse_gold_record(
        {"id": "d", "text": text, "entities": [{"id": 1, "label": "LOC", "start_offset": 0, "end_offset": 5}]}, "t"
    )
    assert len(check(doc).warnings) == 1


def test_agreement_command_on_markup_folders(tmp_path):
    import json

    from typer.testing import CliRunner

    from relief_ner.commands import app

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    markup = to_markup(gold())
    (a / "doc1.txt").write_text(markup, encoding="utf-8")
    (b / "doc1.txt").write_text(markup.replace("\n3 PROVIDER 2", ""), encoding="utf-8")
    result = CliRunner().invoke(app, ["corpus", "agreement", str(a), str(b), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["documents"] == ["doc1"]
    assert scores["entities"]["micro"]["f"] == 1.0
    assert scores["relations"]["PROVIDER"]["r"] == 0.0 and scores["relations"]["RECIPIENT"]["f"] == 1.0
