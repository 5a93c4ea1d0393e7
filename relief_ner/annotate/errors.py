"""Errors of the doccano loop.

All of them derive from `DoccanoError`, so a caller (CLI, notebook) can catch one type and
show its message: every message says what failed and what to try, because the person
reading it is usually an annotator or analyst, not the developer.
"""

from __future__ import annotations


class DoccanoError(RuntimeError):
    """Something went wrong talking to (or setting up) a doccano server."""


class DoccanoUnreachable(DoccanoError):
    """No doccano server answers at the configured URL."""


class DoccanoAuthError(DoccanoError):
    """The server answered but refused the username/password."""


class DoccanoServerError(DoccanoError):
    """Installing, initialising or starting the local doccano server failed."""
