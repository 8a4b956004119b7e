"""Turn pydantic's validation errors into messages a teacher can act on."""

from __future__ import annotations

import difflib
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from ..wording import counted
from . import schema
from .parse import ParsedFile, Path_
from .problems import Problem


def translate(parsed: ParsedFile, base: Path_, error: ValidationError, kind: str) -> list[Problem]:
    root = parsed.data
    for part in base:
        root = root[part] if root is not None else None
    problems = []
    for loc, message in describe(error, kind, root):
        problem = parsed.problem((*base, *loc), message)
        if problem not in problems:
            problems.append(problem)
    return problems


def describe(error: ValidationError, kind: str, root: Any) -> list[tuple[tuple[Any, ...], str]]:
    """(path inside the record, message) for each error of validating `root` as a `kind` record."""
    found = []
    for item in error.errors(include_url=False):
        loc = list(item["loc"])
        model = _root_model(kind, root)
        if kind == "questions" and loc and loc[0] in schema.QUESTION_TYPES:
            loc = loc[1:]  # the discriminator tag pydantic puts in the path
        if item["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc = [*loc, "type"]
        if item["type"] in ("int_type", "float_type") and len(loc) >= 2 and loc[-1] in ("int", "float"):
            # schema.Number is int | float: pydantic reports each member under its own tag
            # (marks.int, marks.float); the reader needs one message about the key itself.
            loc = loc[:-1]
            message = f"expected a number, got {kind_of(item.get('input'))}"
        else:
            message = _message(item, model, loc)
        if (tuple(loc), message) not in found:
            found.append((tuple(loc), message))
    if kind == "questions" and isinstance(root, dict) and _root_model(kind, root) is None:
        found += _keys_no_type_has(root)
    return found


QUESTION_KEYS = tuple(
    dict.fromkeys(key for model in schema.QUESTION_TYPES.values() for key in model.model_fields)
)


def _keys_no_type_has(question: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """The unknown keys of a question whose type is missing or unknown (pydantic checks none then)."""
    found = []
    for key in question:
        if key not in QUESTION_KEYS:
            hint = suggest(str(key), QUESTION_KEYS)
            message = f"did you mean {hint!r}?" if hint else "no question type has it"
            found.append(((key,), f"unknown key {key!r} ({message})"))
    return found


def record_messages(error: ValidationError, model: type[BaseModel]) -> list[tuple[tuple[Any, ...], str]]:
    """Each problem of validating one record of `model` (not read from a file): (location, message)."""
    found = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        pair = (loc, _message(item, model, list(loc)))
        if pair not in found:
            found.append(pair)
    return found


def unknown_section(section: str, known: typing.Iterable[str]) -> str:
    """The message for a fact whose section its source does not have."""
    return f"unknown section {section!r}; the source's sections are {', '.join(sorted(known))}"


def record_problems(error: ValidationError, model: type[BaseModel]) -> list[tuple[tuple[Any, ...], str]]:
    """(location, message) of each problem of one record, worded as `quizapp check` words it."""
    found = []
    for item in error.errors(include_url=False):
        loc = list(item["loc"])
        found.append((tuple(loc), _message(item, model, loc)))
    return found


def _root_model(kind: str, data: Any) -> type[BaseModel] | None:
    if kind == "questions":
        qtype = data.get("type") if isinstance(data, dict) else None
        return schema.QUESTION_TYPES.get(qtype) if isinstance(qtype, str) else None
    return {
        "facts": schema.Fact,
        "topics": schema.Topic,
        "quizzes": schema.Quiz,
        "source": schema.Source,
    }.get(kind)


def _model_at(model: type[BaseModel] | None, loc: list[Any]) -> type[BaseModel] | None:
    """The pydantic model that holds the key at the end of `loc`."""
    for part in loc[:-1]:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part)
        model = _find_model(info.annotation) if info else None
    return model


def _find_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _find_model(arg)
        if found is not None:
            return found
    return None


_TYPE_NAMES = {
    "string_type": "text",
    "bool_type": "true or false",
    "int_type": "a whole number",
    "float_type": "a number",
    "list_type": "a list",
    "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)",
    "model_attributes_type": "a mapping (key: value lines)",
}


def _message(item: dict[str, Any], model: type[BaseModel] | None, loc: list[Any]) -> str:
    kind = item["type"]
    given = item.get("input")
    if kind == "missing":
        return "missing required key"
    if kind == "extra_forbidden":
        holder = _model_at(model, loc)
        key = str(loc[-1]) if loc else "?"
        return _misplaced_key(key, holder) or unknown_key(key, list(holder.model_fields) if holder else [])
    if kind in _TYPE_NAMES:
        return f"expected {_TYPE_NAMES[kind]}, got {kind_of(given)}"
    if kind == "union_tag_invalid":
        tag = item.get("ctx", {}).get("tag")
        return f"unknown question type {tag!r}; use one of {', '.join(schema.QUESTION_TYPES)}"
    if kind == "union_tag_not_found":
        return f"missing required key 'type' (one of {', '.join(schema.QUESTION_TYPES)})"
    if kind == "string_pattern_mismatch":
        return (
            f"{given!r} is not a valid id: start with a lowercase letter or digit, then use lowercase "
            "letters, digits, '.', '_' or '-' (at most 80 characters)"
        )
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "literal_error":
        return f"{item['msg'].replace('Input should be', 'must be')} (got {given!r})"
    ctx = item.get("ctx", {})
    if kind == "too_short":
        return f"needs at least {counted(ctx.get('min_length'), 'item')}, got {ctx.get('actual_length')}"
    if kind == "too_long":
        return f"holds at most {counted(ctx.get('max_length'), 'item')}, got {ctx.get('actual_length')}"
    if kind == "string_too_long":
        return f"is too long: at most {ctx.get('max_length')} characters, got {len(given)}"
    bounds = {
        "greater_than": "more than",
        "greater_than_equal": "at least",
        "less_than": "less than",
        "less_than_equal": "at most",
    }
    if kind in bounds:
        limit = next(iter(ctx.values()), "?")
        return f"must be {bounds[kind]} {limit} (got {_short(given)})"
    message = item["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
    return message


def unknown_key(key: str, allowed: typing.Iterable[str]) -> str:
    allowed = list(allowed)
    hint = suggest(key, allowed)
    if hint:
        return f"unknown key {key!r} (did you mean {hint!r}?)"
    if allowed:
        return f"unknown key {key!r}; allowed here: {', '.join(allowed)}"
    return f"unknown key {key!r}"


def _misplaced_key(key: str, holder: type[BaseModel] | None) -> str | None:
    """The message for a key that belongs elsewhere: to other question types, or under select."""
    if holder is None or suggest(key, list(holder.model_fields), close=False):
        return None
    if holder is schema.Quiz and key in schema.Selection.model_fields:
        return f"unknown key {key!r} for a quiz: write it under select (select: {{{key}: [...]}})"
    qtype = next((name for name, model in schema.QUESTION_TYPES.items() if model is holder), None)
    others = [name for name, model in schema.QUESTION_TYPES.items() if key in model.model_fields]
    if qtype is None or not others:
        return None
    own = [name for name in holder.model_fields if name not in (*schema.QuestionBase.model_fields, "type")]
    have = "has" if len(others) == 1 else "have"
    return f"unknown key {key!r} ({_and(others)} {have} {key}; {qtype} has {', '.join(own)})"


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


# Words other quiz formats use for a key; suggested when the key they name is allowed where they stand.
_SYNONYMS = {
    "choices": "options",
    "question": "prompt",
    "solution": "explanation",
    "tags": "topics",
    "points": "marks",
    "score": "marks",
    "level": "difficulty",
    "duration": "time_limit",
}


def suggest(key: str, allowed: typing.Sequence[str], close: bool = True) -> str | None:
    """The allowed key that `key` most likely means, if any: `Type` is `type`, `limit` is `time_limit`.

    With `close`, also a near spelling (`promt`), but not a merely similar word: `options` is not `topics`.
    """
    folded = key.casefold()
    same = [name for name in allowed if name.casefold() == folded]
    if same or not close:
        return same[0] if same else None
    if _SYNONYMS.get(folded) in allowed:
        return _SYNONYMS[folded]
    words = [name for name in allowed if folded in name.split("_")]
    if len(words) == 1:
        return words[0]
    hint = difflib.get_close_matches(folded, allowed, n=1, cutoff=0.7)
    return hint[0] if hint else None


def kind_of(value: Any) -> str:
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"text ({_short(value)})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _short(value: Any) -> str:
    text = (
        repr(value)
        if isinstance(value, str)
        else (f"a list of {len(value)}" if isinstance(value, list) else str(value))
    )
    return text if len(text) <= 60 else text[:57] + "..."
