import json

import pytest
import torch
from transformers import AutoModel, BertConfig, BertModel

from relief_ner.backbone import truncate_layers


@pytest.fixture
def tiny_bert(tmp_path):
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=50,
        hidden_size=16,
        num_hidden_layers=3,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
    )
    path = tmp_path / "full"
    BertModel(config).eval().save_pretrained(path)
    (path / "backbone.json").write_text(json.dumps({"format": 1}))
    return path


def test_truncated_model_is_the_full_model_stopped_early(tiny_bert, tmp_path):
    out = truncate_layers(tiny_bert, tmp_path / "two", 2)
    ids = torch.tensor([[1, 5, 7, 9, 2]])
    full = AutoModel.from_pretrained(tiny_bert).eval()
    short = AutoModel.from_pretrained(out).eval()
    assert short.config.num_hidden_layers == 2
    with torch.no_grad():
        expected = full(ids, output_hidden_states=True).hidden_states[2]
        got = short(ids).last_hidden_state
    assert torch.allclose(expected, got, atol=1e-6)
    assert json.loads((out / "backbone.json").read_text())["layers"] == 2


def test_truncate_refuses_bad_counts_and_foreign_folders(tiny_bert, tmp_path):
    with pytest.raises(ValueError):
        truncate_layers(tiny_bert, tmp_path / "x", 4)
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError):
        truncate_layers(tiny_bert, foreign, 1)
    assert (foreign / "notes.txt").read_text() == "keep me"
