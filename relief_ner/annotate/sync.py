"""push: gold documents → a doccano project; pull: a doccano project → gold documents.

Both talk to doccano's REST API one object at a time (examples, spans, relations). That is
slower than doccano's file upload for thousands of documents, but it is synchronous, needs
no celery round trip, and tells exactly which document failed and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional

from ..corpus.gold import CorpusError, GoldDoc
from ..schema import ENTITY_LABELS, RELATION_LABELS
from .client import DoccanoClient
from .convert import (
    META_PUSHED_SHA,
    PUSH_INCOMPLETE,
    annotation_fingerprint,
    collect_errors,
    example_doc_id,
    example_meta,
    example_text,
    example_to_gold,
    fill_values,
    margins,
)
from .errors import DoccanoError
from .settings import DoccanoSettings

PROJECT_TYPE = "SequenceLabeling"
# Distinct, readable colours so that annotators tell the labels apart at a glance.
SPAN_COLORS = {"ORG": "#1976D2", "LOC": "#388E3C", "MONEY": "#F57C00", "AREA": "#7B1FA2", "COUNT": "#C2185B"}
# One-key shortcuts in doccano's annotation view.
SPAN_KEYS = {"ORG": "o", "LOC": "l", "MONEY": "m", "AREA": "a", "COUNT": "c"}
RELATION_COLORS = {"PROVIDER": "#D32F2F", "RECIPIENT": "#0097A7"}
GUIDELINE = (
    "Schema: ANNOTATION.md of relief_ner. Spans: ORG, LOC, MONEY, AREA, COUNT "
    "(no overlaps). Relations go from the measure (MONEY/AREA/COUNT) to the party "
    "(ORG/LOC): PROVIDER gives, RECIPIENT receives; both ends in one sentence."
)


@dataclass
class PushReport:
    project_id: int
    created: List[str] = field(default_factory=list)  # new examples
    updated: List[str] = field(default_factory=list)  # annotations replaced (doccano untouched)
    rebased: List[str] = field(default_factory=list)  # same annotation, fingerprint renewed
    unchanged: List[str] = field(default_factory=list)  # nothing to do
    skipped: Dict[str, str] = field(default_factory=dict)  # doc id → why it was left alone

    def summary(self) -> str:
        return (
            f"project {self.project_id}: {len(self.created)} created, "
            f"{len(self.updated)} updated, {len(self.rebased)} rebased, "
            f"{len(self.unchanged)} unchanged, {len(self.skipped)} skipped"
        )


@dataclass
class _Project:
    id: int
    span_types: Dict[str, int]  # label → doccano id
    relation_types: Dict[str, int]


def push(docs: Iterable[GoldDoc], *, project_name: str, settings: Optional[DoccanoSettings] = None) -> PushReport:
    """Upload documents with their entities and relations as pre-annotations.

    The project is created if no project of that name exists (sequence labelling with
    relations, collaborative so that every annotator sees and corrects the same
    pre-annotations). A document whose id is already in the project is never duplicated:

    - doccano's annotation equals the pushed one → unchanged (or `rebased`: the stored
      fingerprint is renewed, which is what a push after `merge` does);
    - doccano's annotation is still what was last pushed (nobody touched it) → its
      annotation is replaced by the new one (`updated`);
    - otherwise annotators changed it since the last push → `skipped`; pull and merge first.
    """
    client = DoccanoClient(settings or DoccanoSettings.from_env())
    project = _ensure_project(client, project_name)
    report = PushReport(project.id)
    existing: Dict[str, Dict[str, Any]] = {}
    for example in client.examples(project.id):
        existing.setdefault(example_doc_id(example), example)
    seen = set()
    for doc in docs:
        if doc.id in seen:
            raise CorpusError(f"push: document id {doc.id!r} occurs twice in the input")
        seen.add(doc.id)
        sha = annotation_fingerprint(doc)
        example = existing.get(doc.id)
        if example is None:
            _create_example(client, project, doc, sha)
            report.created.append(doc.id)
            continue
        if example_text(example)[0] != doc.text:
            report.skipped[doc.id] = (
                "the text in doccano differs from the local text; fix the source or push under a new id"
            )
            continue
        current = _example_gold(client, project, example, project_name)
        current_sha = annotation_fingerprint(current)
        stored = (example.get("meta") or {}).get(META_PUSHED_SHA)
        if current_sha == sha:
            if stored == sha:
                report.unchanged.append(doc.id)
            else:
                _set_meta(client, project, example, doc, sha)
                report.rebased.append(doc.id)
        elif current_sha == stored or stored == PUSH_INCOMPLETE:
            # Nobody changed it in doccano since the last push (or the last push broke off
            # half-way): the local version may replace it.
            _replace_annotations(client, project, example["id"], doc)
            _set_meta(client, project, example, doc, sha)
            report.updated.append(doc.id)
        elif stored is None:
            report.skipped[doc.id] = "in doccano but not pushed by relief_ner (no fingerprint); pull and merge first"
        else:
            report.skipped[doc.id] = "changed in doccano since the last push; pull and merge first"
    return report


def pull(
    *, project_name: str, settings: Optional[DoccanoSettings] = None, existing: Optional[Iterable[GoldDoc]] = None
) -> List[GoldDoc]:
    """Download every example of the project as a GoldDoc (in doccano's order).

    Offsets, labels and relation ends are validated by `parse_gold_record`; all problems
    are raised together as one CorpusError. Entity ids are renumbered in text order.
    Measure values are taken from `existing` for the exact same span, else from the
    normaliser. `meta["doccano"]` records the example id and the pushed fingerprint for
    `merge`.
    """
    client = DoccanoClient(settings or DoccanoSettings.from_env())
    project = _find_project(client, project_name)
    if project is None:
        raise DoccanoError(
            f"doccano has no project named {project_name!r} visible to user {client.settings.username!r}"
        )
    info = _check_project(client, project)
    known = {d.id: d for d in existing or ()}
    docs: List[GoldDoc] = []
    errors: List[str] = []
    for example in client.examples(info.id):
        try:
            doc = _example_gold(client, info, example, project_name)
        except CorpusError as err:
            errors.append(str(err))
            continue
        docs.append(fill_values(doc, known.get(doc.id)))
    collect_errors(errors, f"pull from doccano project {project_name!r}")
    ids = [d.id for d in docs]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise CorpusError(
            f"pull from doccano project {project_name!r}: document ids occur more than once: {', '.join(dupes)}"
        )
    return docs


# -- project and labels ----------------------------------------------------------------


def _find_project(client: DoccanoClient, name: str) -> Optional[Dict[str, Any]]:
    matches = [p for p in client.paged("/v1/projects", {"q": name}) if p.get("name") == name]
    if len(matches) > 1:
        raise DoccanoError(
            f"doccano has {len(matches)} projects named {name!r} "
            f"(ids {', '.join(str(p['id']) for p in matches)}); rename all but one"
        )
    return matches[0] if matches else None


def _ensure_project(client: DoccanoClient, name: str) -> _Project:
    project = _find_project(client, name)
    if project is None:
        project = client.post(
            "/v1/projects",
            {
                "name": name,
                "description": "relief_ner gold annotation (pushed by relief_ner)",
                "guideline": GUIDELINE,
                "project_type": PROJECT_TYPE,
                "resourcetype": "SequenceLabelingProject",
                "use_relation": True,
                "collaborative_annotation": True,
                "allow_overlapping": False,
                # Offsets must be code points like Python's; grapheme mode would count a
                # combining sequence as one character.
                "grapheme_mode": False,
                "random_order": False,
            },
        )
    info = _check_project(client, project)
    missing_spans = [lab for lab in ENTITY_LABELS if lab not in info.span_types]
    for label in missing_spans:
        made = client.post(
            f"/v1/projects/{info.id}/span-types",
            {
                "text": label,
                "background_color": SPAN_COLORS[label],
                "text_color": "#ffffff",
                "suffix_key": SPAN_KEYS[label],
            },
        )
        info.span_types[label] = made["id"]
    for label in RELATION_LABELS:
        if label not in info.relation_types:
            made = client.post(
                f"/v1/projects/{info.id}/relation-types",
                {"text": label, "background_color": RELATION_COLORS[label], "text_color": "#ffffff"},
            )
            info.relation_types[label] = made["id"]
    return info


def _check_project(client: DoccanoClient, project: Mapping[str, Any]) -> _Project:
    name = project.get("name")
    if project.get("project_type") != PROJECT_TYPE or not project.get("use_relation"):
        raise DoccanoError(
            f"doccano project {name!r} is not a sequence-labelling project with relations; use another project name"
        )
    if not project.get("collaborative_annotation"):
        # Without it doccano keeps one annotation per user and the API shows only ours:
        # pre-annotations would be invisible to annotators and their work to pull.
        raise DoccanoError(
            f"doccano project {name!r} does not share annotations between "
            "users; tick 'Share annotations across all users' in its settings"
        )
    pid = int(project["id"])
    return _Project(
        pid,
        {t["text"]: t["id"] for t in client.span_types(pid)},
        {t["text"]: t["id"] for t in client.relation_types(pid)},
    )


# -- examples and annotations ----------------------------------------------------------


def _example_gold(client: DoccanoClient, project: _Project, example: Mapping[str, Any], project_name: str) -> GoldDoc:
    span_labels = {v: k for k, v in project.span_types.items()}
    relation_labels = {v: k for k, v in project.relation_types.items()}
    where = f"doccano project {project_name!r}, example {example['id']}"
    return example_to_gold(
        example,
        client.spans(project.id, example["id"]),
        client.relations(project.id, example["id"]),
        span_labels,
        relation_labels,
        where,
    )


def _create_example(client: DoccanoClient, project: _Project, doc: GoldDoc, sha: str) -> None:
    # Created as PUSH_INCOMPLETE and given its fingerprint only once every span and
    # relation is in, so a push that breaks off half-way leaves an example that the next
    # push recognises and completes.
    example = client.post(
        f"/v1/projects/{project.id}/examples", {"text": margins(doc.text)[1], "meta": example_meta(doc, None)}
    )
    _add_annotations(client, project, example["id"], doc)
    _set_meta(client, project, example, doc, sha)


def _set_meta(client: DoccanoClient, project: _Project, example: Mapping[str, Any], doc: GoldDoc, sha: str) -> None:
    client.patch(f"/v1/projects/{project.id}/examples/{example['id']}", {"meta": example_meta(doc, sha)})


def _replace_annotations(client: DoccanoClient, project: _Project, example_id: int, doc: GoldDoc) -> None:
    base = f"/v1/projects/{project.id}/examples/{example_id}"
    # Relations first: they point at spans.
    client.delete(f"{base}/relations")
    client.delete(f"{base}/spans")
    _add_annotations(client, project, example_id, doc)


def _add_annotations(client: DoccanoClient, project: _Project, example_id: int, doc: GoldDoc) -> None:
    base = f"/v1/projects/{project.id}/examples/{example_id}"
    shift = len(margins(doc.text)[0])  # doccano holds the text without its margins
    span_ids: Dict[int, int] = {}
    for ent in sorted(doc.entities, key=lambda e: e.start):
        made = client.post(
            f"{base}/spans",
            {"label": project.span_types[ent.label], "start_offset": ent.start - shift, "end_offset": ent.end - shift},
        )
        span_ids[ent.id] = made["id"]
    for rel in doc.relations:
        client.post(
            f"{base}/relations",
            {"from_id": span_ids[rel.from_id], "to_id": span_ids[rel.to_id], "type": project.relation_types[rel.type]},
        )
