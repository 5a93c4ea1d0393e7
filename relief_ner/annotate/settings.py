"""Where the doccano server is and who we are on it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Mapping, Optional

ENV_URL = "RELIEF_NER_DOCCANO_URL"
ENV_USER = "RELIEF_NER_DOCCANO_USER"
ENV_PASSWORD = "RELIEF_NER_DOCCANO_PASSWORD"

DEFAULT_URL = "http://127.0.0.1:8000"
# doccano's own `createuser` defaults; fine for a server bound to loopback only.
DEFAULT_USER = "admin"
DEFAULT_PASSWORD = "password"


@dataclass(frozen=True)
class DoccanoSettings:
    url: str = DEFAULT_URL
    username: str = DEFAULT_USER
    # Kept out of repr so that settings can be logged or shown in a traceback safely.
    password: str = field(default=DEFAULT_PASSWORD, repr=False)
    timeout: float = 30.0

    def __post_init__(self) -> None:
        # A trailing slash would turn every `url + "/v1/..."` into a double slash, which
        # Django answers with the SPA's index.html instead of the API.
        object.__setattr__(self, "url", self.url.rstrip("/"))

    @classmethod
    def from_env(
        cls,
        url: Optional[str] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        *,
        environ: Optional[Mapping[str, str]] = None,
    ) -> "DoccanoSettings":
        """Explicit options win over the environment, which wins over the defaults."""
        env = os.environ if environ is None else environ
        return cls(
            url=url or env.get(ENV_URL) or DEFAULT_URL,
            username=username or env.get(ENV_USER) or DEFAULT_USER,
            password=password or env.get(ENV_PASSWORD) or DEFAULT_PASSWORD,
        )
