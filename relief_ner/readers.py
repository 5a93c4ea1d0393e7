"""Input documents for extraction: `.txt` files, folders of them, JSONL of
`{"id", "text", ...}` and standard input.

Everything is a generator, so memory stays flat however large the input is. A record that
cannot be read becomes an `InputError` item in the stream (file and line in its message)
rather than an exception, so one bad line never stops a run.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, Optional, TextIO, Union

from .corpus.texts import document_text, source_url

TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")


@dataclass
class InputDoc:
    id: str
    text: str
    extra: Dict[str, Any] = field(default_factory=dict)


@dataclass
class InputError:
    id: str
    where: str
    reason: str


Item = Union[InputDoc, InputError]


def iter_inputs(paths: Iterable[str], stdin: Optional[TextIO] = None) -> Iterator[Item]:
    for raw in paths:
        if raw == "-":
            yield from _iter_stream(stdin or sys.stdin, "<stdin>")
            continue
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*")
                           if p.is_file() and p.suffix in TEXT_SUFFIXES + JSONL_SUFFIXES)
            if not files:
                yield InputError(str(path), str(path), "folder contains no .txt or .jsonl files")
            for file in files:
                yield from _iter_file(file)
        elif path.is_file():
            yield from _iter_file(path)
        else:
            yield InputError(raw, raw, "no such file or folder")


def _iter_file(path: Path) -> Iterator[Item]:
    if path.suffix in JSONL_SUFFIXES:
        try:
            with path.open(encoding="utf-8") as handle:
                yield from _iter_jsonl(handle, str(path))
        except UnicodeDecodeError as err:
            yield InputError(path.stem, str(path), f"not UTF-8 text ({err.reason})")
        return
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        yield InputError(path.stem, str(path), f"not UTF-8 text ({err.reason} at byte {err.start})")
        return
    except OSError as err:
        yield InputError(path.stem, str(path), f"cannot read: {err.strerror}")
        return
    yield _text_doc(path.stem, raw, str(path))


def _text_doc(doc_id: str, raw: str, where: str) -> InputDoc:
    """Report files that start with `# source: URL` (as in ../shared/news) lose that line,
    so that offsets match the schema's document text; the URL is kept as `source`."""
    url = source_url(raw)
    extra: Dict[str, Any] = {"source": url} if url else {}
    return InputDoc(doc_id, document_text(raw, is_news=url is not None), extra)


def _iter_stream(handle: TextIO, where: str) -> Iterator[Item]:
    """Standard input is JSONL when its first non-blank line starts with `{`, else one text."""
    first_lines = []
    for line in handle:
        first_lines.append(line)
        if line.strip():
            break
    if first_lines and first_lines[-1].lstrip().startswith("{"):
        yield from _iter_jsonl(_chain(first_lines, handle), where)
    else:
        yield _text_doc("stdin", "".join(first_lines) + handle.read(), where)


def _chain(lines, handle) -> Iterator[str]:
    yield from lines
    yield from handle


def _iter_jsonl(lines: Iterable[str], where: str) -> Iterator[Item]:
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        loc = f"{where}:{lineno}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as err:
            yield InputError(f"{where}:{lineno}", loc, f"broken JSON ({err.msg} at column {err.colno})")
            continue
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            yield InputError(str(data.get("id", loc)) if isinstance(data, dict) else loc, loc,
                             'expected an object with a "text" string')
            continue
        doc_id = str(data.get("id", f"{Path(where).stem}:{lineno}"))
        extra = {k: v for k, v in data.items() if k not in ("id", "text")}
        yield InputDoc(doc_id, data["text"], extra)
