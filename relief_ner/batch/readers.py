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
import os
import sys
from pathlib import Path
from typing import Any, BinaryIO, Dict, Iterable, Iterator, List, Optional, TextIO, Union

from ..corpus.texts import document_text, source_url
from ..schema import lone_surrogate_error
from .items import FetchLimits, InputDoc, InputError, Item, MissingDependency

__all__ = [
    "FetchLimits",
    "InputDoc",
    "InputError",
    "Item",
    "MissingDependency",
    "expand_sources",
    "iter_file",
    "iter_inputs",
    "read_source",
    "unique_ids",
]

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
FEED_SUFFIXES = (".xml", ".rss", ".atom")
INPUT_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + JSONL_SUFFIXES + FEED_SUFFIXES


def iter_inputs(
    paths: Iterable[str], stdin: Optional[TextIO] = None, limits: Optional[FetchLimits] = None
) -> Iterator[Item]:
    """Every document of `paths`, in order, with the documented id rule (`unique_ids`).

    A reader that fails on a source (an error that no reader turned into an `InputError`)
    costs the rest of that source only: the failure becomes an `InputError` naming the
    source, and the next source is read."""
    yield from unique_ids(_iter_sources(paths, stdin, limits))


def _iter_sources(paths: Iterable[str], stdin: Optional[TextIO], limits: Optional[FetchLimits]) -> Iterator[Item]:
    for source in expand_sources(paths):
        if isinstance(source, InputError):
            yield source
            continue
        last = source
        try:
            if source == "-":
                items = _iter_stream(stdin or sys.stdin, "<stdin>")
            elif _is_url(source):
                from .feeds import iter_feed_url

                items = iter_feed_url(source, limits=limits)
            else:
                items = iter_file(Path(source))
            for item in items:
                last = item.where or last
                yield _checked(item) if isinstance(item, InputDoc) else item
        except MissingDependency:
            raise
        except Exception as err:  # MemoryError, RecursionError …: a reader bug or a hostile input
            yield InputError(
                source,
                source,
                f"reading stopped after {last} ({type(err).__name__}: {err}); the rest of this input was not read",
            )


def unique_ids(items: Iterable[Item]) -> Iterator[Item]:
    """Ids identify documents in the output and for `--resume`, so they must be unique.
    Rule: a file whose id (its name without the suffix) was already taken by an earlier
    input takes its path as id; a JSONL record or feed entry whose id was already seen is
    not processed and becomes an `InputError` ("duplicate id …, first at …")."""
    first: Dict[str, str] = {}
    for item in items:
        if isinstance(item, InputDoc):
            if item.id in first and item.whole_file and item.where and item.where not in first:
                item.id = item.where  # a whole file: its path tells it apart
            if item.id in first:
                yield InputError(
                    item.id,
                    item.where or item.id,
                    f"duplicate id {item.id!r} (first at {first[item.id]}): not processed; ids must be unique",
                )
                continue
            first[item.id] = item.where or item.id
        yield item


def expand_sources(paths: Iterable[str]) -> Iterator[Union[str, InputError]]:
    """Files (folders expanded, sorted), URLs and '-' in order; an error for what is missing."""
    for raw in paths:
        if raw == "-" or _is_url(raw):
            yield raw
            continue
        path = Path(raw)
        if path.is_dir():
            candidates = sorted(p for p in path.rglob("*") if p.suffix.lower() in INPUT_SUFFIXES)
            files = [p for p in candidates if p.is_file()]
            for p in candidates:
                if p.is_symlink() and not p.exists():
                    yield InputError(p.stem, str(p), f"broken symbolic link (to {os.readlink(p)})")
            if not candidates:
                yield InputError(str(path), str(path), f"folder contains no {', '.join(INPUT_SUFFIXES)} files")
            for file in files:
                yield str(file)
        elif path.is_file():
            yield str(path)
        elif path.is_symlink():
            yield InputError(raw, raw, f"broken symbolic link (to {os.readlink(path)})")
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
        from .html import page_doc

        yield page_doc(data, doc_id, where)
    elif suffix in FEED_SUFFIXES:
        from .feeds import iter_feed_bytes

        yield from iter_feed_bytes(data, where)
    else:
        yield _decoded_text_doc(data, doc_id, where)


def _decoded_text_doc(data: bytes, doc_id: str, where: str, hint: str = "") -> Item:
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError as err:
        return InputError(doc_id, where, f"not UTF-8 text ({err.reason} at byte {err.start}){hint}")
    return _text_doc(doc_id, raw, where)


_BOM = "\ufeff"


def _checked(doc: InputDoc) -> Item:
    """The document, or an error for text that no pipeline can read (a lone surrogate,
    which JSON's \\ud800 escapes can carry but UTF-8 cannot encode)."""
    problem = lone_surrogate_error(doc.text)
    return InputError(doc.id, doc.where or doc.id, problem) if problem else doc


def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def _text_doc(doc_id: str, raw: str, where: str) -> InputDoc:
    """Report files that start with `# source: URL` (as in ../shared/news) lose that line,
    so that offsets match the schema's document text; the URL is kept as `source`."""
    # A byte-order mark is an encoding artefact, not text: kept, it would shift every
    # offset by one and hide a news file's `# source:` line.
    raw = raw[1:] if raw.startswith(_BOM) else raw
    url = source_url(raw)
    extra: Dict[str, Any] = {"source": url} if url else {}
    return InputDoc(doc_id, document_text(raw, is_news=url is not None), extra, where=where, whole_file=True)


def _iter_stream(handle: TextIO, where: str) -> Iterator[Item]:
    """Standard input is JSONL when its first non-blank line starts with `{`, else one text."""
    if hasattr(handle, "buffer"):
        # Bytes, decoded here like files: the interpreter's stdin may use surrogateescape
        # (C locale), which turns GBK bytes into surrogates that only fail much later.
        yield from _iter_byte_stream(handle.buffer, where)
        return
    first_lines: List[str] = []
    for line in handle:
        first_lines.append(line)
        if line.strip():
            break
    if first_lines and first_lines[-1].lstrip(_BOM).lstrip().startswith("{"):
        yield from _iter_jsonl(_chain(first_lines, handle), where)
    else:
        yield _text_doc("stdin", "".join(first_lines) + handle.read(), where)


def _iter_byte_stream(stream: BinaryIO, where: str) -> Iterator[Item]:
    first_lines: List[bytes] = []
    for line in stream:
        first_lines.append(line)
        if line.strip():
            break
    if first_lines and first_lines[-1].lstrip(_BOM.encode()).lstrip().startswith(b"{"):
        yield from _iter_jsonl_bytes(_chain(first_lines, stream), where)
        return
    yield _decoded_text_doc(
        b"".join(first_lines) + stream.read(), "stdin", where, hint="; convert it first, e.g. iconv -f GBK -t UTF-8"
    )


def _chain(lines: List[Any], handle: Iterable[Any]) -> Iterator[Any]:
    yield from lines
    yield from handle


def _iter_jsonl_bytes(stream: BinaryIO, where: str) -> Iterator[Item]:
    """Lines are decoded one by one, so a line in another encoding costs that line only."""

    def lines() -> Iterator[Union[str, InputError]]:
        for lineno, raw in enumerate(stream, 1):
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as err:
                yield InputError(
                    f"{where}:{lineno}",
                    f"{where}:{lineno}",
                    f"not UTF-8 text ({err.reason} at byte {err.start} of the line)",
                )

    yield from _iter_jsonl(lines(), where)


def _iter_jsonl(lines: Iterable[Union[str, InputError]], where: str) -> Iterator[Item]:
    for lineno, line in enumerate(lines, 1):
        if isinstance(line, InputError):
            yield line
            continue
        if lineno == 1 and line.startswith(_BOM):
            line = line[1:]
        if not line.strip():
            continue
        loc = f"{where}:{lineno}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as err:
            yield InputError(loc, loc, f"broken JSON at column {err.colno} ({err.msg})")
            continue
        except (ValueError, RecursionError) as err:
            # json.loads raises plain ValueError for integers of more than 4,300 digits and
            # RecursionError for deeply nested values.
            yield InputError(loc, loc, f"unreadable JSON ({type(err).__name__}: {str(err)[:200]})")
            continue
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            yield InputError(
                str(data.get("id", loc)) if isinstance(data, dict) else loc,
                loc,
                'expected an object with a "text" string',
            )
            continue
        doc_id = str(data.get("id", f"{Path(where).stem}:{lineno}"))
        extra = {k: v for k, v in data.items() if k not in ("id", "text")}
        yield InputDoc(doc_id, data["text"], extra, where=loc)
