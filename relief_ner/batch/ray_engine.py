"""The Ray Data engine (`relief-ner extract --engine ray`): when one machine is not enough.

    input files ──read tasks──▶ documents ──actor pool (map_batches)──▶ results ──▶ driver writes

- Reading: a `FileBasedDatasource` whose read tasks call `readers.read_source` on each
  file, so both engines see exactly the same documents, ids and errors; feed URLs are
  fetched by the driver (they are small) and joined with `union`.
- Extraction: `map_batches` with a callable class, so each actor loads the pipeline once
  and then runs `engine.process` (windows, `nlp.pipe`, per-document error isolation) on
  every batch it is given; `concurrency` actors, one GPU each with `--gpu`.
- Writing: results stream back to the driver (`iter_batches`) and go through the same
  writers as the single-process engine, so the output format, per-batch commits,
  `--resume` and the errors file are the same. Extraction is the expensive part; writing
  a line is not, so one writer keeps up with many actors.

Rows between the stages are flat (strings, JSON strings for nested data): documents of a
feed have different extra fields, which would otherwise make Arrow schemas disagree
between blocks.
"""

from __future__ import annotations

import io
import json
from typing import Any, Dict, FrozenSet, Iterable, Iterator, List, Optional

from .readers import FetchLimits, InputDoc, InputError, Item, MissingDependency, expand_sources, read_source
from .engine import DocResult, Outcome

_READ_BLOCK_ROWS = 256  # documents per block a read task emits: bounded memory per file
# Reading is light next to extraction. Actors hold their CPUs for the whole run, so if they
# took every CPU of the cluster no read task could ever be scheduled and the run would
# hang; read tasks ask for little and the actors leave them that much.
READ_TASK_CPUS = 0.1
_READ_RESERVE = 2 * READ_TASK_CPUS
_IN_COLUMNS = ("kind", "id", "where", "text", "extra", "keep_text", "reason")


class RayEngineError(RuntimeError):
    """The Ray engine cannot run as asked."""


def import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise MissingDependency("--engine ray needs Ray Data: pip install 'relief_ner[ray]'") from None
    return ray


def init_ray(address: Optional[str] = None) -> None:
    """Connect to the cluster at `address` ('auto' = the one this node belongs to), or
    start a local Ray instance on this machine. Does nothing if Ray is already up, so a
    caller (or a test) can init Ray with its own settings first."""
    ray = import_ray()
    if ray.is_initialized():
        return
    if address:
        ray.init(address=address, logging_level="WARNING")
    else:
        ray.init(include_dashboard=False, logging_level="WARNING")


def _item_row(item: Item) -> Dict[str, Any]:
    if isinstance(item, InputError):
        return {
            "kind": "error",
            "id": item.id,
            "where": item.where,
            "text": None,
            "extra": None,
            "keep_text": False,
            "reason": item.reason,
        }
    return {
        "kind": "doc",
        "id": item.id,
        "where": item.where,
        "text": item.text,
        "extra": json.dumps(item.extra, ensure_ascii=False),
        "keep_text": item.keep_text,
        "reason": None,
    }


def _row_item(row: Dict[str, Any]) -> Item:
    if row["kind"] == "error":
        return InputError(row["id"], row["where"], row["reason"])
    return InputDoc(
        row["id"], row["text"], json.loads(row["extra"]), where=row["where"], keep_text=bool(row["keep_text"])
    )


def _rows_table(rows: List[Dict[str, Any]]) -> Any:
    import pyarrow as pa

    schema = pa.schema(
        [
            ("kind", pa.string()),
            ("id", pa.string()),
            ("where", pa.string()),
            ("text", pa.large_string()),
            ("extra", pa.string()),
            ("keep_text", pa.bool_()),
            ("reason", pa.string()),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)


def _datasource_class() -> Any:
    """Defined on first use: the base class needs Ray, which is optional."""
    from ray.data.datasource import FileBasedDatasource

    class InputDatasource(FileBasedDatasource):
        """Every file through `readers.read_source`: txt, html, jsonl, feeds."""

        def _read_stream(self, f: Any, path: str) -> Iterator[Any]:
            # pyarrow's input streams cannot read lines; a buffered reader can.
            stream = io.BufferedReader(f)
            rows: List[Dict[str, Any]] = []
            for item in read_source(stream, path):
                rows.append(_item_row(item))
                if len(rows) >= _READ_BLOCK_ROWS:
                    yield _rows_table(rows)
                    rows = []
            if rows:
                yield _rows_table(rows)

    return InputDatasource


class ExtractActor:
    """One per actor: loads the pipeline once, then extracts batch after batch."""

    def __init__(
        self,
        model: str,
        window: Optional[int],
        batch_size: int,
        with_text: bool,
        done_ids: FrozenSet[str],
        gpu: bool,
        int8: Optional[bool] = None,
    ) -> None:
        from ..loading import load
        from .engine import select_device
        from .windows import pipeline_window

        if gpu:
            select_device(0)  # Ray shows each actor only the GPU it was given, as device 0
        self.nlp = load(model, int8=int8)
        self.window = pipeline_window(self.nlp, window)
        self.batch_size = batch_size
        self.with_text = with_text
        self.done_ids = done_ids

    def __call__(self, batch: Any) -> Any:
        from .engine import process
        import pyarrow as pa

        out: List[Dict[str, Any]] = []
        items: List[Item] = []
        for row in batch.to_pylist():
            if row["kind"] == "doc" and row["id"] in self.done_ids:
                out.append(
                    {
                        "kind": "skipped",
                        "id": row["id"],
                        "where": row["where"],
                        "record": None,
                        "text": None,
                        "reason": None,
                    }
                )
                continue
            items.append(_row_item(row))
        for outcome in process(
            self.nlp, items, batch_size=self.batch_size, window=self.window, with_text=self.with_text
        ):
            if isinstance(outcome, InputError):
                out.append(
                    {
                        "kind": "error",
                        "id": outcome.id,
                        "where": outcome.where,
                        "record": None,
                        "text": None,
                        "reason": outcome.reason,
                    }
                )
            else:
                out.append(
                    {
                        "kind": "doc",
                        "id": outcome.id,
                        "where": None,
                        "record": json.dumps(outcome.record, ensure_ascii=False),
                        "text": outcome.text,
                        "reason": None,
                    }
                )
        schema = pa.schema(
            [
                ("kind", pa.string()),
                ("id", pa.string()),
                ("where", pa.string()),
                ("record", pa.large_string()),
                ("text", pa.large_string()),
                ("reason", pa.string()),
            ]
        )
        return pa.Table.from_pylist(out, schema=schema)


def actor_cpus(concurrency: int) -> float:
    """CPUs per actor: one, or less where the actors would otherwise take them all."""
    import ray

    total = float(ray.cluster_resources().get("CPU", 1.0))
    return max(0.1, min(1.0, (total - _READ_RESERVE) / concurrency))


class RaySummary:
    def __init__(self) -> None:
        self.skipped = 0


def process_ray(
    paths: Iterable[str],
    *,
    model: str,
    window: Optional[int] = None,
    batch_size: int = 32,
    concurrency: int = 2,
    gpu: bool = False,
    with_text: bool = False,
    done_ids: Iterable[str] = (),
    summary: Optional[RaySummary] = None,
    int8: Optional[bool] = None,
    limits: Optional[FetchLimits] = None,
) -> Iterator[Outcome]:
    """Like `engine.process` over `readers.iter_inputs(paths)`, on the Ray cluster this
    process is connected to (`init_ray`). Output order is not input order."""
    ray = import_ray()
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False  # the command shows its own
    files: List[str] = []
    feed_rows: List[Dict[str, Any]] = []
    for source in expand_sources(paths):
        if isinstance(source, InputError):
            yield source
        elif source == "-":
            raise RayEngineError("--engine ray reads files, folders and feed URLs, not stdin")
        elif source.startswith(("http://", "https://")):
            from .feeds import iter_feed_url

            feed_rows.extend(_item_row(item) for item in iter_feed_url(source, limits=limits))
        else:
            files.append(source)
    datasets = []
    if files:
        datasets.append(ray.data.read_datasource(_datasource_class()(files), num_cpus=READ_TASK_CPUS))
    if feed_rows:
        datasets.append(ray.data.from_arrow(_rows_table(feed_rows)))
    if not datasets:
        return
    ds = datasets[0].union(*datasets[1:]) if len(datasets) > 1 else datasets[0]
    ds = ds.map_batches(
        ExtractActor,
        fn_constructor_kwargs={
            "model": model,
            "window": window,
            "batch_size": batch_size,
            "with_text": with_text,
            "done_ids": frozenset(done_ids),
            "gpu": gpu,
            "int8": int8,
        },
        batch_size=batch_size,
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=concurrency),
        num_cpus=actor_cpus(concurrency),
        num_gpus=1 if gpu else None,
    )
    for table in ds.iter_batches(batch_size=None, batch_format="pyarrow"):
        for row in table.to_pylist():
            if row["kind"] == "skipped":
                if summary is not None:
                    summary.skipped += 1
            elif row["kind"] == "error":
                yield InputError(row["id"], row["where"], row["reason"])
            else:
                record = json.loads(row["record"])
                yield DocResult(row["id"], record, row["text"])
