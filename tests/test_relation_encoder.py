"""`relief.RelationEncoder.v1`: pair windows, learning, gradients to the encoder, saving."""

import numpy as np
import spacy
from spacy.training import Example
from thinc.api import Config

import relief_ner  # noqa: F401
from relief_ner.corpus import gold_to_doc
from relief_ner.pipeline.relation_encoder import HEAD_ROLES, ROLE_PAD, ROLE_TOKEN, TAIL_ROLES, pair_windows
from relief_ner.scoring import relation_set
from test_training import synthetic_gold, train_relations

ENCODER_CFG = """
[model]
@architectures = "relief.RelationEncoder.v1"
input_width = 32
width = 16
hidden_width = 16
max_window = 40
dropout = 0.0

[model.get_candidates]
@misc = "relief.candidate_pairs.v1"
max_distance = 200

[model.tok2vec]
@architectures = "spacy.HashEmbedCNN.v2"
pretrained_vectors = null
width = 32
depth = 1
embed_size = 500
window_size = 1
maxout_pieces = 2
subword_features = false
"""


def encoder_pipeline():
    nlp = spacy.blank("zh")
    nlp.add_pipe(
        "relief_relation_extractor", config={"model": Config().from_str(ENCODER_CFG)["model"], "head_learn_rate": 0.01}
    )
    return nlp


def test_pair_windows_mark_the_pair_and_the_other_entities():
    # tokens 0-9 one sentence, 10-14 the next; ORG 0-2, MONEY 4-6, LOC 7-9, ORG 10-12
    ents = [(0, 2, "ORG"), (4, 6, "MONEY"), (7, 9, "LOC"), (10, 12, "ORG")]
    sents = [0] * 10 + [1] * 5
    w = pair_windows([ents], [sents], [[(4, 6, 0, 2), (4, 6, 7, 9)]], [15], max_window=40)
    assert w.index.shape == (2, 10)  # both pairs read the first sentence only
    assert list(w.index[0]) == list(range(10))
    first = list(w.roles[0])
    assert first[4] == first[5] and first[4] in HEAD_ROLES
    assert first[0] in TAIL_ROLES and first[7] not in TAIL_ROLES + HEAD_ROLES  # LOC: another party
    assert first[3] == ROLE_TOKEN
    second = list(w.roles[1])
    assert second[7] in TAIL_ROLES and second[7] != first[0]  # a LOC tail is marked apart from an ORG one
    assert second[0] not in TAIL_ROLES
    # distances: inside the span one bucket, then signed and growing with the distance
    to_head = list(w.to_head[0])
    assert to_head[4] == to_head[5] == 1
    assert to_head[3] < to_head[2] <= to_head[0] or to_head[3] > to_head[2] >= to_head[0]
    assert to_head[6] != to_head[3]  # after the measure is not before it
    assert list(w.to_tail[1])[7] == 1


def test_distance_buckets_are_signed_and_log_scaled():
    from relief_ner.pipeline.relation_encoder import N_DISTANCES, distance_buckets

    far = distance_buckets(np.arange(0, 2000), 1000, 1001)
    assert far.min() >= 1 and far.max() < N_DISTANCES  # every bucket has an embedding row
    b = list(distance_buckets(np.arange(0, 40), 20, 22))
    assert b[20] == b[21] == 1
    assert b[19] != b[22]  # one before vs one after
    assert b[0] == b[1] == b[2] == b[3]  # 17-20 tokens away share a bucket
    assert len({b[19], b[18], b[16]}) == 3


def test_long_sentences_are_cut_around_the_pair_and_docs_stacked():
    ents = [(50, 52, "ORG"), (60, 62, "MONEY")]
    w = pair_windows([[], ents], [[0] * 5, [0] * 200], [[], [(60, 62, 50, 52)]], [5, 200], max_window=20)
    rows = [i for i in w.index[0] if i >= 0]
    assert len(rows) == 20 and rows == list(range(rows[0], rows[0] + 20))
    # rows of the second doc start after the first doc's 5 tokens
    assert 5 + 50 in rows and 5 + 61 in rows
    assert w.offsets == [0, 5]
    assert (w.roles[0] != ROLE_PAD).sum() == 20


def test_encoder_relation_model_learns_and_survives_saving(tmp_path):
    nlp = encoder_pipeline()
    golds = synthetic_gold(30)
    examples = [Example(nlp.make_doc(g.text), gold_to_doc(nlp, g)) for g in golds]
    optimizer = nlp.initialize(lambda: examples)
    first, last = train_relations(nlp, examples, optimizer, steps=40)
    assert last < first / 2
    gold = gold_to_doc(nlp, golds[0])
    doc = nlp.make_doc(golds[0].text)
    doc.ents = list(gold.ents)
    doc = nlp.get_pipe("relief_relation_extractor")(doc)
    assert relation_set(doc) == relation_set(gold)
    nlp.to_disk(tmp_path / "p")
    again = spacy.load(tmp_path / "p")
    docs = [gold_to_doc(nlp, g) for g in synthetic_gold(3, seed=4)]
    before = nlp.get_pipe("relief_relation_extractor").model.predict(docs)
    after = again.get_pipe("relief_relation_extractor").model.predict(docs)
    assert np.allclose(before, after, atol=1e-6)


def test_encoder_relation_model_sends_gradients_to_the_token_vectors():
    nlp = encoder_pipeline()
    golds = synthetic_gold(4)
    examples = [Example(nlp.make_doc(g.text), gold_to_doc(nlp, g)) for g in golds]
    nlp.initialize(lambda: examples)
    model = nlp.get_pipe("relief_relation_extractor").model
    docs = [gold_to_doc(nlp, g) for g in golds]
    scores, backprop = model.begin_update(docs)
    assert scores.shape == (6 * len(docs), 2)  # 2 measures × 3 parties per sentence
    seen = []
    tok2vec = model.get_ref("tok2vec")
    original = tok2vec._func

    def spy(m, X, is_train):
        Y, bp = original(m, X, is_train)

        def bp_spy(dY):
            seen.append(dY)
            return bp(dY)

        return Y, bp_spy

    tok2vec._func = spy
    scores, backprop = model.begin_update(docs)
    backprop(np.ones_like(scores))
    assert len(seen) == 1 and len(seen[0]) == len(docs)
    assert all(d.shape == (len(doc), 32) for d, doc in zip(seen[0], docs))
    assert any(np.abs(d).sum() > 0 for d in seen[0])


def test_a_batch_without_candidates_scores_nothing():
    nlp = encoder_pipeline()
    golds = synthetic_gold(4)
    examples = [Example(nlp.make_doc(g.text), gold_to_doc(nlp, g)) for g in golds]
    nlp.initialize(lambda: examples)
    doc = nlp.make_doc("今天天气很好。")
    doc = nlp.get_pipe("relief_relation_extractor")(doc)
    assert doc._.relations == []
    model = nlp.get_pipe("relief_relation_extractor").model
    assert model.predict([nlp.make_doc("没有实体。")]).shape == (0, 2)
    # an empty doc beside docs with pairs (its vectors may have no columns either)
    docs = [gold_to_doc(nlp, golds[0]), nlp.make_doc(""), gold_to_doc(nlp, golds[1])]
    assert model.predict(docs).shape == (12, 2)
