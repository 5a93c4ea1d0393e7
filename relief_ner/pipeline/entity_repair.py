"""`relief_entity_repair`: schema rules applied to a statistical NER's output.

The schema says that a place written in front of an organisation's name belongs to the
organisation (`安康市长兴集团`, `舟山市工商联`: one ORG, no LOC inside). A character-level
NER trained on a few hundred such names often splits them (`[安康市]LOC[长兴集团]ORG`) or
calls the whole name a place. It also runs on past the end of a name
(`州住建局结合城乡环境综合治理有关`, `云南蒙自市水田乡湾田村创新思路` as one ORG). The repairs
are read off the schema (spans are names; no punctuation, no clause inside them), not off
the data:

- a LOC directly followed by an ORG (no character between) becomes part of that ORG, and
  so does an ORG directly followed by its branch (`[中化化肥有限公司][海南分公司]`);
- a LOC whose text ends in an organisation word (`集团`, `工商联`, `代表处`, `局` …, the
  rules' list) is an ORG;
- `trim_edges`: punctuation, spaces and a leading verb (`配合`, `组织` …) at the ends of an
  ORG/LOC are dropped; a span is cut at a line break or space inside it, and at an opening
  quote that it does not close (`二十里店镇“闽疆生态文化村` → `二十里店镇`); a LOC that lost
  the first characters of a gazetteer division gets them back (`尔马之村` → `阿尔马之村`);
- `trim_org_tails`: an ORG that does not end like an organisation but has an organisation
  word inside ends at that word (`红河州青基会协` → `红河州青基会`);
- `org_to_place`: an ORG that does not end like an organisation and starts with a chain of
  gazetteer divisions ending in a level character is that place (`云南蒙自市水田乡湾田村创新思路`
  → LOC `云南蒙自市水田乡湾田村`).
- `relabel_measures`: a MONEY/AREA/COUNT takes the label its unit gives (`8.9万人` is a
  COUNT), so that a MONEY's value is always an amount of money; a table's unit header
  (`单位：万元`, `（万元）`) is no measure (`quantity.is_unit_header`);
- `extend_names`: an ORG followed by its named work team or a department takes it in
  (`省水文局第一书记工作队`, `扶沟县委统战部`), a LOC directly followed by an organisation word is that ORG
  (`奉贤区代表处`).
- `require_cjk`: an entity without a Chinese character is dropped. The schema covers Chinese
  reports and every one of the corpus's 2,521 gold entities has one; without the rule the
  NER reads English as names and amounts (`Hello` → LOC, `5 million y` → MONEY, cut inside
  a word).
"""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Span

from ..gazetteer import Gazetteer, default_gazetteer
from ..quantity import is_unit_header, parse_quantity
from ..schema import HAN_CHAR, MEASURE_LABELS, is_han
from .entity_rules import ORG_SUFFIXES

# Organisation words that a place name can also end in (`新村`-like names end in neither).
_EXTRA_SUFFIXES = ("工商联", "代表处", "指挥部", "分指挥部", "工作组", "办事处", "青基会", "总会", "慈善会")
# Last characters and words that end organisation names beyond the rules' list: media
# (`中国日报网`, `新周口客户端`), `慈善总会`, `中心校`, `卷烟厂`, `人大机关`, `项目部` … A name
# ending in one of them is left as it is.
_NAME_END_CHARS = set("会社网厂队组团校部院所站馆报寺端室处司行局厅委办园心联小门”")
_NAME_END_WORDS = ("机关", "基金", "农庄", "基地", "民宿", "中烟", "组织")
# A named work team is one ORG with its organisation (schema: `省农信社第一书记工作队`); a
# team member (`工作队员`) is a person.
_WORK_TEAM = re.compile(r"(?:第一书记|驻村|帮扶|扶贫)?工作队(?!员)")
# A department or organ written right after its organisation (`扶沟县委` + `统战部`); not when
# a position follows (`局党组书记`: the schema tags the organisation, not the position).
_ORG_PART = re.compile(
    r"(?:统战部|宣传部|组织部|办公室|党组|党委|党支部|党总支|工会|团委|妇联)(?!书记|副书记|委员|成员)"
)
_PLACE_ORG = re.compile(
    "|".join(
        sorted(
            (
                re.escape(w)
                for w in (
                    "代表处",
                    "工商联",
                    "指挥部",
                    "办事处",
                    "青基会",
                    "人民政府",
                    "政府",
                    "党委",
                    "委员会",
                    "村委会",
                    "居委会",
                    "党支部",
                    "党总支",
                    "人大",
                    "政协",
                    "总工会",
                    "妇联",
                    "团委",
                    "慈善总会",
                    "慈善会",
                    "红十字会",
                    "供销社",
                    "农信社",
                )
            ),
            key=len,
            reverse=True,
        )
    )
)

_CJK = HAN_CHAR
# Characters a name never starts or ends with.
_EDGE_CHARS = set(" \t\r\n\u3000，,。.、；;：:！!？?（）()《》<>【】[]—-·…\"'")
_LEVEL_CHARS = set("省市县区乡镇村州旗盟屯")
_BRANCHES = ("分公司", "分行", "支行", "分会", "分院", "分局", "分中心", "分校", "办事处", "代表处")
# words that start with a level character but name people or kinds of place, not a place
_PEOPLE = ("村民", "村干部", "村级", "村庄", "市民", "县城", "镇区", "区域", "乡亲", "乡村")
_LEADING_VERBS = (
    "配合",
    "组织",
    "协调",
    "帮助",
    "支持",
    "通过",
    "依托",
    "带领",
    "召集",
    "结合",
    "推介",
    "走访",
    "来到",
    "前往",
    "深入",
    "邀请",
    "动员",
    "引导",
    "争取",
    "联系",
)


@Language.factory(
    "relief_entity_repair",
    default_config={
        "merge_place_prefix": True,
        "relabel_org_endings": True,
        "trim_edges": True,
        "trim_org_tails": True,
        "org_to_place": True,
        "extend_names": True,
        "relabel_measures": True,
        "require_cjk": True,
    },
    requires=["doc.ents"],
    assigns=["doc.ents"],
)
def make_entity_repair(
    nlp: Language,
    name: str,
    merge_place_prefix: bool,
    relabel_org_endings: bool,
    trim_edges: bool,
    trim_org_tails: bool,
    org_to_place: bool,
    extend_names: bool,
    relabel_measures: bool,
    require_cjk: bool,
) -> "EntityRepair":
    """Schema rules applied to the NER's spans (module docstring: each rule with examples).

    merge_place_prefix (bool): a place written in front of an organisation joins the ORG.
    relabel_org_endings (bool): a LOC ending in an organisation word is an ORG.
    trim_edges (bool): no punctuation, space, unclosed quote or leading verb at a name's ends.
    trim_org_tails (bool): an ORG ends at its organisation word.
    org_to_place (bool): an ORG that is a gazetteer chain followed by other words is that LOC.
    extend_names (bool): an ORG takes in its work team or department; LOC + organisation word
        is an ORG.
    relabel_measures (bool): a measure takes the label its unit gives; unit headers are no
        measure.
    require_cjk (bool): no entity without a Chinese character.
    """
    # the gazetteer (read by `org_to_place` and by `trim_edges`' left extension) is read
    # with the pipeline, so that its cost shows in the load time and not in the first
    # document that needs it
    gazetteer = default_gazetteer() if org_to_place or trim_edges else None
    return EntityRepair(
        merge_place_prefix=merge_place_prefix,
        relabel_org_endings=relabel_org_endings,
        trim_edges=trim_edges,
        trim_org_tails=trim_org_tails,
        org_to_place=org_to_place,
        extend_names=extend_names,
        relabel_measures=relabel_measures,
        require_cjk=require_cjk,
        gazetteer=gazetteer,
    )


class EntityRepair:
    def __init__(
        self,
        merge_place_prefix: bool = True,
        relabel_org_endings: bool = True,
        trim_edges: bool = True,
        trim_org_tails: bool = True,
        org_to_place: bool = True,
        extend_names: bool = True,
        relabel_measures: bool = True,
        require_cjk: bool = True,
        gazetteer: Optional[Gazetteer] = None,
    ) -> None:
        self.merge_place_prefix = merge_place_prefix
        self.relabel_org_endings = relabel_org_endings
        self.trim_edges = trim_edges
        self.trim_org_tails = trim_org_tails
        self.org_to_place = org_to_place
        self.extend_names = extend_names
        self.relabel_measures = relabel_measures
        self.require_cjk = require_cjk
        self.suffixes = tuple(sorted(set(ORG_SUFFIXES) | set(_EXTRA_SUFFIXES), key=len, reverse=True))
        self._suffix_re = re.compile("|".join(map(re.escape, self.suffixes)))
        self._gazetteer = gazetteer

    @property
    def gazetteer(self) -> Gazetteer:
        if self._gazetteer is None:
            self._gazetteer = default_gazetteer()
        return self._gazetteer

    def __call__(self, doc: Doc) -> Doc:
        ents: List[Span] = list(doc.ents)
        if self.require_cjk:
            ents = [e for e in ents if _CJK.search(e.text)]
        if self.relabel_measures:
            full = doc.text
            ents = [
                e for e in ents if e.label_ not in MEASURE_LABELS or not is_unit_header(full, e.start_char, e.end_char)
            ]
        if self.trim_edges or self.trim_org_tails or self.org_to_place:
            # `doc.text` is rebuilt on every access: read it once
            full = doc.text
            ents = [e for e in (self._reshape(doc, full, e) for e in ents) if e is not None]
        if self.extend_names:
            ents = self._extend(doc, ents)
        if self.relabel_org_endings:
            ents = [self._relabel(doc, e) for e in ents]
        if self.relabel_measures:
            ents = [_measure_label(doc, e) for e in ents]
        if self.merge_place_prefix:
            ents = self._merge(doc, ents)
        doc.ents = ents
        return doc

    def _reshape(self, doc: Doc, full: str, ent: Span) -> Optional[Span]:
        if ent.label_ not in ("ORG", "LOC"):
            return ent
        text, label = ent.text, ent.label_
        start, end = 0, len(text)
        if self.trim_edges:
            # `白文村村“两委` stopped one short of its closing quote; any other unclosed quote
            # (`湖南省新田县“扶贫车间`) is cut off
            if label == "ORG" and text.endswith("“两委") and full[ent.end_char : ent.end_char + 1] == "”":
                text += "”"
            start, end = _trim(text)
            # a verb the NER took in front of the name (`配合县委`, `组织团结村`)
            verb = next((v for v in _LEADING_VERBS if text.startswith(v, start)), None)
            if verb and end - start - len(verb) >= 2:
                start += len(verb)
        if label == "ORG" and start < end and not self._ends_like_name(text[start:end]):
            name = text[start:end]
            tail = self._org_tail_start(name) if self.trim_org_tails else None
            if tail is not None:
                end = start + tail
            elif self.org_to_place:
                place = self._place_prefix(name)
                if place is not None:
                    end, label = start + place, "LOC"
        if start >= end:
            return None
        if label == "LOC" and self.trim_edges:
            start -= self._left_extension(doc, full, ent.start_char + start, ent.start_char + end)
        if (start, end, label) == (0, len(ent.text), ent.label_):
            return ent
        span = doc.char_span(ent.start_char + start, ent.start_char + end, label=label, alignment_mode="contract")
        # a cut inside a multi-character token keeps the span as the NER made it
        return span if span is not None and len(span) else ent

    def _left_extension(self, doc: Doc, full: str, start: int, end: int) -> int:
        """How many characters a place lost at its start (`[尔马之村]` in `巩固阿尔马之村`): a
        division name that begins up to two characters before the span and ends inside it."""
        lo = max(0, start - 2)
        if lo == start or not is_han(full[lo:start]):
            return 0
        for s, e in self.gazetteer.find(full[lo:end]):
            if lo + s < start < lo + e:
                # the characters taken must not belong to another entity
                if any(t.ent_iob_ != "O" for t in doc.char_span(lo + s, start, alignment_mode="expand") or []):
                    return 0
                return start - (lo + s)
        return 0

    def _ends_like_name(self, name: str) -> bool:
        if name.endswith("社会"):  # `协调社会` runs on past `…青基会`
            return False
        return name[-1] in _NAME_END_CHARS or name.endswith(_NAME_END_WORDS) or name.endswith(self.suffixes)

    def _org_tail_start(self, name: str) -> Optional[int]:
        """End of the last organisation word inside `name`, if a name could end there."""
        best = None
        for m in self._suffix_re.finditer(name):
            # `局`, `委` … need a stem of two characters to be a name (`州住建局`, not `布局`)
            if len(m.group()) > 1 or m.start() >= 2:
                best = m.end()
        return best

    def _place_prefix(self, name: str) -> Optional[int]:
        """End of the place `name` starts with: the longest prefix ending in a level character
        (`村`, `镇`, `县` …) that holds a gazetteer division and no organisation word, if what
        follows it is no part of a name (nothing, or two characters or more)."""
        found = self.gazetteer.find(name)
        if not found:
            return None
        if len(found) == 1 and found[0] == (0, len(name)) and name[-1] not in _LEVEL_CHARS:
            # a bare county-or-higher name (`怀宁`); lower divisions without their level
            # character are too often part of a company's name
            level = self.gazetteer.level(name)
            return len(name) if level in ("province", "city", "county") else None
        end = None
        # a place runs up to the first `的` or punctuation mark (`汤桥村的本村`); `总` after
        # it abbreviates a federation (`海南省总` = 海南省总工会); the level character of
        # `村民` is not the place's end (`…湾田村村民` → `…湾田村`)
        if name.endswith("总"):
            return None
        limit = next((i for i, ch in enumerate(name) if ch == "的" or ch in _EDGE_CHARS or ch in "“”"), len(name))
        for i in range(limit, 1, -1):
            if name[i - 1] in _LEVEL_CHARS and found[0][1] <= i and not name.startswith(_PEOPLE, i - 1):
                end = i
                break
        if end is None or self._suffix_re.search(name[:end]):
            return None
        # the characters no division covers are a place name, not a works' or firm's
        # (`安康水电厂驻村` is no place)
        covered = set()
        for s, e in found:
            covered.update(range(s, e))
        if any(name[i] in _NAME_END_CHARS for i in range(end - 1) if i not in covered):
            return None
        return end

    @staticmethod
    def _extend(doc: Doc, ents: List[Span]) -> List[Span]:
        """An ORG followed by its work team (`省水文局` + `第一书记工作队`) takes it in; a LOC
        directly followed by an organisation word (`奉贤区` + `代表处`, `湛河区` + `工商联`) is
        that organisation.

        (Extending a LOC by a whole organisation name after it, words plus an organisation
        word, `梧桐河` + `中心校`, was tried and dropped: on the gold spans it turned places
        followed by facilities and generic nouns, `彭阳县` + `农村学校`, into organisations.)"""
        text, out = doc.text, []
        for k, ent in enumerate(ents):
            span = None
            limit = ents[k + 1].start_char if k + 1 < len(ents) else len(text)
            end = None
            if ent.label_ == "ORG":
                m = _WORK_TEAM.match(text, ent.end_char, limit) or _ORG_PART.match(text, ent.end_char, limit)
                end = m.end() if m else None
            elif ent.label_ == "LOC":
                m = _PLACE_ORG.match(text, ent.end_char, limit)
                end = m.end() if m else None
            if end is not None:
                span = doc.char_span(ent.start_char, end, label="ORG", alignment_mode="contract")
                if span is not None and span.end_char != end:
                    span = None
            out.append(span if span is not None else ent)
        return out

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
            while j < len(ents) and ents[j].label_ == "LOC" and j + 1 < len(ents) and ents[j + 1].start == ents[j].end:
                j += 1
            if j > i and ents[j].label_ == "ORG":
                out.append(Span(doc, ents[i].start, ents[j].end, label="ORG"))
                i = j + 1
            elif (
                ents[i].label_ == "ORG"
                and i + 1 < len(ents)
                and ents[i + 1].label_ == "ORG"
                and ents[i + 1].start == ents[i].end
                and ents[i + 1].text.endswith(_BRANCHES)
            ):
                # a branch is named with its parent: `[中化化肥有限公司][海南分公司]` is one ORG
                out.append(Span(doc, ents[i].start, ents[i + 1].end, label="ORG"))
                i += 2
            else:
                out.append(ents[i])
                i += 1
        return out


def _measure_label(doc: Doc, ent: Span) -> Span:
    """The label its unit gives a measure (`8.9万人` is a COUNT, not MONEY); spans the
    normaliser cannot read keep the NER's label."""
    if ent.label_ not in MEASURE_LABELS:
        return ent
    try:
        label = parse_quantity(ent.text, ent.label_).label
    except ValueError:
        return ent
    return ent if label == ent.label_ else Span(doc, ent.start, ent.end, label=label)


def _trim(text: str) -> Tuple[int, int]:
    """(start, end) of `text` without edge punctuation, cut at an inner space or line break
    and at an opening quote that the span does not close."""
    start, end = 0, len(text)
    for i, ch in enumerate(text):
        if ch.isspace() and i > 0:
            end = i
            break
    open_at = None
    for i in range(start, end):
        if text[i] == "“":
            open_at = i
        elif text[i] == "”":
            open_at = None
    if open_at is not None:
        end = open_at
    while start < end and (text[start] in _EDGE_CHARS or text[start] in "”"):
        start += 1
    while end > start and (text[end - 1] in _EDGE_CHARS or text[end - 1] == "“"):
        end -= 1
    return start, end
