"""The items that flow from the readers to the engines: a document, or an input error
that stands in its place (so that one bad input never stops a run), and the limits of URL
inputs. A module of its own so that every reader can use them without importing the others."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Union


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
    # A whole file (.txt, .html, stdin text) rather than a record inside one: its id is the
    # file name, and its path can stand in for it (`unique_ids`).
    whole_file: bool = False


@dataclass(frozen=True)
class FetchLimits:
    """Bounds on one URL input: the whole download must finish within `deadline` seconds
    and hold at most `max_bytes` bytes (a server that trickles or never ends is an error,
    not a hang or an out-of-memory)."""

    deadline: float = 60.0
    max_bytes: int = 50 * 2**20


@dataclass
class InputError:
    id: str
    where: str
    reason: str


Item = Union[InputDoc, InputError]
