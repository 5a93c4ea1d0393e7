"""Scores of resolved places against gold places, and a peer's answers read as codes.

A mention whose gold division is a village is correct at province level if the predicted
division lies in the same province, at county level if in the same county, and so on; at a
level finer than the prediction's own it is wrong (a county predicted for a village is
right at province, city and county level, wrong at town and village level). A level's
accuracy is over the gold mentions at that level or finer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Tuple

from ..divisions import CODE_DIGITS, LEVELS, Divisions


@dataclass
class Counts:
    correct: int = 0
    total: int = 0

    @property
    def rate(self) -> Optional[float]:
        return self.correct / self.total if self.total else None

    def add(self, ok: bool) -> None:
        self.correct += int(ok)
        self.total += 1

    def to_dict(self) -> Dict[str, Any]:
        rate = self.rate
        return {"rate": None if rate is None else round(rate, 4), "correct": self.correct, "total": self.total}


@dataclass
class PlaceScores:
    """`levels`: accuracy per level; `exact`: the very division; `coverage`: gold divisions
    given any code; `none_precision` / `none_recall`: predicted "no division" against gold
    "no division"; `kind`: the kind of what both call no division."""

    levels: Dict[str, Counts] = field(default_factory=lambda: {level: Counts() for level in LEVELS})
    exact: Counts = field(default_factory=Counts)
    coverage: Counts = field(default_factory=Counts)
    none_precision: Counts = field(default_factory=Counts)
    none_recall: Counts = field(default_factory=Counts)
    kind: Counts = field(default_factory=Counts)

    def add(
        self,
        gold_code: Optional[str],
        gold_level: Optional[str],
        gold_kind: Optional[str],
        code: Optional[str],
        level: Optional[str],
        kind: Optional[str] = None,
    ) -> None:
        if gold_code is None:
            self.none_recall.add(code is None)
            if code is None and gold_kind is not None:
                self.kind.add(kind == gold_kind)
        else:
            self.coverage.add(code is not None)
            self.exact.add(code == gold_code)
            gold_depth = LEVELS.index(gold_level)
            depth = LEVELS.index(level) if code is not None else -1
            for d in range(gold_depth + 1):
                digits = CODE_DIGITS[d]
                self.levels[LEVELS[d]].add(depth >= d and code[:digits] == gold_code[:digits])
        if code is None:
            self.none_precision.add(gold_code is None)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "accuracy": {level: c.to_dict() for level, c in self.levels.items()},
            "exact": self.exact.to_dict(),
            "coverage": self.coverage.to_dict(),
            "none_precision": self.none_precision.to_dict(),
            "none_recall": self.none_recall.to_dict(),
            "kind_accuracy": self.kind.to_dict(),
        }


def score_places(
    pairs: Iterable[
        Tuple[Tuple[Optional[str], Optional[str], Optional[str]], Tuple[Optional[str], Optional[str], Optional[str]]]
    ],
) -> PlaceScores:
    """Scores of ((gold code, level, kind), (code, level, kind)) pairs."""
    scores = PlaceScores()
    for gold, predicted in pairs:
        scores.add(*gold, *predicted)
    return scores


_PEER_LEVELS = ("province", "city", "county", "town", "village")


def peer_division(table: Divisions, parsed: Optional[Dict[str, Any]]) -> Optional[int]:
    """The division an address parser's answer names (jionlp's `parse_location`: names of
    province, city, county, town, village, any of them None): each name is looked up in the
    table inside the previous one; the finest that is found."""
    if not parsed:
        return None
    current: Optional[int] = None
    for level in _PEER_LEVELS:
        name = parsed.get(level)
        if not name:
            continue
        candidates = table.divisions(name)
        if current is not None:
            inside = table.subtree(current)
            candidates = [i for i in candidates if i in inside]
        at_level = [i for i in candidates if table.level(i) == level]
        chosen: List[int] = at_level or candidates
        if not chosen:
            # a name the table does not know (renamed since) or not as a division of its
            # own (`北京市` as a city): the next name is looked up below the last one found
            continue
        current = chosen[0]
    return current
