"""Read a bank file into plain Python values, remembering the line of every value.

Anything a file can throw at us (not UTF-8, binary, not YAML, too large, too deep,
aliases) becomes a `Problem` with a line number, never an exception.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .problems import Problem

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 40

Path_ = tuple[str | int, ...]

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _BankLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """YAML 1.2 core scalars: true/false are the booleans, dates stay text, numbers are decimal.

    YAML 1.1 turns `no`, `on` or `2013-03-23` into booleans and dates, `1:30` into 90 and
    `010` into 8, which would silently change an option's text or an answer; a bank never
    wants that.
    """


# The YAML 1.2 core schema, exactly (https://yaml.org/spec/1.2.2/#1032-tag-resolution), so a
# bank reads as every YAML 1.2 tool shows it: 0o17 and 0x1F are numbers there too, and a
# number written any other way (1:30, 1_000, 0b11) is text.
BOOL_12 = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
INT_12 = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
FLOAT_12 = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_REPLACED = ("bool", "int", "float", "timestamp")


def add_core_resolvers(cls: type) -> None:
    """Let `cls` (a loader or dumper) resolve YAML 1.2 core booleans and numbers."""
    cls.add_implicit_resolver("tag:yaml.org,2002:bool", BOOL_12, list("tTfF"))
    # Before the floats: every integer also matches FLOAT_12.
    cls.add_implicit_resolver("tag:yaml.org,2002:int", INT_12, list("-+0123456789"))
    cls.add_implicit_resolver("tag:yaml.org,2002:float", FLOAT_12, list("-+.0123456789"))


_BankLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag.rsplit(":", 1)[-1] not in _REPLACED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
add_core_resolvers(_BankLoader)


class _BankConstructor(yaml.constructor.SafeConstructor):
    """Build integers and floats as YAML 1.2 core writes them (010 is ten, not eight)."""

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        text = self.construct_scalar(node)
        if not INT_12.match(text):
            raise ValueError(f"not a YAML 1.2 integer: {text!r}")
        if text.startswith(("0o", "0x")):
            return int(text[2:], 8 if text[1] == "o" else 16)
        return int(text)

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        text = self.construct_scalar(node)
        if not FLOAT_12.match(text):
            raise ValueError(f"not a YAML 1.2 number: {text!r}")
        lowered = text.lower()
        if lowered.endswith(".inf"):
            return -math.inf if text.startswith("-") else math.inf
        if lowered == ".nan":
            return math.nan
        value = float(text)
        if math.isinf(value):  # 1e999: Python reads it as infinity, which no one wrote
            raise _TooLarge(text)
        return value


class _TooLarge(ValueError):
    """A number written in digits beyond what a float holds."""


_BankConstructor.add_constructor("tag:yaml.org,2002:int", _BankConstructor.construct_yaml_int)
_BankConstructor.add_constructor("tag:yaml.org,2002:float", _BankConstructor.construct_yaml_float)
_constructor = _BankConstructor()


@dataclass
class ParsedFile:
    """A file read into plain values, with the line (1-based) of each value by path."""

    path: str
    data: Any = None
    lines: dict[Path_, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line_of(self, path: Path_) -> int:
        """The line of the value at `path`, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return 1

    def problem(self, where: Path_ | str, message: str, *, warning: bool = False) -> Problem:
        at = where if isinstance(where, str) else format_path(where)
        line = 1 if isinstance(where, str) else self.line_of(where)
        return Problem(self.path, line, at, message, warning=warning)


def format_path(path: Path_) -> str:
    """Render ('questions', 3, 'answer') as questions[3].answer."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(file)"


class _Converter:
    def __init__(self, parsed: ParsedFile) -> None:
        self.parsed = parsed
        self.seen: set[int] = set()

    def convert(self, node: yaml.Node, path: Path_, depth: int = 0) -> Any:
        if id(node) in self.seen:
            # An alias is the anchored node again, whose mark is the anchor's line: keep the line
            # of the key that holds the alias (or of the enclosing list) instead.
            raise _Stop(path, "anchors and aliases (& and *) are not supported in bank files")
        self.parsed.lines[path] = node.start_mark.line + 1
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            raise _Stop(path, f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node, path)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                raise _Stop(path, f"unsupported YAML tag {node.tag}")
            return [self.convert(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if node.tag != "tag:yaml.org,2002:map":
            raise _Stop(path, f"unsupported YAML tag {node.tag}")
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:null":
                raise _Stop(path, "a key must be plain text", line=key_node.start_mark.line + 1)
            key = str(_scalar(key_node, path, line=key_node.start_mark.line + 1))
            if key == "<<":
                raise _Stop(path, "merge keys (<<) are not supported in bank files")
            key_path = (*path, key)
            if key in result:
                line = key_node.start_mark.line + 1
                first = self.parsed.lines.get(key_path)
                self.parsed.problems.append(
                    Problem(
                        self.parsed.path,
                        line,
                        format_path(key_path),
                        f"duplicate key {key!r} (first given on line {first})",
                    )
                )
                continue
            self.parsed.lines[key_path] = key_node.start_mark.line + 1
            result[key] = self.convert(value_node, key_path, depth + 1)
            # A key's own line is where a reader looks for a missing or wrong value.
            self.parsed.lines[key_path] = key_node.start_mark.line + 1
        return result


def _scalar(node: yaml.ScalarNode, path: Path_, line: int | None = None) -> Any:
    """A scalar's value; an odd tag or a value its tag cannot hold is a problem, not an exception."""
    if node.tag not in _SCALAR_TAGS:
        raise _Stop(path, f"unsupported YAML tag {node.tag}", line=line)
    try:
        return _constructor.construct_object(node)
    except (yaml.YAMLError, ValueError, LookupError, TypeError, AttributeError) as error:
        # e.g. `!!int abc`, `!!bool maybe`, or an integer longer than Python converts (4,300 digits)
        text = node.value if len(node.value) <= 60 else node.value[:57] + "..."
        if isinstance(error, _TooLarge):
            raise _Stop(path, f"{text!r} is too large a number (at most about 1.8e308)", line=line) from None
        kind = _SCALAR_TAGS.get(node.tag, node.tag)
        too_long = " (too many digits)" if "digits" in str(error) else ""
        raise _Stop(path, f"{text!r} is not a valid {kind}{too_long}", line=line) from None


_SCALAR_TAGS = {  # the tags a bank may use, with what a reader calls them
    "tag:yaml.org,2002:str": "text",
    "tag:yaml.org,2002:int": "whole number",
    "tag:yaml.org,2002:float": "number",
    "tag:yaml.org,2002:bool": "boolean (true or false)",
    "tag:yaml.org,2002:null": "empty value",
}


class _Stop(Exception):
    def __init__(self, path: Path_, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.line = line


def parse_text(text: str, path: str) -> ParsedFile:
    """Parse YAML text into a ParsedFile; never raises for bad input."""
    parsed = ParsedFile(path)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        parsed.problems.append(Problem(path, line, "(file)", "binary data (NUL byte), not a YAML text file"))
        return parsed
    try:
        node = yaml.compose(text, Loader=_BankLoader)
    except yaml.MarkedYAMLError as error:
        start = error.context_mark
        mark = error.problem_mark or start
        if start is not None and mark is not None and mark.index >= len(text):
            mark = start  # noticed at the end of the file (an unclosed quote or bracket): show where it began
        line = mark.line + 1 if mark else 1
        context = error.context
        if context and context.startswith("while ") and start is not None and start.line + 1 != line:
            context = f"{context} (started on line {start.line + 1})"
        message = " ".join(p for p in (context, error.problem) if p) or "invalid YAML"
        if "exceeded maximum nesting depth" in message:  # libyaml's own limit (1000), far above ours
            message = f"nested more than {MAX_DEPTH} levels deep"
        else:
            message = f"not valid YAML: {message}"
        parsed.problems.append(Problem(path, line, "(file)", message))
        return parsed
    except yaml.YAMLError as error:
        parsed.problems.append(Problem(path, 1, "(file)", f"not valid YAML: {error}"))
        return parsed
    except RecursionError:
        parsed.problems.append(Problem(path, 1, "(file)", f"nested more than {MAX_DEPTH} levels deep"))
        return parsed
    if node is None:
        parsed.problems.append(Problem(path, 1, "(file)", "the file is empty; a bank needs at least source"))
        return parsed
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
        parsed.problems.append(Problem(path, 1, "(file)", "the file is empty; a bank needs at least source"))
        return parsed
    try:
        parsed.data = _Converter(parsed).convert(node, ())
    except _Stop as stop:
        line = stop.line or parsed.line_of(stop.path)
        parsed.problems.append(Problem(path, line, format_path(stop.path), stop.message))
        parsed.data = None
    except RecursionError:
        parsed.problems.append(Problem(path, 1, "(file)", f"nested more than {MAX_DEPTH} levels deep"))
        parsed.data = None
    return parsed


def parse_bytes(raw: bytes, path: str) -> ParsedFile:
    """Decode UTF-8 (a BOM is allowed) and parse; never raises for bad input."""
    if len(raw) > MAX_FILE_BYTES:
        return _refused(
            path, f"the file is {len(raw):,} bytes; a bank file may hold at most {MAX_FILE_BYTES:,}"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        return _refused(path, f"not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start})", line)
    return parse_text(text, path)


def parse_file(file: Path, display: str | None = None) -> ParsedFile:
    """Read and parse one file on disk."""
    shown = display or str(file)
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            return _refused(
                shown, f"the file is {size:,} bytes; a bank file may hold at most {MAX_FILE_BYTES:,}"
            )
        raw = file.read_bytes()
    except OSError as error:
        return _refused(shown, f"cannot read the file: {error.strerror or error}")
    return parse_bytes(raw, shown)


def _refused(path: str, message: str, line: int = 1) -> ParsedFile:
    parsed = ParsedFile(path)
    parsed.problems.append(Problem(path, line, "(file)", message))
    return parsed
