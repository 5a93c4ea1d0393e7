"""Where report texts come from: the project commits stand-off annotations only, and
joins them at load time with texts from a directory laid out like `../shared`
(`news/<id>.txt` with a `# source:` first line, `seeds/<id>.txt`).

The directory is, in order: an explicit argument, `$RELIEF_NER_TEXTS`, `../shared` from
the working directory, `../shared` beside the repository checkout.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Iterator, Optional, Tuple, Union

ENV_VAR = "RELIEF_NER_TEXTS"
_REPO_ROOT = Path(__file__).resolve().parents[2]


def default_texts_dir() -> Path:
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    for candidate in (Path.cwd().parent / "shared", _REPO_ROOT.parent / "shared"):
        if candidate.is_dir():
            return candidate
    return Path.cwd().parent / "shared"


def document_text(raw: str, is_news: bool) -> str:
    """The schema's document text: news files lose their `# source:` first line."""
    if is_news and raw.startswith("# source:"):
        return raw.split("\n", 1)[1] if "\n" in raw else ""
    return raw


def source_url(raw: str) -> Optional[str]:
    if raw.startswith("# source:"):
        return raw.split("\n", 1)[0][len("# source:"):].strip()
    return None


class TextStore:
    """Looks documents up by id in a texts directory; a missing one is a KeyError whose
    message says where it was looked for."""

    def __init__(self, root: Union[str, Path, None] = None) -> None:
        self.root = Path(root) if root is not None else default_texts_dir()
        self._cache: Dict[str, str] = {}

    def path_of(self, doc_id: str) -> Tuple[Path, bool]:
        for sub, is_news in (("news", True), ("seeds", False)):
            path = self.root / sub / f"{doc_id}.txt"
            if path.exists():
                return path, is_news
        raise KeyError(f"no text for document {doc_id!r} under {self.root} (looked in news/ "
                       f"and seeds/; set ${ENV_VAR} or --texts to the right directory)")

    def __call__(self, doc_id: str) -> str:
        if doc_id not in self._cache:
            path, is_news = self.path_of(doc_id)
            self._cache[doc_id] = document_text(path.read_text(encoding="utf-8"), is_news)
        return self._cache[doc_id]

    def ids(self, subdir: str) -> Iterator[str]:
        for path in sorted((self.root / subdir).glob("*.txt")):
            yield path.stem
