"""Write and read a transformers model folder (config, safetensors weights, tokenizer)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

import numpy as np
from tokenizers import Tokenizer

from .fast_tokenizer import save_tokenizer
from .q4_format import Q4Header

WEIGHTS_FILE = "model.safetensors"
META_FILE = "backbone.json"
SOURCE_IDS_FILE = "source_ids.json"
DTYPES = ("float32", "float16")
FORMAT_VERSION = 1
WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"


def bert_config(
    header: Q4Header, *, vocab_size: int, pad_id: int, bos_id: int, eos_id: int, dtype: str
) -> Dict[str, object]:
    """``config.json`` for a ``BertModel`` with the file's hyper-parameters."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": header.hidden_size,
        "num_hidden_layers": header.num_layers,
        "num_attention_heads": header.num_heads,
        "intermediate_size": header.intermediate_size,
        "hidden_act": "gelu",  # erf GELU, as e5.c's gelu()
        "max_position_embeddings": header.max_positions,
        "type_vocab_size": header.type_vocab_size,
        # The file stores float32(1e-12); 7 significant digits give back the decimal.
        "layer_norm_eps": float(f"{header.layer_norm_eps:.7g}"),
        "vocab_size": vocab_size,
        # The hub config says 0 (BERT's default) but XLM-R pads with 1; padding_idx only
        # freezes that row's gradient, so using the real pad id is the useful choice.
        "pad_token_id": pad_id,
        "bos_token_id": bos_id,
        "eos_token_id": eos_id,
        "position_embedding_type": "absolute",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "use_cache": True,
        "tokenizer_class": "PreTrainedTokenizerFast",
        "torch_dtype": dtype,
    }


def write_backbone_folder(
    out_dir: Path,
    *,
    state: Mapping[str, np.ndarray],
    config: Mapping,
    tokenizer: Tokenizer,
    meta: Mapping,
    dtype: str,
    source_ids: Optional[Sequence[int]] = None,
) -> Path:
    """Write the folder atomically: build it beside ``out_dir``, then swap it in.

    A crash or a concurrent builder never leaves a half-written folder at ``out_dir``.
    An existing ``out_dir`` is replaced only if it is empty or a previous backbone.
    """
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, not {dtype!r}")
    from safetensors.numpy import save_file

    out_dir = check_target(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; the result is an ordinary folder
        np_dtype = np.dtype(dtype)
        tensors = {k: np.ascontiguousarray(v, dtype=np_dtype) for k, v in state.items()}
        save_file(tensors, str(tmp / WEIGHTS_FILE), metadata={"format": "pt"})
        _write_json(tmp / "config.json", dict(config))
        save_tokenizer(tokenizer, tmp)
        if source_ids is not None:
            _write_json(tmp / SOURCE_IDS_FILE, [int(i) for i in source_ids], indent=None)
        _write_json(tmp / META_FILE, {"format": FORMAT_VERSION, **meta})
        for f in tmp.iterdir():
            f.chmod(0o644)  # safetensors creates its file owner-only
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
            out_dir.rename(old)
            tmp.rename(out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            try:
                tmp.rename(out_dir)
            except OSError:
                # A concurrent builder finished first; its folder is as good as ours.
                if not (out_dir / META_FILE).exists():
                    raise
                shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def check_target(out_dir: Path) -> Path:
    """Resolve ``out_dir``; refuse a non-empty folder that is not a previous backbone."""
    out_dir = Path(out_dir).expanduser().resolve()
    if out_dir.is_file() or (out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / META_FILE).exists()):
        raise FileExistsError(f"{out_dir} exists and is not a relief_ner backbone; not overwriting it")
    return out_dir


@dataclass
class BackboneFolder:
    """Contents of a backbone folder, weights as numpy arrays."""

    config: Dict[str, Any]
    state: Dict[str, np.ndarray]
    tokenizer_json: Dict[str, Any]
    meta: Dict[str, Any]
    source_ids: Optional[List[int]]  # original piece id of each row, if pruned


def read_backbone_folder(src_dir: Path) -> BackboneFolder:
    """Load a folder written by :func:`write_backbone_folder`."""
    from safetensors.numpy import load_file

    src_dir = Path(src_dir)
    for name in ("config.json", WEIGHTS_FILE, "tokenizer.json"):
        if not (src_dir / name).exists():
            raise FileNotFoundError(f"{src_dir} is not a backbone folder: no {name}")
    meta_path = src_dir / META_FILE
    ids_path = src_dir / SOURCE_IDS_FILE
    return BackboneFolder(
        config=_read_json(src_dir / "config.json"),
        state=load_file(str(src_dir / WEIGHTS_FILE)),
        tokenizer_json=_read_json(src_dir / "tokenizer.json"),
        meta=_read_json(meta_path) if meta_path.exists() else {},
        source_ids=_read_json(ids_path) if ids_path.exists() else None,
    )


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def folder_size(path: Path) -> int:
    """Total bytes of the files in ``path``."""
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def _write_json(path: Path, obj: object, indent: Optional[int] = 2) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=indent) + "\n", encoding="utf-8")
