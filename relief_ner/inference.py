"""CPU inference settings for pipelines with a transformer."""

from __future__ import annotations

import os
import warnings
from typing import Optional

from spacy.language import Language

# The component whose Linear layers int8 inference quantises.
TRANSFORMER = "transformer"


def torch_shims(nlp, component: Optional[str] = None):
    """The thinc shims that wrap PyTorch modules inside the pipeline's components (or inside
    the one named `component`)."""
    for name, proc in nlp.pipeline:
        if component is not None and name != component:
            continue
        model = getattr(proc, "model", None)
        if model is None:
            continue
        for node in model.walk():
            for shim in getattr(node, "shims", []):
                module = getattr(shim, "_model", None)
                if module is not None and hasattr(module, "half"):
                    yield shim


def optimise_for_cpu(nlp: Language, threads: int = 0, int8: bool = False, per_channel: bool = True) -> Language:
    """Use all cores (or `threads`) for torch and, with `int8`, quantise the transformer's
    Linear layers dynamically to int8 (about 1.3 times as fast on CPU: 7,600–8,150 vs
    5,500–6,350 characters/s on 2 cores with the shipped default). Weights get one scale
    per output channel by default: one scale per matrix cost 0.02 dev entity F1 on the
    shipped model, per channel 0.007 on dev but 0.03 on test (docs/MODEL.md), which is
    why the default stays float32. Pipelines without torch are unchanged."""
    if not any(True for _ in torch_shims(nlp)):
        return nlp
    import torch

    torch.set_num_threads(threads or os.cpu_count() or 1)
    # only the encoder: the relation model's small layers cost little and were not measured
    shims = list(torch_shims(nlp, TRANSFORMER))
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
                    shim._model.float(), {torch.nn.Linear: qconfig}, dtype=torch.qint8
                )
            shim._relief_int8 = True
    return nlp


def fork_safe(nlp: Language) -> Language:
    """Make `nlp.pipe(..., n_process=N)` work for a pipeline with torch components.

    spaCy forks its workers. torch's CPU build runs parallel operations on GNU OpenMP,
    whose thread pool does not survive a fork: once the parent has run one parallel
    operation (loading float16 weights is one), a worker that opens a parallel region
    waits forever, and `relief-ner extract --n-process 2` hung. While the workers run,
    torch is set to one thread, which the forked workers inherit (so N workers use N
    cores); the parent's setting comes back when the pipe is done. On 2 cores, two
    workers are about as fast as one process with two threads (docs/MODEL.md)."""
    if not any(True for _ in torch_shims(nlp)) or getattr(nlp, "_relief_fork_safe", False):
        return nlp
    original = nlp._multiprocessing_pipe

    def _multiprocessing_pipe(*args, **kwargs):
        import torch

        before = torch.get_num_threads()
        torch.set_num_threads(1)
        # the tokenizer's own thread pool has the same problem; it notices the fork and
        # turns itself off with a warning per worker: say so beforehand
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            yield from original(*args, **kwargs)
        finally:
            torch.set_num_threads(before)

    # spaCy's `Language.pipe` calls `self._multiprocessing_pipe`: the instance attribute wins
    nlp._multiprocessing_pipe = _multiprocessing_pipe
    nlp._relief_fork_safe = True
    return nlp


def wants_int8(nlp: Language) -> bool:
    """Whether the pipeline was shipped for int8 CPU inference (`relief-ner ship --int8`)."""
    return bool(nlp.meta.get("relief_ner", {}).get("cpu_int8", False))


def is_int8(nlp: Language) -> bool:
    return any(getattr(shim, "_relief_int8", False) for shim in torch_shims(nlp))
