import json

import pytest
from typer.testing import CliRunner

from relief_ner.commands import app
from relief_ner.corpus import CorpusError, GoldDoc, GoldEntity, GoldRelation, TextStore
from relief_ner.corpus.project import CorpusLayout, load_corpus, make_split, save_document, statistics

TEXT = "甲公司捐款5万元和20亩地、3户给乙村。"


def doc(doc_id, relations=True):
    ents = [
        GoldEntity(1, "ORG", 0, 3),
        GoldEntity(2, "MONEY", 5, 8, 50000.0, "CNY", False),
        GoldEntity(3, "AREA", 9, 12, 20 * 10000 / 15, "m2", False),
        GoldEntity(4, "COUNT", 14, 16, 3.0, "户", False),
        GoldEntity(5, "LOC", 17, 19),
    ]
    rels = [GoldRelation(1, 2, 1, "PROVIDER"), GoldRelation(2, 2, 5, "RECIPIENT")] if relations else []
    return GoldDoc(doc_id, TEXT, ents, rels)


@pytest.fixture
def project(tmp_path):
    texts = tmp_path / "texts"
    (texts / "news").mkdir(parents=True)
    for i in range(12):
        (texts / "news" / f"news_{i:04d}.txt").write_text(f"# source: u{i}\n{TEXT}", encoding="utf-8")
    layout = CorpusLayout(tmp_path / "proj")
    for i in range(12):
        save_document(layout, doc(f"news_{i:04d}"))
    return layout, TextStore(texts)


def test_fixture_offsets():
    assert [TEXT[s:e] for s, e in [(0, 3), (5, 8), (9, 12), (14, 16), (17, 19)]] == [
        "甲公司",
        "5万元",
        "20亩",
        "3户",
        "乙村",
    ]


def test_save_never_overwrites_silently(project):
    layout, _ = project
    assert save_document(layout, doc("news_0001")) == "same"
    changed = doc("news_0001", relations=False)
    with pytest.raises(CorpusError, match="already holds a different annotation"):
        save_document(layout, changed)
    assert save_document(layout, changed, overwrite=True) == "updated"
    assert "浙江" not in layout.path_for("news_0001").read_text(encoding="utf-8")
    assert "甲公司" not in layout.path_for("news_0001").read_text(encoding="utf-8")


def test_split_is_seeded_and_covers_labels(project):
    layout, texts = project
    docs = load_corpus(layout, texts)
    a, b = make_split(docs, seed=3), make_split(docs, seed=3)
    assert a == b
    assert sorted(a["train"] + a["dev"] + a["test"]) == sorted(d.id for d in docs)
    assert not set(a["train"]) & set(a["test"])
    assert len(a["train"]) == 8 and len(a["dev"]) == 2 and len(a["test"]) == 2


def test_split_fails_when_labels_cannot_be_covered(project):
    layout, texts = project
    docs = load_corpus(layout, texts)
    for d in docs[1:]:
        d.relations = []
    with pytest.raises(CorpusError, match="every label"):
        make_split(docs, max_tries=20)


def test_statistics(project):
    layout, texts = project
    st = statistics(load_corpus(layout, texts))
    assert st["documents"] == 12 and st["characters"] == 12 * len(TEXT)
    assert st["entities"] == {"ORG": 12, "LOC": 12, "MONEY": 12, "AREA": 12, "COUNT": 12}
    assert st["relations"] == {"PROVIDER": 12, "RECIPIENT": 12}


def test_cli_split_stats_build(project, tmp_path):
    layout, texts = project
    runner = CliRunner()
    args = ["--root", str(layout.root), "--texts", str(texts.root)]
    result = runner.invoke(app, ["corpus", "split", *args])
    assert result.exit_code == 0, result.output
    again = runner.invoke(app, ["corpus", "split", *args])
    assert again.exit_code == 2 and "must stay fixed" in again.output
    stats = json.loads(runner.invoke(app, ["corpus", "stats", *args, "--json"]).stdout)
    assert stats["all"]["documents"] == 12
    assert sum(stats[s]["documents"] for s in ("train", "dev", "test")) == 12
    out = tmp_path / "bins"
    result = runner.invoke(app, ["corpus", "build", *args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("zh")
    train = list(DocBin().from_disk(out / "train.spacy").get_docs(nlp.vocab))
    assert len(train) == 8
    assert [(e.text, e.label_) for e in train[0].ents][1] == ("5万元", "MONEY")
    assert [r.label for r in train[0]._.relations] == ["PROVIDER", "RECIPIENT"]


def test_extend_split_keeps_old_parts_and_reaches_the_fractions():
    from relief_ner.corpus.gold import GoldDoc, GoldEntity, GoldRelation
    from relief_ner.corpus.project import extend_split

    def doc(i):
        ents = [
            GoldEntity(1, "ORG", 0, 1),
            GoldEntity(2, "LOC", 1, 2),
            GoldEntity(3, "MONEY", 2, 3, 1.0, "CNY", False),
            GoldEntity(4, "AREA", 3, 4, 1.0, "m2", False),
            GoldEntity(5, "COUNT", 4, 5, 1.0, "户", False),
        ]
        rels = [GoldRelation(1, 3, 1, "PROVIDER"), GoldRelation(2, 3, 2, "RECIPIENT")]
        return GoldDoc(f"d{i:03d}", "甲乙丙丁戊", ents, rels)

    docs = [doc(i) for i in range(100)]
    previous = {
        "seed": 13,
        "fractions": [0.7, 0.15, 0.15],
        "train": ["d000", "d001", "d002"],
        "dev": ["d003"],
        "test": ["d004", "d005"],
    }
    split = extend_split(previous, docs, seed=5, fractions=(0.66, 0.17, 0.17))
    assert set(previous["test"]) <= set(split["test"]) and set(previous["dev"]) <= set(split["dev"])
    assert set(previous["train"]) <= set(split["train"])
    assert len(split["test"]) == len(split["dev"]) == 17
    assert sorted(split["train"] + split["dev"] + split["test"]) == sorted(d.id for d in docs)
    assert split["history"] == [{"seed": 13, "fractions": [0.7, 0.15, 0.15], "documents": 6}]
    assert extend_split(previous, docs, seed=5, fractions=(0.66, 0.17, 0.17)) == split


def test_committed_corpus_is_consistent():
    """Every committed stand-off file matches its source text (sha256, offsets, values) and
    sits in exactly one part of the committed split, and every part has every label."""
    from pathlib import Path

    from relief_ner.corpus import TextStore
    from relief_ner.corpus.project import CorpusLayout, _covers, load_corpus, read_split

    layout = CorpusLayout(Path(__file__).resolve().parent.parent)
    docs = {d.id: d for d in load_corpus(layout, TextStore())}
    split = read_split(layout)
    ids = [i for part in split.values() for i in part]
    assert len(ids) == len(set(ids)) and set(ids) == set(docs)
    for part in split.values():
        assert _covers(docs[i] for i in part)


def test_learning_curve_samples_are_nested_and_seeded():
    from relief_ner.corpus.project import subsample

    ids = [f"d{i:03d}" for i in range(200)]
    quarter, half = subsample(ids, 0.25, seed=3), subsample(ids, 0.5, seed=3)
    assert len(quarter) == 50 and len(half) == 100 and set(quarter) <= set(half)
    assert subsample(ids, 0.25, seed=3) == quarter != subsample(ids, 0.25, seed=4)
    assert subsample(ids, 1.0, seed=0) == ids
