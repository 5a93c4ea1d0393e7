"""`relief_ner.load()`: the one entry point to every shipped pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Union

import spacy
from spacy.language import Language

PACKAGE_DIR = Path(__file__).parent
RULES_CONFIG = PACKAGE_DIR / "pipelines" / "rules.cfg"
# The trained default pipeline ships here once a model is trained (see configs/).
DEFAULT_MODEL_DIR = PACKAGE_DIR / "models" / "default"
NAMES = ("default", "rules")


def load(name: Union[str, Path] = "default") -> Language:
    """Return a spaCy pipeline that tags ORG/LOC/MONEY/AREA/COUNT and fills
    `doc._.relations` and `doc._.records`.

    `name` is `"default"` (the best shipped pipeline: the trained model if present, else
    the rules), `"rules"` (the rule-based baseline) or a path to a pipeline saved with
    `nlp.to_disk` / `spacy train`.
    """
    name_str = str(name)
    if name_str == "rules":
        return load_rules()
    if name_str == "default":
        if (DEFAULT_MODEL_DIR / "config.cfg").exists():
            return spacy.load(DEFAULT_MODEL_DIR)
        return load_rules()
    path = Path(name_str).expanduser()
    if path.is_dir():
        if not (path / "config.cfg").exists():
            raise OSError(f"{path} is not a saved spaCy pipeline (no config.cfg in it)")
        return spacy.load(path)
    raise OSError(
        f"no pipeline named {name_str!r}: use one of {', '.join(NAMES)} or the path of a "
        "pipeline directory")


def load_rules() -> Language:
    config = spacy.util.load_config(RULES_CONFIG)
    return spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
