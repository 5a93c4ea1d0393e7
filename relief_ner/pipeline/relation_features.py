"""Sparse, readable features of a measure–party candidate pair (`relief.RelationModel.v3`).

What decides a relation in these reports is local and lexical: the words between the
measure and the party (`投资`, `为`, `向…捐赠`), the word right before the party (`为`, `向`,
`帮助` mark a recipient), the word right after it (`协调` marks a coordinator, `获得` a
recipient), the unit of the measure (`户`, `人` in a description of a village vs `万元`
after `捐赠`), how many other parties lie between, and whether a clause break does. With a
few hundred gold relations a linear model over such features learns these cues from the
data, where a network over 384-dimensional encoder vectors has too little data to find them.
Features are strings; the model hashes them (spaCy's bag-of-words text classifier works
the same way).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from typing import Dict, List, NamedTuple, Sequence, Tuple, Optional

from spacy.tokens import Doc, Span

from ..schema import MEASURE_LABELS, PARTY_LABELS, SentenceIndex
from .relation_rules import CueWords, RelationRules

# Pair = (head start, head end, tail start, tail end) in token indices.
Pair = Tuple[int, int, int, int]
_CLAUSE_BREAKS = re.compile(r"[，,；;：:]")
_SEMICOLONS = re.compile(r"[；;]")
_COMMAS = re.compile(r"[，,]")
_DIGITS = re.compile(r"[0-9０-９.．]+")
_LONG_GAP = 12


class _Ent(NamedTuple):
    """What the features read of an entity, read once (a spaCy Span recomputes its
    character offsets on every access)."""

    start: int  # token index
    start_char: int
    end_char: int
    text: str
    label_: str


def _bucket(n: int, edges: Sequence[int]) -> str:
    for edge in edges:
        if n <= edge:
            return str(edge)
    return f">{edges[-1]}"


def _shape(text: str) -> str:
    """Digits collapsed, so `175户` and `23户` share features."""
    return _DIGITS.sub("0", text)


def pair_features(
    doc: Doc, ents: Sequence[Tuple[int, int, str]], pairs: Sequence[Pair], cues: Optional[CueWords] = None
) -> List[List[str]]:
    """One list of feature strings per pair, in the order of `pairs`; `cues`: the cue-word
    lists to read (a trained model's own copy; default: the rules' current lists)."""
    if not pairs:
        return []
    cues = cues if cues is not None else CueWords()
    text = doc.text
    spans = {(s, e): Span(doc, s, e, label=label) for s, e, label in ents}
    ordered_spans = sorted(spans.values(), key=lambda sp: sp.start_char)
    verdict = {(r.head.start, r.tail.start): r.label for r in RelationRules(cues=cues).relate(doc, ordered_spans)}
    info = {key: _Ent(sp.start, sp.start_char, sp.end_char, sp.text, sp.label_) for key, sp in spans.items()}
    ordered = sorted(info.values(), key=lambda sp: sp.start_char)
    index = SentenceIndex(text)
    # Start offsets of the parties and of the measures, for counting what lies between
    # the two ends of a pair in O(log n) (entities do not overlap).
    starts = {
        kind: [sp.start_char for sp in ordered if sp.label_ in labels]
        for kind, labels in (("party", PARTY_LABELS), ("measure", MEASURE_LABELS))
    }
    sentence_cue: Dict[int, bool] = {}
    rows = []
    for hs, he, ts, te in pairs:
        head, tail = info[(hs, he)], info[(ts, te)]
        rows.append(_features(text, index, sentence_cue, starts, verdict, head, tail, cues))
    return rows


def _count(starts: List[int], lo: int, hi: int) -> int:
    return bisect_left(starts, hi) - bisect_left(starts, lo)


def _features(
    text: str,
    index: SentenceIndex,
    sentence_cue: Dict[int, bool],
    starts: Dict[str, List[int]],
    verdict: Dict[Tuple[int, int], str],
    head: _Ent,
    tail: _Ent,
    cues: CueWords,
) -> List[str]:
    after = tail.start_char >= head.end_char
    d = "R" if after else "L"  # where the party is, seen from the measure
    lo, hi = (head.end_char, tail.start_char) if after else (tail.end_char, head.start_char)
    gap = text[lo:hi]
    n_parties = _count(starts["party"], lo, hi)
    n_measures = _count(starts["measure"], lo, hi)
    sid = index.sentence_id(head.start_char)
    if sid not in sentence_cue:
        start, end = index.bounds_of(head.start_char)
        sentence_cue[sid] = any(cue in text[start:end] for cue in cues.assist)
    unit = _shape(head.text).lstrip("0")
    pl, pr = text[max(0, tail.start_char - 3) : tail.start_char], text[tail.end_char : tail.end_char + 3]
    ml, mr = text[max(0, head.start_char - 4) : head.start_char], text[head.end_char : head.end_char + 3]
    n_semi = len(_SEMICOLONS.findall(gap))
    n_comma = len(_COMMAS.findall(gap))
    # Nearest party in the same comma-clause, on the party's side of the measure. The
    # party's rank among the parties on its side by distance from the measure is
    # `n_parties`: the closer ones are exactly those between the two.
    in_clause = not _CLAUSE_BREAKS.search(gap)
    nearest_in_clause = in_clause and n_parties == 0
    feats = [
        "bias",
        f"semi={d}{min(n_semi, 2)}",
        f"comma={d}{min(n_comma, 3)}",
        f"near_clause={d}{nearest_in_clause}",
        f"near_clause_lab={head.label_}>{tail.label_}{d}{nearest_in_clause}",
        f"rank_clause={d}{min(n_parties, 3)}{in_clause}",
        f"rank_semi={d}{min(n_parties, 3)}{n_semi > 0}",
        f"lab={head.label_}>{tail.label_}",
        f"dir={d}",
        f"lab_dir={head.label_}>{tail.label_}{d}",
        f"dist={d}{_bucket(len(gap), (0, 1, 2, 4, 8, 16, 32, 64))}",
        f"np={d}{min(n_parties, 3)}",
        f"nm={d}{min(n_measures, 2)}",
        f"clause={d}{not in_clause}",
        f"rank={d}{min(n_parties, 3)}",
        f"rule={verdict.get((head.start, tail.start), 'none')}",
        f"rule_dir={verdict.get((head.start, tail.start), 'none')}{d}",
        f"sent_cue={sentence_cue[sid]}",
        f"unit={unit[-2:]}",
        f"unit1={unit[-1:]}",
        f"unit_lab={unit[-1:]}>{tail.label_}{d}",
        f"ps1={tail.text[-1:]}",
        f"ps2={tail.text[-2:]}",
        f"ps1_dir={tail.text[-1:]}{d}",
        f"pl1={pl[-1:]}{d}",
        f"pl2={pl[-2:]}{d}",
        f"pl3={pl}",
        f"pr1={pr[:1]}{d}",
        f"pr2={pr[:2]}{d}",
        f"pr3={pr}",
        f"ml1={ml[-1:]}",
        f"ml2={ml[-2:]}",
        f"ml4={_shape(ml)}",
        f"mr1={mr[:1]}",
        f"mr2={mr[:2]}",
    ]
    feats += [f"mlb={ml[i : i + 2]}" for i in range(len(ml) - 1)]
    if len(gap) <= _LONG_GAP:
        feats.append(f"gap={d}{_shape(gap)}")
        feats += [f"gb={d}{gap[i : i + 2]}" for i in range(len(gap) - 1)]
        feats += [f"gu={d}{ch}" for ch in gap]
    else:
        head_end, tail_end = (gap[:6], gap[-6:]) if after else (gap[-6:], gap[:6])
        # `near` is the measure's end of the gap, `far` the party's.
        feats += [f"gnear={d}{head_end[i : i + 2]}" for i in range(len(head_end) - 1)]
        feats += [f"gfar={d}{tail_end[i : i + 2]}" for i in range(len(tail_end) - 1)]
    # the feature names of the lists (`gx=assistL` …) follow CueWords' field names
    for name, words in (
        ("assist", cues.assist),
        ("coord", cues.coord),
        ("receive", cues.receive),
        ("marker", cues.marker),
        ("outcome", cues.outcome),
    ):
        if any(w in gap for w in words):
            feats.append(f"gx={name}{d}")
        if any(w in ml + text[max(0, head.start_char - 8) : head.start_char] for w in words):
            feats.append(f"mx={name}")
    if pl.endswith(cues.marker):
        feats.append(f"marker_before_party{d}")
    if pr.startswith(cues.coord):
        feats.append(f"coord_after_party{d}")
    if pr.startswith(cues.receive):
        feats.append(f"receive_after_party{d}")
    if pr.startswith(cues.assist) or text[tail.end_char : tail.end_char + 4].startswith(cues.assist):
        feats.append(f"assist_after_party{d}")
    return feats
