"""Training smoke tests: the relation extractor learns, the configs train end to end, and a
trained pipeline loads through relief_ner.load() with the same predictions."""

import random

import pytest
import spacy
from spacy.training import Example
from typer.testing import CliRunner

import relief_ner
from relief_ner.commands import app
from relief_ner.corpus import GoldDoc, GoldEntity, GoldRelation, gold_to_doc, write_docbin

DONORS = ["浙江某某集团", "广东某某银行", "省交通运输厅", "某某基金会"]
PLACES = ["明东村", "团兴村", "拉果乡", "官元镇"]
COORDINATORS = ["州住建局", "县农业局"]


def synthetic_gold(n: int, seed: int = 0):
    """Our own template sentences: `<coordinator>协调<donor>投资<n>万元为<place>修建道路<k>条。`"""
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        coord, donor, place = rng.choice(COORDINATORS), rng.choice(DONORS), rng.choice(PLACES)
        money, count = f"{rng.randint(2, 90)}万元", f"{rng.randint(1, 9)}条"
        text = f"{coord}协调{donor}投资{money}为{place}修建道路{count}。"
        pos = {}
        for s in (coord, donor, money, place, count):
            pos[s] = text.index(s, pos.get("_", 0))
        ents = [
            GoldEntity(1, "ORG", pos[coord], pos[coord] + len(coord)),
            GoldEntity(2, "ORG", pos[donor], pos[donor] + len(donor)),
            GoldEntity(3, "MONEY", pos[money], pos[money] + len(money)),
            GoldEntity(4, "LOC", pos[place], pos[place] + len(place)),
            GoldEntity(5, "COUNT", pos[count], pos[count] + len(count)),
        ]
        rels = [
            GoldRelation(1, 3, 2, "PROVIDER"),
            GoldRelation(2, 3, 4, "RECIPIENT"),
            GoldRelation(3, 5, 2, "PROVIDER"),
            GoldRelation(4, 5, 4, "RECIPIENT"),
        ]
        docs.append(GoldDoc(f"s{i}", text, ents, rels))
    return docs


def train_relations(nlp, examples, optimizer, steps: int = 40):
    """(first, last) relation-extractor loss over `steps` updates."""
    losses_seen = []
    for _ in range(steps):
        losses = {}
        nlp.update(examples, sgd=optimizer, losses=losses)
        losses_seen.append(losses["relief_relation_extractor"])
    return losses_seen[0], losses_seen[-1]


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    nlp = spacy.blank("zh")
    write_docbin((gold_to_doc(nlp, g) for g in synthetic_gold(40)), root / "train.spacy")
    write_docbin((gold_to_doc(nlp, g) for g in synthetic_gold(8, seed=1)), root / "dev.spacy")
    return root


def test_relation_extractor_learns_with_gold_entities():
    nlp = spacy.blank("zh")
    rel = nlp.add_pipe("relief_relation_extractor")  # its default model embeds on its own
    golds = synthetic_gold(30)
    examples = [Example(nlp.make_doc(g.text), gold_to_doc(nlp, g)) for g in golds]
    optimizer = nlp.initialize(lambda: examples)
    first, last = train_relations(nlp, examples, optimizer)
    assert last < first / 2
    # With gold entities in place the learned scorer separates giver, coordinator and place.
    doc = nlp.make_doc(golds[0].text)
    doc.ents = [doc.char_span(e.start, e.end, label=e.label) for e in golds[0].entities]
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    got = {(r.head.text, r.label, r.tail.text) for r in doc._.relations}
    want = {
        (
            golds[0].text[golds[0].entity(r.from_id).start : golds[0].entity(r.from_id).end],
            r.type,
            golds[0].text[golds[0].entity(r.to_id).start : golds[0].entity(r.to_id).end],
        )
        for r in golds[0].relations
    }
    assert got == want
    assert rel.score([Example(doc, gold_to_doc(nlp, golds[0]))])["rel_micro_f"] == 1.0


def test_cnn_config_trains_and_loads(tiny_corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    from pathlib import Path

    config = Path(relief_ner.__file__).parents[1] / "configs" / "cnn.cfg"
    result = CliRunner().invoke(
        app,
        [
            "train",
            str(config),
            "--name",
            "smoke",
            "--paths.train",
            str(tiny_corpus / "train.spacy"),
            "--paths.dev",
            str(tiny_corpus / "dev.spacy"),
            "--training.max_steps",
            "30",
            "--training.eval_frequency",
            "10",
            "--components.tok2vec.model.encode.depth",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    run = tmp_path / "training" / "runs" / "smoke"
    assert (run / "model-best" / "config.cfg").exists()
    assert "ENTS_F" in (run / "train.log").read_text(encoding="utf-8")
    nlp = relief_ner.load(run / "model-last")
    assert nlp.pipe_names[-2:] == ["relief_relation_extractor", "relief_record_builder"]
    text = synthetic_gold(1, seed=5)[0].text
    doc = nlp(text)
    again = relief_ner.load(run / "model-last")(text)
    assert [(e.text, e.label_) for e in doc.ents] == [(e.text, e.label_) for e in again.ents]
    assert [r.to_dict() for r in doc._.relations] == [r.to_dict() for r in again._.relations]
    # shipping keeps the predictions (no torch modules here, so nothing is halved)
    shipped = CliRunner().invoke(app, ["ship", str(run / "model-last"), "--out", str(tmp_path / "shipped")])
    assert shipped.exit_code == 0, shipped.output
    from_ship = relief_ner.load(tmp_path / "shipped")(text)
    assert [(e.text, e.label_) for e in from_ship.ents] == [(e.text, e.label_) for e in doc.ents]
    assert CliRunner().invoke(app, ["ship", str(run / "model-last"), "--name", "rules"]).exit_code == 2
    # resume continues from model-last
    result = CliRunner().invoke(app, ["train", str(config), "--name", "smoke", "--resume", "--training.max_steps", "5"])
    assert result.exit_code == 0, result.output
    assert "resuming from" in (run / "train.log").read_text(encoding="utf-8")


def test_head_learn_rate_gives_the_relation_head_its_own_optimiser():
    nlp = spacy.blank("zh")
    nlp.add_pipe("relief_relation_extractor", config={"head_learn_rate": 0.01})
    golds = synthetic_gold(6)
    examples = [Example(nlp.make_doc(g.text), gold_to_doc(nlp, g)) for g in golds]
    nlp.initialize(lambda: examples)
    rel = nlp.get_pipe("relief_relation_extractor")
    hidden = rel.model.get_ref("hidden")
    before = hidden.get_param("W").copy()
    rel.update(examples, sgd=None)  # no shared optimiser: only the head's own one steps
    assert not (hidden.get_param("W") == before).all()


def test_batches_without_candidate_pairs_still_train_the_encoder():
    """The relation extractor listens last to the shared transformer; if it skipped batches
    without measure–party pairs, the NER's gradient for those batches would never reach
    the encoder."""
    import torch
    from thinc.api import Adam

    from relief_ner.corpus import GoldDoc, GoldEntity
    from relief_ner.loading import DEFAULT_MODEL_DIR
    from relief_ner.packaging import torch_modules

    nlp = spacy.load(DEFAULT_MODEL_DIR)
    trf = nlp.get_pipe("transformer")
    assert any(node is trf.listeners[-1] for node in nlp.get_pipe("relief_relation_extractor").model.walk())
    text = "浙江某某集团的代表来到明东村走访。"
    gold = GoldDoc("no-measures", text, [GoldEntity(1, "ORG", 0, 6), GoldEntity(2, "LOC", 11, 14)], [])
    examples = [Example(nlp.make_doc(text), gold_to_doc(nlp, gold))]
    (module,) = torch_modules(nlp, "transformer")
    before = [p.detach().clone() for p in module.parameters()]
    optimizer = Adam(0.001)
    for _ in range(2):  # the encoder's gradient is applied at the next update
        nlp.update(examples, sgd=optimizer)
    assert any(not torch.equal(a, b) for a, b in zip(before, module.parameters()))


WIDE_CFG = """
[model]
@architectures = "relief.RelationLexical.v1"
length = 4096
nO = 2

[model.get_candidates]
@misc = "relief.candidate_pairs.v1"
max_distance = 200
"""


def test_lexical_relation_model_learns_from_lexical_features_alone():
    from thinc.api import Config

    from relief_ner.evaluate import relation_set

    nlp = spacy.blank("zh")
    rel = nlp.add_pipe("relief_relation_extractor", config={"model": Config().from_str(WIDE_CFG)["model"]})
    golds = synthetic_gold(30)
    examples = [Example(nlp.make_doc(g.text), gold_to_doc(nlp, g)) for g in golds]
    optimizer = nlp.initialize(lambda: examples)
    first, last = train_relations(nlp, examples, optimizer, steps=30)
    assert last < first / 2
    # unseen template fillers: what was learned are the cues (协调 … 投资 … 为), not the names
    text = "市扶贫办协调某某电力公司投资12万元为新屯村修建道路4条。"
    doc = nlp.make_doc(text)
    doc.ents = [
        doc.char_span(text.index(s), text.index(s) + len(s), label=label)
        for s, label in [
            ("市扶贫办", "ORG"),
            ("某某电力公司", "ORG"),
            ("12万元", "MONEY"),
            ("新屯村", "LOC"),
            ("4条", "COUNT"),
        ]
    ]
    doc = rel(doc)
    got = {(r.head.text, r.label, r.tail.text) for r in doc._.relations}
    assert got == {
        ("12万元", "PROVIDER", "某某电力公司"),
        ("12万元", "RECIPIENT", "新屯村"),
        ("4条", "PROVIDER", "某某电力公司"),
        ("4条", "RECIPIENT", "新屯村"),
    }
    # and it survives serialisation
    again = spacy.blank("zh")
    again.add_pipe("relief_relation_extractor", config={"model": Config().from_str(WIDE_CFG)["model"]})
    again.from_bytes(nlp.to_bytes())
    doc2 = nlp.make_doc(text)
    doc2.ents = list(doc.ents)
    assert relation_set(again.get_pipe("relief_relation_extractor")(doc2)) == relation_set(doc)


def test_earlier_name_v3_with_an_encoder_is_the_mean_of_lexical_and_pooled_parts():
    # the shipped default's config.cfg of 2026-12-05/07 names this architecture
    import numpy as np
    from thinc.api import Config

    from relief_ner.pipeline.relation_extractor import DEFAULT_MODEL_CONFIG

    deep_cfg = Config().from_str(DEFAULT_MODEL_CONFIG)["model"]
    cfg = Config().from_str(WIDE_CFG.replace("RelationLexical.v1", "RelationModel.v3"))["model"]
    cfg["tok2vec"] = deep_cfg["tok2vec"]
    nlp = spacy.blank("zh")
    rel = nlp.add_pipe("relief_relation_extractor", config={"model": cfg})
    golds = synthetic_gold(6)
    examples = [Example(nlp.make_doc(g.text), gold_to_doc(nlp, g)) for g in golds]
    optimizer = nlp.initialize(lambda: examples)
    train_relations(nlp, examples, optimizer, steps=3)
    docs = [gold_to_doc(nlp, g) for g in golds]
    model = rel.model
    total = model.predict(docs)
    parts = (model.get_ref("deep").predict(docs) + model.get_ref("wide").predict(docs)) / 2
    assert total.shape == (6 * len(docs), 2)  # 2 measures × 3 parties per sentence
    assert np.allclose(total, parts)
    assert not np.allclose(model.get_ref("wide").predict(docs), 0)


def test_pair_features_read_the_cues_around_the_party():
    from relief_ner.pipeline.relation_features import pair_features
    from relief_ner.pipeline.relation_model import make_candidate_pairs
    from relief_ner.pipeline.relation_rules import RelationRules

    nlp = spacy.blank("zh")
    text = "州住建局协调浙江某某集团投资330万元为阿尔马之村修建幼儿园1所。"
    doc = nlp.make_doc(text)
    doc.ents = [
        doc.char_span(text.index(s), text.index(s) + len(s), label=label)
        for s, label in [
            ("州住建局", "ORG"),
            ("浙江某某集团", "ORG"),
            ("330万元", "MONEY"),
            ("阿尔马之村", "LOC"),
            ("1所", "COUNT"),
        ]
    ]
    pairs = make_candidate_pairs()(doc)
    ents = [(e.start, e.end, e.label_) for e in doc.ents]
    rows = {
        (doc[hs:he].text, doc[ts:te].text): feats
        for (hs, he, ts, te), feats in zip(pairs, pair_features(doc, ents, pairs))
    }
    assert len(rows) == len(pairs) == 6
    money = {party: set(feats) for (m, party), feats in rows.items() if m == "330万元"}
    assert "coord_after_partyL" in money["州住建局"] and "coord_after_partyL" not in money["浙江某某集团"]
    assert "marker_before_partyR" in money["阿尔马之村"]
    assert "gap=L投资" in money["浙江某某集团"] and "np=L0" in money["浙江某某集团"]
    assert "np=L1" in money["州住建局"]  # the donor lies between
    verdict = {(r.head.text, r.tail.text): r.label for r in RelationRules().relate(doc, doc.ents)}
    for (m, party), feats in rows.items():
        assert f"rule={verdict.get((m, party), 'none')}" in feats


def test_lexical_relation_model_hidden_layer_over_hashed_embeddings_learns():
    from thinc.api import Config

    cfg = Config().from_str(WIDE_CFG.replace("nO = 2", "embed_width = 16\nnO = 2"))["model"]
    nlp = spacy.blank("zh")
    rel = nlp.add_pipe("relief_relation_extractor", config={"model": cfg})
    golds = synthetic_gold(20)
    examples = [Example(nlp.make_doc(g.text), gold_to_doc(nlp, g)) for g in golds]
    optimizer = nlp.initialize(lambda: examples)
    embed = rel.model.get_ref("embed")
    before = embed.get_param("E").copy()
    first, last = train_relations(nlp, examples, optimizer, steps=20)
    assert last < first / 2
    assert not (embed.get_param("E") == before).all()  # the embeddings get gradients too


def test_a_trained_lexical_model_keeps_its_own_cue_words(monkeypatch):
    """Editing the rules' word lists changes the rules, not a trained model: the lists the
    lexical model reads are saved with it and restored on loading."""
    import numpy as np
    from thinc.api import Config

    from relief_ner.pipeline import relation_model
    from relief_ner.pipeline.relation_rules import CueWords

    nlp = spacy.blank("zh")
    rel = nlp.add_pipe("relief_relation_extractor", config={"model": Config().from_str(WIDE_CFG)["model"]})
    golds = synthetic_gold(20)
    examples = [Example(nlp.make_doc(g.text), gold_to_doc(nlp, g)) for g in golds]
    optimizer = nlp.initialize(lambda: examples)
    train_relations(nlp, examples, optimizer, steps=10)
    docs = [gold_to_doc(nlp, g) for g in synthetic_gold(4, seed=2)]
    before = rel.model.predict(docs)
    saved = nlp.to_bytes()
    assert rel.model.attrs["cue_words"]["assist"] == list(CueWords().assist)

    # the baseline's lists edited: no assistance verbs, no recipient markers
    class Edited(CueWords):
        def __init__(self, **lists):
            super().__init__(**{"assist": (), "marker": (), **lists})

    monkeypatch.setattr(relation_model, "CueWords", Edited)
    fresh = spacy.blank("zh")
    fresh.add_pipe("relief_relation_extractor", config={"model": Config().from_str(WIDE_CFG)["model"]})
    assert fresh.get_pipe("relief_relation_extractor").model.attrs["cue_words"]["assist"] == []
    fresh.from_bytes(saved)  # the trained model, loaded under the edited baseline
    after = fresh.get_pipe("relief_relation_extractor").model.predict(docs)
    assert np.allclose(before, after)
    # whereas the same weights reading the edited lists would score differently
    fresh.get_pipe("relief_relation_extractor").model.attrs["cue_words"] = Edited().to_dict()
    assert not np.allclose(before, fresh.get_pipe("relief_relation_extractor").model.predict(docs))
