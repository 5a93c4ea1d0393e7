"""Long documents in windows: split at sentence ends, process, map offsets back.

A transformer pipeline sees a limited context and its memory grows with the length of a
doc; the rules build a sentence index whose look-ups get slower with every sentence. Both
are sentence-local by the schema (relations and records never leave their sentence), so a
document can be cut at sentence ends into windows of at most `max_chars` characters,
each window processed as a doc of its own, and the offsets shifted back: the result is
the same as for the whole document (tests check this for the rules pipeline).

How big a window is, in order of precedence:

1. `--window N` on the command line (0 switches windowing off);
2. what the pipeline declares in `nlp.meta["relief_ner"]["window_chars"]` (a trained
   pipeline writes it into its meta.json; `null` or 0 means "no windowing");
3. `DEFAULT_WINDOW_CHARS`.

It is never larger than `nlp.max_length`.
"""

from __future__ import annotations

import re
from typing import Any, List, Optional, Sequence, Tuple

from ..output import RESULT_KEYS, Results, shift_results
from ..schema import SENTENCE_ENDS

DEFAULT_WINDOW_CHARS = 2000
META_KEY = "relief_ner"
META_WINDOW = "window_chars"
# Inside an over-long sentence, cut after a clause mark before cutting anywhere.
_CLAUSE_END = re.compile(r"[，,；;：:、\s]")

Window = Tuple[int, int]


def pipeline_window(nlp: Any, override: Optional[int] = None) -> Optional[int]:
    """The window size for `nlp` in characters, or None for "whole documents"."""
    if override is not None:
        size: Optional[int] = override
    else:
        declared = (getattr(nlp, "meta", None) or {}).get(META_KEY, {})
        size = declared.get(META_WINDOW, DEFAULT_WINDOW_CHARS) if isinstance(declared, dict) else DEFAULT_WINDOW_CHARS
    if not size:
        return None
    if size < 0:
        raise ValueError(f"window size must be positive, got {size}")
    return min(int(size), nlp.max_length)


def plan_windows(text: str, max_chars: Optional[int]) -> List[Window]:
    """Contiguous (start, end) windows that cover `text` exactly, each at most `max_chars`
    long, cut right after a sentence end (。！？!? or newline) wherever one exists.

    A single sentence longer than `max_chars` is cut after a clause mark (，；：、 or
    space) and, failing that, at `max_chars`: a relation inside such a sentence may then be
    lost, which is the price of a bounded window.
    """
    n = len(text)
    if max_chars is None or n <= max_chars:
        return [(0, n)]
    if max_chars < 1:
        raise ValueError(f"window size must be positive, got {max_chars}")
    windows: List[Window] = []
    start = 0
    while start < n:
        limit = start + max_chars
        if limit >= n:
            windows.append((start, n))
            break
        cut = _last_cut(text, start, limit, SENTENCE_ENDS)
        if cut is None:
            cut = _last_cut_re(text, start, limit) or limit
        windows.append((start, cut))
        start = cut
    return windows


def _last_cut(text: str, start: int, limit: int, ends: Sequence[str]) -> Optional[int]:
    """The largest position p in (start, limit] such that text[p-1] is a sentence end."""
    best = max(text.rfind(ch, start, limit) for ch in ends)
    return best + 1 if best >= start else None


def _last_cut_re(text: str, start: int, limit: int) -> Optional[int]:
    best = None
    for m in _CLAUSE_END.finditer(text, start, limit):
        best = m.end()
    return best


def merge_window_results(parts: Sequence[Tuple[int, Results]]) -> Results:
    """Results of the windows of one document, each with its start offset, as results of
    the document. Windows are disjoint, so nothing needs deduplication."""
    if len(parts) == 1:
        return shift_results(parts[0][1], parts[0][0])
    merged: Results = {key: [] for key in RESULT_KEYS}
    for offset, results in parts:
        shifted = shift_results(results, offset)
        for key in RESULT_KEYS:
            merged[key].extend(shifted[key])
    return merged
