"""Pipedrive stores HTML text (notes' `content`, activities' `note`) sanitised: what it answers, and
what a later read returns, can differ from what was sent (v1.yaml `paths./notes.post` `content`:
"Subject to sanitization on the back-end").

The sandbox's sanitiser is small and deterministic, built on the standard library's HTML parser:
- <script>, <style> and <iframe> elements go, with everything inside them;
- on* attributes (onclick, onerror, ...) go, and so does any attribute holding a javascript: or
  vbscript: URL;
- void elements are written self-closed (<br> and <br /> become <br/>); their end tags go;
- comments, doctypes and processing instructions go;
- everything else (text, entities, <b>, <i>, <p>, <a href>, ...) stays as it was written; attribute
  values are re-quoted with double quotes.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_DROPPED = frozenset({"script", "style", "iframe"})
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
# Browsers ignore whitespace and control characters inside a URL's scheme.
_SCRIPT_URL = re.compile(r"^(?:javascript|vbscript):")
_IGNORED_IN_URL = re.compile(r"[\x00-\x20]+")


class _Sanitiser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.skipping = 0  # depth inside dropped elements

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]], close: bool) -> str:
        kept = []
        for name, value in attrs:
            if name.startswith("on"):
                continue
            if value is not None and _SCRIPT_URL.match(_IGNORED_IN_URL.sub("", value).lower()):
                continue
            kept.append(name if value is None else f'{name}="{html.escape(value, quote=True)}"')
        inside = " ".join([tag, *kept])
        return f"<{inside}/>" if close else f"<{inside}>"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED:
            self.skipping += 1
        elif not self.skipping:
            self.out.append(self._tag(tag, attrs, tag in _VOID))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _DROPPED and not self.skipping:
            self.out.append(self._tag(tag, attrs, True))

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED:
            self.skipping = max(0, self.skipping - 1)
        elif not self.skipping and tag not in _VOID:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        if not self.skipping:
            self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        if not self.skipping:
            self.out.append(f"&#{name};")


def sanitize_html(text: str) -> str:
    """`text` as Pipedrive would store it (see the module's docstring)."""
    parser = _Sanitiser()
    parser.feed(text)
    parser.close()
    return "".join(parser.out)
