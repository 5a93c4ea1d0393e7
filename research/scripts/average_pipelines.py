"""Average the weights of two pipelines that share a config and an ancestor (a "model soup"):
every thinc parameter and every PyTorch tensor of the transformer, NER and relation head.

    python research/scripts/average_pipelines.py A B OUT [--weight 0.5]

OUT gets A's config and non-weight data with the weights `weight * A + (1 - weight) * B`.
Used on 2026-12-05 (research/README.md, "Transfer data again").
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

import relief_ner


def _torch_modules(model):
    for node in model.walk():
        for shim in node.shims:
            module = getattr(shim, "_model", None)
            if isinstance(module, torch.nn.Module):
                yield module


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("out", type=Path)
    ap.add_argument("--weight", type=float, default=0.5, help="weight of A")
    args = ap.parse_args()
    w = args.weight
    nlp_a, nlp_b = relief_ner.load(args.a), relief_ner.load(args.b)
    if nlp_a.pipe_names != nlp_b.pipe_names:
        raise SystemExit(f"different pipelines: {nlp_a.pipe_names} vs {nlp_b.pipe_names}")
    n_params = n_tensors = 0
    for name, pipe in nlp_a.components:
        model_a = getattr(pipe, "model", None)
        if model_a is None or not hasattr(model_a, "walk"):
            continue
        model_b = nlp_b.get_pipe(name).model
        for node_a, node_b in zip(model_a.walk(), model_b.walk()):
            if node_a.name != node_b.name:
                raise SystemExit(f"{name}: layers differ ({node_a.name} vs {node_b.name})")
            for param in node_a.param_names:
                if node_a.has_param(param) and node_b.has_param(param):
                    node_a.set_param(param, w * node_a.get_param(param) + (1 - w) * node_b.get_param(param))
                    n_params += 1
        for mod_a, mod_b in zip(_torch_modules(model_a), _torch_modules(model_b)):
            state_b = mod_b.state_dict()
            with torch.no_grad():
                for key, tensor in mod_a.state_dict().items():
                    if tensor.is_floating_point():
                        tensor.copy_(w * tensor + (1 - w) * state_b[key])
                        n_tensors += 1
    nlp_a.to_disk(args.out)
    print(f"averaged {n_params} thinc parameters and {n_tensors} torch tensors → {args.out}")


if __name__ == "__main__":
    main()
