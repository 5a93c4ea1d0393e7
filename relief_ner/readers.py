"""Input documents for extraction: `.txt` and `.html` files, folders of them, JSONL of
`{"id", "text", ...}`, RSS/Atom feeds (files or http(s) URLs) and standard input.

Everything is a generator, so memory stays flat however large the input is. A record that
cannot be read becomes an `InputError` item in the stream (file and line in its message)
rather than an exception, so one bad line never stops a run. The one exception is a
missing optional dependency (`MissingDependency`): it would fail every file of its kind,
so the command stops with the install hint instead.

`read_source` parses one file from a binary stream; the Ray engine calls it from its read
tasks, so both engines read exactly the same documents.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Dict, Iterable, Iterator, List, Optional, TextIO, Union

from .corpus.texts import document_text, source_url

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
FEED_SUFFIXES = (".xml", ".rss", ".atom")
INPUT_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + JSONL_SUFFIXES + FEED_SUFFIXES


class MissingDependency(RuntimeError):
    """An optional package needed for an input or output format is not installed."""


@dataclass
class InputDoc:
    id: str
    text: str
    extra: Dict[str, Any] = field(default_factory=dict)
    # Where the document came from (file, file:line, feed#entry): errors name it.
    where: str = ""
    # The text was derived (HTML, feeds): the output carries it, since offsets refer to it.
    keep_text: bool = False


@dataclass
class InputError:
    id: str
    where: str
    reason: str


Item = Union[InputDoc, InputError]


def iter_inputs(paths: Iterable[str], stdin: Optional[TextIO] = None) -> Iterator[Item]:
    for source in expand_sources(paths):
        if isinstance(source, InputError):
            yield source
        elif source == "-":
            yield from _iter_stream(stdin or sys.stdin, "<stdin>")
        elif _is_url(source):
            from .batch.feeds import iter_feed_url
            yield from iter_feed_url(source)
        else:
            yield from iter_file(Path(source))


def expand_sources(paths: Iterable[str]) -> Iterator[Union[str, InputError]]:
    """Files (folders expanded, sorted), URLs and '-' in order; an error for what is missing."""
    for raw in paths:
        if raw == "-" or _is_url(raw):
            yield raw
            continue
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES)
            if not files:
                yield InputError(str(path), str(path),
                                 f"folder contains no {', '.join(INPUT_SUFFIXES)} files")
            for file in files:
                yield str(file)
        elif path.is_file():
            yield str(path)
        else:
            yield InputError(raw, raw, "no such file or folder")


def iter_file(path: Path) -> Iterator[Item]:
    try:
        handle = path.open("rb")
    except OSError as err:
        yield InputError(path.stem, str(path), f"cannot read: {err.strerror}")
        return
    with handle:
        yield from read_source(handle, str(path))


def read_source(stream: BinaryIO, where: str) -> Iterator[Item]:
    """The documents of one input file, read from `stream`; the suffix of `where` says
    what kind of file it is (unknown suffixes are read as plain text)."""
    suffix = Path(where).suffix.lower()
    doc_id = Path(where).stem
    if suffix in JSONL_SUFFIXES:
        yield from _iter_jsonl_bytes(stream, where)
        return
    try:
        data = stream.read()
    except OSError as err:
        yield InputError(doc_id, where, f"cannot read: {err}")
        return
    if suffix in HTML_SUFFIXES:
        from .batch.html import page_doc
        yield page_doc(data, doc_id, where)
    elif suffix in FEED_SUFFIXES:
        from .batch.feeds import iter_feed_bytes
        yield from iter_feed_bytes(data, where)
    else:
        try:
            raw = data.decode("utf-8")
        except UnicodeDecodeError as err:
            yield InputError(doc_id, where, f"not UTF-8 text ({err.reason} at byte {err.start})")
            return
        yield _text_doc(doc_id, raw, where)


def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def _text_doc(doc_id: str, raw: str, where: str) -> InputDoc:
    """Report files that start with `# source: URL` (as in ../shared/news) lose that line,
    so that offsets match the schema's document text; the URL is kept as `source`."""
    url = source_url(raw)
    extra: Dict[str, Any] = {"source": url} if url else {}
    return InputDoc(doc_id, document_text(raw, is_news=url is not None), extra, where=where)


def _iter_stream(handle: TextIO, where: str) -> Iterator[Item]:
    """Standard input is JSONL when its first non-blank line starts with `{`, else one text."""
    first_lines: List[str] = []
    try:
        for line in handle:
            first_lines.append(line)
            if line.strip():
                break
        if first_lines and first_lines[-1].lstrip().startswith("{"):
            yield from _iter_jsonl(_chain(first_lines, handle), where)
        else:
            yield _text_doc("stdin", "".join(first_lines) + handle.read(), where)
    except UnicodeDecodeError as err:
        yield InputError("stdin", where, f"not UTF-8 text ({err.reason})")


def _chain(lines: List[str], handle: Iterable[str]) -> Iterator[str]:
    yield from lines
    yield from handle


def _iter_jsonl_bytes(stream: BinaryIO, where: str) -> Iterator[Item]:
    """Lines are decoded one by one, so a line in another encoding costs that line only."""
    def lines() -> Iterator[Union[str, InputError]]:
        for lineno, raw in enumerate(stream, 1):
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as err:
                yield InputError(f"{where}:{lineno}", f"{where}:{lineno}",
                                 f"not UTF-8 text ({err.reason} at byte {err.start} of the line)")
    yield from _iter_jsonl(lines(), where)


def _iter_jsonl(lines: Iterable[Union[str, InputError]], where: str) -> Iterator[Item]:
    for lineno, line in enumerate(lines, 1):
        if isinstance(line, InputError):
            yield line
            continue
        if not line.strip():
            continue
        loc = f"{where}:{lineno}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as err:
            yield InputError(loc, loc, f"broken JSON ({err.msg} at column {err.colno})")
            continue
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            yield InputError(str(data.get("id", loc)) if isinstance(data, dict) else loc, loc,
                             'expected an object with a "text" string')
            continue
        doc_id = str(data.get("id", f"{Path(where).stem}:{lineno}"))
        extra = {k: v for k, v in data.items() if k not in ("id", "text")}
        yield InputDoc(doc_id, data["text"], extra, where=loc)
