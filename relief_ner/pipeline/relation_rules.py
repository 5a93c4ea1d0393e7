"""Cue-word relation heuristics of the baseline pipeline (`relief_relation_rules`).

For each measure in a sentence that speaks of assistance (a cue such as 投资, 捐赠, 发放,
援建): the provider is the nearest organisation before it that is the subject of the
giving (not the object of 为/向/给, not a mere coordinator); the recipient is the party
right after 为/向/给/帮助/在 … or a place that 获得/收到 it. Outcome figures (增收, 产值,
共有 …) get no relation.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Span

from ..extensions import Relation
from ..schema import MEASURE_LABELS, PARTY_LABELS, SentenceIndex

ASSIST_CUES = (
    "投资",
    "投入",
    "捐赠",
    "捐款",
    "捐助",
    "捐资",
    "捐建",
    "发放",
    "援建",
    "资助",
    "帮扶",
    "扶持",
    "支持",
    "采购",
    "购买",
    "认购",
    "拨付",
    "拨款",
    "出资",
    "筹资",
    "筹集",
    "募集",
    "赠送",
    "送去",
    "送来",
    "提供",
    "修建",
    "新建",
    "建设",
    "建成",
    "援助",
    "补贴",
    "奖励",
    "慰问",
    "培训",
    "帮助",
    "销售",
    "消费",
    "落实",
    "实施",
    "带动",
    "惠及",
    "受益",
    "贷款",
    "吸纳",
    "硬化",
    "改造",
    "安装",
    "结对",
    "赠予",
    "捐献",
    "帮销",
    "助销",
    "代销",
    "采买",
    "到位",
)
RECIPIENT_MARKERS = (
    "捐赠给",
    "捐给",
    "用于",
    "帮助",
    "帮扶",
    "资助",
    "支持",
    "援助",
    "为",
    "向",
    "给",
    "在",
    "到",
    "对",
    "助力",
)
RECEIVING_VERBS = ("获得", "获赠", "收到", "得到", "争取到", "获", "接受")
COORDINATING = (
    "协调",
    "争取",
    "组织",
    "牵头",
    "邀请",
    "引进",
    "对接",
    "推动",
    "指导",
    "动员",
    "积极协调",
    "多方协调",
    "主动对接",
)
OUTCOME_WORDS = (
    "增收",
    "产值",
    "收入",
    "销售额",
    "共有",
    "总面积",
    "面积",
    "人口",
    "人均",
    "户均",
    "利润",
    "营业额",
    "总数",
    "占地",
    "年均",
    "覆盖",
    "营收",
    "效益",
    "分红",
    "价格",
)
_CLAUSE_BREAK = re.compile(r"[，,；;：:]")


@dataclass(frozen=True)
class CueWords:
    """The cue-word lists the rules read, and the lexical relation model as features. A
    trained model keeps its own copy (`to_dict` into the model's attrs, saved with its
    weights), so that editing the lists here changes the rules but no trained model."""

    assist: Tuple[str, ...] = ASSIST_CUES
    coord: Tuple[str, ...] = COORDINATING
    receive: Tuple[str, ...] = RECEIVING_VERBS
    marker: Tuple[str, ...] = RECIPIENT_MARKERS
    outcome: Tuple[str, ...] = OUTCOME_WORDS

    def to_dict(self) -> Dict[str, List[str]]:
        return {name: list(words) for name, words in asdict(self).items()}

    @classmethod
    def from_dict(cls, lists: Mapping[str, Sequence[str]]) -> "CueWords":
        return cls(**{name: tuple(words) for name, words in lists.items()})


@Language.factory(
    "relief_relation_rules", default_config={"outcome_window": 8}, requires=["doc.ents"], assigns=["doc._.relations"]
)
def make_relation_rules(nlp: Language, name: str, outcome_window: int) -> "RelationRules":
    """Cue-word relations between the measures and parties of a sentence.

    outcome_window (int): characters before a measure (within its clause) searched for an
        outcome word (`增收`, `产值` …); a measure after one gets no relation.
    """
    return RelationRules(outcome_window=outcome_window)


class RelationRules:
    def __init__(self, outcome_window: int = 8, cues: Optional[CueWords] = None) -> None:
        self.outcome_window = outcome_window
        self.cues = cues if cues is not None else CueWords()

    def __call__(self, doc: Doc) -> Doc:
        doc._.relations = self.relate(doc, doc.ents)
        return doc

    def relate(self, doc: Doc, ents: Sequence[Span]) -> List[Relation]:
        """The relations these rules see among `ents` (which need not be `doc.ents`: the
        trained relation model asks about gold entities while it learns)."""
        text = doc.text
        index = SentenceIndex(text)
        by_sentence = {}
        for ent in ents:
            by_sentence.setdefault(index.sentence_id(ent.start_char), []).append(ent)
        relations: List[Relation] = []
        for sent_ents in by_sentence.values():
            measures = [e for e in sent_ents if e.label_ in MEASURE_LABELS]
            parties = [e for e in sent_ents if e.label_ in PARTY_LABELS]
            if not measures or not parties:
                continue
            sent_start, sent_end = index.bounds_of(measures[0].start_char)
            sentence = text[sent_start:sent_end]
            if not any(cue in sentence for cue in self.cues.assist):
                continue
            for measure in measures:
                relations.extend(self._relate(text, measure, parties))
        return relations

    def _relate(self, text: str, measure: Span, parties: Sequence[Span]) -> List[Relation]:
        start = measure.start_char
        context = text[max(_clause_start(text, start), start - self.outcome_window) : start]
        if any(word in context for word in self.cues.outcome):
            return []
        out: List[Relation] = []
        provider = self._provider(text, measure, parties)
        if provider is not None:
            out.append(Relation(measure, provider, "PROVIDER", 1.0))
        recipient = self._recipient(text, measure, parties, provider)
        if recipient is not None:
            out.append(Relation(measure, recipient, "RECIPIENT", 1.0))
        return out

    def _provider(self, text: str, measure: Span, parties: Sequence[Span]) -> Optional[Span]:
        cues = self.cues
        candidates = []
        for p in parties:
            if p.end_char > measure.start_char:
                continue
            after = text[p.end_char : p.end_char + 6]
            before = text[max(0, p.start_char - 4) : p.start_char]
            if after.startswith(cues.coord) or before.endswith(cues.marker):
                continue
            if p.label_ == "LOC" and not after.startswith(cues.assist):
                continue  # a place gives only when it is the subject of the giving
            if after.startswith(cues.receive):
                continue
            candidates.append(p)
        return candidates[-1] if candidates else None

    def _recipient(self, text: str, measure: Span, parties: Sequence[Span], provider: Optional[Span]) -> Optional[Span]:
        best, best_dist = None, None
        for p in parties:
            if provider is not None and p.start_char == provider.start_char:
                continue
            before = text[max(0, p.start_char - 4) : p.start_char]
            after = text[p.end_char : p.end_char + 4]
            if before.endswith(self.cues.marker) or after.startswith(self.cues.receive):
                dist = abs(p.start_char - measure.start_char)
                if best_dist is None or dist < best_dist:
                    best, best_dist = p, dist
        return best


def _clause_start(text: str, offset: int) -> int:
    i = offset
    while i > 0 and not _CLAUSE_BREAK.match(text[i - 1]) and text[i - 1] not in "。！？!?\n":
        i -= 1
    return i
