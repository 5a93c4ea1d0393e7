"""The shipped default pipeline: the fine-tuned transformer, loaded from the package."""

import json

import pytest

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
    assert nlp.pipe_names == [
        "relief_sentences",
        "transformer",
        "ner",
        "relief_entity_repair",
        "relief_place_resolver",
        "relief_relation_extractor",
        "relief_record_builder",
    ]
    backbone = nlp.config["components"]["transformer"]["model"]["name"]
    assert "training/backbone" in backbone
    assert not (tmp_path / backbone).exists()
    # the relation model is the mean of the encoder-based head and the lexical model
    rel = nlp.get_pipe("relief_relation_extractor")
    assert rel.model.has_ref("deep") and rel.model.has_ref("wide")
    assert rel.cfg["one_party_per_side"] is True


def test_default_tags_amounts_and_keeps_offsets():
    nlp = relief_ner.load()
    text = "某某公司向明东村捐赠30万元。\n县财政投入500万元用于修建道路3条。"
    doc = nlp(text)
    labels = {e.label_ for e in doc.ents}
    assert {"MONEY"} <= labels
    for ent in doc.ents:
        assert text[ent.start_char : ent.end_char] == ent.text
    money = [e for e in doc.ents if e.label_ == "MONEY"]
    assert all(e._.quantity is not None and e._.quantity.unit == "CNY" for e in money)
    for rel in doc._.relations:
        assert 0.0 < rel.score <= 1.0 and rel.head.label_ in {"MONEY", "AREA", "COUNT"}
    # nlp.pipe gives the same as nlp()
    (piped,) = list(nlp.pipe([text]))
    assert [(e.start_char, e.end_char, e.label_) for e in piped.ents] == [
        (e.start_char, e.end_char, e.label_) for e in doc.ents
    ]


@pytest.mark.parametrize(
    "text",
    ["", " ", "\n\n", "Hello world.", "Hello", "“", "、、、", "The company donated 5 million yuan to the village."],
)
def test_default_takes_empty_and_non_chinese_text(text):
    nlp = relief_ner.load()
    doc = nlp(text)
    assert list(doc.ents) == [] and doc._.relations == [] and doc._.records == []
    (piped,) = list(nlp.pipe([text]))
    assert list(piped.ents) == [] and piped._.records == []


def test_int8_inference_follows_the_shipped_setting(tmp_path):
    import numpy as np
    import torch

    from relief_ner.inference import is_int8, optimise_for_cpu
    from relief_ner.packaging import ship_pipeline, torch_modules

    ship_pipeline(DEFAULT_MODEL_DIR, tmp_path / "q", cpu_int8=True)
    ship_pipeline(DEFAULT_MODEL_DIR, tmp_path / "f", cpu_int8=False)
    quantised = relief_ner.load(tmp_path / "q")
    assert is_int8(quantised)
    assert not is_int8(relief_ner.load(tmp_path / "f"))
    full = relief_ner.load(tmp_path / "q", int8=False)
    assert not is_int8(full)
    # one scale per output channel (one per matrix cost accuracy), every Linear layer
    (module,) = torch_modules(quantised, "transformer")
    # the relation model's own torch layers stay float32
    assert not any(
        isinstance(m, torch.ao.nn.quantized.dynamic.Linear)
        for module_ in torch_modules(quantised, "relief_relation_extractor")
        for m in module_.modules()
    )
    dynamic = torch.ao.nn.quantized.dynamic.Linear
    linears = [m for m in module.modules() if isinstance(m, dynamic)]
    assert len(linears) == sum(
        isinstance(m, torch.nn.Linear) for m in next(torch_modules(full, "transformer")).modules()
    )
    assert all(m.weight().qscheme() == torch.per_channel_affine for m in linears)
    optimise_for_cpu(quantised, int8=True)  # a second call leaves it alone
    assert next(torch_modules(quantised, "transformer")) is module
    # per-channel scales keep the encoder's output closer to float32 than one scale per matrix
    text = "某某公司向明东村捐赠30万元，用于修建道路3条。\n湖南省新田县扶贫车间带动1200人就业。"
    per_tensor = optimise_for_cpu(relief_ner.load(tmp_path / "f"), int8=True, per_channel=False)

    def hidden(nlp):
        doc = nlp.get_pipe("transformer")(nlp.make_doc(text))
        return np.asarray(doc._.trf_data.model_output.last_hidden_state, dtype="float64")

    reference = hidden(full)
    error = {
        name: np.linalg.norm(hidden(nlp) - reference) / np.linalg.norm(reference)
        for name, nlp in (("channel", quantised), ("tensor", per_tensor))
    }
    assert 0 < error["channel"] < error["tensor"] < 1


def test_default_runs_in_several_processes(tmp_path):
    # Forked workers used to wait forever on torch's OpenMP pool: run it in a subprocess
    # with a timeout, so that a hang fails the test instead of stopping the suite.
    import subprocess
    import sys

    code = """
import json, relief_ner
nlp = relief_ner.load()
texts = ["州住建局协调浙江鸿基石化股份有限公司投资330万元为阿尔马之村修建幼儿园1所。",
         "某某集团向明东村捐赠30万元，用于修建道路3条。", "Hello", ""] * 3
def result(docs):
    return [[(e.start_char, e.end_char, e.label_) for e in d.ents]
            + [(r.head.start_char, r.tail.start_char, r.label) for r in d._.relations] for d in docs]
import torch
threads = torch.get_num_threads()
one, two = result(nlp.pipe(texts)), result(nlp.pipe(texts, n_process=2, batch_size=2))
print(json.dumps({"same": one == two, "found": sum(map(len, one)), "threads": threads == torch.get_num_threads()}))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out == {"same": True, "found": out["found"], "threads": True} and out["found"] > 10
    assert "TOKENIZERS_PARALLELISM" not in proc.stderr


def test_shipping_can_set_where_the_transformer_windows_start(tmp_path):
    from typer.testing import CliRunner

    from relief_ner.commands import app

    def spans_of(path):
        return relief_ner.load(path).config["components"]["transformer"]["model"]["get_spans"]

    assert spans_of(DEFAULT_MODEL_DIR)["stride"] == 112  # the shipped setting (docs/MODEL.md)
    result = CliRunner().invoke(app, ["ship", str(DEFAULT_MODEL_DIR), "--out", str(tmp_path / "s"), "--stride", "128"])
    assert result.exit_code == 0, result.output
    assert spans_of(tmp_path / "s") == {**spans_of(DEFAULT_MODEL_DIR), "stride": 128}
    # the windows really move: fewer spans for the transformer to encode
    text = "某某公司向明东村捐赠30万元。" * 40

    def n_windows(path):
        nlp = relief_ner.load(path)
        (windows,) = nlp.get_pipe("transformer").model.attrs["get_spans"]([nlp.make_doc(text)])
        return len(windows)

    assert n_windows(tmp_path / "s") < n_windows(DEFAULT_MODEL_DIR)
    bad = CliRunner().invoke(app, ["ship", str(DEFAULT_MODEL_DIR), "--out", str(tmp_path / "b"), "--stride", "200"])
    assert bad.exit_code == 2 and "between 1 and the window" in bad.output
