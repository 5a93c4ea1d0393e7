"""CPU inference settings for pipelines with a transformer."""

from __future__ import annotations

import os
import warnings

from spacy.language import Language


def optimise_for_cpu(nlp: Language, threads: int = 0, int8: bool = False,
                     per_channel: bool = True) -> Language:
    """Use all cores (or `threads`) for torch and, with `int8`, quantise the transformer's
    Linear layers dynamically to int8 (about twice as fast on CPU). Weights get one scale
    per output channel by default: one scale per matrix cost 0.02 dev entity F1 on the
    shipped model, per channel 0.007 on dev but 0.03 on test (docs/MODEL.md), which is
    why the default stays float32. Pipelines without torch are unchanged."""
    from .packaging import torch_shims

    shims = list(torch_shims(nlp))
    if not shims:
        return nlp
    import torch

    torch.set_num_threads(threads or os.cpu_count() or 1)
    if int8:
        from torch.ao.quantization import default_dynamic_qconfig, per_channel_dynamic_qconfig

        qconfig = per_channel_dynamic_qconfig if per_channel else default_dynamic_qconfig
        for shim in shims:
            if getattr(shim, "_relief_int8", False):
                continue  # already quantised; doing it twice would fail on packed weights
            with warnings.catch_warnings():
                # torch announces the move of eager quantisation to torchao; it still works.
                warnings.simplefilter("ignore")
                shim._model = torch.ao.quantization.quantize_dynamic(
                    shim._model.float(), {torch.nn.Linear: qconfig}, dtype=torch.qint8)
            shim._relief_int8 = True
    return nlp


def wants_int8(nlp: Language) -> bool:
    """Whether the pipeline was shipped for int8 CPU inference (`relief-ner ship --int8`)."""
    return bool(nlp.meta.get("relief_ner", {}).get("cpu_int8", False))


def is_int8(nlp: Language) -> bool:
    from .packaging import torch_shims

    return any(getattr(shim, "_relief_int8", False) for shim in torch_shims(nlp))
