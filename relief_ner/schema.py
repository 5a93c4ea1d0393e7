"""Constants and helpers that come straight from the annotation schema (ANNOTATION.md)."""

from __future__ import annotations

import re

from typing import Iterator, List, Optional, Tuple

ENTITY_LABELS: Tuple[str, ...] = ("ORG", "LOC", "MONEY", "AREA", "COUNT")
MEASURE_LABELS = frozenset({"MONEY", "AREA", "COUNT"})
PARTY_LABELS = frozenset({"ORG", "LOC"})
RELATION_LABELS: Tuple[str, ...] = ("PROVIDER", "RECIPIENT")
SENTENCE_ENDS = frozenset("。！？!?\n")
# Chinese characters, for every rule that asks "is this Chinese": the unified ideographs,
# extension A and the compatibility ideographs (a regex character-class body).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_CHAR = re.compile(f"[{HAN}]")


def is_han(text: str) -> bool:
    """Whether every character of `text` is a Chinese character (true for "")."""
    return all(HAN_CHAR.match(ch) for ch in text)


# Whitespace that is not part of a sentence's evidence span (ideographic space included).
_SPACE = " \t\r\n\u3000\xa0"


def sentence_bounds(text: str) -> List[Tuple[int, int]]:
    """Sentences as (start, end) offsets: a sentence ends at 。！？!? (kept) or a newline
    (dropped); surrounding whitespace is trimmed and empty sentences are skipped."""
    bounds: List[Tuple[int, int]] = []
    start = 0
    for i, ch in enumerate(text):
        if ch in SENTENCE_ENDS:
            end = i if ch == "\n" else i + 1
            _append_trimmed(text, start, end, bounds)
            start = i + 1
    _append_trimmed(text, start, len(text), bounds)
    return bounds


def _append_trimmed(text: str, start: int, end: int, out: List[Tuple[int, int]]) -> None:
    while start < end and text[start] in _SPACE:
        start += 1
    while end > start and text[end - 1] in _SPACE:
        end -= 1
    if end > start:
        out.append((start, end))


class SentenceIndex:
    """Maps a character offset to the sentence that contains it (by the schema's rule)."""

    def __init__(self, text: str) -> None:
        self.bounds = sentence_bounds(text)
        # Every character, whitespace included, belongs to the sentence its segment ends;
        # ids follow the raw segmentation so that two ends of a relation compare equal
        # exactly when no sentence end lies between them.
        self._ids: List[int] = []
        sid = 0
        for ch in text:
            self._ids.append(sid)
            if ch in SENTENCE_ENDS:
                sid += 1

    def sentence_id(self, offset: int) -> int:
        return self._ids[offset]

    def same_sentence(self, a: int, b: int) -> bool:
        return self._ids[a] == self._ids[b]

    def bounds_of(self, offset: int) -> Tuple[int, int]:
        """The trimmed (start, end) of the sentence that contains `offset`."""
        for start, end in self.bounds:
            if start <= offset < end:
                return start, end
        raise ValueError(f"offset {offset} lies in no sentence (whitespace only)")

    def __iter__(self) -> Iterator[Tuple[int, int]]:
        return iter(self.bounds)


_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate_error(text: str) -> Optional[str]:
    """What is wrong with a text holding a lone surrogate (JSON's `\\ud800` escapes can carry
    one; UTF-8 cannot encode it and spaCy fails on it deep inside), or None if it has none."""
    bad = _SURROGATE.search(text)
    if bad is None:
        return None
    return f"the text holds a lone surrogate (U+{ord(bad.group()):04X}) at character {bad.start()}: not valid Unicode"
