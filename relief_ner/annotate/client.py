"""A minimal client for the parts of doccano 1.8's REST API that the loop needs.

Plain `requests` rather than doccano-client: doccano-client 1.2 pins pydantic 1 and
urllib3 < 2, which cannot live next to spaCy 3.8 in the project's environment.
"""

from __future__ import annotations

import http.cookiejar
from typing import Any, Dict, Iterator, List, Optional

import requests

from .errors import DoccanoAuthError, DoccanoError, DoccanoUnreachable
from .settings import DoccanoSettings

# doccano's list endpoints page with limit/offset and default to 5 items a page.
PAGE_SIZE = 200


class DoccanoClient:
    """An authenticated session on one doccano server (token auth)."""

    def __init__(self, settings: DoccanoSettings) -> None:
        self.settings = settings
        self.session = requests.Session()
        # Session auth comes first in doccano's DRF settings and then demands a CSRF token
        # on every write; refusing all cookies keeps us on plain token auth.
        self.session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        self._login()

    # -- transport -------------------------------------------------------------------

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = path if path.startswith("http") else f"{self.settings.url}{path}"
        kwargs.setdefault("timeout", self.settings.timeout)
        try:
            return self.session.request(method, url, **kwargs)
        except requests.ConnectionError as err:
            raise DoccanoUnreachable(
                f"cannot reach the doccano server at {self.settings.url} ({_reason(err)}). "
                "Is it running? Start one with `python -m relief_ner.annotate server start` "
                "or set RELIEF_NER_DOCCANO_URL."
            ) from None
        except requests.Timeout:
            raise DoccanoUnreachable(
                f"the doccano server at {self.settings.url} did not answer within {self.settings.timeout:g} s"
            ) from None

    def call(self, method: str, path: str, *, expect: tuple = (200, 201, 204), **kwargs: Any) -> Any:
        resp = self.request(method, path, **kwargs)
        if resp.status_code in (401, 403):
            raise DoccanoAuthError(
                f"doccano refused {method} {path} for user {self.settings.username!r} "
                f"(HTTP {resp.status_code}): the user lacks the right on this project"
            )
        if resp.status_code not in expect:
            raise DoccanoError(f"doccano answered HTTP {resp.status_code} to {method} {path}: {_body(resp)}")
        if resp.status_code == 204 or not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            raise DoccanoError(
                f"{method} {path} did not return JSON: is {self.settings.url} a doccano "
                f"server? (got {resp.headers.get('content-type', '?')})"
            ) from None

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, data: Any) -> Any:
        return self.call("POST", path, json=data)

    def patch(self, path: str, data: Any) -> Any:
        return self.call("PATCH", path, json=data)

    def delete(self, path: str) -> None:
        self.call("DELETE", path)

    def paged(self, path: str, params: Optional[Dict[str, Any]] = None) -> Iterator[Dict[str, Any]]:
        """All items of a limit/offset-paged list, following `next` links."""
        data = self.get(path, params={**(params or {}), "limit": PAGE_SIZE, "offset": 0})
        while True:
            yield from data["results"]
            if not data.get("next"):
                return
            data = self.get(data["next"])

    # -- authentication --------------------------------------------------------------

    def _login(self) -> None:
        resp = self.request(
            "POST", "/v1/auth/login/", json={"username": self.settings.username, "password": self.settings.password}
        )
        if resp.status_code == 400:
            raise DoccanoAuthError(
                f"doccano at {self.settings.url} rejected the login for user "
                f"{self.settings.username!r}: wrong username or password "
                "(set RELIEF_NER_DOCCANO_USER / RELIEF_NER_DOCCANO_PASSWORD)"
            )
        key = None
        if resp.status_code == 200:
            try:
                key = resp.json().get("key")
            except ValueError:
                key = None
        if not key:
            raise DoccanoError(
                f"{self.settings.url} did not answer the doccano login as doccano 1.8 does "
                f"(HTTP {resp.status_code}): is this a doccano server? {_body(resp)}"
            )
        self.session.headers["Authorization"] = f"Token {key}"

    # -- resources -------------------------------------------------------------------

    def projects(self) -> List[Dict[str, Any]]:
        return list(self.paged("/v1/projects"))

    def examples(self, project_id: int) -> Iterator[Dict[str, Any]]:
        return self.paged(f"/v1/projects/{project_id}/examples")

    def spans(self, project_id: int, example_id: int) -> List[Dict[str, Any]]:
        return self.get(f"/v1/projects/{project_id}/examples/{example_id}/spans")

    def relations(self, project_id: int, example_id: int) -> List[Dict[str, Any]]:
        return self.get(f"/v1/projects/{project_id}/examples/{example_id}/relations")

    def span_types(self, project_id: int) -> List[Dict[str, Any]]:
        return self.get(f"/v1/projects/{project_id}/span-types")

    def relation_types(self, project_id: int) -> List[Dict[str, Any]]:
        return self.get(f"/v1/projects/{project_id}/relation-types")


def _reason(err: Exception) -> str:
    text = str(err)
    for marker in (
        "Connection refused",
        "Name or service not known",
        "No route to host",
        "Temporary failure in name resolution",
    ):
        if marker in text:
            return marker.lower()
    return type(err).__name__


def _body(resp: requests.Response, limit: int = 300) -> str:
    text = resp.text.strip().replace("\n", " ")
    return text[:limit] + ("…" if len(text) > limit else "")
