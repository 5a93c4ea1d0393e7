"""The shipped default pipeline: the fine-tuned transformer, loaded from the package."""

import relief_ner
from relief_ner.loading import DEFAULT_MODEL_DIR, shipped_names


def test_default_is_the_shipped_transformer(tmp_path, monkeypatch):
    assert (DEFAULT_MODEL_DIR / "config.cfg").exists()
    assert "default" in shipped_names()
    # The config names the backbone folder it was trained from (a relative path under
    # training/); loading must not need it, so load from a folder where it is absent.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    nlp = relief_ner.load()
    assert nlp.pipe_names == ["relief_sentences", "transformer", "ner",
                              "relief_relation_extractor", "relief_record_builder"]
    assert "training/backbone" in nlp.config["paths"]["backbone"]
    assert not (tmp_path / nlp.config["paths"]["backbone"]).exists()


def test_default_tags_amounts_and_keeps_offsets():
    nlp = relief_ner.load()
    text = "某某公司向明东村捐赠30万元。\n县财政投入500万元用于修建道路3条。"
    doc = nlp(text)
    labels = {e.label_ for e in doc.ents}
    assert {"MONEY"} <= labels
    for ent in doc.ents:
        assert text[ent.start_char:ent.end_char] == ent.text
    money = [e for e in doc.ents if e.label_ == "MONEY"]
    assert all(e._.quantity is not None and e._.quantity.unit == "CNY" for e in money)
    for rel in doc._.relations:
        assert 0.0 < rel.score <= 1.0 and rel.head.label_ in {"MONEY", "AREA", "COUNT"}
    # nlp.pipe gives the same as nlp()
    (piped,) = list(nlp.pipe([text]))
    assert [(e.start_char, e.end_char, e.label_) for e in piped.ents] == \
        [(e.start_char, e.end_char, e.label_) for e in doc.ents]
