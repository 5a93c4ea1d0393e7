"""`relief-ner extract`: entities, relations and records for every input document.

The work is in `relief_ner.batch` (engines, windows, writers); this module turns options
into calls, shows progress and says how the run went. docs/BATCH.md has the details.
"""

from __future__ import annotations

import signal
import time
from contextlib import contextmanager
from typing import Iterable, Iterator, List, Optional

import typer
from rich.markup import escape

from ._common import INT8_HELP, MODEL_HELP, app, err, fail, load_pipeline, progress_bar

# Bad inputs are all in OUT.errors.jsonl; the terminal shows the first ones.
MAX_ERRORS_SHOWN = 50


@app.command()
def extract(
    paths: List[str] = typer.Argument(
        ...,
        help=".txt/.html files, folders, .jsonl files of {id, text, ...}, RSS/Atom feed files or URLs; '-' for stdin.",
    ),
    output: Optional[str] = typer.Option(
        None,
        "--output",
        "-o",
        help="Output file: .jsonl (default), .csv, .parquet (a folder); '-' for stdout (the default without --db).",
    ),
    db: Optional[str] = typer.Option(
        None,
        "--db",
        help="Also (or, without -o, only) store the results in this database: a SQLAlchemy URL "
        "(postgresql://…) or the path of a SQLite file (docs/STORE.md).",
    ),
    event_days: int = typer.Option(
        7, "--event-days", min=0, help="With --db: records of one story may be this many days apart (the event rule)."
    ),
    fmt: Optional[str] = typer.Option(
        None, "--format", "-f", help="jsonl, csv or parquet (default: from the output suffix)."
    ),
    model: str = typer.Option("default", "--model", "-m", help=MODEL_HELP),
    batch_size: int = typer.Option(
        32, "--batch-size", min=1, help="Documents per nlp.pipe batch and per committed output batch."
    ),
    n_process: int = typer.Option(1, "--n-process", min=1, help="Worker processes for nlp.pipe (CPU)."),
    window: Optional[int] = typer.Option(
        None,
        "--window",
        min=0,
        help="Longest window in characters; longer documents are split at sentence ends "
        "(default: the pipeline's meta, else 2000; 0 = never split).",
    ),
    gpu: int = typer.Option(-1, "--gpu", help="Run on this GPU (spaCy require_gpu); -1 = CPU."),
    int8: Optional[bool] = typer.Option(None, "--int8/--fp32", help=INT8_HELP),
    resume: bool = typer.Option(
        False, "--resume", help="Continue an interrupted run: skip documents already in the output."
    ),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace an existing output; with --db, read every document again."
    ),
    with_text: bool = typer.Option(
        False, "--with-text", help="Put each document's text in the JSONL output (always for HTML and feeds)."
    ),
    engine: str = typer.Option("local", "--engine", help="local (this process) or ray (Ray Data)."),
    ray_address: Optional[str] = typer.Option(
        None, "--ray-address", help="Ray cluster to join ('auto' or ray://host:10001); default: start Ray locally."
    ),
    concurrency: int = typer.Option(2, "--concurrency", min=1, help="Ray actors (pipeline copies)."),
    url_timeout: float = typer.Option(
        60.0, "--url-timeout", min=0.1, help="Seconds a URL input may take in all (connect + whole download)."
    ),
    url_max_bytes: int = typer.Option(
        50 * 2**20, "--url-max-bytes", min=1, help="Largest response a URL input may send, in bytes."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Extract entities, relations and records: one JSON line per document (or one CSV /
    Parquet row per record). Output is committed per batch; --resume continues a run."""
    from ..batch.engine import DeviceError, Outcome, process, select_device
    from ..batch.windows import pipeline_window
    from ..batch.writers import ErrorLog, OutputError, errors_path, open_writer
    from ..batch.readers import FetchLimits, MissingDependency, iter_inputs

    if engine not in ("local", "ray"):
        fail(f"--engine must be 'local' or 'ray', not {engine!r}")
    if gpu >= 0 and n_process > 1:
        fail("--gpu runs one process: leave out --n-process (use --engine ray for several GPUs)")
    if output is None:
        output = None if db else "-"
    writer = None
    if output is not None:
        try:
            writer = open_writer(output, fmt, resume=resume, overwrite=overwrite)
        except (OutputError, MissingDependency) as e:
            fail(str(e))
        if writer.repaired:
            err.print(f"[yellow]resume:[/] {escape(writer.repaired)}")
        if writer.done_ids:
            err.print(f"resume: {len(writer.done_ids):,} documents already in {escape(output)} are skipped")
    store_writer = _open_store(db, overwrite, event_days, writer) if db else None
    if store_writer is not None:
        writer = store_writer if writer is None else _tee(writer, store_writer)
    stats = _Stats()
    limits = FetchLimits(deadline=url_timeout, max_bytes=url_max_bytes)
    outcomes: Iterable[Outcome]
    if engine == "ray":
        if store_writer is not None:
            # The actors load their own copies; the driver loads one to name the model it stores.
            _bind_model(writer, store_writer, load_pipeline(model, int8=int8), model)
        outcomes = _ray_outcomes(
            paths,
            model,
            window,
            batch_size,
            concurrency,
            gpu >= 0,
            with_text,
            writer.done_ids,
            ray_address,
            stats,
            int8,
            limits,
        )
    else:
        if gpu >= 0:
            try:
                select_device(gpu)
            except DeviceError as e:
                fail(str(e))
        nlp = load_pipeline(model, int8=int8)
        if store_writer is not None:
            _bind_model(writer, store_writer, nlp, model)
        try:
            size = pipeline_window(nlp, window)
        except ValueError as e:
            fail(str(e))
        stats.start = time.perf_counter()  # throughput without start-up, as before
        outcomes = process(
            nlp,
            _skip_done(iter_inputs(paths, limits=limits), writer, stats),
            batch_size=batch_size,
            n_process=n_process,
            window=size,
            with_text=with_text,
        )
    try:
        errlog = ErrorLog(errors_path(output) if output is not None else store_writer.errors_path())
    except OutputError as e:
        writer.close()
        fail(str(e))
    stop = _StopRequest()
    try:
        with _stop_on_signals(stop):
            _write_all(outcomes, writer, errlog, batch_size, quiet, stats, stop)
    except KeyboardInterrupt:
        err.print(
            f"[yellow]interrupted[/] after {stats.docs} documents; everything before the batch "
            "in flight is saved: run the same command with --resume to continue"
        )
        raise typer.Exit(130)
    except (MissingDependency, OutputError) as e:
        fail(str(e))
    finally:
        writer.close()
        errlog.close()
    _summary(stats, output, errlog, store_writer)
    if errlog.count:
        raise typer.Exit(1)


def _open_store(db: str, overwrite: bool, event_days: int, file_writer):
    from ..store import EventRule, Store, StoreError
    from ..store.writer import StoreWriter

    try:
        store = Store(db)
        return StoreWriter(store, reread=overwrite, rule=EventRule(max_days=event_days))
    except StoreError as e:
        if file_writer is not None:
            file_writer.close()
        fail(str(e))


def _tee(file_writer, store_writer):
    from ..store.writer import TeeWriter

    return TeeWriter([file_writer, store_writer])


def _bind_model(writer, store_writer, nlp, model: str) -> None:
    from ..store.writer import model_info

    store_writer.bind_model(model_info(nlp, model))
    if writer is not store_writer:
        writer.refresh()
    if store_writer.done_ids:
        err.print(
            f"{len(store_writer.done_ids):,} documents in {escape(store_writer.store.display_url)} were "
            "read by this model already: those with the same text are skipped"
        )


class _Stats:
    def __init__(self) -> None:
        self.docs = self.chars = self.records = self.skipped = self.empty = 0
        self.start = time.perf_counter()

    def rate(self) -> str:
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        return f"{self.docs / elapsed:.1f} docs/s {self.chars / elapsed:,.0f} chars/s"


def _skip_done(items, writer, stats: _Stats):
    """Documents the output holds already are not read again (a database: same id, text and
    model; a file: same id)."""
    from ..batch.readers import InputDoc

    is_done = getattr(writer, "is_done", None)
    for item in items:
        if (
            writer.done_ids
            and isinstance(item, InputDoc)
            and (is_done(item) if is_done is not None else item.id in writer.done_ids)
        ):
            stats.skipped += 1
            continue
        yield item


def _ray_outcomes(
    paths,
    model,
    window,
    batch_size,
    concurrency,
    gpu,
    with_text,
    done_ids,
    address,
    stats: _Stats,
    int8: Optional[bool] = None,
    limits=None,
):
    from ..batch.ray_engine import RayEngineError, RaySummary, init_ray, process_ray
    from ..batch.readers import MissingDependency

    summary = RaySummary()
    try:
        init_ray(address)
    except MissingDependency as e:
        fail(str(e))
    except Exception as e:  # ConnectionError and friends from ray.init
        fail(f"cannot start or reach Ray{f' at {address}' if address else ''}: {e}")
    try:
        yield from process_ray(
            paths,
            model=model,
            window=window,
            batch_size=batch_size,
            concurrency=concurrency,
            gpu=gpu,
            with_text=with_text,
            done_ids=done_ids,
            summary=summary,
            int8=int8,
            limits=limits,
        )
    except RayEngineError as e:
        fail(str(e))
    finally:
        stats.skipped = summary.skipped


def _write_all(
    outcomes: Iterable,
    writer,
    errlog,
    batch_size: int,
    quiet: bool,
    stats: _Stats,
    stop: Optional["_StopRequest"] = None,
) -> None:
    """Commit every `batch_size` documents; on Ctrl-C or SIGTERM, commit what is complete
    first. The signal stops the run at once, also inside a long document, except while a
    batch is being written: then it waits for the write to end, so that no output is torn."""
    from ..batch.readers import InputError

    batch: list = []
    show_progress = not quiet and err.is_terminal

    def commit() -> None:
        pending = list(batch)
        batch.clear()  # a failing write must not be retried by the `finally` below
        if stop is not None:
            stop.writing = True
        try:
            writer.write_batch(pending)
            errlog.commit()
        finally:
            if stop is not None:
                stop.writing = False
        if stop is not None and stop.requested:
            raise KeyboardInterrupt

    with progress_bar(not show_progress) as progress:
        task = progress.add_task("extracting", total=None, rate="")
        try:
            for outcome in outcomes:
                if isinstance(outcome, InputError):
                    errlog.add(outcome)
                    if errlog.count <= MAX_ERRORS_SHOWN:
                        err.print(f"[yellow]skipped[/] {escape(outcome.where)}: {escape(outcome.reason)}")
                    elif errlog.count == MAX_ERRORS_SHOWN + 1:
                        where = f"; all of them are in {escape(str(errlog.path))}" if errlog.path else ""
                        err.print(f"[yellow]more inputs skipped[/]{where}")
                    continue
                batch.append(outcome)
                if not outcome.text.strip():
                    # Kept in the output (resume and joins need every id), but said.
                    stats.empty += 1
                    if stats.empty <= MAX_ERRORS_SHOWN:
                        err.print(f"[yellow]note[/] {escape(outcome.id)}: empty document, nothing to extract")
                stats.docs += 1
                stats.chars += outcome.n_chars
                stats.records += len(outcome.record["records"])
                progress.update(task, advance=1, rate=stats.rate())
                if len(batch) >= batch_size:
                    commit()
        finally:
            # Whatever is complete is written, also when the run stops on an exception
            # (a stop requested during this last write is the one being handled).
            if stop is not None:
                stop.requested = False
            commit()


def _summary(stats: _Stats, output: Optional[str], errlog, store_writer=None) -> None:
    elapsed = time.perf_counter() - stats.start
    skipped = f"; {stats.skipped:,} already done" if stats.skipped else ""
    if stats.empty:
        skipped += f"; {stats.empty:,} empty"
    err.print(
        f"{stats.docs:,} documents, {stats.chars:,} characters, {stats.records:,} records in "
        f"{elapsed:.1f} s ({stats.docs / max(elapsed, 1e-9):,.1f} docs/s, "
        f"{stats.chars / max(elapsed, 1e-9):,.0f} chars/s); {errlog.count} skipped{skipped}"
    )
    targets = [
        t
        for t in (
            output if output != "-" else None,
            store_writer.store.display_url if store_writer is not None else None,
        )
        if t
    ]
    if targets:
        err.print(
            f"output: {escape(', '.join(targets))}"
            + (f"; errors: {escape(str(errlog.path))}" if errlog.count and errlog.path else "")
        )


class _StopRequest:
    requested = False
    writing = False


@contextmanager
def _stop_on_signals(stop: _StopRequest) -> Iterator[None]:
    """Ctrl-C and a scheduler's SIGTERM stop the run at once (what is complete is then
    committed); during a write they take effect when the write is done."""

    def handler(signum, frame):
        if stop.writing:
            stop.requested = True
            return
        raise KeyboardInterrupt

    try:
        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread (e.g. inside a test runner's thread)
        yield
        return
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
