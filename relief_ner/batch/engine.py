"""The single-machine engine: documents in, one result per document out, in input order.

`process` streams: documents are cut into windows (`windows.plan_windows`), the windows go
through one long-lived `nlp.pipe` (batching, `n_process` workers), and the windows of a
document are merged back as soon as the last one is out. Memory holds the batches in
flight and the windows of the current document, whatever the size of the input.

A document that breaks the pipeline must not stop a run of a million. spaCy's own error
handling either drops the failing doc (plain components), the whole batch (trainable
components) or, with `n_process > 1`, the worker's whole batch; so the engine lets spaCy
drop whatever fails, notices which windows did not come back (`nlp.pipe` keeps order), and
runs exactly those again one by one, calling the components directly so that the failing
one is named in the error. If the pipe itself dies (an error outside the components),
the windows in flight are retried the same way and a new pipe continues with the rest.
"""

from __future__ import annotations

import collections
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Deque, Dict, Iterable, Iterator, List, Optional, Tuple, Union

from ..output import Results, doc_results, results_to_json
from ..pipeline.place_resolver import PlaceResolver, find_place_resolver
from .readers import InputDoc, InputError, Item, MissingDependency
from .windows import Window, merge_window_results, plan_windows


class DeviceError(RuntimeError):
    """The requested GPU cannot be used."""


@dataclass
class DocResult:
    id: str
    record: Dict[str, Any]  # the output line: id, extra fields, [text], entities, relations, records
    text: str

    @property
    def n_chars(self) -> int:
        return len(self.text)


Outcome = Union[DocResult, InputError]


def select_device(gpu_id: int) -> None:
    """Put the pipeline's models on GPU `gpu_id` (call before loading the pipeline)."""
    import spacy

    try:
        spacy.require_gpu(gpu_id)
    except Exception as err:  # thinc raises ValueError, CUDA errors come in other kinds
        raise DeviceError(
            f"--gpu {gpu_id}: no usable GPU ({err}). Install cupy for your CUDA version and a CUDA "
            "build of torch (README, 'GPU'), or run on CPU without --gpu."
        ) from err
    try:
        # spacy-transformers shares one memory pool with torch this way; pipelines
        # without torch models do not need it, so failing here is not an error.
        from thinc.api import set_gpu_allocator

        set_gpu_allocator("pytorch")
    except Exception:
        pass


@dataclass
class _Doc:
    item: InputDoc
    windows: List[Window]
    parts: List[Tuple[int, Results]] = field(default_factory=list)
    error: Optional[str] = None
    finished: int = 0


@dataclass
class _Task:
    key: int
    doc: _Doc
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.doc.item.text[self.start : self.end]


def process(
    nlp: Any,
    items: Iterable[Item],
    *,
    batch_size: int = 32,
    n_process: int = 1,
    window: Optional[int] = None,
    with_text: bool = False,
) -> Iterator[Outcome]:
    """Results of every document of `items`, in order; input errors and documents the
    pipeline fails on come out as `InputError`."""
    side_errors: Deque[InputError] = collections.deque()
    # A document's places are decided by all of its places: a windowed document is resolved
    # again as a whole once its windows are merged.
    resolver = find_place_resolver(nlp)

    def tasks() -> Iterator[_Task]:
        # An exception raised by `items` is a reader error, not a pipeline error: it is
        # caught here, where it is raised, so that `_robust_pipe` (which retries what the
        # pipe drops) never mistakes it for a dead pipe and ends the run as if the input
        # were exhausted. The rest of a failed iterator cannot be read: the run goes on with
        # what is in flight and reports the error.
        key = 0
        iterator = iter(items)
        while True:
            try:
                item = next(iterator)
            except StopIteration:
                return
            except MissingDependency:
                raise
            except Exception as err:
                side_errors.append(
                    InputError(
                        "<input>",
                        "<input>",
                        f"reading the input failed "
                        f"({type(err).__name__}: {err}); the documents after "
                        "this point were not read",
                    )
                )
                return
            if isinstance(item, InputError):
                side_errors.append(item)
                continue
            if window is None and len(item.text) > nlp.max_length:
                side_errors.append(
                    InputError(
                        item.id,
                        item.where or item.id,
                        f"document of {len(item.text)} characters exceeds "
                        f"nlp.max_length={nlp.max_length} (use --window)",
                    )
                )
                continue
            doc = _Doc(item, plan_windows(item.text, window))
            for start, end in doc.windows:
                yield _Task(key, doc, start, end)
                key += 1

    for task, outcome in _robust_pipe(nlp, tasks(), batch_size, n_process):
        while side_errors:
            yield side_errors.popleft()
        doc = task.doc
        if isinstance(outcome, str):
            doc.error = doc.error or outcome
        else:
            doc.parts.append((task.start, outcome))
        doc.finished += 1
        if doc.finished == len(doc.windows):
            yield _finish(doc, with_text, resolver)
    while side_errors:
        yield side_errors.popleft()


def _finish(doc: _Doc, with_text: bool, resolver: Optional[PlaceResolver] = None) -> Outcome:
    item = doc.item
    if doc.error is not None:
        return InputError(item.id, item.where or item.id, doc.error)
    results = merge_window_results(doc.parts)
    if resolver is not None and len(doc.parts) > 1:
        results = resolver.resolve_results(item.text, results)
    text = item.text if (with_text or item.keep_text) else None
    return DocResult(item.id, results_to_json(item.id, results, item.extra, text), item.text)


def _robust_pipe(
    nlp: Any, tasks: Iterator[_Task], batch_size: int, n_process: int
) -> Iterator[Tuple[_Task, Union[Results, str]]]:
    """(task, results or error message) for every task, in order."""
    pending: Deque[_Task] = collections.deque()

    def feed() -> Iterator[Tuple[str, int]]:
        for task in tasks:
            pending.append(task)
            # Only the key travels with the text: with n_process > 1 the context is
            # pickled to the workers and back.
            yield task.text, task.key

    source = feed()
    with _failures_dropped(nlp):
        finished = False
        while not finished:
            stream = iter(nlp.pipe(source, as_tuples=True, batch_size=batch_size, n_process=n_process))
            while True:
                try:
                    doc, key = next(stream)
                except StopIteration:
                    finished = True
                    break
                except Exception:
                    # The pipe died (an error outside the components): what was in flight
                    # is retried alone below, and a new pipe goes on with the rest of
                    # `source`, which stays where it was.
                    break
                while pending and pending[0].key != key:
                    missing = pending.popleft()
                    yield missing, _run_alone(nlp, missing.text)
                if not pending:
                    raise RuntimeError(f"nlp.pipe returned a window it was not given ({key})")
                task = pending.popleft()
                try:
                    results: Union[Results, str] = doc_results(doc)
                except Exception as err:  # a result getter failed on this doc
                    results = f"cannot read results ({type(err).__name__}: {err})"
                yield task, results
            while pending:
                missing = pending.popleft()
                yield missing, _run_alone(nlp, missing.text)


def _run_alone(nlp: Any, text: str) -> Union[Results, str]:
    """One text through the components, called directly so that an error propagates with
    the component's name (nlp(text) would pass it to the error handler)."""
    name = "tokenizer"
    try:
        doc = nlp.make_doc(text)
        for name, proc in nlp.pipeline:
            doc = proc(doc)
        name = "results"
        return doc_results(doc)
    except Exception as err:
        return f"pipeline error in {name} ({type(err).__name__}: {err})"


def _drop_failure(name: Any, proc: Any, docs: Any, error: Exception) -> None:
    """spaCy error handler: leave the failing docs out (they are retried alone)."""


@contextmanager
def _failures_dropped(nlp: Any) -> Iterator[None]:
    saved_default = nlp.default_error_handler
    saved = {}
    nlp.default_error_handler = _drop_failure
    for name, proc in nlp.pipeline:
        if not hasattr(proc, "set_error_handler"):
            continue
        previous = proc.get_error_handler()
        try:
            proc.set_error_handler(_drop_failure)
        except AttributeError:
            # spaCy's Cython parsers (ner) cannot store a handler attribute; their
            # failures surface as exceptions and take the per-document retry path.
            continue
        saved[name] = previous
    try:
        yield
    finally:
        nlp.default_error_handler = saved_default
        for name, proc in nlp.pipeline:
            if name in saved:
                proc.set_error_handler(saved[name])
