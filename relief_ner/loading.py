"""`relief_ner.load()`: the one entry point to every shipped pipeline."""

from __future__ import annotations


from pathlib import Path
from typing import Iterable, Optional, Union

import spacy
from spacy.language import Language

from .schema import lone_surrogate_error

PACKAGE_DIR = Path(__file__).parent
RULES_CONFIG = PACKAGE_DIR / "pipelines" / "rules.cfg"
# Trained pipelines ship as relief_ner/models/<name> (`relief-ner ship`); "default" is
# the one relief_ner.load() returns, once a trained model beats the rules on the dev split.
MODELS_DIR = PACKAGE_DIR / "models"
DEFAULT_MODEL_DIR = MODELS_DIR / "default"


def shipped_names() -> tuple:
    if not MODELS_DIR.is_dir():
        return ()
    return tuple(sorted(p.name for p in MODELS_DIR.iterdir() if (p / "config.cfg").exists()))


# Longest text `nlp(text)` takes with a transformer pipeline: the shipped default peaks at
# 2.6 GB of memory at this length on CPU (1.6 GB at 50,000 characters; docs/BATCH.md).
TRANSFORMER_MAX_LENGTH = 100_000


def load(name: Union[str, Path] = "default", *, int8: Optional[bool] = None, exclude: Iterable[str] = ()) -> Language:
    """Return a spaCy pipeline that tags ORG/LOC/MONEY/AREA/COUNT and fills
    `doc._.relations` and `doc._.records`.

    `name` is `"default"` (the best shipped pipeline: a trained model once one beats the
    rules, else the rules), `"rules"` (the rule-based baseline), the name of another
    shipped model (`relief_ner.loading.shipped_names()`, e.g. `"transformer"`) or a path to
    a pipeline saved with `nlp.to_disk` / `spacy train`.

    `int8`: quantise the transformer's Linear layers to int8 for CPU inference (about 1.3
    times as fast, somewhat less accurate: docs/MODEL.md); `None` follows the pipeline's meta
    (`relief-ner ship --int8`; the shipped default runs in float32), `False` keeps float32
    (e.g. to fine-tune the loaded pipeline further).
    Never applied on a GPU (`spacy.require_gpu()` before loading).

    `exclude`: names of components not to load, as in `spacy.load` (e.g.
    `["relief_place_resolver"]` for a pipeline without place resolution).
    """
    nlp = _load(name, exclude=list(exclude))
    from .inference import fork_safe, optimise_for_cpu, wants_int8

    if "transformer" in nlp.pipe_names:
        # The transformer runs all windows of a text in one batch, so memory grows with the
        # text (docs/BATCH.md, "Failure modes"): nlp(text) refuses longer texts with spaCy's
        # max_length error instead of exhausting memory; `relief-ner extract` and
        # `relief_ner.batch.engine.process` window texts of any length.
        nlp.max_length = min(nlp.max_length, TRANSFORMER_MAX_LENGTH)

    if (wants_int8(nlp) if int8 is None else int8) and _on_cpu():
        optimise_for_cpu(nlp, int8=True)
    return fork_safe(_unicode_checked(nlp))


def _unicode_checked(nlp: Language) -> Language:
    """`nlp(text)` on text with a lone surrogate (a JSON `\\ud800` escape) fails inside
    spaCy's string store with a bare UnicodeEncodeError; say what is wrong and where."""
    original = nlp.make_doc

    def make_doc(text):
        problem = lone_surrogate_error(text) if isinstance(text, str) else None
        if problem:
            raise ValueError(problem)
        return original(text)

    # spaCy's `Language.__call__` and `pipe` call `self.make_doc`: the instance attribute wins
    nlp.make_doc = make_doc
    return nlp


def _on_cpu() -> bool:
    from thinc.api import NumpyOps, get_current_ops

    return isinstance(get_current_ops(), NumpyOps)


def _load(name: Union[str, Path], exclude: Iterable[str] = ()) -> Language:
    config = config_path(name)
    if config == RULES_CONFIG:
        return load_rules(exclude=exclude)
    return spacy.load(config.parent, exclude=list(exclude))


def config_path(name: Union[str, Path]) -> Path:
    """The config file of the pipeline `load(name)` returns (`OSError` if there is none)."""
    name_str = str(name)
    if name_str == "rules":
        return RULES_CONFIG
    if name_str == "default" and not (DEFAULT_MODEL_DIR / "config.cfg").exists():
        return RULES_CONFIG
    if name_str in shipped_names():
        return MODELS_DIR / name_str / "config.cfg"
    path = Path(name_str).expanduser()
    if path.is_dir():
        if not (path / "config.cfg").exists():
            raise OSError(f"{path} is not a saved spaCy pipeline (no config.cfg in it)")
        return path / "config.cfg"
    names = sorted({"default", "rules", *shipped_names()})
    raise OSError(f"no pipeline named {name_str!r}: use one of {', '.join(names)} or the path of a pipeline directory")


def load_rules(exclude: Iterable[str] = ()) -> Language:
    config = spacy.util.load_config(RULES_CONFIG)
    return spacy.util.load_model_from_config(config, auto_fill=True, validate=True, exclude=list(exclude))
