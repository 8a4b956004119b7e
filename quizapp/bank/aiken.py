"""Read the Aiken format: single-choice questions, as Moodle reads them.

    What is the capital of France?
    A) Lyon
    B. Paris
    ANSWER: B

A question is its text (one line, or several before the first option), then options
labelled `A)` or `A.` (capital letters, in order), then `ANSWER: X`. Blank lines between
questions are optional. Anything else is an error with its line.

Like Moodle, a label needs no space after it (`A)Yen`). Before a question's first option
such a line is read as an option only when it is option A, and not initials (`A.D. 1066`):
`B.B. King was born...` on a question's second line is its text.
"""

from __future__ import annotations

import re

from .foreign import NO_EXPLANATION, Reading, ReadQuestion

_OPTION = re.compile(r"^([A-Z])[).][ \t]+(.*)$")
_TIGHT_OPTION = re.compile(r"^([A-Z])[).](\S.*)$")
_INITIALS = re.compile(r"^[A-Z]\.[A-Za-z]\.")
_ANSWER = re.compile(r"^ANSWER\s*:\s*(.*)$")
# Lines a writer meant as options or as the answer, but that Aiken does not read as such.
_NEAR_OPTION = re.compile(r"^[A-Za-z0-9][).]")
_NEAR_ANSWER = re.compile(r"^answer\s*:", re.IGNORECASE)
OPTION_FORM = "options are labelled with capital letters from A, then ')' or '.', as in 'A) Paris'"


class _Open:
    def __init__(self, line: int, text: str) -> None:
        self.line = line
        self.text = [text]
        self.options: list[tuple[int, str, str]] = []  # (line, letter, text)
        self.near: list[int] = []  # lines of its text that look like options but are not


def read_aiken(text: str, path: str) -> Reading:
    """Read Aiken text; never raises for bad input."""
    reading = Reading(path, "aiken")
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    current: _Open | None = None
    stray = False  # options without a question were just reported: the next ones are too
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line:
            stray = False
            continue
        opening = current.options == [] if current is not None else not stray
        option, answer = _option(line, opening), _ANSWER.match(line)
        if not answer and _NEAR_ANSWER.match(line):
            reading.error(
                number, "question", f"write the answer line as 'ANSWER: X' (in capitals); got {line[:40]!r}"
            )
            current = None
            continue
        if answer:
            if current is not None and not current.options and current.near:
                lines = ", ".join(map(str, current.near))
                reading.error(
                    number,
                    "question",
                    f"no options before ANSWER: lines {lines} are not read as options ({OPTION_FORM})",
                )
            elif current is None or not current.options:
                reading.error(number, "question", "ANSWER: without a question and its options before it")
            else:
                _finish(reading, current, _answer_letter(answer[1]), number)
            current = None
        elif option and current is None and option[1] != "A" and not stray:  # "I. Newton wrote..."
            current = _Open(number, line)
        elif option:
            if current is None:
                reading.error(number, "question", f"option {option[1]}) without a question before it")
                stray = True
                continue
            expected = chr(ord("A") + len(current.options))
            if option[1] != expected:
                reading.error(number, "question", f"option {option[1]} where {expected} was expected")
            current.options.append((number, option[1], option[2].strip()))
        elif current is None:
            current = _Open(number, line)
        elif not current.options:
            current.text.append(line)
            if _NEAR_OPTION.match(line):
                current.near.append(number)
        else:
            reading.error(
                number,
                "question",
                f"expected another option or 'ANSWER: X' to end the question of line {current.line}; "
                f"got {line[:40]!r}",
            )
            current = _Open(number, line)  # most likely the next question: read it as one
    if current is not None:
        reading.error(current.line, "question", "the question has no 'ANSWER: X' line")
    return reading


def _option(line: str, opening: bool) -> re.Match[str] | None:
    """The line's label and text if it is an option; `opening`: no option yet, text may go on."""
    spaced, tight = _OPTION.match(line), _TIGHT_OPTION.match(line)
    if spaced or tight is None:
        return spaced
    if opening and (tight[1] != "A" or _INITIALS.match(line)):
        return None  # "B.B. King was born..." goes on with the question's text
    return tight


def _answer_letter(text: str) -> str:
    """The letter of an ANSWER line: `B`, or `B) Paris` and `B.` as Moodle also reads them."""
    text = text.strip()
    labelled = re.match(r"([A-Z])(?:[).]|\s)", text)
    return labelled[1] if labelled else text


def _finish(reading: Reading, question: _Open, letter: str, line: int) -> None:
    letters = [o[1] for o in question.options]
    if letter not in letters:
        reading.error(
            line,
            "question",
            f"ANSWER: {letter!r} is not one of the options ({', '.join(letters)})",
        )
        return
    options = [
        {"text": text, "correct": True} if label == letter else {"text": text}
        for _, label, text in question.options
    ]
    lines = {(): question.line, ("prompt",): question.line, ("explanation",): question.line}
    lines.update({("options", i): option[0] for i, option in enumerate(question.options)})
    record = {
        "type": "single_choice",
        "prompt": "\n".join(question.text),
        "options": options,
        "explanation": NO_EXPLANATION,
    }
    reading.questions.append(ReadQuestion(question.line, None, None, record, lines))
