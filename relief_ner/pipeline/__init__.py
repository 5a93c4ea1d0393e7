"""Pipeline components. Importing this package registers their factories with spaCy."""

from . import entity_rules, record_builder, relation_rules, sentences  # noqa: F401
