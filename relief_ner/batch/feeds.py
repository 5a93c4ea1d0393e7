"""RSS and Atom feeds (files or http(s) URLs) as input documents, through feedparser.

Each entry is a document: its text is the title on the first line, then the entry's body
(full `content` if the feed has it, else the summary) with the HTML tags removed. Offsets
refer to that text, so the output carries it (`text`). The entry id (else its link) is
the document id, which is what `--resume` needs to be stable.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any, Dict, Iterator

from ..readers import InputDoc, InputError, Item, MissingDependency
from .html import fragment_text

FETCH_TIMEOUT_S = 30.0
USER_AGENT = "relief_ner feed reader"


def iter_feed_url(url: str, timeout: float = FETCH_TIMEOUT_S) -> Iterator[Item]:
    # Fetched here rather than by feedparser, which has no time-out: a machine without
    # network must fail fast and say why, not hang.
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read()
    except urllib.error.HTTPError as err:
        yield InputError(url, url, f"cannot fetch feed: HTTP {err.code} {err.reason}")
        return
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        yield InputError(url, url, f"cannot fetch feed: {reason} (is the network reachable "
                                   "from this machine? download the feed and pass the file)")
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
        for key, value in (("title", title), ("source", entry.get("link")),
                           ("published", entry.get("published") or entry.get("updated"))):
            if value:
                extra[key] = value
        yield InputDoc(doc_id, text, extra, where=loc, keep_text=True)
