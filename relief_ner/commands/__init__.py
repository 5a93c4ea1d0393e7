"""The `relief-ner` commands, one module each; importing them registers them on `app`."""

from . import annotate, bench, corpus, evaluate, evaluate_places, extract, gazetteer, report, train  # noqa: F401
from ._common import app

__all__ = ["app"]
