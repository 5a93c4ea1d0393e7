"""Inference-time variants of a shipped transformer pipeline on a corpus split
(research/README.md, "Speed and int8" and "Transformer windows"):

    python research/scripts/inference_variants.py int8 dev      # which Linear layers to quantise
    python research/scripts/inference_variants.py windows dev   # strided_spans window/stride

Prints entity/relation/record F1, the dev score the configs optimise and characters/s
(one torch thread; speeds are only comparable within one run). `int8` also prints how far
the encoder's final hidden states move from float32 on a two-sentence example.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import spacy
import torch

import relief_ner
from relief_ner.corpus import TextStore, gold_to_doc
from relief_ner.corpus.project import CorpusLayout, load_split
from relief_ner.evaluate import score_docs
from relief_ner.loading import DEFAULT_MODEL_DIR
from relief_ner.packaging import torch_shims

EXAMPLE = "某某公司向明东村捐赠30万元，用于修建道路3条。\n湖南省新田县扶贫车间带动1200人就业。"
# which Linear layers each int8 variant quantises, by module path
INT8_VARIANTS = {
    "all": lambda name: True,
    "attention": lambda name: "attention" in name,
    "ffn-in": lambda name: name.endswith("intermediate.dense"),
    "not-ffn-out": lambda name: not (name.endswith("output.dense") and "attention" not in name),
}
WINDOWS = [(128, 96), (128, 112), (128, 128), (192, 160), (256, 224)]


def quantise(nlp, keep, per_channel: bool):
    qconfig = (torch.ao.quantization.per_channel_dynamic_qconfig if per_channel
               else torch.ao.quantization.default_dynamic_qconfig)
    for shim in torch_shims(nlp):
        module = shim._model.float()
        names = {n for n, m in module.named_modules() if isinstance(m, torch.nn.Linear) and keep(n)}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            shim._model = torch.ao.quantization.quantize_dynamic(
                module, {n: qconfig for n in names}, dtype=torch.qint8)
    return nlp


def hidden(nlp) -> np.ndarray:
    doc = nlp.get_pipe("transformer")(nlp.make_doc(EXAMPLE))
    return np.asarray(doc._.trf_data.model_output.last_hidden_state, dtype="float64")


def main(what: str, split: str = "dev") -> None:
    torch.set_num_threads(1)
    golds = load_split(CorpusLayout(Path(".")), TextStore(None), split)
    texts = [g.text for g in golds]

    def report(name: str, nlp, extra: str = "") -> None:
        gold_docs = [gold_to_doc(nlp, g) for g in golds]
        start = time.perf_counter()
        preds = list(nlp.pipe(texts))
        seconds = time.perf_counter() - start
        s = score_docs(zip(gold_docs, preds)).to_dict()
        ent, rel, rec = s["entities"]["micro"]["f"], s["relations"]["micro"]["f"], s["records"]["f"]
        print(f"{name:24s} entity F {ent:.4f}  relation F {rel:.4f}  record F {rec:.4f}  "
              f"score {0.5 * ent + 0.3 * rel + 0.2 * rec:.4f}  "
              f"{sum(map(len, texts)) / seconds:,.0f} chars/s{extra}", flush=True)

    if what == "int8":
        reference = hidden(relief_ner.load(int8=False))
        report("float32", relief_ner.load(int8=False))
        for name, keep in INT8_VARIANTS.items():
            for per_channel in (True, False):
                nlp = quantise(relief_ner.load(int8=False), keep, per_channel)
                err = np.linalg.norm(hidden(nlp) - reference) / np.linalg.norm(reference)
                report(f"{name}, per {'channel' if per_channel else 'matrix'}", nlp,
                       f"  hidden-state error {err:.0%}")
    elif what == "windows":
        for window, stride in WINDOWS:
            spans = {"@span_getters": "spacy-transformers.strided_spans.v1",
                     "window": window, "stride": stride}
            nlp = spacy.load(DEFAULT_MODEL_DIR, config={
                "components": {"transformer": {"model": {"get_spans": spans}}}})
            report(f"window {window}/{stride}", nlp)
    else:
        sys.exit(f"unknown variant family {what!r}: int8 or windows")


if __name__ == "__main__":
    main(*sys.argv[1:])
