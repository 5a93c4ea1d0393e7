"""The single-machine engine: order, per-document error isolation, GPU selection."""

import json

import pytest
import spacy
from spacy.language import Language
from typer.testing import CliRunner

from relief_ner.batch import engine
from relief_ner.batch.engine import DeviceError, DocResult, process
from relief_ner.commands import app
from relief_ner.batch.readers import InputDoc, InputError

SENT = "浙江某某集团投资30万元为明东村修建道路。"


@Language.component("test_boom_on_marker")
def _boom(doc):
    if "BOOM" in doc.text:
        raise RuntimeError("exploded on purpose")
    return doc


def _rules_with_boom():
    import relief_ner

    nlp = relief_ner.load("rules")
    nlp.add_pipe("test_boom_on_marker", first=True)
    return nlp


@pytest.mark.parametrize("n_process", [1, 2])
def test_failing_documents_are_isolated(n_process):
    nlp = _rules_with_boom()
    items = [InputDoc(f"d{i}", SENT + ("BOOM" if i in (3, 4, 11) else ""), where=f"f:{i}") for i in range(16)]
    items.insert(7, InputError("bad", "f:bad", "broken JSON"))
    out = list(process(nlp, items, batch_size=4, n_process=n_process))
    done = [o.id for o in out if isinstance(o, DocResult)]
    failed = {o.id: o for o in out if isinstance(o, InputError)}
    assert done == [f"d{i}" for i in range(16) if i not in (3, 4, 11)]  # input order kept
    assert set(failed) == {"d3", "d4", "d11", "bad"}
    assert failed["d3"].where == "f:3"
    assert "test_boom_on_marker" in failed["d3"].reason and "exploded on purpose" in failed["d3"].reason
    # the good documents of a failed batch are complete
    first = next(o for o in out if isinstance(o, DocResult) and o.id == "d5")
    assert first.record["records"][0]["money"][0]["text"] == "30万元"
    # the error handlers are restored after the run
    assert nlp.default_error_handler is not engine._drop_failure


def test_failure_in_one_window_fails_the_document_only(rules_nlp):
    nlp = _rules_with_boom()
    long_text = (SENT * 5) + "BOOM。" + SENT * 5
    out = list(process(nlp, [InputDoc("long", long_text), InputDoc("ok", SENT)], window=30))
    assert [type(o).__name__ for o in out] == ["InputError", "DocResult"]


def test_pipe_death_outside_components_is_survived(monkeypatch, rules_nlp):
    nlp = spacy.blank("zh")
    original = nlp.make_doc

    def make_doc(text):
        if "BAD" in text:
            raise ValueError("tokenizer broke")
        return original(text)

    monkeypatch.setattr(nlp, "make_doc", make_doc)
    items = [InputDoc(str(i), "BAD" if i == 2 else "好") for i in range(6)]
    out = list(process(nlp, items, batch_size=2))
    assert [o.id for o in out] == ["0", "1", "2", "3", "4", "5"]
    assert isinstance(out[2], InputError) and "tokenizer" in out[2].reason


def test_select_device_calls_require_gpu(monkeypatch):
    calls = []
    monkeypatch.setattr(spacy, "require_gpu", lambda gpu_id=0: calls.append(gpu_id) or True)
    engine.select_device(1)
    assert calls == [1]


def test_select_device_without_gpu_explains(monkeypatch):
    def no_gpu(gpu_id=0):
        raise ValueError("GPU is not accessible. Was the library installed correctly?")

    monkeypatch.setattr(spacy, "require_gpu", no_gpu)
    with pytest.raises(DeviceError, match="--gpu 0: no usable GPU .*cupy"):
        engine.select_device(0)


def test_cli_gpu_flag(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(spacy, "require_gpu", lambda gpu_id=0: calls.append(gpu_id) or True)
    out = tmp_path / "o.jsonl"
    result = CliRunner().invoke(app, ["extract", "-", "-o", str(out), "-m", "rules", "--gpu", "0"], input=SENT)
    assert result.exit_code == 0, result.output
    assert calls == [0] and json.loads(out.read_text(encoding="utf-8"))["records"]

    def no_gpu(gpu_id=0):
        raise ValueError("GPU is not accessible")

    monkeypatch.setattr(spacy, "require_gpu", no_gpu)
    result = CliRunner().invoke(app, ["extract", "-", "-m", "rules", "--gpu", "0"], input=SENT)
    assert result.exit_code == 2 and "no usable GPU" in result.output
    result = CliRunner().invoke(app, ["extract", "-", "-m", "rules", "--gpu", "0", "--n-process", "2"], input=SENT)
    assert result.exit_code == 2 and "--gpu runs one process" in result.output


def test_pipelines_with_a_trained_parser_run_through_the_engine():
    """spaCy's Cython `ner` cannot take a per-component error handler (the shipped
    transformer pipeline has one); the engine must still run it and keep errors isolated."""
    nlp = spacy.blank("zh")
    nlp.add_pipe("test_boom_on_marker")
    ner = nlp.add_pipe("ner")
    ner.add_label("ORG")
    nlp.initialize()
    items = [InputDoc("a", SENT), InputDoc("b", "BOOM" + SENT), InputDoc("c", SENT)]
    out = list(process(nlp, items, batch_size=2))
    assert [o.id for o in out] == ["a", "b", "c"]
    assert isinstance(out[1], InputError) and "exploded on purpose" in out[1].reason
    assert isinstance(out[0], DocResult) and isinstance(out[2], DocResult)
