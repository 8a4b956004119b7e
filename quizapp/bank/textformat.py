"""Text formats of imported files: HTML becomes plain text, the others stay as written.

Questions are shown as escaped plain text, so HTML markup from a Moodle export would show
as tags. It is converted on import: block elements and <br> become line breaks, entities
become characters, superscripts and subscripts are written `10^3` and `H_2O` (or 103 would be
read as a hundred and three), table cells are separated by ` | `, one row a line; what plain
text cannot show (images, which an export cannot carry, struck-out or underlined text) is
reported.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

FORMATS = ("html", "markdown", "plain", "moodle")
FORMAT_PREFIX = re.compile(r"\[(html|markdown|plain|moodle)\]")

_BLOCKS = {
    "p", "div", "li", "ul", "ol", "table", "blockquote", "pre", "section", "article",
    "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt", "dl", "hr", "figure", "figcaption",
}  # fmt: skip
_SKIPPED = {"script", "style", "head", "title"}
_MARKS = {"sup": "^", "sub": "_"}
_LOST = {"s": "struck-out text", "strike": "struck-out text", "del": "struck-out text", "u": "underlining"}
_CELLS = {"td", "th"}


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.images = 0
        self.lost: set[str] = set()
        self.hidden = 0
        self.pre = 0
        self.cell_in_row = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.hidden += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "img":
            self.images += 1
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(alt)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
            self.pre += tag == "pre"
        elif tag == "tr":
            self.parts.append("\n")
            self.cell_in_row = 0
        elif tag in _CELLS:
            self.parts.append(" | " if self.cell_in_row else "")
            self.cell_in_row += 1
        elif tag in _MARKS:
            self.parts.append(_MARKS[tag])
        elif tag in _LOST:
            self.lost.add(_LOST[tag])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
            if tag == "pre":
                self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data if self.pre else re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> tuple[str, int, list[str]]:
    """Plain text from an HTML fragment, how many images it held, and what else it lost."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = [line.strip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text.strip(), parser.images, sorted(parser.lost)


def split_format(text: str, default: str) -> tuple[str, str]:
    """The text format named by a leading [html], [markdown], [plain] or [moodle], and the rest."""
    stripped = text.lstrip()
    match = FORMAT_PREFIX.match(stripped)
    if match:
        return match[1], stripped[match.end() :]
    return default, text
