"""HTML to document text.

Whole pages (`.html` files) go through trafilatura, which drops navigation, footers and
comments and keeps the article; it is an optional dependency (`relief_ner[batch]`).
Feed entries carry HTML fragments that are the article already, so they only lose their
tags, with the standard library: block elements become line breaks, which are sentence
ends by the schema.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any, Dict, List

from .items import InputDoc, InputError, Item, MissingDependency

_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "section",
    "article",
    "blockquote",
    "pre",
    "hr",
    "dd",
    "dt",
}
_SKIP_TAGS = {"script", "style", "noscript", "template"}


def page_doc(data: bytes, doc_id: str, where: str) -> Item:
    """The article of an HTML page, with its title, date and canonical URL as extra fields."""
    try:
        import trafilatura
    except ImportError:  # pragma: no cover - depends on the environment
        raise MissingDependency("HTML input needs trafilatura: pip install 'relief_ner[batch]'") from None
    try:
        found = trafilatura.bare_extraction(data, with_metadata=True, include_comments=False, include_tables=True)
    except Exception as err:  # lxml and trafilatura raise many kinds on broken markup
        return InputError(doc_id, where, f"HTML parser error ({type(err).__name__}: {err})")
    text = (found.text or "").strip() if found is not None else ""
    if not text:
        return InputError(doc_id, where, "no article text found in the HTML")
    extra: Dict[str, Any] = {}
    for key, value in (("title", found.title), ("date", found.date), ("source", found.url)):
        if value:
            extra[key] = value
    return InputDoc(doc_id, text, extra, where=where, keep_text=True, whole_file=True)


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: List[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def fragment_text(html: str) -> str:
    """Plain text of an HTML fragment: tags dropped, blocks on lines of their own."""
    if "<" not in html and "&" not in html:
        return _tidy(html)
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return _tidy("".join(parser.parts))


def _tidy(text: str) -> str:
    lines = (re.sub(r"[ \t\r\f\v\xa0]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
