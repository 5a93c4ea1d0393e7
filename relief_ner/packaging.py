"""Ship a trained pipeline as the package's default model (`relief_ner/models/default`).

The transformer's weights are stored in half precision to keep the repository small;
spacy-transformers builds the model in float32 from its config at load time and
`load_state_dict` casts the stored half-precision values back, so inference runs in
float32 on any CPU, or in int8 where the model was shipped for it (`cpu_int8`).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Dict, Optional, Union

import spacy

from .inference import torch_shims
from .loading import DEFAULT_MODEL_DIR


def torch_modules(nlp, component: Optional[str] = None):
    """The PyTorch modules inside the pipeline's components (or inside `component`)."""
    for shim in torch_shims(nlp, component):
        yield shim._model


def ship_pipeline(
    src: Union[str, Path],
    dst: Union[str, Path] = DEFAULT_MODEL_DIR,
    half: bool = True,
    cpu_int8: bool = False,
    stride: Optional[int] = None,
) -> Dict[str, object]:
    """Copy a trained pipeline to `dst` with half-precision transformer weights; with
    `cpu_int8`, `relief_ner.load()` quantises it to int8 for CPU inference by default;
    `stride` sets where the transformer's windows start at inference (training used the
    config's stride; the shipped default reads windows of 128 every 112, docs/MODEL.md)."""
    src, dst = Path(src), Path(dst)
    nlp = spacy.load(src)
    if stride is not None:
        set_window_stride(nlp, stride)
    n_modules = 0
    if half:
        for module in torch_modules(nlp):
            module.half()
            n_modules += 1
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    nlp.meta["name"] = "relief_ner_default"
    meta = nlp.meta.setdefault("relief_ner", {})
    meta["shipped_from"] = str(src)
    meta["cpu_int8"] = cpu_int8
    nlp.to_disk(tmp)
    if dst.exists():
        shutil.rmtree(dst)
    tmp.rename(dst)
    size = sum(p.stat().st_size for p in dst.rglob("*") if p.is_file())
    return {"path": str(dst), "bytes": size, "half_precision_modules": n_modules}


def set_window_stride(nlp, stride: int) -> None:
    """Change the stride of the `transformer` component's strided windows in the pipeline's
    config (what `nlp.to_disk` writes and loading builds from)."""
    if "transformer" not in nlp.pipe_names:
        raise ValueError("the pipeline has no transformer component whose windows could be set")
    spans = nlp.get_pipe_config("transformer")["model"].get("get_spans", {})
    if "stride" not in spans or "window" not in spans:
        raise ValueError(f"the transformer's span getter has no window/stride: {dict(spans)}")
    if not 0 < stride <= spans["window"]:
        raise ValueError(f"stride must be between 1 and the window ({spans['window']}), not {stride}")
    spans["stride"] = stride
