"""One event per story: records from different reports that describe the same assistance
share an event id, so that counts and totals count it once.

The rule (`EventRule`): two records belong to the same event when

- their providers are the same (places by their resolved codes, else names after
  `normalise_name`; a side without parties matches only a side without parties),
- their recipients are the same, in the same way,
- their normalised amounts are equal (yuan to the yuan, else m² to 0.1, else the counts with
  their measure words: `parties.amount_key`), and
- their documents' publication dates are at most `max_days` apart — through a chain: records
  of one block sorted by date form one event until a gap of more than `max_days`.

Records of one document that match are one event too (a report that repeats its figure).
A record whose document has no publication date joins its block's event when the block has
exactly one; otherwise the undated records of a block form an event of their own.

The event id is a hash of the block and the event's first record (earliest date, then
document id, then position), so it does not depend on the order documents were stored in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import sqlalchemy as sa

from .tables import records

DEFAULT_MAX_DAYS = 7

# (doc_id, idx): a record's key
RecordKey = Tuple[str, int]


@dataclass(frozen=True)
class EventRule:
    max_days: int = DEFAULT_MAX_DAYS

    def to_json(self) -> Dict[str, int]:
        return {"max_days": self.max_days}

    @classmethod
    def from_json(cls, data: Optional[Dict[str, int]]) -> "EventRule":
        return cls(**data) if data else cls()


@dataclass(frozen=True)
class Member:
    doc_id: str
    idx: int
    published: Optional[dt.date]

    @property
    def key(self) -> RecordKey:
        return (self.doc_id, self.idx)


def assign_events(block: str, members: Sequence[Member], rule: EventRule) -> Dict[RecordKey, str]:
    """Event id of every record of one block (records with the same `block_key`)."""
    dated = sorted((m for m in members if m.published is not None), key=lambda m: (m.published, m.doc_id, m.idx))
    undated = sorted((m for m in members if m.published is None), key=lambda m: (m.doc_id, m.idx))
    groups: List[List[Member]] = []
    for member in dated:
        if groups and (member.published - groups[-1][-1].published).days <= rule.max_days:
            groups[-1].append(member)
        else:
            groups.append([member])
    if undated:
        if len(groups) == 1:
            groups[0].extend(undated)
        else:
            groups.append(undated)
    out: Dict[RecordKey, str] = {}
    for group in groups:
        event = event_id(block, group[0])
        for member in group:
            out[member.key] = event
    return out


def event_id(block: str, first: Member) -> str:
    raw = f"{block}\x1f{first.doc_id}\x1f{first.idx}".encode("utf-8")
    return "ev" + hashlib.sha1(raw).hexdigest()[:16]


def assign_all(rows: Iterable[Tuple[str, str, int, Optional[dt.date]]], rule: EventRule) -> Dict[RecordKey, str]:
    """Event ids of (block_key, doc_id, idx, published) rows of any number of blocks."""
    blocks: Dict[str, List[Member]] = {}
    for block, doc_id, idx, published in rows:
        blocks.setdefault(block, []).append(Member(doc_id, idx, published))
    out: Dict[RecordKey, str] = {}
    for block, members in blocks.items():
        out.update(assign_events(block, members, rule))
    return out


def update_events(conn: sa.Connection, blocks: Optional[Iterable[str]], rule: EventRule) -> int:
    """Recompute the event ids of every record of `blocks` (None: of all records); the
    number of records whose event changed."""
    found: List[Tuple[str, str, int, Optional[dt.date], Optional[str]]] = []
    query = sa.select(records.c.block_key, records.c.doc_id, records.c.idx, records.c.published, records.c.event_id)
    if blocks is None:
        found.extend(conn.execute(query).all())
    else:
        for chunk in _chunks(sorted(set(blocks))):
            found.extend(conn.execute(query.where(records.c.block_key.in_(chunk))).all())
    assigned = assign_all(((b, d, i, p) for b, d, i, p, _ in found), rule)
    changed = [{"d": d, "i": i, "e": assigned[(d, i)]} for _, d, i, _, old in found if assigned[(d, i)] != old]
    if changed:
        statement = (
            sa.update(records)
            .where(records.c.doc_id == sa.bindparam("d"), records.c.idx == sa.bindparam("i"))
            .values(event_id=sa.bindparam("e"))
        )
        for chunk in _chunks(changed):
            conn.execute(statement, chunk)
    return len(changed)


def _chunks(items: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
