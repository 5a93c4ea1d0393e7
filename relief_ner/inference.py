"""CPU inference settings for pipelines with a transformer."""

from __future__ import annotations

import os

from spacy.language import Language


def optimise_for_cpu(nlp: Language, threads: int = 0, int8: bool = False) -> Language:
    """Use all cores (or `threads`) for torch and, with `int8`, quantise the transformer's
    Linear layers dynamically to int8 (faster on CPU; check accuracy with
    `relief-ner evaluate` before relying on it). Pipelines without torch are unchanged."""
    from .packaging import torch_shims

    shims = list(torch_shims(nlp))
    if not shims:
        return nlp
    import torch

    torch.set_num_threads(threads or os.cpu_count() or 1)
    if int8:
        for shim in shims:
            shim._model = torch.quantization.quantize_dynamic(
                shim._model.float(), {torch.nn.Linear}, dtype=torch.qint8)
    return nlp
