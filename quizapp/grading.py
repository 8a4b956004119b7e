"""Grading: one pure function per question type; plain values in, a `Grade` out.

Scoring rules
-------------
* Single choice, true/false and numeric questions earn full marks or nothing.
* Multiple choice: with k correct options, each correct option chosen adds 1/k and each wrong
  option chosen takes 1/k away; the score never falls below 0.
* Short answers (and typed cloze blanks) are compared with every accepted answer after tidying
  both: Unicode forms, letter case, accents, spaces and punctuation are ignored, unless the
  question says case or accents count. Apostrophes and full stops are dropped ("don't" = "dont",
  "U.S." = "US"), other punctuation separates words, and a hyphen may be typed as a hyphen, a
  space or nothing ("win-win" = "win win" = "winwin"), and a leading "the", "a" or "an" is left
  out on both sides ("the war" = "war"). Punctuation between two digits is kept,
  and so is a minus sign or a point starting a number ("3.14" is not "314", "-5" is not "5").
  A spelling slip is accepted, with a note, when the question allows it: one wrong, missing,
  extra or swapped letter for answers of 5 letters or more, two for 10 or more; never when the
  answer or the response holds a digit ("2006" is not "2005"), never when a word gains or loses
  its first letters or swaps them for the opposite ones ("stoppable" is not "unstoppable",
  "intranational" is not "international"), and never when the slip turns an English word or name
  into another that is in use ("corporation" is not "cooperation", "Tainan" is not "Taiwan").
  British and American spellings of one word, and its singular and plural, are one word: taken
  with the same note whatever the answer's length ("programme" for "program").
* Numeric: type a number such as 2013, -3, 0.5, .5, 1e3 or 12,345.6 (a comma may only group
  thousands; decimals take a point); the question's unit may follow it. The answer is right
  within the tolerance or the range, bounds included.
* Ordering: the share of the n-1 neighbouring pairs placed in their right relative order (the
  first item of the pair belongs somewhere before the second); only the exact order earns full
  marks.
* Matching: the share of pairs matched right; an unanswered pair counts as wrong.
* Cloze: the share of blanks right; a typed blank is graded like a short answer (the words
  printed just beside it may be typed too: "21st century" in "the ___ century"), a chosen one
  must be its right option.
* The verdict is "right" for full marks, "wrong" for none and "partial" otherwise.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from typing import Any

from rapidfuzz.distance import OSA

from .bank.schema import PLACEHOLDER
from .words import same_word, says_another_word

__all__ = ["GRADERS", "Grade", "InvalidResponse", "grade", "normalise_text", "parse_number", "right_answer"]


@dataclass(frozen=True)
class Grade:
    """The outcome of grading one response."""

    fraction: float  # in [0, 1]
    verdict: str  # "right" | "partial" | "wrong"
    feedback: list[str]  # messages to show the taker after answering
    parts: list[bool] | None  # per-part correctness for types with parts, else None
    near_miss: bool = False  # accepted with a spelling slip


class InvalidResponse(ValueError):
    """The response cannot be graded; the message tells the taker what to fix. It is NOT graded wrong."""


Data = dict[str, Any]


def _result(
    fraction: float,
    feedback: list[str] | None = None,
    parts: list[bool] | None = None,
    near_miss: bool = False,
) -> Grade:
    fraction = min(1.0, max(0.0, float(fraction)))
    verdict = "right" if fraction == 1 else "wrong" if fraction == 0 else "partial"
    return Grade(fraction, verdict, list(feedback or []), parts, near_miss)


# --- reading responses ---------------------------------------------------------------------------


def _field(response: Any, key: str, kind: type, message: str) -> Any:
    value = response.get(key) if isinstance(response, dict) else None
    if not isinstance(value, kind):
        raise InvalidResponse(message)
    return value


def _index(value: Any, size: int, message: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < size:
        raise InvalidResponse(message)
    return value


# --- text ------------------------------------------------------------------------------------------

_APOSTROPHES = "'`\u2018\u2019\u02bc\u00b4"  # dropped, so "don't" = "dont" and "'Tis" = "Tis"
_SEPARATORS = ',;:!?¡¿"/\\·'  # besides brackets, quotes and connectors: become spaces
_PLAIN_LETTERS = str.maketrans("øØłŁđĐ", "oOlLdD") | str.maketrans(
    {"æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss"}
)
_SOFT = "\x00"  # a hyphen inside a word: it matches a hyphen, a space or nothing
_SOFT_RUN = re.compile(rf"[ {_SOFT}]*{_SOFT}[ {_SOFT}]*")


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", bare).translate(_PLAIN_LETTERS)


def _mark(char: str, before: str, after: str) -> str:
    """What a punctuation mark becomes, given the tidied character before it and the one after it."""
    category = unicodedata.category(char)
    starts_number = (char == "." or category == "Pd") and not before.isalnum()
    if after.isdigit() and (before.isdigit() or starts_number):
        return "-" if category == "Pd" else char  # "3.14", "1914-1918", "-5", ".5"
    if char in _APOSTROPHES or char == ".":
        return ""
    if category == "Pd":
        return _SOFT
    if category in ("Ps", "Pe", "Pi", "Pf", "Pc") or char in _SEPARATORS:
        return " "
    return char  # symbols and signs such as + # % & @ keep their meaning ("C++", "AT&T")


def _punctuation(text: str) -> str:
    tidied = ""
    for i, char in enumerate(text):
        keep = char.isalnum() or char.isspace()
        tidied += char if keep else _mark(char, tidied[-1:], text[i + 1 : i + 2])
    return tidied


def _normalise(text: str, case_sensitive: bool, accent_sensitive: bool) -> str:
    """The comparison key: soft hyphens between words, a dash next to a space counts as a space."""
    text = unicodedata.normalize("NFKC", text)
    if not accent_sensitive:
        text = _strip_accents(text)
    if not case_sensitive:
        text = text.casefold()
    text = " ".join(_punctuation(text).split())
    text = _SOFT_RUN.sub(lambda m: " " if " " in m.group() else _SOFT, text)
    return text.strip(" " + _SOFT)


def normalise_text(text: str, *, case_sensitive: bool = False, accent_sensitive: bool = False) -> str:
    """The form typed answers are compared in, with hyphens shown as spaces (see the module docstring)."""
    return _normalise(text, case_sensitive, accent_sensitive).replace(_SOFT, " ")


def _key(text: str, case_sensitive: bool, accent_sensitive: bool) -> str:
    """The comparison key; a text that is all punctuation is compared as typed."""
    return _normalise(text, case_sensitive, accent_sensitive) or " ".join(
        unicodedata.normalize("NFKC", text).split()
    )


def _same(typed: str, key: str) -> bool:
    """Equal keys, a hyphen on either side matching a hyphen, a space or nothing on the other side."""
    pieces = {" ": f"[ {_SOFT}]", _SOFT: f"[ {_SOFT}]?"}
    pattern = f"{_SOFT}?".join(pieces.get(c) or re.escape(c) for c in key)
    return typed == key or re.fullmatch(pattern, typed) is not None


def _distance(a: str, b: str, limit: int) -> int:
    """Edit distance (capped at limit + 1) with hyphens read as spaces or as nothing; two letters
    swapped are one edit ("Tiawan"), as a typist's slip."""
    return min(
        OSA.distance(a.replace(_SOFT, glue), b.replace(_SOFT, glue), score_cutoff=limit) for glue in (" ", "")
    )


def _typo_limit(key: str) -> int:
    if any(c.isdigit() for c in key):
        return 0
    letters = sum(c.isalpha() for c in key)
    return 2 if letters >= 10 else 1 if letters >= 5 else 0


# Prefixes a letter or two apart that mean the opposite: one put for the other is not a slip.
_OPPOSITE_PREFIXES = (("inter", "intra"), ("hyper", "hypo"), ("ante", "anti"))


def _changes_a_prefix(typed: str, key: str) -> bool:
    """Whether a word of one is a word of the other with two or more letters put before it, or with
    its prefix swapped for the opposite one: a prefix such as un- or in- (or intra- for inter-)
    changes the meaning, it is not a slip."""
    typed_words, key_words = typed.split(), key.split()
    return len(typed_words) == len(key_words) and any(
        (abs(len(a) - len(b)) >= 2 and (a.endswith(b) or b.endswith(a))) or _swaps_a_prefix(a, b)
        for a, b in zip(typed_words, key_words, strict=True)
    )


def _swaps_a_prefix(a: str, b: str) -> bool:
    return any(
        (a.startswith(one) and b.startswith(other) and a[len(one) :] == b[len(other) :])
        for pair in _OPPOSITE_PREFIXES
        for one, other in (pair, pair[::-1])
    )


def _words(text: str) -> set[str]:
    """The words of a comparison key, a hyphenated word both as its parts and as one word, and
    each two neighbouring words as one ("south west" meets "southeast" as "southwest")."""
    words = text.replace(_SOFT, " ").split()
    return set(words) | set(text.replace(_SOFT, "").split()) | {a + b for a, b in pairwise(words)}


def _says_another_word(typed: str, key: str) -> bool:
    """Whether the typed answer puts another English word where the answer has one: "corporation"
    for "cooperation" says something else, it is not a slip. A name that is no English word keeps
    its slips ("Dai Bingo"), and so does a slip that makes a much rarer word ("pease")."""
    put, replaced = _words(typed) - _words(key), _words(key) - _words(typed)
    return any(
        OSA.distance(a, b, score_cutoff=2) <= 2 and says_another_word(a, b) for a in put for b in replaced
    )


_ARTICLE = re.compile(r"(?:the|a|an) (?=\S)", re.IGNORECASE)


def _without_article(key: str) -> str:
    """The key without a leading "the", "a" or "an": "the war" is "war", and "The Hague" "Hague"."""
    article = _ARTICLE.match(key)
    return key[article.end() :] if article else key


def _match_text(text: str, answers: list[str], settings: Data) -> tuple[bool, str | None]:
    """Whether text matches one of the answers, and the answer it misspelt if it was a near miss."""
    sensitivity = (bool(settings.get("case_sensitive")), bool(settings.get("accent_sensitive")))
    typed = _key(text, *sensitivity)
    if not typed:
        return False, None
    keyed = [(answer, _key(answer, *sensitivity)) for answer in answers]
    if any(_same(_without_article(typed), _without_article(key)) for _, key in keyed):
        return True, None
    if not settings.get("typo_tolerance", True) or any(c.isdigit() for c in typed):
        return False, None
    best: tuple[int, str] | None = None
    for answer, key in keyed:
        if _spelt_another_way(typed, key):
            distance = 0
        else:
            limit = _typo_limit(key)
            if not limit or _changes_a_prefix(typed, key) or _says_another_word(typed, key):
                continue
            distance = _distance(typed, key, limit)
            if distance > limit:
                continue
        if best is None or distance < best[0]:
            best = (distance, answer)
    return (True, best[1]) if best else (False, None)


def _spelt_another_way(typed: str, key: str) -> bool:
    """Whether the typed words are the answer's, spelt the British or the American way, or in the
    singular or plural ("programme" for "program", "systems" for "system"): a slip at any length."""
    typed_words, key_words = typed.replace(_SOFT, " ").split(), key.replace(_SOFT, " ").split()
    return len(typed_words) == len(key_words) and all(
        a == b or (a.casefold() != b.casefold() and same_word(a, b))  # letter case counts where asked
        for a, b in zip(typed_words, key_words, strict=True)
    )


def _spelling_note(answer: str) -> str:
    return f"accepted: check the spelling of {answer}"


# --- numbers ---------------------------------------------------------------------------------------

_NUMBER = re.compile(
    r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?|[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
    r"(?:[eE][+-]?[0-9]+)?"
)
NUMBER_HINT = "Enter a number, for example 42 or -3.5."


def parse_number(text: str) -> float:
    """Read a number strictly (see the module docstring); raise InvalidResponse otherwise."""
    if not isinstance(text, str):
        raise InvalidResponse(NUMBER_HINT)
    cleaned = unicodedata.normalize("NFKC", text).strip().replace("\u2212", "-")
    if not _NUMBER.fullmatch(cleaned):
        if re.search(r"[0-9],[0-9]", cleaned):
            raise InvalidResponse("Use a point for decimals (1.5); a comma only groups thousands (12,345).")
        raise InvalidResponse(NUMBER_HINT)
    value = float(cleaned.replace(",", ""))
    if not math.isfinite(value):
        raise InvalidResponse("That number is too large.")
    return value


def _decimal(value: float | int) -> Decimal:
    return Decimal(str(value))  # the shortest repr, so 0.1 stays 0.1 and tolerances are exact


def _strip_unit(text: str, unit: str | None) -> str:
    text = unicodedata.normalize("NFKC", text).strip()
    if unit:
        unit = unicodedata.normalize("NFKC", unit).strip()
        if text.casefold().endswith(unit.casefold()) and len(text) > len(unit):
            return text[: -len(unit)]
    return text


def _format_number(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e16 else str(value)


# --- graders ---------------------------------------------------------------------------------------


def grade_single_choice(data: Data, response: Data) -> Grade:
    options, message = data["options"], "Choose one of the options."
    option = options[_index(_field(response, "choice", int, message), len(options), message)]
    return _result(1.0 if option["correct"] else 0.0, [option["feedback"]] if option.get("feedback") else [])


def grade_multiple_choice(data: Data, response: Data) -> Grade:
    options, message = data["options"], "Choose any number of the options."
    chosen = {_index(i, len(options), message) for i in _field(response, "choices", list, message)}
    hits = sum(1 for i in chosen if options[i]["correct"])
    fraction = max(0, hits - (len(chosen) - hits)) / sum(1 for o in options if o["correct"])
    parts = [(i in chosen) == bool(o["correct"]) for i, o in enumerate(options)]
    feedback = [options[i]["feedback"] for i in sorted(chosen) if options[i].get("feedback")]
    return _result(fraction, feedback, parts)


def grade_true_false(data: Data, response: Data) -> Grade:
    answer = _field(response, "answer", bool, "Choose True or False.")
    note = data.get("true_feedback") if answer else data.get("false_feedback")
    return _result(1.0 if answer == data["answer"] else 0.0, [note] if note else [])


def grade_short_answer(data: Data, response: Data) -> Grade:
    text = _field(response, "text", str, "Type an answer.")
    right, slip = _match_text(text, data["answers"], data)
    return _result(1.0 if right else 0.0, [_spelling_note(slip)] if slip else [], near_miss=slip is not None)


def grade_numeric(data: Data, response: Data) -> Grade:
    text = _field(response, "text", str, NUMBER_HINT)
    value = _decimal(parse_number(_strip_unit(text, data.get("unit"))))
    if data.get("answer") is not None:
        right = abs(value - _decimal(data["answer"])) <= _decimal(data.get("tolerance") or 0)
    else:
        right = _decimal(data["min"]) <= value <= _decimal(data["max"])
    return _result(1.0 if right else 0.0)


def grade_ordering(data: Data, response: Data) -> Grade:
    size, message = len(data["items"]), "Put every item in order, each once."
    order = _field(response, "order", list, message)
    if len(order) != size or sorted(_index(i, size, message) for i in order) != list(range(size)):
        raise InvalidResponse(message)
    in_order = sum(1 for a, b in pairwise(order) if a < b)
    parts = [item == place for place, item in enumerate(order)]
    return _result(in_order / (size - 1) if size > 1 else 1.0, parts=parts)


def grade_matching(data: Data, response: Data) -> Grade:
    pairs, message = data["pairs"], "Choose a match for each item."
    size = len(pairs) + len(data.get("distractors") or [])
    matches = _field(response, "matches", list, message)
    if len(matches) != len(pairs):
        raise InvalidResponse(message)
    parts = [m is not None and _index(m, size, message) == i for i, m in enumerate(matches)]
    return _result(sum(parts) / len(parts), parts=parts)


def grade_cloze(data: Data, response: Data) -> Grade:
    blanks, message = data["blanks"], "Fill in every blank."
    typed = _field(response, "blanks", list, message)
    if len(typed) != len(blanks) or not all(isinstance(t, str) for t in typed):
        raise InvalidResponse(message)
    parts, notes = [], []
    for number, (blank, text) in enumerate(zip(blanks, typed, strict=True), start=1):
        if blank.get("answers") is not None:
            right, slip = _match_text(text, blank["answers"], blank)
            if not right:  # the answer typed with the words printed beside the blank ("21st century")
                exact = {**blank, "typo_tolerance": False}
                right, _ = _match_text(text, _with_context(data["text"], number, blank["answers"]), exact)
            notes += [_spelling_note(slip)] if slip else []
        else:
            choice = text.strip()
            if choice and choice not in blank["options"]:
                raise InvalidResponse(f"Choose one of the options for blank {number}.")
            right = choice == blank["answer"]
        parts.append(right)
    return _result(sum(parts) / len(parts), notes, parts, near_miss=bool(notes))


def _with_context(text: str, number: int, answers: list[str]) -> list[str]:
    """The blank's answers with the word printed just before it, just after it, or both: "the {{2}}
    century" takes "21st century" for "21st", and "non-{{1}}" takes "non-alignment"."""
    match = next((m for m in PLACEHOLDER.finditer(text) if int(m.group(1)) == number), None)
    if match is None:
        return answers
    before = re.search(r"(\S*)(\s*)$", text[: match.start()])
    after = re.match(r"(\s*)(\S*)", text[match.end() :])
    heads, tails = [""], [""]
    if before and before.group(1) and "{{" not in before.group(1):
        heads.append(before.group(1) + (" " if before.group(2) else ""))
    if after and after.group(2) and "{{" not in after.group(2):
        tails.append((" " if after.group(1) else "") + after.group(2))
    return [head + answer + tail for answer in answers for head in heads for tail in tails]


GRADERS: dict[str, Callable[[Data, Data], Grade]] = {
    "single_choice": grade_single_choice,
    "multiple_choice": grade_multiple_choice,
    "true_false": grade_true_false,
    "short_answer": grade_short_answer,
    "numeric": grade_numeric,
    "ordering": grade_ordering,
    "matching": grade_matching,
    "cloze": grade_cloze,
}


def grade(qtype: str, data: Data, response: Data) -> Grade:
    """Grade a response to a question of type qtype; unknown type -> KeyError."""
    return GRADERS[qtype](data, response)


# --- right answers ---------------------------------------------------------------------------------


def _numeric_answer(data: Data) -> str:
    unit = f" {data['unit']}" if data.get("unit") else ""
    if data.get("answer") is None:
        return f"between {_format_number(data['min'])} and {_format_number(data['max'])}{unit}"
    tolerance = data.get("tolerance")
    spread = f" (± {_format_number(tolerance)}{unit})" if tolerance else ""
    return f"{_format_number(data['answer'])}{unit}{spread}"


def _blank_answer(blank: Data) -> str:
    return blank["answers"][0] if blank.get("answers") is not None else blank["answer"]


def _short_answer(data: Data) -> list[str]:
    first, *others = data["answers"]
    return [first] + ([f"also accepted: {', '.join(others)}"] if others else [])


def _cloze_answer(data: Data) -> list[str]:
    blanks = data["blanks"]
    return [PLACEHOLDER.sub(lambda m: _blank_answer(blanks[int(m.group(1)) - 1]), data["text"])]


RIGHT_ANSWERS: dict[str, Callable[[Data], list[str]]] = {
    "single_choice": lambda d: [o["text"] for o in d["options"] if o["correct"]],
    "multiple_choice": lambda d: [o["text"] for o in d["options"] if o["correct"]],
    "true_false": lambda d: ["True" if d["answer"] else "False"],
    "short_answer": _short_answer,
    "numeric": lambda d: [_numeric_answer(d)],
    "ordering": lambda d: [f"{n}. {item}" for n, item in enumerate(d["items"], start=1)],
    "matching": lambda d: [f"{p['left']} → {p['right']}" for p in d["pairs"]],
    "cloze": _cloze_answer,
}


def right_answer(qtype: str, data: Data) -> list[str]:
    """Human-readable lines giving the right answer; unknown type -> KeyError."""
    return RIGHT_ANSWERS[qtype](data)
