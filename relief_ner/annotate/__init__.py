"""The doccano annotation loop: push gold (pre-annotations) to doccano, pull the
annotators' work back, merge it into the local gold without losing anything.

    >>> from relief_ner.annotate import DoccanoSettings, push, pull, merge
    >>> settings = DoccanoSettings.from_env()
    >>> push(gold_docs, project_name="relief-batch-1", settings=settings)
    >>> result = merge(gold_docs, pull(project_name="relief-batch-1", settings=settings))

See DOCCANO.md for the server helper and the workflow.
"""

from .convert import annotation_fingerprint, fill_values, strip_sync_meta
from .errors import DoccanoAuthError, DoccanoError, DoccanoServerError, DoccanoUnreachable
from .merge import Conflict, MergeResult, merge
from .server import ServerHandle, default_venv_dir, ensure_venv, start_server, stop_server
from .settings import DoccanoSettings
from .sync import PushReport, pull, push

__all__ = [
    "Conflict",
    "DoccanoAuthError",
    "DoccanoError",
    "DoccanoServerError",
    "DoccanoSettings",
    "DoccanoUnreachable",
    "MergeResult",
    "PushReport",
    "ServerHandle",
    "annotation_fingerprint",
    "default_venv_dir",
    "ensure_venv",
    "fill_values",
    "merge",
    "pull",
    "push",
    "start_server",
    "stop_server",
    "strip_sync_meta",
]
