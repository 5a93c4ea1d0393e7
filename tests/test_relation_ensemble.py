"""Joining the encoder-based relation head and the lexical model; decoding one party per side."""

import numpy as np
import pytest
import spacy
from spacy.training import Example
from thinc.api import Config

import relief_ner  # noqa: F401
from relief_ner.corpus import gold_to_doc
from relief_ner.extensions import Relation
from relief_ner.pipeline.relation_extractor import keep_best_and_coordinated
from relief_ner.pipeline.relation_ensemble import EnsembleError, combine_relation_models
from test_training import WIDE_CFG, synthetic_gold


def trained(model_cfg=None, steps=8):
    nlp = spacy.blank("zh")
    config = {} if model_cfg is None else {"model": Config().from_str(model_cfg)["model"]}
    nlp.add_pipe("relief_relation_extractor", config=config)
    golds = synthetic_gold(12)
    examples = [Example(nlp.make_doc(g.text), gold_to_doc(nlp, g)) for g in golds]
    sgd = nlp.initialize(lambda: examples)
    for _ in range(steps):
        nlp.update(examples, sgd=sgd)
    return nlp


def test_combined_model_is_the_mean_of_both_and_survives_saving(tmp_path):
    deep_nlp, wide_nlp = trained(), trained(WIDE_CFG)
    docs = [gold_to_doc(deep_nlp, g) for g in synthetic_gold(4, seed=3)]
    deep = deep_nlp.get_pipe("relief_relation_extractor").model.predict(docs)
    wide = wide_nlp.get_pipe("relief_relation_extractor").model.predict(docs)
    assert not np.allclose(deep, wide)
    combined = combine_relation_models(wide_nlp, deep_nlp)
    rel = combined.get_pipe("relief_relation_extractor")
    assert np.allclose(rel.model.predict(docs), (deep + wide) / 2, atol=1e-6)
    combined.to_disk(tmp_path / "c")
    again = spacy.load(tmp_path / "c").get_pipe("relief_relation_extractor")
    assert np.allclose(again.model.predict(docs), (deep + wide) / 2, atol=1e-6)


def test_an_earlier_combination_gives_its_deep_part_to_a_retrained_wide_model():
    deep_nlp, wide_nlp = trained(), trained(WIDE_CFG)
    first = combine_relation_models(wide_nlp, deep_nlp)
    retrained = trained(WIDE_CFG, steps=3)  # a lexical model trained on other documents
    docs = [gold_to_doc(deep_nlp, g) for g in synthetic_gold(4, seed=5)]
    deep = deep_nlp.get_pipe("relief_relation_extractor").model.predict(docs)
    new_wide = retrained.get_pipe("relief_relation_extractor").model.predict(docs)
    second = combine_relation_models(retrained, first)
    rel = second.get_pipe("relief_relation_extractor")
    assert np.allclose(rel.model.predict(docs), (deep + new_wide) / 2, atol=1e-6)


def test_an_earlier_combination_gives_its_wide_part_to_a_new_encoder_model():
    deep_nlp, wide_nlp = trained(), trained(WIDE_CFG)
    docs = [gold_to_doc(deep_nlp, g) for g in synthetic_gold(4, seed=6)]
    wide = wide_nlp.get_pipe("relief_relation_extractor").model.predict(docs)
    first = combine_relation_models(wide_nlp, deep_nlp)  # (changes wide_nlp in place)
    new_deep = trained(steps=3)  # another encoder-based model
    deep = new_deep.get_pipe("relief_relation_extractor").model.predict(docs)
    second = combine_relation_models(first, new_deep)
    rel = second.get_pipe("relief_relation_extractor")
    assert np.allclose(rel.model.predict(docs), (deep + wide) / 2, atol=1e-6)


def test_combining_needs_a_lexical_model_and_an_encoder_head():
    v1 = trained()
    with pytest.raises(EnsembleError, match="RelationLexical.v1"):
        combine_relation_models(v1, trained())
    with pytest.raises(EnsembleError, match="must read the encoder"):
        combine_relation_models(trained(WIDE_CFG), trained(WIDE_CFG))


def test_one_party_per_side_keeps_the_best_and_its_list():
    nlp = spacy.blank("zh")
    text = "甲公司、乙公司和丙公司协调丁公司捐赠5万元。"
    doc = nlp.make_doc(text)

    def span(s, label):
        return doc.char_span(text.index(s), text.index(s) + len(s), label=label)

    money = span("5万元", "MONEY")
    a, b, c, d = (span(n, "ORG") for n in ("甲公司", "乙公司", "丙公司", "丁公司"))
    rels = [Relation(money, p, "PROVIDER", s) for p, s in ((a, 0.5), (b, 0.9), (c, 0.4), (d, 0.6))]
    kept = keep_best_and_coordinated(text, rels)
    # 乙 is the best; 甲 and 丙 are listed with it (、 和); 丁 is not, although it scores higher than 甲
    assert [r.tail.text for r in kept] == ["甲公司", "乙公司", "丙公司"]
    rels[3] = Relation(money, d, "PROVIDER", 0.95)
    assert [r.tail.text for r in keep_best_and_coordinated(text, rels)] == ["丁公司"]
    # the two labels are decided apart
    both = [Relation(money, d, "PROVIDER", 0.7), Relation(money, a, "RECIPIENT", 0.6)]
    assert {(r.tail.text, r.label) for r in keep_best_and_coordinated(text, both)} == {
        ("丁公司", "PROVIDER"),
        ("甲公司", "RECIPIENT"),
    }
    # a best party below the threshold keeps nothing, not even its list
    assert keep_best_and_coordinated(text, rels[:3], threshold=0.95) == []


def test_listed_parties_enter_at_the_list_threshold():
    nlp = spacy.blank("zh")
    nlp.add_pipe(
        "relief_relation_extractor",
        config={"model": Config().from_str(WIDE_CFG)["model"], "threshold": 0.5, "one_party_per_side": True},
    )
    rel = nlp.get_pipe("relief_relation_extractor")
    text = "甲公司、乙公司和丙公司捐赠5万元。"
    doc = nlp.make_doc(text)
    doc.ents = [
        doc.char_span(text.index(s), text.index(s) + len(s), label=label)
        for s, label in (("甲公司", "ORG"), ("乙公司", "ORG"), ("丙公司", "ORG"), ("5万元", "MONEY"))
    ]
    pairs = rel._candidates(doc)
    assert [doc[ts].text for _, _, ts, _ in pairs] == ["甲", "乙", "丙"]
    # PROVIDER probabilities 0.3, 0.9, 0.15 (logits), RECIPIENT all low
    logits = np.log(
        np.array([[0.3, 0.01], [0.9, 0.01], [0.15, 0.01]]) / (1 - np.array([[0.3, 0.01], [0.9, 0.01], [0.15, 0.01]]))
    )
    rel.set_annotations([doc], logits)
    assert [r.tail.text for r in doc._.relations] == ["乙公司"]
    rel.cfg["list_threshold"] = 0.2
    rel.set_annotations([doc], logits)
    assert [r.tail.text for r in doc._.relations] == ["甲公司", "乙公司"]
    # never above the threshold itself
    rel.cfg["list_threshold"] = 0.99
    assert rel.list_threshold == 0.5


def test_combining_reports_unusable_inputs_clearly(tmp_path):
    with pytest.raises(EnsembleError, match="cannot load a pipeline"):
        combine_relation_models(tmp_path, trained())
    with pytest.raises(EnsembleError, match="has no relief_relation_extractor"):
        combine_relation_models(spacy.blank("zh"), trained())


def test_combine_command_writes_the_thresholds_into_cfg_and_config(tmp_path):
    from typer.testing import CliRunner

    from relief_ner.cli import app

    trained().to_disk(tmp_path / "deep")
    trained(WIDE_CFG).to_disk(tmp_path / "wide")
    result = CliRunner().invoke(
        app,
        [
            "combine-relations",
            str(tmp_path / "wide"),
            "--deep-from",
            str(tmp_path / "deep"),
            "--out",
            str(tmp_path / "c"),
            "--threshold",
            "0.35",
            "--list-threshold",
            "0.05",
        ],
    )
    assert result.exit_code == 0, result.output
    nlp = spacy.load(tmp_path / "c")
    rel = nlp.get_pipe("relief_relation_extractor")
    assert (rel.threshold, rel.list_threshold) == pytest.approx((0.35, 0.05))
    # config.cfg says the same as the component's cfg (which is what loading restores)
    component = nlp.config["components"]["relief_relation_extractor"]
    assert (component["threshold"], component["list_threshold"]) == pytest.approx((0.35, 0.05))
