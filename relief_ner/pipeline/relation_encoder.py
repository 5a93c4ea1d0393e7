"""`relief.RelationEncoder.v1`: a relation model that reads the sentence.

For every candidate (measure, party) pair the model reads the pair's sentence (a window of
at most `max_window` tokens around the pair in long sentences) as a sequence of encoder
vectors, each tagged with its role: the measure of the pair and its label, the party of the
pair and its label, another measure, another party, or a plain token. A bidirectional LSTM
runs over that sequence, so the decision for a pair can use what lies anywhere in the
sentence: the subject shared by a list of clauses, a party that follows the measures, the
other parties listed with this one, the verb that makes a figure assistance (`捐赠`,
`投资`) or an outcome (`全村共207户`). The pair is scored from the LSTM states over its
measure and its party and a max over the whole window ("typed entity markers" in the
relation-extraction literature, read by a small recurrent layer instead of re-running the
encoder per pair, which a CPU could not afford).

The token vectors come from a `tok2vec` (in the shipped pipeline a listener of the
transformer); gradients flow back to it, so the model can be trained with the encoder or
on a frozen one.
"""

from __future__ import annotations

from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np
import torch
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import ArgsKwargs, Model, PyTorchWrapper_v2, torch2xp, xp2torch
from thinc.types import Floats2d

from .relation_features import Pair
from .relation_model import doc_entities
from .sentences import sentence_ids

# Roles of a token in a pair's window.
ROLE_PAD, ROLE_TOKEN = 0, 1
_OTHER = {"MONEY": 2, "AREA": 3, "COUNT": 4, "ORG": 5, "LOC": 6}
_HEAD = {"MONEY": 7, "AREA": 8, "COUNT": 9}
_TAIL = {"ORG": 10, "LOC": 11}
N_ROLES = 12
HEAD_ROLES = tuple(_HEAD.values())
TAIL_ROLES = tuple(_TAIL.values())


N_DISTANCES = 19  # 0 padding, 1 inside the span, 2-9 before it, 11-18 after it


class PairWindows:
    """The arrays one batch of pairs is read from: token rows of all docs stacked (`offsets`
    gives each doc's first row), and per pair the window's row indices, roles and distances
    to the measure and to the party (`distance_buckets`), padded with index -1 and 0."""

    def __init__(
        self, index: np.ndarray, roles: np.ndarray, to_head: np.ndarray, to_tail: np.ndarray, offsets: List[int]
    ) -> None:
        self.index = index
        self.roles = roles
        self.to_head = to_head
        self.to_tail = to_tail
        self.offsets = offsets


def distance_buckets(positions: np.ndarray, start: int, end: int) -> np.ndarray:
    """1 inside [start, end); otherwise 2 + 8 ± ⌈log2⌉ of the distance (at most 8 either way),
    so that the near context is told apart token by token and the far one coarsely."""
    before = np.maximum(start - positions, 0)
    after = np.maximum(positions - (end - 1), 0)
    dist = np.where(before > 0, -before, after)
    scale = np.minimum(np.ceil(np.log2(np.abs(dist) + 1)), 8).astype("int64")
    buckets = 2 + 8 + np.sign(dist) * scale
    return np.where(dist == 0, 1, buckets)


def pair_windows(
    docs_ents: Sequence[List[Tuple[int, int, str]]],
    docs_sents: Sequence[List[int]],
    docs_pairs: Sequence[List[Pair]],
    lengths: Sequence[int],
    max_window: int,
) -> PairWindows:
    """Windows for every pair of every doc, in the order the docs list their pairs."""
    windows: List[Tuple[np.ndarray, ...]] = []
    offsets, offset = [], 0
    for ents, sents, pairs, n in zip(docs_ents, docs_sents, docs_pairs, lengths):
        offsets.append(offset)
        if pairs:
            base = _base_roles(ents, n)
            bounds = _sentence_bounds(sents)
            label_at = {s: label for s, _, label in ents}
            for hs, he, ts, te in pairs:
                lo, hi = _window(bounds[sents[hs]], min(hs, ts), max(he, te), max_window)
                roles = base[lo:hi].copy()
                roles[hs - lo : he - lo] = _HEAD[label_at[hs]]
                roles[ts - lo : te - lo] = _TAIL[label_at[ts]]
                positions = np.arange(lo, hi)
                windows.append(
                    (
                        positions + offset,
                        roles,
                        distance_buckets(positions, hs, he),
                        distance_buckets(positions, ts, te),
                    )
                )
        offset += n
    width = max((len(w[0]) for w in windows), default=0)
    index = np.full((len(windows), width), -1, dtype="int64")
    roles, to_head, to_tail = (np.zeros((len(windows), width), dtype="int64") for _ in range(3))
    for i, (rows, role, dh, dt) in enumerate(windows):
        index[i, : len(rows)] = rows
        roles[i, : len(role)] = role
        to_head[i, : len(dh)] = dh
        to_tail[i, : len(dt)] = dt
    return PairWindows(index, roles, to_head, to_tail, offsets)


def _base_roles(ents: List[Tuple[int, int, str]], n: int) -> np.ndarray:
    roles = np.full(n, ROLE_TOKEN, dtype="int64")
    for start, end, label in ents:
        roles[start:end] = _OTHER[label]
    return roles


def _sentence_bounds(sents: List[int]) -> dict:
    bounds: dict = {}
    for i, sid in enumerate(sents):
        lo, _ = bounds.get(sid, (i, i))
        bounds[sid] = (lo, i + 1)
    return bounds


def _window(sentence: Tuple[int, int], lo: int, hi: int, max_window: int) -> Tuple[int, int]:
    """The sentence, or in a longer sentence `max_window` tokens centred on the pair (the pair
    itself is never cut: candidates are at most `max_distance` tokens apart)."""
    start, end = sentence
    if end - start <= max_window:
        return start, end
    if hi - lo >= max_window:
        return lo, hi
    margin = (max_window - (hi - lo)) // 2
    start = max(start, min(lo - margin, end - max_window))
    return start, start + max_window


class RelationEncoderNet(torch.nn.Module):
    """Token vectors + pair windows → (n_pairs, nO) logits."""

    def __init__(self, input_width: int, width: int, hidden_width: int, nO: int, dropout: float) -> None:
        super().__init__()
        self.project = torch.nn.Linear(input_width, width)
        self.roles = torch.nn.Embedding(N_ROLES, width, padding_idx=ROLE_PAD)
        self.to_head = torch.nn.Embedding(N_DISTANCES, width, padding_idx=0)
        self.to_tail = torch.nn.Embedding(N_DISTANCES, width, padding_idx=0)
        self.lstm = torch.nn.LSTM(width, width // 2, batch_first=True, bidirectional=True)
        self.dropout = torch.nn.Dropout(dropout)
        self.output = torch.nn.Sequential(
            torch.nn.Linear(4 * width, hidden_width),
            torch.nn.ReLU(),
            torch.nn.Dropout(dropout),
            torch.nn.Linear(hidden_width, nO),
        )
        self.register_buffer("head_roles", torch.tensor(HEAD_ROLES))
        self.register_buffer("tail_roles", torch.tensor(TAIL_ROLES))

    def forward(
        self,
        tokens: torch.Tensor,
        index: torch.Tensor,
        roles: torch.Tensor,
        to_head: torch.Tensor,
        to_tail: torch.Tensor,
    ) -> torch.Tensor:
        if index.shape[0] == 0:
            return tokens.new_zeros((0, self.output[-1].out_features))
        rows = self.dropout(torch.relu(self.project(tokens)))
        # Row -1 (padding) reads an appended zero row.
        rows = torch.cat([rows, rows.new_zeros((1, rows.shape[1]))])
        x = rows[index] + self.roles(roles) + self.to_head(to_head) + self.to_tail(to_tail)
        mask = roles != ROLE_PAD
        lengths = mask.sum(dim=1).cpu()
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        states, _ = self.lstm(packed)
        states, _ = torch.nn.utils.rnn.pad_packed_sequence(states, batch_first=True, total_length=x.shape[1])
        head = _masked_mean(states, torch.isin(roles, self.head_roles))
        tail = _masked_mean(states, torch.isin(roles, self.tail_roles))
        whole = states.masked_fill(~mask.unsqueeze(-1), -1e4).max(dim=1).values
        features = torch.cat([head, tail, head * tail, whole], dim=1)
        return self.output(self.dropout(features))


def _masked_mean(states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    weights = mask.unsqueeze(-1).to(states.dtype)
    return (states * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)


@registry.architectures("relief.RelationEncoder.v1")
def build_relation_encoder(
    tok2vec: Model[List[Doc], List[Floats2d]],
    get_candidates: Callable[[Doc], List[Pair]],
    input_width: int = 384,
    width: int = 128,
    hidden_width: int = 128,
    max_window: int = 160,
    dropout: float = 0.2,
    nO: int = 2,
) -> Model[List[Doc], Floats2d]:
    """Docs → (n_pairs, nO) logits, pairs in the order `get_candidates` lists them.

    tok2vec (Model): token vectors of width `input_width` (a transformer listener).
    get_candidates (Callable): the doc's candidate pairs (`relief.candidate_pairs.v1`).
    input_width (int): the width of the token vectors.
    width (int): the width of the projected tokens and of the LSTM's states.
    hidden_width (int): the hidden layer of the pair scorer.
    max_window (int): the most tokens a pair's window holds (long sentences are cut around
        the pair).
    dropout (float): dropout on the projected tokens and the pair features.
    nO (int): relation labels.
    """
    net = PyTorchWrapper_v2(
        RelationEncoderNet(input_width, width, hidden_width, nO, dropout), convert_inputs=_convert_inputs
    )
    return Model(
        "relief_relation_encoder",
        _forward,
        layers=[tok2vec, net],
        refs={"tok2vec": tok2vec, "net": net},
        init=_init,
        attrs={"get_candidates": get_candidates, "max_window": max_window},
        dims={"nO": nO},
    )


def _init(model: Model, X: Optional[List[Doc]] = None, Y=None) -> Model:
    tok2vec = model.get_ref("tok2vec")
    tok2vec.initialize(X=X) if X is not None else tok2vec.initialize()
    return model


def _convert_inputs(model: Model, X, is_train: bool):
    tokens, windows = X
    shim = model.shims[0]
    args = (
        xp2torch(tokens, requires_grad=is_train, device=shim.device),
        torch.from_numpy(windows.index).to(shim.device),
        torch.from_numpy(windows.roles).to(shim.device),
        torch.from_numpy(windows.to_head).to(shim.device),
        torch.from_numpy(windows.to_tail).to(shim.device),
    )

    def convert_back(d_inputs: ArgsKwargs):
        return torch2xp(d_inputs.args[0])

    return ArgsKwargs(args=args, kwargs={}), convert_back


def _forward(model: Model, docs: List[Doc], is_train: bool):
    tok2vec = model.get_ref("tok2vec")
    net = model.get_ref("net")
    get_candidates = model.attrs["get_candidates"]
    tokvecs, bp_tokvecs = tok2vec(docs, is_train)
    ops = model.ops
    windows = pair_windows(
        [doc_entities(doc) for doc in docs],
        [sentence_ids(doc) for doc in docs],
        [get_candidates(doc) for doc in docs],
        [len(doc) for doc in docs],
        model.attrs["max_window"],
    )
    if windows.index.shape[0] == 0:

        def backprop_empty(d_scores):
            return bp_tokvecs([ops.alloc2f(*v.shape) for v in tokvecs])

        return ops.alloc2f(0, model.get_dim("nO")), backprop_empty
    # an empty doc's vectors can come as a (0, 0) array: it adds no rows
    tokens = ops.xp.concatenate([ops.asarray(v, dtype="float32") for v in tokvecs if len(v)])
    scores, bp_net = net((tokens, windows), is_train)

    def backprop(d_scores: Floats2d):
        d_tokens = bp_net(d_scores)
        return bp_tokvecs(
            [
                d_tokens[start : start + len(v)] if len(v) else ops.alloc2f(*v.shape)
                for start, v in zip(windows.offsets, tokvecs)
            ]
        )

    return scores, backprop
