"""`relief_entity_repair`: schema rules applied to a statistical NER's output.

The schema says that a place written in front of an organisation's name belongs to the
organisation (`安康市长兴集团`, `舟山市工商联`: one ORG, no LOC inside). A character-level
NER trained on a few hundred such names often splits them (`[安康市]LOC[长兴集团]ORG`) or
calls the whole name a place. Two repairs, both read off the schema, not off the data:

- a LOC directly followed by an ORG (no character between) becomes part of that ORG;
- a LOC whose text ends in an organisation word (`集团`, `工商联`, `代表处`, `局` …, the
  rules' list) is an ORG.
"""

from __future__ import annotations

from typing import List

from spacy.language import Language
from spacy.tokens import Doc, Span

from .entity_rules import ORG_SUFFIXES

# Organisation words that a place name can also end in (`新村`-like names end in neither).
_EXTRA_SUFFIXES = ("工商联", "代表处", "指挥部", "分指挥部", "工作组", "办事处", "青基会")


@Language.factory("relief_entity_repair",
                  default_config={"merge_place_prefix": True, "relabel_org_endings": True})
def make_entity_repair(nlp: Language, name: str, merge_place_prefix: bool,
                       relabel_org_endings: bool) -> "EntityRepair":
    return EntityRepair(merge_place_prefix=merge_place_prefix,
                        relabel_org_endings=relabel_org_endings)


class EntityRepair:
    def __init__(self, merge_place_prefix: bool = True, relabel_org_endings: bool = True) -> None:
        self.merge_place_prefix = merge_place_prefix
        self.relabel_org_endings = relabel_org_endings
        self.suffixes = tuple(sorted(set(ORG_SUFFIXES) | set(_EXTRA_SUFFIXES), key=len, reverse=True))

    def __call__(self, doc: Doc) -> Doc:
        ents: List[Span] = list(doc.ents)
        if self.relabel_org_endings:
            ents = [self._relabel(doc, e) for e in ents]
        if self.merge_place_prefix:
            ents = self._merge(doc, ents)
        doc.ents = ents
        return doc

    def _relabel(self, doc: Doc, ent: Span) -> Span:
        if ent.label_ != "LOC":
            return ent
        text = ent.text
        for suffix in self.suffixes:
            # The stem must be longer than the suffix's one character (`县委` is not a place
            # either way; `中心` after a bare name is).
            if text.endswith(suffix) and len(text) > len(suffix) + 1:
                return Span(doc, ent.start, ent.end, label="ORG")
        return ent

    @staticmethod
    def _merge(doc: Doc, ents: List[Span]) -> List[Span]:
        out: List[Span] = []
        i = 0
        while i < len(ents):
            # A chain of touching places, then a touching organisation: `[云南省][红河州][青基会]`.
            j = i
            while j < len(ents) and ents[j].label_ == "LOC" and j + 1 < len(ents) \
                    and ents[j + 1].start == ents[j].end:
                j += 1
            if j > i and ents[j].label_ == "ORG":
                out.append(Span(doc, ents[i].start, ents[j].end, label="ORG"))
                i = j + 1
            else:
                out.append(ents[i])
                i += 1
        return out
