"""`relief_place_resolver`: which administrative division each place mention names, decided
by the document (docs/PLACES.md, "How a place is decided").

For every LOC span, and every ORG span whose name starts with a place (`平和县供电公司`) or
whose branch is named after one (`中国农业银行兴义分行`), the mention's text gives its
candidates (`place_names.MentionParser`). The document then chooses among them:

1. Mentions with one candidate (`平和县`, a full chain), the place of the dateline
   (`人民网贺州10月31日电`), the provinces of fused names (`粤桂`) and the places written in
   full inside organisations' names (`…驻冷坑镇团结村工作队`) are the document's anchors.
2. A candidate scores by the anchors it shares ancestors with, the deeper the better: an
   anchor in the same town counts 8, county 4, city 2, province 1, and an anchor inside the
   candidate itself 8 (16 for the same village) whatever the candidate's level, so that
   `承德` with 承德县 and 隆化县 in the report is the city (`Scores`). The best anchor counts
   fully, the others a tenth; anchors within `LOCAL_CHARS` characters count half again.
   Ambiguous names that can lie in the same county or town support each other (`镇东村`,
   `城南村`, `海东村`). A small prior prefers the higher level (`吉林` is the province).
3. Ambiguous mentions are decided fewest candidates first; each decision becomes an anchor
   for the rest, weighted by its confidence, so that a name repeated in the report is read
   the same way throughout.
4. A single character (`汕`) or a bare stem (`陇田`) that the table cannot read alone is
   looked for among the anchors' names and below the anchors' cities, counties and towns; a
   name below the table (a hamlet) lies in the town or county named just before it.

The results are plain data in `doc.user_data` (`extensions.PLACES_KEY`), read by
`span._.place` and `span._.place_kind` and carried into the records.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from spacy.language import Language
from spacy.tokens import Doc

from ..divisions import (
    DIRECT_PLACEHOLDERS,
    DIVISIONS_RESOURCE,
    LEVELS,
    MUNICIPAL_PLACEHOLDERS,
    Divisions,
    default_divisions,
)
from ..extensions import set_places
from ..output import Results, apply_places
from ..datelines import DATELINE_PLACE
from ..schema import HAN
from .place_names import MentionParse, MentionParser

_DATELINE = DATELINE_PLACE
DATELINE_CHARS = 300
# What may follow the name of a division to make its full name (`五星` + `村`).
_LEVEL_WORD = re.compile(r"省|市|县|区|州|盟|旗|镇|乡|街道|村|社区|嘎查|苏木|[" + HAN + r"]{1,8}?族(?:自治)?[州县乡旗]")
LOCAL_CHARS = 200


@Language.factory(
    "relief_place_resolver",
    default_config={"orgs": True, "datelines": True, "context": True, "max_candidates": 5, "divisions": None},
    requires=["doc.ents"],
    assigns=["span._.place", "span._.place_kind"],
)
def make_place_resolver(
    nlp: Language, name: str, orgs: bool, datelines: bool, context: bool, max_candidates: int, divisions: Optional[str]
) -> "PlaceResolver":
    """The administrative division of each LOC span and of ORG spans named after a place.

    orgs (bool): also resolve the place an organisation's name starts with or its branch is
        named after, and use it as context.
    datelines (bool): use the place of a dateline (`人民网贺州10月31日电`) as context.
    context (bool): decide ambiguous names by the document's other places; False keeps the
        text's own evidence only (chains, the level prior).
    max_candidates (int): how many other candidates an ambiguous place lists.
    divisions (Optional[str]): path of a division table built by `relief-ner gazetteer build`;
        null for the packaged one.
    """
    # read with the pipeline, so that forked workers share it and its cost shows in the load
    # time rather than in the first document
    table = default_divisions(divisions or str(DIVISIONS_RESOURCE))
    return PlaceResolver(table, orgs=orgs, datelines=datelines, context=context, max_candidates=max_candidates)


@dataclass
class _Mention:
    start: int
    end: int
    label: str
    text: str
    parse: MentionParse
    choice: Optional[int] = None
    confidence: float = 0.0
    ranked: Sequence[Tuple[float, int]] = ()  # (probability, division), best first


class PlaceResolver:
    def __init__(
        self, table: Divisions, orgs: bool = True, datelines: bool = True, context: bool = True, max_candidates: int = 5
    ) -> None:
        self.table = table
        self.parser = MentionParser(table)
        self.orgs = orgs
        self.datelines = datelines
        self.context = context
        self.max_candidates = max_candidates

    def __call__(self, doc: Doc) -> Doc:
        # `doc.text` joins every token of the doc: the mentions' texts and the first lines
        # (for the dateline) are all that is read
        mentions = [(e.start_char, e.end_char, e.label_, e.text) for e in doc.ents if e.label_ in ("LOC", "ORG")]
        set_places(doc, self.resolve(mentions, lambda: doc[:DATELINE_CHARS].text))
        return doc

    def resolve_results(self, text: str, results: Results) -> Results:
        """Resolve again over a whole document's merged results (`relief-ner extract` runs
        long documents in windows, each of which saw only its own places)."""
        mentions = [
            (e["start"], e["end"], e["label"], text[e["start"] : e["end"]])
            for e in results["entities"]
            if e.get("label") in ("LOC", "ORG")
        ]
        return apply_places(results, self.resolve(mentions, lambda: text[:DATELINE_CHARS]))

    # ------------------------------------------------------------------ resolve
    def resolve(
        self, mentions: Iterable[Tuple[int, int, str, str]], head: Callable[[], str] = str
    ) -> Dict[str, Dict[str, Any]]:
        """Place data per "start:end" for LOC/ORG mentions (start, end, label, text) of a
        document whose first characters (where a dateline would be) `head()` returns; it is
        called only if a mention is ambiguous."""
        parsed: List[_Mention] = []
        scores = Scores(self.table)
        for start, end, label, mention in mentions:
            if label == "LOC":
                parse = self.parser.parse_place(mention)
            elif label == "ORG" and self.orgs:
                parse = self.parser.parse_org(mention)
                if self.context:
                    # places named inside organisations' names (`…驻冷坑镇团结村工作队`)
                    skip = len(parse.matched) if parse is not None and parse.candidates else 0
                    for offset, division in self.parser.inner_places(mention, skip):
                        scores.add(division, start + offset, 0.6)
                if parse is None:
                    continue
            else:
                continue
            parsed.append(_Mention(start, end, label, mention, parse))
        if self.context:
            self._unlisted_villages(parsed)
        for m in parsed:
            if m.choice is not None:
                continue
            if len(m.parse.candidates) == 1:
                m.choice, m.confidence = m.parse.candidates[0], 1.0
                m.ranked = ((1.0, m.choice),)
                if self.context:
                    scores.add(m.choice, m.start, 1.0 if m.label == "LOC" else 0.7)
            elif self.context:
                for province in m.parse.parts:
                    scores.add(province, m.start, 0.5)
        ambiguous = sorted(
            (m for m in parsed if m.choice is None and len(m.parse.candidates) > 1),
            key=lambda m: (len(m.parse.candidates), m.start),
        )
        undecided = any(m.choice is None and m.parse.kind is None and m.label == "LOC" for m in parsed)
        if self.datelines and self.context and (ambiguous or undecided):
            dateline = self.dateline(head())
            if dateline is not None:
                # of several, the highest (a dateline names a city or county, not a village)
                candidates = dateline[1].candidates
                top = min(self.table.depth(i) for i in candidates)
                highest = [i for i in candidates if self.table.depth(i) == top]
                if len(highest) == 1:
                    scores.add(highest[0], dateline[0], 1.0)
        # a name repeated is one name: it cannot lie together with itself
        names = list(dict.fromkeys(m.text for m in ambiguous))
        if self.context and len(names) > 1:
            scores.cohere([next(m.parse.candidates for m in ambiguous if m.text == name) for name in names])
        for m in ambiguous:
            m.ranked = scores.rank(m.parse.candidates, m.start, mention=names.index(m.text))
            m.confidence, m.choice = m.ranked[0]
            if self.context:
                scores.add(m.choice, m.start, m.confidence)
        for m in parsed:
            if m.choice is None and m.parse.kind is None and m.label == "LOC":
                self._from_anchors(m.text, m, scores)
        return {f"{m.start}:{m.end}": self._data(m) for m in parsed}

    def _unlisted_villages(self, parsed: List[_Mention]) -> None:
        """A village named in a chain whose town the table has but not the village
        (`木棠镇薛宅村`) is that town wherever the report names the village alone, rather
        than a village of that name elsewhere."""
        unlisted = {m.parse.unlisted: m for m in parsed if m.parse.unlisted and len(m.parse.candidates) == 1}
        for m in parsed:
            chain = unlisted.get(m.text)
            if (
                chain is None
                or m is chain
                or any(self.table.is_within(i, chain.parse.candidates[0]) for i in m.parse.candidates)
            ):
                continue
            m.parse = MentionParse(list(chain.parse.candidates), matched=chain.parse.matched, partial=True)
            m.choice, m.confidence = m.parse.candidates[0], 1.0
            m.ranked = ((1.0, m.choice),)

    def dateline(self, text: str) -> Optional[Tuple[int, MentionParse]]:
        """(offset, parse) of the dateline's place in the first lines of `text`."""
        for match in _DATELINE.finditer(text, 0, min(len(text), DATELINE_CHARS)):
            parse = self.parser.parse_place(match.group("place"))
            if parse.candidates and not parse.partial:
                return match.start("place"), parse
        return None

    def _from_anchors(self, name: str, m: _Mention, scores: "Scores") -> None:
        """`汕` for 汕头市, `五星` for 五星村, `陇田` for 陇田镇 below 潮南区: a name the
        table cannot read alone, among the document's places and below them."""
        anchors = scores.anchors_by_weight(m.start)
        table = self.table
        for i in anchors:
            anchor = table.name(i)
            if anchor.startswith(name) and (len(name) == 1 or _LEVEL_WORD.fullmatch(anchor[len(name) :])):
                m.choice, m.confidence, m.ranked = i, 0.6, ((0.6, i),)
                m.parse = MentionParse([i], matched=name, short=True)
                return
        # the anchors' cities, counties and towns
        parents = frozenset(j for i in anchors for j in table.lineage(i) if table.depth(j) in (1, 2, 3))
        chain = self.parser.chain_within(name, parents) if len(name) > 1 else None
        if chain is not None and chain.candidates:
            ranked = scores.rank(chain.candidates, m.start)
            m.choice, m.confidence, m.ranked = ranked[0][1], 0.6 * ranked[0][0], ranked
            m.parse = MentionParse(chain.candidates, matched=name[: chain.end], short=True)
            return
        # A name below the table (a hamlet, a village it lacks: `河业刘`, `东山坪`) lies in
        # the town or county the report has just named: the place is that one.
        parent = scores.nearest_before(m.start, depths=(2, 3))
        if parent is not None and len(name) > 1:
            m.choice, m.confidence, m.ranked = parent, 0.3, ((0.3, parent),)
            m.parse = MentionParse([parent], partial=True)

    # -------------------------------------------------------------------- output
    def _data(self, m: _Mention) -> Dict[str, Any]:
        parse = m.parse
        if m.choice is None:
            data: Dict[str, Any] = {
                "code": None,
                "level": None,
                "kind": parse.kind or "other",
                "matched": parse.matched,
            }
            if parse.parts:
                data["parts"] = [self.table.code(i) for i in parse.parts]
            return data
        confidence = m.confidence * (0.95 if parse.short else 1.0) * (0.8 if parse.partial else 1.0)
        data = self.describe(m.choice)
        data.update(
            confidence=round(confidence, 3), matched=parse.matched, kind=None, n_candidates=len(parse.candidates) or 1
        )
        data["candidates"] = [
            dict(self.describe(i, coordinates=False), confidence=round(p, 3))
            for p, i in m.ranked[1 : 1 + self.max_candidates]
        ]
        return data

    def describe(self, i: int, coordinates: bool = True) -> Dict[str, Any]:
        """Code, level, name and the names of the ancestors of division `i`."""
        table = self.table
        out: Dict[str, Any] = {
            "code": table.code(i),
            "level": table.level(i),
            "name": table.name(i),
            "province": None,
            "city": None,
            "county": None,
            "town": None,
        }
        lineage = table.lineage(i)
        for j in lineage:
            level = LEVELS[table.depth(j)]
            if level == "village":
                continue
            name = table.name(j)
            if level == "city" and name in MUNICIPAL_PLACEHOLDERS:
                name = table.name(lineage[0])  # 北京市's districts: the city is 北京市
            elif level == "city" and name in DIRECT_PLACEHOLDERS:
                name = None
            out[level] = name
        if coordinates:
            lon_lat = table.coordinates(i)
            out["longitude"], out["latitude"] = lon_lat if lon_lat else (None, None)
        return out


class Scores:
    """The anchors of a document and the score of a candidate against them."""

    # weight of an anchor whose deepest ancestor shared with a candidate has depth d
    # (province 0 … village 4)
    ANCESTOR_WEIGHTS = (1.0, 2.0, 4.0, 8.0, 16.0)
    # weight of an anchor inside the candidate itself, whatever the candidate's level
    CONTAINS = 8.0
    # the level prior: `吉林` is the province unless the document says otherwise
    LEVEL_PRIOR = (0.9, 0.5, 0.3, 0.1, 0.0)
    OTHERS = 0.1  # weight of all anchors but the best
    TOGETHER = 0.25  # weight of another ambiguous mention that can lie in the same county or town
    MAX_COHERENT = 400  # names with more candidates than this say little about where they lie
    LOCAL = 0.5  # extra weight of an anchor within LOCAL_CHARS characters
    # Scores are log-odds: a candidate's probability is proportional to exp(SHARPNESS * score),
    # so that an anchor in the same county (4) outweighs some 3,000 candidates without one.
    SHARPNESS = 2.0

    def __init__(self, table: Divisions) -> None:
        self.table = table
        self.anchors: List[Tuple[int, int, float]] = []  # (division, offset, weight)
        self._best: Dict[int, float] = {}  # ancestor -> the highest weight of an anchor below it
        self._total: Dict[int, float] = {}  # ancestor -> the sum of the weights of the anchors below it
        self._together: Dict[int, set] = {}  # county or town -> ambiguous mentions with a candidate there

    def add(self, division: int, offset: int, weight: float) -> None:
        self.anchors.append((division, offset, weight))
        for j in self._lineage(division):
            self._best[j] = max(self._best.get(j, 0.0), weight)
            self._total[j] = self._total.get(j, 0.0) + weight

    def _lineage(self, i: int) -> Sequence[int]:
        """Ancestors that places can share: not the placeholder of a province's directly
        governed counties (`省直辖县级行政区划`), which is no place."""
        lineage = self.table.lineage(i)
        if len(lineage) > 1 and lineage[1] in self.table.direct_placeholders:
            return lineage[:1] + lineage[2:]
        return lineage

    def cohere(self, candidate_sets: Sequence[Sequence[int]]) -> None:
        """Ambiguous names that can lie together support each other: `镇东村`, `城南村` and
        `海东村` are each dozens of villages, but lie together in few towns. Per county and
        town, which of the ambiguous names (by index) have a candidate there."""
        self._together = {}
        table = self.table
        for k, candidates in enumerate(candidate_sets):
            if len(candidates) > self.MAX_COHERENT:
                continue
            for c in candidates:
                lineage = table.lineage(c)
                # its county and town: a village's lineage is province, city, county, town, village
                for j in lineage[2:-1]:
                    self._together.setdefault(j, set()).add(k)

    def _coherence(self, lineage: Sequence[int], mention: Optional[int]) -> float:
        """What the other ambiguous mentions that can share a county or town with a
        candidate count for it: TOGETHER per mention (at most three), by depth."""
        best = 0.0
        for j in lineage:
            others = self._together.get(j)
            if others:
                n = len(others - {mention})
                if n:
                    best = max(best, self.TOGETHER * self.ANCESTOR_WEIGHTS[self.table.depth(j)] * min(n, 3))
        return best

    def rank(self, candidates: Sequence[int], offset: int, mention: Optional[int] = None) -> List[Tuple[float, int]]:
        """(probability, candidate), best first; ties in code order. `mention`: the index of
        the candidates' mention among those given to `cohere`."""
        scored = []
        for c in candidates:
            lineage = self._lineage(c)
            best = total = 0.0
            inner = 0.0  # weight of the anchors within the previous (deeper) node of the lineage
            for j in reversed(lineage):
                if j not in self._best:
                    continue
                share = self._share(c, j)
                best = max(best, share * self._best[j])
                # the anchors whose deepest ancestor shared with c is j
                total += share * (self._total[j] - inner)
                inner = self._total[j]
            score = self.LEVEL_PRIOR[self.table.depth(c)] + best + self.OTHERS * (total - best)
            if best:
                score += self.LOCAL * self._local(c, lineage, offset)
            if self._together:
                score += self._coherence(lineage, mention)
            scored.append((score, c))
        scored.sort(key=lambda sc: (-sc[0], sc[1]))
        top = scored[0][0]
        odds = [math.exp(self.SHARPNESS * (score - top)) for score, _ in scored]
        total = sum(odds)
        return [(o / total, c) for o, (_, c) in zip(odds, scored)]

    def _share(self, c: int, j: int) -> float:
        """What an anchor whose deepest ancestor shared with candidate `c` is `j` counts:
        `CONTAINS` if the anchor lies in `c` itself (a city with its counties named in the
        report is as well supported as a county named itself), else by the depth of `j`."""
        depth = self.table.depth(j)
        return max(self.CONTAINS, self.ANCESTOR_WEIGHTS[depth]) if j == c else self.ANCESTOR_WEIGHTS[depth]

    def _local(self, c: int, lineage: Sequence[int], offset: int) -> float:
        shared = set(lineage)
        best = 0.0
        for division, where, weight in self.anchors:
            if abs(where - offset) > LOCAL_CHARS:
                continue
            deepest = None
            for j in self._lineage(division):
                if j in shared:
                    deepest = j
            if deepest is not None:
                best = max(best, self._share(c, deepest) * weight)
        return best

    def nearest_before(self, offset: int, depths: Sequence[int]) -> Optional[int]:
        """The anchor at one of `depths` named last before `offset`, within LOCAL_CHARS."""
        best = None
        for division, where, _ in self.anchors:
            if offset - LOCAL_CHARS <= where < offset and self.table.depth(division) in depths:
                if best is None or where > best[1]:
                    best = (division, where)
        return best[0] if best else None

    def anchors_by_weight(self, offset: int) -> List[int]:
        """The anchors' divisions, the heaviest and nearest first."""
        ordered = sorted(self.anchors, key=lambda a: (-a[2], abs(a[1] - offset)))
        return list(dict.fromkeys(a[0] for a in ordered))


def find_place_resolver(nlp: Any) -> Optional[PlaceResolver]:
    """The pipeline's enabled place resolver, if it has one."""
    for _, proc in getattr(nlp, "pipeline", ()):
        if isinstance(proc, PlaceResolver):
            return proc
    return None
