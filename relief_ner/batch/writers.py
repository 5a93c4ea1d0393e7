"""Output writers: JSONL (one line per document), CSV and Parquet (one row per record).

Every writer commits per batch: the batch is written, flushed and fsynced before the
next one is processed, so a crash or Ctrl-C loses at most the batch in flight. The output
is its own ledger for `--resume`: the ids it holds are the documents that are done.

- JSONL, CSV: appended in place. A crash can leave a partial last line (or, in CSV, the
  first rows of a document with several records); on resume that tail is detected and cut
  before anything is appended, so the file never holds a document twice or in part.
- Parquet: a directory (`out.parquet/part-000000.parquet`, ...) of one file per batch,
  each written under a temporary name and renamed, so a part is there whole or not at
  all. pandas, pyarrow, DuckDB and Ray read such a directory as one table.

Record tables (CSV, Parquet) have one row per assistance record; a document without
records has one row with an empty `record_index`, so that every processed document is in
the output (with its extra fields) and resume can see it. Columns: `RECORD_COLUMNS`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any, BinaryIO, Dict, Iterator, List, Optional, Sequence, Set, Tuple

from .readers import InputError, MissingDependency
from .engine import DocResult

FORMATS = ("jsonl", "csv", "parquet")
_SUFFIX_FORMATS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_LIST_FIELDS = (
    ("providers", "provider_offsets"),
    ("recipients", "recipient_offsets"),
    ("money", "money_offsets"),
    ("counts", "count_offsets"),
    ("areas", "area_offsets"),
)
# name -> (Parquet type name, description); the order is the column order.
RECORD_COLUMNS: Dict[str, Tuple[str, str]] = {
    "doc_id": ("string", "document id"),
    "doc_records": ("int64", "number of records of the document"),
    "record_index": (
        "int64",
        "0-based index of the record in its document; empty on the one row of a document without records",
    ),
    "providers": ("string", "provider texts, ' | ' between them"),
    "provider_offsets": ("string", "their start-end offsets in the document, ';' between them"),
    "provider_places": ("string", "their division codes (12-digit NBS), ' | ' between them, empty where not resolved"),
    "provider_region": ("string", "name of the finest division all resolved providers lie in"),
    "provider_region_code": ("string", "its code"),
    "provider_region_level": ("string", "its level: province, city, county, town or village"),
    "recipients": ("string", "recipient texts"),
    "recipient_offsets": ("string", "their offsets"),
    "recipient_places": ("string", "their division codes"),
    "recipient_region": ("string", "name of the finest division all resolved recipients lie in"),
    "recipient_region_code": ("string", "its code"),
    "recipient_region_level": ("string", "its level"),
    "money": ("string", "MONEY texts"),
    "money_offsets": ("string", "their offsets"),
    "money_cny": ("float64", "sum of the MONEY values in yuan (empty if none)"),
    "counts": ("string", "COUNT texts"),
    "count_offsets": ("string", "their offsets"),
    "areas": ("string", "AREA texts"),
    "area_offsets": ("string", "their offsets"),
    "area_m2": ("float64", "sum of the AREA values in square metres (empty if none)"),
    "approx": ("bool", "true if any measure of the record is approximate"),
    "purpose": ("string", "what for (best effort)"),
    "sentence_start": ("int64", "offsets of the record's sentence"),
    "sentence_end": ("int64", ""),
    "sentence": ("string", "the sentence text (the evidence)"),
    "record_json": ("string", "the full record as the schema's JSON (values, units, labels)"),
    "extra_json": ("string", "the input's extra fields (source, title, feed ...) as JSON"),
}


class OutputError(RuntimeError):
    """The output cannot be used as asked (exists, damaged, wrong kind)."""


def output_format(output: str, fmt: Optional[str]) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise OutputError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
        return fmt
    return _SUFFIX_FORMATS.get(Path(output).suffix.lower(), "jsonl")


def errors_path(output: str) -> Optional[Path]:
    """`OUT.errors.jsonl` beside the output (none for stdout, a device or a pipe)."""
    if output == "-" or _is_stream(Path(output)):
        return None
    path = Path(output)
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    return path.with_name(stem + ".errors.jsonl")


class Writer:
    """Base: `done_ids` after opening, then `write_batch` per batch, then `close`."""

    fmt = ""

    def __init__(self) -> None:
        self.done_ids: Set[str] = set()
        self.repaired = ""  # what resume had to cut, for the user

    def write_batch(self, results: Sequence[DocResult]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


def open_writer(output: str, fmt: Optional[str] = None, *, resume: bool = False, overwrite: bool = False) -> Writer:
    kind = output_format(output, fmt)
    if output == "-":
        if resume:
            raise OutputError("--resume needs an output file, not stdout")
        if kind == "parquet":
            raise OutputError("Parquet cannot go to stdout: give -o OUT.parquet")
        return StreamWriter(sys.stdout, kind)
    path = Path(output)
    if _is_stream(path):
        # /dev/stdout, a named pipe, /dev/null: written like stdout, never read back (the
        # resume scan would read its own pipe or an endless device).
        if resume:
            raise OutputError(f"--resume needs an output file; {path} is a device or pipe")
        if kind == "parquet":
            raise OutputError(f"Parquet output is a folder, not {path}")
        try:
            return StreamWriter(path.open("w", encoding="utf-8"), kind, name=str(path))
        except OSError as err:
            raise OutputError(f"cannot write to {path}: {err.strerror}") from None
    if path.is_dir() and kind != "parquet":
        raise OutputError(f"{path} is a folder: give the output a file name (a .parquet output is a folder)")
    if _exists(path) and not (resume or overwrite):
        raise OutputError(f"{path} exists: add --resume to continue that run or --overwrite to replace it")
    if path.exists() and overwrite and not resume:
        _remove_output(path, kind)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(
            f"cannot create the folder of {path}: {err.strerror or err} "
            f"({path.parent} or a folder above it is a file, or not writable)"
        ) from None
    if kind != "parquet":
        _probe_writable(path)
    cls = {"jsonl": JsonlWriter, "csv": CsvWriter, "parquet": ParquetWriter}[kind]
    return cls(path)


def _is_stream(path: Path) -> bool:
    """A character device, FIFO or socket (also through a symlink such as /dev/stdout)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def _probe_writable(path: Path) -> None:
    """Fail before any work if the file cannot be created or appended to (`/proc/x.jsonl`,
    a read-only place); a file created by the probe is removed again (no empty outputs)."""
    existed = path.exists()
    try:
        with path.open("ab"):
            pass
    except OSError as err:
        raise OutputError(f"cannot write {path}: {err.strerror or err}") from None
    if not existed:
        path.unlink()


def _exists(path: Path) -> bool:
    if path.is_dir():
        return any(path.iterdir())
    return path.exists() and path.stat().st_size > 0


def _remove_output(path: Path, kind: str) -> None:
    if path.is_dir():
        if kind != "parquet":
            raise OutputError(f"{path} is a folder")
        strangers = [p.name for p in path.iterdir() if not _is_part(p.name)]
        if strangers:
            raise OutputError(
                f"{path} holds files that are not Parquet parts of a run "
                f"({', '.join(sorted(strangers)[:3])}): not replacing it"
            )
        for part in path.iterdir():
            part.unlink()
    else:
        path.unlink()


def _fsync_append(handle: BinaryIO, data: bytes) -> None:
    handle.write(data)
    handle.flush()
    os.fsync(handle.fileno())


# ------------------------------------------------------------------------------ JSONL


class StreamWriter(Writer):
    """stdout: flushed per batch; nothing to resume."""

    def __init__(self, stream: Any, kind: str, name: str = "stdout") -> None:
        super().__init__()
        self.stream = stream
        self.kind = kind
        self.name = name
        self._header = kind == "csv"

    def write_batch(self, results: Sequence[DocResult]) -> None:
        try:
            if self.kind == "csv":
                self.stream.write(_csv_text(results, header=self._header))
                self._header = False
            else:
                self.stream.write("".join(_json_line(r) for r in results))
            self.stream.flush()
        except OSError as err:  # /dev/full, a closed pipe
            raise OutputError(f"cannot write to {self.name}: {err.strerror or err}") from None

    def close(self) -> None:
        if self.stream is not sys.stdout:
            try:
                self.stream.close()
            except OSError:
                pass


class JsonlWriter(Writer):
    fmt = "jsonl"

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        if path.exists():
            self.done_ids, keep = _scan_jsonl(path)
            self.repaired = _truncate(path, keep)
        self._handle: Optional[BinaryIO] = None  # opened by the first batch: no empty files

    def write_batch(self, results: Sequence[DocResult]) -> None:
        if results:
            try:
                if self._handle is None:
                    self._handle = self.path.open("ab")
                _fsync_append(self._handle, "".join(_json_line(r) for r in results).encode("utf-8"))
            except OSError as err:  # disk full, quota
                raise OutputError(f"cannot write to {self.path}: {err.strerror or err}") from None

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


def _json_line(result: DocResult) -> str:
    return json.dumps(result.record, ensure_ascii=False) + "\n"


def _scan_jsonl(path: Path) -> Tuple[Set[str], int]:
    """Ids of the complete lines and the length of the file they make up. A partial or
    broken last line is left out (it is what a crash leaves); a broken line followed by
    good ones is damage that resume must not paper over."""
    ids: Set[str] = set()
    good_end = 0
    bad: Optional[int] = None
    with path.open("rb") as handle:
        for lineno, line in enumerate(handle, 1):
            if bad is not None:
                raise OutputError(
                    f"{path}:{bad}: not a complete JSON line, and more lines follow; "
                    "the file is damaged or was not written by relief-ner extract"
                )
            try:
                if not line.endswith(b"\n"):
                    raise ValueError("no newline")
                ids.add(str(json.loads(line)["id"]))
            except (ValueError, KeyError, TypeError):
                bad = lineno
                continue
            good_end += len(line)
    return ids, good_end


def _truncate(path: Path, keep: int) -> str:
    size = path.stat().st_size
    if size == keep:
        return ""
    with path.open("r+b") as handle:
        handle.truncate(keep)
        handle.flush()
        os.fsync(handle.fileno())
    return f"cut {size - keep} bytes of an incomplete last document left by an interrupted run"


# -------------------------------------------------------------------------- records


def record_rows(result: DocResult) -> List[Dict[str, Any]]:
    """The record-table rows of one document (see RECORD_COLUMNS)."""
    record = result.record
    records = record["records"]
    extra = {k: v for k, v in record.items() if k not in ("id", "text", "entities", "relations", "records")}
    base = {
        "doc_id": result.id,
        "doc_records": len(records),
        "extra_json": json.dumps(extra, ensure_ascii=False, sort_keys=True),
    }
    if not records:
        return [{**{c: None for c in RECORD_COLUMNS}, **base}]
    rows = []
    for index, rec in enumerate(records):
        row: Dict[str, Any] = dict(base, record_index=index)
        for field_name, offsets_name in _LIST_FIELDS:
            spans = rec.get(field_name, [])
            row[field_name] = " | ".join(s["text"] for s in spans)
            row[offsets_name] = ";".join(f"{s['start']}-{s['end']}" for s in spans)
        for side, prefix in (("providers", "provider"), ("recipients", "recipient")):
            parties = rec.get(side, [])
            codes = [(p.get("place") or {}).get("code") or "" for p in parties]
            row[f"{prefix}_places"] = " | ".join(codes) if any(codes) else None
            region = rec.get(f"{prefix}_region") or {}
            row[f"{prefix}_region"] = region.get("name")
            row[f"{prefix}_region_code"] = region.get("code")
            row[f"{prefix}_region_level"] = region.get("level")
        row["money_cny"] = _total(rec.get("money", []))
        row["area_m2"] = _total(rec.get("areas", []))
        measures = [*rec.get("money", []), *rec.get("counts", []), *rec.get("areas", [])]
        row["approx"] = any(bool(m.get("approx")) for m in measures)
        row["purpose"] = rec.get("purpose", "")
        sentence = rec.get("sentence") or {}
        row["sentence_start"] = sentence.get("start")
        row["sentence_end"] = sentence.get("end")
        row["sentence"] = result.text[sentence["start"] : sentence["end"]] if "start" in sentence else None
        row["record_json"] = json.dumps(rec, ensure_ascii=False)
        rows.append(row)
    return rows


def _total(measures: Sequence[Dict[str, Any]]) -> Optional[float]:
    values = [m["value"] for m in measures if m.get("value") is not None]
    return float(sum(values)) if values else None


# ------------------------------------------------------------------------------ CSV


def _csv_text(results: Sequence[DocResult], header: bool) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(RECORD_COLUMNS), lineterminator="\n")
    if header:
        writer.writeheader()
    for result in results:
        for row in record_rows(result):
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return buffer.getvalue()


class CsvWriter(Writer):
    fmt = "csv"

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        keep = 0
        if path.exists():
            self.done_ids, keep = _scan_csv(path)
            self.repaired = _truncate(path, keep)
        self._header = keep == 0
        self._handle: Optional[BinaryIO] = None

    def write_batch(self, results: Sequence[DocResult]) -> None:
        if results:
            if self._handle is None:
                self._handle = self.path.open("ab")
            _fsync_append(self._handle, _csv_text(results, self._header).encode("utf-8"))
            self._header = False

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()


def _scan_csv(path: Path) -> Tuple[Set[str], int]:
    """Ids of the documents whose rows are all there, and the length of the file up to the
    last of them. A cell may hold a newline, so rows are read with the csv module while
    counting the bytes of the physical lines it consumed."""
    consumed = [0]
    ended_with_newline = [True]

    def lines(handle: BinaryIO) -> Iterator[str]:
        for raw in handle:
            consumed[0] += len(raw)
            ended_with_newline[0] = raw.endswith(b"\n")
            yield raw.decode("utf-8")

    ids: Set[str] = set()
    keep = 0
    current: Optional[str] = None
    expected = seen = 0
    group_start = 0
    with path.open("rb") as handle:
        reader = csv.reader(lines(handle))
        try:
            header = next(reader)
        except StopIteration:
            return ids, 0
        if header != list(RECORD_COLUMNS):
            raise OutputError(f"{path}: its header is not that of relief-ner extract's CSV")
        keep = group_start = consumed[0]
        try:
            for row in reader:
                if not ended_with_newline[0] or len(row) != len(RECORD_COLUMNS):
                    raise ValueError("incomplete row")
                doc_id, n_records = row[0], int(row[1] or 0)
                # A new group also when the same id comes again complete (an input that
                # holds a document twice).
                if doc_id != current or seen == expected:
                    if current is not None and seen != expected:
                        raise OutputError(
                            f"{path}: document {current!r} has {seen} of its {expected} "
                            "rows and more documents follow; the file is damaged"
                        )
                    current, expected, seen, group_start = doc_id, max(1, n_records), 0, keep
                seen += 1
                keep = consumed[0]
                if seen == expected:
                    ids.add(doc_id)
        except (csv.Error, ValueError):
            # What a crash leaves at the end (a cut row, an unterminated quote) is cut;
            # the same thing with more rows after it is damage.
            if consumed[0] < path.stat().st_size:
                raise OutputError(
                    f"{path}: a broken row at byte {keep} and more rows follow; the file is damaged"
                ) from None
    if current is not None and seen != expected:
        keep = group_start  # the rows of a document cut short by a crash
    return ids, keep


# --------------------------------------------------------------------------- Parquet

_PART_PREFIX = "part-"
_PART_SUFFIX = ".parquet"


def _is_part(name: str) -> bool:
    return name.startswith(_PART_PREFIX) and (name.endswith(_PART_SUFFIX) or name.endswith(".tmp"))


def parquet_schema() -> Any:
    import pyarrow as pa

    types = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}
    return pa.schema([(name, types[kind]) for name, (kind, _) in RECORD_COLUMNS.items()])


class ParquetWriter(Writer):
    fmt = "parquet"

    def __init__(self, path: Path) -> None:
        super().__init__()
        try:
            import pyarrow.parquet  # noqa: F401
        except ImportError:
            raise MissingDependency("Parquet output needs pyarrow: pip install 'relief_ner[batch]'") from None
        if path.exists() and not path.is_dir():
            raise OutputError(f"{path} is a file; Parquet output is a folder of parts")
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._next = 0
        leftovers = [p for p in path.iterdir() if p.name.endswith(".tmp")]
        for tmp in leftovers:  # a part that was being written when the run stopped
            tmp.unlink()
        if leftovers:
            self.repaired = f"removed {len(leftovers)} unfinished part(s) left by an interrupted run"
        import pyarrow.parquet as pq

        for part in sorted(path.glob(f"{_PART_PREFIX}*{_PART_SUFFIX}")):
            ids = pq.read_table(part, columns=["doc_id"]).column("doc_id").to_pylist()
            self.done_ids.update(ids)
            self._next = max(self._next, int(part.name[len(_PART_PREFIX) : -len(_PART_SUFFIX)]) + 1)

    def write_batch(self, results: Sequence[DocResult]) -> None:
        if not results:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows = [row for result in results for row in record_rows(result)]
        table = pa.Table.from_pylist(rows, schema=parquet_schema())
        final = self.path / f"{_PART_PREFIX}{self._next:06d}{_PART_SUFFIX}"
        tmp = final.with_name(final.name + ".tmp")
        pq.write_table(table, tmp)
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, final)
        _fsync_dir(self.path)
        self._next += 1


def _fsync_dir(path: Path) -> None:
    """Make a rename durable (POSIX needs the directory synced too)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------- errors


class ErrorLog:
    """`OUT.errors.jsonl`: one line per input or document that failed ({id, where, reason}).
    It is rewritten by every run (a resumed run meets the same bad inputs again)."""

    def __init__(self, path: Optional[Path]) -> None:
        self.path = path
        self.count = 0
        self._buffer: List[str] = []
        self._handle: Optional[BinaryIO] = None
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._handle = path.open("wb")
            except OSError as err:
                raise OutputError(f"cannot write the errors file {path}: {err.strerror or err}") from None

    def add(self, error: InputError) -> None:
        self.count += 1
        self._buffer.append(
            json.dumps({"id": error.id, "where": error.where, "reason": error.reason}, ensure_ascii=False) + "\n"
        )

    def commit(self) -> None:
        if self._handle is not None and self._buffer:
            _fsync_append(self._handle, "".join(self._buffer).encode("utf-8"))
        self._buffer.clear()

    def close(self) -> None:
        self.commit()
        if self._handle is not None:
            self._handle.close()
            if self.count == 0 and self.path is not None:
                self.path.unlink()  # no errors, no file: its presence means something failed
