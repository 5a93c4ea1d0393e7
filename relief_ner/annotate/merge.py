"""Merge pulled annotations into the local gold without losing anything.

A three-way merge on annotation fingerprints (`convert.annotation_fingerprint`):
the base is the fingerprint stored in doccano at push time (`relief_pushed_sha`), "local"
is the existing gold, "remote" is what was pulled.

| local vs pushed | remote vs pushed | result                                      |
|-----------------|------------------|---------------------------------------------|
| same as remote  | —                | unchanged, local kept (it has the values)    |
| unchanged       | changed          | remote taken (the change came from doccano)  |
| changed         | unchanged        | local kept, listed in `kept_local`           |
| changed         | changed          | conflict, local kept                         |
| no fingerprint  | differs          | conflict, local kept (cannot tell who moved) |

So the pulled version replaces a local one only when the local one is still exactly what
was pushed; everything else keeps the local version and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional

from ..corpus.gold import GoldDoc
from .convert import annotation_fingerprint, fill_values, pushed_sha, strip_sync_meta


@dataclass(frozen=True)
class Conflict:
    doc_id: str
    reason: str
    local: GoldDoc
    pulled: GoldDoc

    def __str__(self) -> str:
        return f"{self.doc_id}: {self.reason}"


@dataclass
class MergeResult:
    docs: List[GoldDoc]  # existing order, then new ones
    taken: List[str] = field(default_factory=list)  # pulled version won
    added: List[str] = field(default_factory=list)  # only in doccano
    unchanged: List[str] = field(default_factory=list)  # same on both sides
    not_in_doccano: List[str] = field(default_factory=list)  # only local
    kept_local: Dict[str, str] = field(default_factory=dict)  # local edit, doccano untouched
    conflicts: List[Conflict] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.docs)} documents: {len(self.taken)} taken from doccano, "
            f"{len(self.added)} added, {len(self.unchanged)} unchanged, "
            f"{len(self.not_in_doccano)} only local, {len(self.kept_local)} kept local, "
            f"{len(self.conflicts)} conflicts"
        )


def merge(existing: List[GoldDoc], pulled: List[GoldDoc]) -> MergeResult:
    remote = {d.id: d for d in pulled}
    result = MergeResult(docs=[])
    local_ids = set()
    for local in existing:
        local_ids.add(local.id)
        theirs = remote.get(local.id)
        if theirs is None:
            result.not_in_doccano.append(local.id)
            result.docs.append(local)
            continue
        taken = _merge_one(local, theirs, result)
        result.docs.append(taken if taken is not None else local)
    for doc in pulled:
        if doc.id not in local_ids:
            result.added.append(doc.id)
            result.docs.append(strip_sync_meta(doc))
    return result


def _merge_one(local: GoldDoc, theirs: GoldDoc, result: MergeResult) -> Optional[GoldDoc]:
    """The pulled version if it should replace `local`, else None (and the reason noted)."""
    if local.text != theirs.text:
        result.conflicts.append(
            Conflict(local.id, "the text differs between the local gold and doccano", local, theirs)
        )
        return None
    mine, their, base = (annotation_fingerprint(local), annotation_fingerprint(theirs), pushed_sha(theirs))
    if mine == their:
        result.unchanged.append(local.id)
        return None
    if base is None:
        result.conflicts.append(
            Conflict(
                local.id,
                "differs from doccano, which holds no push fingerprint for it (not "
                "pushed by relief_ner, or the push broke off); compare by hand",
                local,
                theirs,
            )
        )
    elif mine == base:
        result.taken.append(local.id)
        return _taken(local, theirs)
    elif their == base:
        result.kept_local[local.id] = (
            "edited locally since the push; doccano still has the pushed version (push again to update it)"
        )
    else:
        result.conflicts.append(
            Conflict(
                local.id, "changed both locally and in doccano since the last push; local version kept", local, theirs
            )
        )
    return None


def _taken(local: GoldDoc, theirs: GoldDoc) -> GoldDoc:
    # Copies, so that neither input list is mutated; local meta (source, notes) survives,
    # and values checked locally survive for spans that did not move.
    doc = GoldDoc(
        local.id,
        theirs.text,
        [replace(e) for e in theirs.entities],
        [replace(r) for r in theirs.relations],
        dict(local.meta),
    )
    return fill_values(doc, local)
