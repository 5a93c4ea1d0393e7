"""Batch inference over news feeds: inputs in windows through `nlp.pipe`, results written
per batch with resume, on one machine (`engine`) or on Ray Data (`ray_engine`).
See docs/BATCH.md."""
