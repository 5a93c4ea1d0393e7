"""What counts as a CJK character, and how well the piece table covers them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable, List, Mapping, Sequence, Tuple

#: Han ideograph blocks, the set BERT's tokenizer splits character by character
#: (``_is_chinese_char``). Kana, Hangul and CJK punctuation are deliberately not in it:
#: punctuation between two ideographs ends up isolated anyway.
CJK_RANGES: Tuple[Tuple[int, int], ...] = (
    (0x3400, 0x4DBF),  # Extension A
    (0x4E00, 0x9FFF),  # Unified Ideographs
    (0xF900, 0xFAFF),  # Compatibility Ideographs
    (0x20000, 0x2A6DF),  # Extension B
    (0x2A700, 0x2B73F),  # Extension C
    (0x2B740, 0x2B81F),  # Extension D
    (0x2B820, 0x2CEAF),  # Extension E
    (0x2F800, 0x2FA1F),  # Compatibility Supplement
)


def is_cjk_char(ch: str) -> bool:
    """True if ``ch`` is a single Han ideograph in :data:`CJK_RANGES`."""
    if len(ch) != 1:
        return False
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in CJK_RANGES)


def cjk_char_class() -> str:
    """A regex character class for CJK_RANGES, valid for Oniguruma (tokenizers) and ``re``.

    Literal characters rather than escapes, since the two engines spell code-point
    escapes differently (``\\x{4E00}`` vs ``\\u4E00``).
    """
    parts = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in CJK_RANGES)
    return f"[{parts}]"


def single_char_cjk_ids(pieces: Sequence[str]) -> List[int]:
    """Ids of the pieces that are exactly one CJK character (no ``▁`` prefix)."""
    return [i for i, p in enumerate(pieces) if len(p) == 1 and is_cjk_char(p)]


@dataclass(frozen=True)
class CjkCoverage:
    """How many CJK characters of some texts have no single-character piece."""

    cjk_occurrences: int
    distinct_cjk: int
    missing_occurrences: int
    missing_distinct: int
    missing: Tuple[Tuple[str, int], ...]  # (char, occurrences), most frequent first

    def summary(self) -> str:
        return (
            f"{self.missing_distinct} of {self.distinct_cjk} distinct CJK characters "
            f"({self.missing_occurrences} of {self.cjk_occurrences} occurrences) have no "
            f"single-character piece"
        )


def cjk_coverage(texts: Iterable[str], pieces: Sequence[str], norm_map: Mapping[str, str] = None) -> CjkCoverage:
    """Count CJK characters lacking a single-character piece, after ``norm_map``.

    The tokenizer sees normalised text, so compatibility ideographs that NFKC maps to
    unified ones are counted under the character they become.
    """
    counts: Counter = Counter()
    for text in texts:
        if norm_map:
            text = "".join(norm_map.get(ch, ch) for ch in text)
        counts.update(ch for ch in text if is_cjk_char(ch))
    have = set(pieces[i] for i in single_char_cjk_ids(pieces))
    missing = sorted(((c, n) for c, n in counts.items() if c not in have), key=lambda x: -x[1])
    return CjkCoverage(
        cjk_occurrences=sum(counts.values()),
        distinct_cjk=len(counts),
        missing_occurrences=sum(n for _, n in missing),
        missing_distinct=len(missing),
        missing=tuple(missing),
    )
