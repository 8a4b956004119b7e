"""Read Moodle's GIFT format into our question shapes, as Moodle reads it.

Questions are separated by blank lines; lines starting with // are comments; `$CATEGORY:`
switches the category (imported as a topic); `::title::` names a question; the first
`{...}` holds the answers, and text after it makes a "missing word" question. Types are told
apart in Moodle's order: no braces (a description), empty braces (an essay), `#` (numeric),
any `~` (multiple choice), `=` with `->` (matching), T/TRUE/F/FALSE (true/false), otherwise
a short answer. Escapes: \\~ \\= \\# \\{ \\} \\: \\n and \\\\ (a backslash; Moodle writes a
backslash that way). Any other backslash is text, kept as written with a note; so is \\*,
without one, which a short answer reads as a star, not a wildcard. A brace out of place is
an error.

Unlike Moodle, which guesses, a malformed question is an error with its line, and a
question our types cannot express (see gift_answers) is skipped with the reason.
"""

from __future__ import annotations

import re

from .foreign import Reading, line_counter, question_where
from .gift_answers import Block, convert

# Escaped characters become private-use placeholders while the structure is parsed.
ESCAPES = {
    "~": "\ue07e",
    "=": "\ue03d",
    "#": "\ue023",
    "{": "\ue07b",
    "}": "\ue07d",
    ":": "\ue03a",
    "n": "\ue00a",
    "\\": "\ue05c",
}
_RESTORE = str.maketrans({v: ("\n" if k == "n" else k) for k, v in ESCAPES.items()})
_PLACEHOLDERS = re.compile("[\ue000-\ue0ff]")
_CATEGORY = "$CATEGORY:"
_CONTEXT = re.compile(r"^\$[a-z0-9]+\$/?")


def restore(text: str) -> str:
    """Turn placeholders back into the characters they stand for."""
    return text.translate(_RESTORE)


def read_gift(text: str, path: str) -> Reading:
    """Read GIFT text; never raises for bad input."""
    reading = Reading(path, "gift")
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    odd = _PLACEHOLDERS.search(text)
    if odd:
        line = text.count("\n", 0, odd.start()) + 1
        reading.error(line, "(file)", f"unsupported character U+{ord(odd[0]):04X} (private use)")
        return reading
    category: list[str | None] = [None]
    for first_line, lines in _blocks(text):
        _read_block(reading, first_line, lines, category)
    return reading


def _blocks(text: str):
    """Blank-line separated blocks of trimmed lines; comment lines become empty lines."""
    block: list[str] = []
    first = 0
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line:
            if any(block):
                yield first, block
            block = []
            continue
        if not block:
            first = number
        block.append("" if line.startswith("//") else line)
    if any(block):
        yield first, block


def _unescape(reading: Reading, raw: str, line_at) -> str:
    """The text with GIFT's escapes replaced. Any other backslash is text (LaTeX's \\frac, a
    Windows path), kept as written as Moodle keeps it, with one note per question."""
    start = raw.lstrip()
    end = start.find("::", 2) if start.startswith("::") else -1
    where = question_where(" ".join(start[2:end].split()) or None) if end != -1 else "question"
    out: list[str] = []
    kept: dict[str, int] = {}  # each backslash kept as written, shown, and the line it was first seen on
    index = 0
    while index < len(raw):
        char = raw[index]
        if char != "\\":
            out.append(char)
            index += 1
            continue
        following = raw[index + 1 : index + 2]
        if following in ESCAPES:
            out.append(ESCAPES[following])
            index += 2
            continue
        if following == "*":  # kept as Moodle keeps it, without a note: a short answer's literal star
            out.append("\\*")
            index += 2
            continue
        shown = "\\ before a line break" if following in ("", "\n") else f"\\{following}"
        kept.setdefault(shown, line_at(index))
        out.append(char)
        index += 1
    if kept:
        shown = ", ".join(list(kept)[:5]) + (", ..." if len(kept) > 5 else "")
        reading.note(
            min(kept.values()),
            where,
            f"kept as written: {shown} (a backslash that starts no GIFT escape is text; the escapes are "
            "\\~ \\= \\# \\{ \\} \\: \\n and \\\\ for a backslash)",
        )
    return "".join(out)


def _read_block(reading: Reading, first_line: int, lines: list[str], category: list[str | None]) -> None:
    raw = "\n".join(lines)
    raw_line_at = line_counter(raw, first_line)
    text = _unescape(reading, raw, raw_line_at)
    # Escapes never span a line break, so line numbers count the same in `text` as in `raw`.
    line_at = line_counter(text, first_line)
    pos = len(text) - len(text.lstrip())
    if text.startswith(_CATEGORY, pos):
        end = text.find("\n", pos)
        end = len(text) if end == -1 else end
        category[0] = category_title(restore(text[pos + len(_CATEGORY) : end]))
        rest = text[end:]
        if not rest.strip():
            return
        pos = end + len(rest) - len(rest.lstrip())
    start_line = line_at(pos)
    title = None
    if text.startswith("::", pos):
        end = text.find("::", pos + 2)
        if end == -1:
            reading.error(start_line, "question", "unclosed title: '::' opens a name that no '::' closes")
            return
        title = " ".join(restore(text[pos + 2 : end]).split()) or None
        pos = end + 2
    where = question_where(title)
    opening, closing = text.find("{", pos), text.find("}", pos)
    if opening == -1 and closing == -1:
        reading.skip(start_line, where, "a description (no answers) is not a question: not imported")
        return
    if closing != -1 and (opening == -1 or closing < opening):
        reading.error(line_at(closing), where, "'}' without an opening '{' (write \\} for a brace in text)")
        return
    if closing == -1:
        reading.error(
            line_at(opening),
            where,
            "unclosed '{': the answers opened here are never closed (a blank line ends a question)",
        )
        return
    inner = text.find("{", opening + 1, closing)
    if inner != -1:  # Moodle would keep it as text in an answer; it is nearly always a slip
        reading.error(
            line_at(inner),
            where,
            "a '{' inside the answers: a question holds one answer block (write \\{ for a brace in text)",
        )
        return
    for index in range(closing + 1, len(text)):
        if text[index] in "{}":
            reading.error(
                line_at(index),
                where,
                f"a second '{text[index]}': a question holds one answer block (is a blank line "
                "missing before the next question? write \\{ and \\} for braces in text)",
            )
            return
    block = Block(
        reading=reading,
        title=title,
        category=category[0],
        line=start_line,
        before=text[pos:opening],
        answers=text[opening + 1 : closing],
        after=text[closing + 1 :],
        answers_offset=opening + 1,
        line_at=line_at,
        restore=restore,
    )
    convert(block)


def category_title(path: str) -> str | None:
    """`$course$/top/Default for X` -> `Default for X`; the topic a category becomes."""
    path = _CONTEXT.sub("", path.strip()).strip("/ ")
    if path == "top":
        return None
    path = path.removeprefix("top/").strip().replace("//", "/")  # Moodle writes a slash in a name as //
    return " ".join(path.split()) or None
