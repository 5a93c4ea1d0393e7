"""Pipeline components. Importing this package registers their factories with spaCy."""

from . import (  # noqa: F401
    entity_repair,
    entity_rules,
    place_resolver,
    record_builder,
    relation_encoder,
    relation_extractor,
    relation_model,
    relation_rules,
    sentences,
)
