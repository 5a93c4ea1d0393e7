"""RSS and Atom feeds (files or http(s) URLs) as input documents, through feedparser.

Each entry is a document: its text is the title on the first line, then the entry's body
(full `content` if the feed has it, else the summary) with the HTML tags removed. Offsets
refer to that text, so the output carries it (`text`). The entry id (else its link) is
the document id, which is what `--resume` needs to be stable.
"""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Iterator, List, Optional

from .items import FetchLimits, InputDoc, InputError, Item, MissingDependency
from .html import fragment_text

FETCH_TIMEOUT_S = 30.0
USER_AGENT = "relief_ner feed reader"
_CHUNK = 64 * 1024


class FetchError(OSError):
    """A URL input broke one of its limits (deadline, size, scheme)."""


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects to http(s) only: a feed URL must not lead to ftp: or file:."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        scheme = urllib.parse.urlsplit(newurl).scheme.lower()
        if scheme not in ("http", "https"):
            raise FetchError(f"redirect to a {scheme}: URL refused ({newurl})")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url: str, limits: Optional[FetchLimits] = None) -> bytes:
    """The body of `url` within `limits`: raises FetchError past the deadline or the size
    cap, urllib's errors otherwise. Each socket read waits at most the time left, so a
    server that sends one byte every few seconds cannot stretch the deadline."""
    limits = limits or FetchLimits()
    deadline = time.monotonic() + limits.deadline
    opener = urllib.request.build_opener(_HttpOnlyRedirects)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with opener.open(request, timeout=min(FETCH_TIMEOUT_S, limits.deadline)) as response:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limits.max_bytes:
            raise FetchError(
                f"response of {int(declared):,} bytes exceeds the limit of {limits.max_bytes:,} (--url-max-bytes)"
            )
        sock = _socket_of(response)
        chunks: List[bytes] = []
        size = 0
        late = FetchError(f"download not finished after {limits.deadline:g} s (--url-timeout)")
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise late
            if sock is not None:
                sock.settimeout(min(left, FETCH_TIMEOUT_S))
            try:
                chunk = response.read1(_CHUNK) if hasattr(response, "read1") else response.read(_CHUNK)
            except socket.timeout:
                if time.monotonic() >= deadline:
                    raise late from None
                raise
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > limits.max_bytes:
                raise FetchError(f"response exceeds the limit of {limits.max_bytes:,} bytes (--url-max-bytes)")
            chunks.append(chunk)


def _socket_of(response: Any) -> Optional[socket.socket]:
    try:
        return response.fp.raw._sock  # http.client keeps it here; private, hence the guard
    except AttributeError:
        return None


def iter_feed_url(url: str, limits: Optional[FetchLimits] = None) -> Iterator[Item]:
    # Fetched here rather than by feedparser, which has no time-out: a machine without
    # network must fail fast and say why, not hang.
    try:
        data = fetch(url, limits)
    except FetchError as err:
        yield InputError(url, url, f"cannot fetch feed: {err}")
        return
    except urllib.error.HTTPError as err:
        yield InputError(url, url, f"cannot fetch feed: HTTP {err.code} {err.reason}")
        return
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        yield InputError(
            url,
            url,
            f"cannot fetch feed: {reason} (is the network reachable "
            "from this machine? download the feed and pass the file)",
        )
        return
    yield from iter_feed_bytes(data, url)


def iter_feed_bytes(data: bytes, where: str) -> Iterator[Item]:
    try:
        import feedparser
    except ImportError:  # pragma: no cover - depends on the environment
        raise MissingDependency("RSS/Atom input needs feedparser: pip install 'relief_ner[batch]'") from None
    parsed = feedparser.parse(data)
    if not parsed.entries:
        if parsed.get("bozo"):
            reason = parsed.get("bozo_exception")
            yield InputError(where, where, f"feed parser error ({type(reason).__name__}: {reason})")
        elif not parsed.get("version"):
            yield InputError(where, where, "not an RSS or Atom feed")
        return
    # A feed that parsed with a recoverable problem still yields its entries (bozo is set
    # for things like a wrong declared encoding that feedparser worked around).
    for index, entry in enumerate(parsed.entries, 1):
        doc_id = str(entry.get("id") or entry.get("link") or f"{where}#{index}")
        loc = f"{where}#{index}"
        title = fragment_text(entry.get("title", ""))
        body = entry["content"][0].get("value", "") if entry.get("content") else entry.get("summary", "")
        text = "\n".join(part for part in (title, fragment_text(body)) if part)
        if not text:
            yield InputError(doc_id, loc, "feed entry has neither title nor text")
            continue
        extra: Dict[str, Any] = {"feed": where}
        for key, value in (
            ("title", title),
            ("source", entry.get("link")),
            ("published", entry.get("published") or entry.get("updated")),
        ):
            if value:
                extra[key] = value
        yield InputDoc(doc_id, text, extra, where=loc, keep_text=True)
