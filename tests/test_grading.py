"""Unit and property tests for the pure graders in quizapp.grading."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from quizapp.bank import schema
from quizapp.bank.load import question_parts
from quizapp.grading import (
    GRADERS,
    Grade,
    InvalidResponse,
    grade,
    normalise_text,
    parse_number,
    right_answer,
)

QUESTION = TypeAdapter(schema.Question)
COMMON = {"id": "q", "prompt": "Which?", "explanation": "Because.", "facts": ["f"]}


def make(qtype: str, **fields: Any) -> dict[str, Any]:
    """The `data` of a question as stored: validated by the bank schema, then dumped."""
    return question_parts(QUESTION.validate_python({**COMMON, "type": qtype, **fields}))["data"]


def opt(text: str, correct: bool = False, feedback: str | None = None) -> dict[str, Any]:
    return {"text": text, "correct": correct, **({"feedback": feedback} if feedback else {})}


SINGLE = make(
    "single_choice",
    options=[opt("Paris", True, "Yes, the capital."), opt("Lyon", feedback="Too far south."), opt("Nice")],
)
MULTIPLE = make(
    "multiple_choice",
    options=[opt("2", True, "Even and prime."), opt("3", True), opt("4", feedback="Not prime."), opt("9")],
)
TRUE_FALSE = make("true_false", answer=True, true_feedback="Indeed.", false_feedback="It is true.")
SHORT = make("short_answer", answers=["win-win cooperation", "mutual benefit"])
YEAR = make("numeric", answer=2013)
ORDERING = make("ordering", items=["first", "second", "third", "fourth"])
MATCHING = make(
    "matching",
    pairs=[
        {"left": "France", "right": "Paris"},
        {"left": "Italy", "right": "Rome"},
        {"left": "Spain", "right": "Madrid"},
    ],
    distractors=["Lisbon"],
)
CLOZE = make(
    "cloze",
    text="In {{1}} a piece on the {{2}} of China appeared in the {{ 3 }}.",
    blanks=[
        {"answers": ["2005"], "typo_tolerance": False},
        {"options": ["peaceful rise", "economic reform"], "answer": "peaceful rise"},
        {"answers": ["Study Times", "The Study Times"]},
    ],
)
EXAMPLES = {
    "single_choice": SINGLE,
    "multiple_choice": MULTIPLE,
    "true_false": TRUE_FALSE,
    "short_answer": SHORT,
    "numeric": YEAR,
    "ordering": ORDERING,
    "matching": MATCHING,
    "cloze": CLOZE,
}


def check_verdict(fraction: float) -> str:
    return "right" if fraction == 1 else "wrong" if fraction == 0 else "partial"


def check(result: Grade) -> Grade:
    """Invariants every grade keeps."""
    assert 0 <= result.fraction <= 1
    assert result.verdict == check_verdict(result.fraction)
    assert all(isinstance(line, str) and line for line in result.feedback)
    return result


# --- registry ---------------------------------------------------------------------------------------


def test_registry_covers_every_question_type() -> None:
    assert set(GRADERS) == set(schema.QUESTION_TYPES) == set(EXAMPLES)


def test_unknown_type_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        grade("essay", {}, {})
    with pytest.raises(KeyError):
        right_answer("essay", {})


def test_invalid_response_is_a_value_error() -> None:
    assert issubclass(InvalidResponse, ValueError)


# --- single choice and true/false -----------------------------------------------------------------------


def test_single_choice_right_with_feedback() -> None:
    assert grade("single_choice", SINGLE, {"choice": 0}) == Grade(1.0, "right", ["Yes, the capital."], None)


def test_single_choice_wrong_with_and_without_feedback() -> None:
    assert grade("single_choice", SINGLE, {"choice": 1}) == Grade(0.0, "wrong", ["Too far south."], None)
    assert grade("single_choice", SINGLE, {"choice": 2}).feedback == []


@pytest.mark.parametrize(
    "response",
    [{}, {"choice": None}, {"choice": "0"}, {"choice": True}, {"choice": 3}, {"choice": -1}, None, []],
)
def test_single_choice_invalid(response: Any) -> None:
    with pytest.raises(InvalidResponse, match="Choose one of the options"):
        grade("single_choice", SINGLE, response)


@pytest.mark.parametrize(
    ("answer", "fraction", "feedback"), [(True, 1.0, ["Indeed."]), (False, 0.0, ["It is true."])]
)
def test_true_false(answer: bool, fraction: float, feedback: list[str]) -> None:
    assert grade("true_false", TRUE_FALSE, {"answer": answer}) == Grade(
        fraction, check_verdict(fraction), feedback, None
    )


def test_true_false_without_feedback() -> None:
    data = make("true_false", answer=False)
    assert grade("true_false", data, {"answer": False}) == Grade(1.0, "right", [], None)


@pytest.mark.parametrize("response", [{}, {"answer": "true"}, {"answer": 1}, {"answer": None}])
def test_true_false_invalid(response: Any) -> None:
    with pytest.raises(InvalidResponse, match="True or False"):
        grade("true_false", TRUE_FALSE, response)


# --- multiple choice --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("choices", "fraction"),
    [
        ([0, 1], 1.0),
        ([1, 0], 1.0),
        ([0], 0.5),
        ([], 0.0),
        ([0, 2], 0.0),
        ([0, 1, 2], 0.5),
        ([0, 1, 2, 3], 0.0),
        ([2, 3], 0.0),  # never below 0
        ([0, 0], 0.5),  # a repeated index counts once
    ],
)
def test_multiple_choice_fraction(choices: list[int], fraction: float) -> None:
    assert check(grade("multiple_choice", MULTIPLE, {"choices": choices})).fraction == fraction


def test_multiple_choice_feedback_and_parts() -> None:
    result = grade("multiple_choice", MULTIPLE, {"choices": [2, 0]})
    assert result.feedback == ["Even and prime.", "Not prime."]
    assert result.parts == [True, False, False, True]  # each option handled rightly (chosen iff correct)
    assert result.verdict == "wrong"


@pytest.mark.parametrize(
    "response",
    [{}, {"choices": 0}, {"choices": [4]}, {"choices": [-1]}, {"choices": [True]}, {"choices": ["1"]}],
)
def test_multiple_choice_invalid(response: Any) -> None:
    with pytest.raises(InvalidResponse):
        grade("multiple_choice", MULTIPLE, response)


@given(st.lists(st.integers(0, 3), max_size=6))
def test_multiple_choice_properties(choices: list[int]) -> None:
    result = check(grade("multiple_choice", MULTIPLE, {"choices": choices}))
    assert (result.fraction == 1) == (set(choices) == {0, 1})
    assert result.parts is not None and all(result.parts) == (set(choices) == {0, 1})


# --- text normalisation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Paris  ", "paris"),
        ("New   York", "new york"),
        ("Café Crème!", "cafe creme"),
        ("\uff26\uff35\uff2c\uff2c width", "full width"),
        ("ﬁne", "fine"),
        ("Łódź", "lodz"),
        ("Encyclopædia", "encyclopaedia"),
        ("Straße", "strasse"),
        ("win-win", "win win"),
        ("win — win", "win win"),
        ("U.S.", "us"),
        ("don't", "dont"),
        ("don\u2019t", "dont"),
        ("“quoted”", "quoted"),
        ("«quoted»", "quoted"),
        ("(a) b; c, d: e? f! g/h", "a b c d e f g h"),
        ("snake_case", "snake case"),
        ("3.14", "3.14"),
        ("1,000", "1,000"),
        ("1914\u20131918", "1914-1918"),
        ("-5", "-5"),
        (".5", ".5"),
        ("C++", "c++"),
        ("AT&T", "at&t"),
        ("C#", "c#"),
        ("", ""),
    ],
)
def test_normalise_text(text: str, expected: str) -> None:
    assert normalise_text(text) == expected


def test_normalise_text_sensitivity() -> None:
    assert normalise_text("Café", case_sensitive=True) == "Cafe"
    assert normalise_text("Café", accent_sensitive=True) == "café"
    assert normalise_text("Cafe\u0301", case_sensitive=True, accent_sensitive=True) == "Café"  # NFKC composes


@given(st.text())
def test_normalise_text_is_idempotent(text: str) -> None:
    once = normalise_text(text)
    assert normalise_text(once) == once
    assert once == once.strip() and "  " not in once


# --- short answers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "win-win cooperation",
        "Win-Win Cooperation",
        "  win win   cooperation ",
        "winwin cooperation",
        "win-win co-operation",
        "winwin co-operation",
        "Win win co-operation.",
        "“win-win cooperation”",
        "win\u2013win cooperation",
        "Mutual benefit",
        "the win-win cooperation",  # a leading article is left out
        "A mutual benefit",
    ],
)
def test_short_answer_accepts(text: str) -> None:
    assert grade("short_answer", SHORT, {"text": text}) == Grade(1.0, "right", [], None)


@pytest.mark.parametrize("text", ["", "   ", "win-win", "cooperation", "zero-sum game", "?", "the", "a win"])
def test_short_answer_rejects(text: str) -> None:
    assert grade("short_answer", SHORT, {"text": text}) == Grade(0.0, "wrong", [], None)


@pytest.mark.parametrize(
    ("answers", "text", "misspelt"),
    [
        (["Paris"], "Pariss", None),  # 5 letters: one slip
        (["Paris"], "Parris", None),
        (["Paris"], "Pais", None),
        (["Berlin"], "Bearlin", None),
        (["Study Times"], "Stdy Tmes", None),  # 10 letters: two slips
        (["Study Times", "The Study Times"], "The Studdy Times", "The Study Times"),  # the nearest answer
        (["win-win cooperation"], "winwin coperation", None),
        (["Dai Bingguo"], "Dai Bingo", None),  # a name that is no English word keeps its slips
        (["Berlin"], "Brelin", None),  # two letters swapped: one slip
        (["Taiwan"], "Tiawan", None),
        (["peace"], "pease", None),  # a word, but far rarer than the answer's: a slip
        (["Moscow State Institute"], "Moscow Sate Institute", None),
        (["International Relations"], "International Relation", None),  # singular and plural: one word
        (["centred"], "centered", None),
        (["program"], "programme", None),  # one word spelt two ways: taken at any distance
        (["war"], "wars", None),
        (["cooperation"], "cooperaton", None),
        (["globalization"], "globalisation", None),  # British and American spellings: one word
        (["colour"], "color", None),
        (["centre of gravity"], "center of gravity", None),
        (["defense"], "defence", None),
        (["travelled"], "traveled", None),
    ],
)
def test_short_answer_near_miss(answers: list[str], text: str, misspelt: str | None) -> None:
    result = grade("short_answer", make("short_answer", answers=answers), {"text": text})
    shown = misspelt or answers[0]
    assert result == Grade(1.0, "right", [f"accepted: check the spelling of {shown}"], None, near_miss=True)


@pytest.mark.parametrize(
    ("answers", "text"),
    [
        (["Rome"], "Roma"),  # 4 letters: no slip allowed
        (["Paris"], "Parsi s"),  # two edits for a 5-letter answer
        (["Study Times"], "Stdy Tms"),  # three edits for a 10-letter answer
        (["2005"], "2006"),  # digits: exact only
        (["Apollo 11"], "Apollo 12"),
        (["Henry"], "Henr7"),  # a digit in the response: exact only
        (["unstoppable"], "stoppable"),  # a prefix dropped: the opposite, not a slip
        (["incomplete data"], "complete data"),
        (["successful"], "unsuccessful"),  # a prefix added
        (["win-win cooperation"], "win-win corporation"),  # another English word: not a slip
        (["cooperation"], "corporation"),
        (["globalization"], "localization"),
        (["Taiwan"], "Tainan"),  # another name
        (["development stages"], "development states"),
        (["Peace"], "Place"),
        (["Southeast Asian countries"], "Southwest Asian countries"),
        (["International Relations"], "Intranational Relations"),  # the opposite prefix
        (["South East Asian countries"], "Southwest Asian countries"),  # two words against one
        (["filling"], "filing"),  # two words, not one word spelt two ways
    ],
)
def test_short_answer_not_a_near_miss(answers: list[str], text: str) -> None:
    result = grade("short_answer", make("short_answer", answers=answers), {"text": text})
    assert result == Grade(0.0, "wrong", [], None)


def test_short_answer_typo_tolerance_off() -> None:
    data = make("short_answer", answers=["Paris"], typo_tolerance=False)
    assert grade("short_answer", data, {"text": "Pariss"}).verdict == "wrong"
    assert grade("short_answer", data, {"text": "PARIS"}).verdict == "right"


def test_short_answer_case_sensitive() -> None:
    data = make("short_answer", answers=["NaCl"], case_sensitive=True)
    assert grade("short_answer", data, {"text": "NaCl"}).verdict == "right"
    assert grade("short_answer", data, {"text": "nacl"}).verdict == "wrong"
    assert grade("short_answer", data, {"text": " NaCl. "}).verdict == "right"


def test_short_answer_accent_sensitive() -> None:
    data = make("short_answer", answers=["résumé"], accent_sensitive=True, typo_tolerance=False)
    assert grade("short_answer", data, {"text": "RÉSUMÉ"}).verdict == "right"
    assert grade("short_answer", data, {"text": "resume"}).verdict == "wrong"
    relaxed = make("short_answer", answers=["résumé"])
    assert grade("short_answer", relaxed, {"text": "resume"}) == Grade(1.0, "right", [], None)


def test_short_answer_punctuation_only_answer() -> None:
    data = make("short_answer", answers=["?!"])
    assert grade("short_answer", data, {"text": " ?! "}).verdict == "right"
    assert grade("short_answer", data, {"text": "!?"}).verdict == "wrong"


@pytest.mark.parametrize(
    ("answers", "text", "verdict"),
    [
        (["U.S."], "US", "right"),
        (["US"], "u.s.", "right"),
        (["e-mail"], "email", "right"),
        (["email"], "e-mail", "right"),
        (["O'Brien"], "OBrien", "right"),
        (["3.14"], "314", "wrong"),
        (["-5"], "5", "wrong"),
        (["C++"], "C", "wrong"),
        (["1914-1918"], "19141918", "wrong"),
        (["1914-1918"], "1914\u20131918", "right"),
    ],
)
def test_short_answer_punctuation(answers: list[str], text: str, verdict: str) -> None:
    assert grade("short_answer", make("short_answer", answers=answers), {"text": text}).verdict == verdict


@pytest.mark.parametrize("response", [{}, {"text": None}, {"text": 5}, {"text": ["a"]}, "text"])
def test_short_answer_invalid(response: Any) -> None:
    with pytest.raises(InvalidResponse, match="Type an answer"):
        grade("short_answer", SHORT, response)


answer_texts = st.text(min_size=1, max_size=30).map(str.strip).filter(bool)


@given(answer_texts, st.sampled_from([str.upper, str.lower, str.title, lambda s: f"  {s}. ", lambda s: s]))
def test_short_answer_accepts_its_answer_however_typed(answer: str, change: Any) -> None:
    data = {"answers": [answer], "case_sensitive": False, "accent_sensitive": False, "typo_tolerance": False}
    assert grade("short_answer", data, {"text": answer}).verdict == "right"
    changed = change(answer)
    if normalise_text(changed) == normalise_text(answer) and normalise_text(answer):
        assert grade("short_answer", data, {"text": changed}).verdict == "right"


@given(answer_texts, st.text(max_size=30))
def test_short_answer_properties(answer: str, text: str) -> None:
    data = {"answers": [answer], "case_sensitive": False, "accent_sensitive": False, "typo_tolerance": True}
    result = check(grade("short_answer", data, {"text": text}))
    assert result.parts is None
    assert result.near_miss == bool(result.feedback)
    if result.near_miss:
        assert result.verdict == "right"
        assert not any(c.isdigit() for c in normalise_text(answer) + normalise_text(text))


# --- numbers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2013", 2013),
        (" 2013 ", 2013),
        ("2013.0", 2013),
        ("-3", -3),
        ("\u22123", -3),  # the minus sign
        ("+3", 3),
        ("0.5", 0.5),
        (".5", 0.5),
        ("5.", 5),
        ("1e3", 1000),
        ("2.5E-3", 0.0025),
        ("1,000", 1000),
        ("12,345.6", 12345.6),
        ("1,234,567", 1234567),
        ("\uff12\uff10\uff11\uff13", 2013),  # full-width digits
        ("\u00a02013\u00a0", 2013),
    ],
)
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "2013abc",
        "twenty",
        "",
        "   ",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "Infinity",
        "1_000",
        "0x10",
        "1 000",
        "2013 2014",
        "--3",
        "1e",
        "e3",
        ".",
        "-",
        "١٢",
        "1.2.3",
        ",100",
    ],
)
def test_parse_number_rejects(text: str) -> None:
    with pytest.raises(InvalidResponse, match="Enter a number, for example 42"):
        parse_number(text)


@pytest.mark.parametrize("text", ["1,5", "3,14", "1,00", "12,34", "1,0000", "1,000,0"])
def test_parse_number_explains_decimal_commas(text: str) -> None:
    with pytest.raises(InvalidResponse, match="Use a point for decimals"):
        parse_number(text)


def test_parse_number_rejects_overflow_and_non_text() -> None:
    with pytest.raises(InvalidResponse, match="too large"):
        parse_number("1e999")
    with pytest.raises(InvalidResponse):
        parse_number(2013)  # type: ignore[arg-type]


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_parse_number_reads_repr(value: float) -> None:
    assert parse_number(repr(value)) == value


@given(st.integers(-(10**15), 10**15))
def test_parse_number_reads_thousands(value: int) -> None:
    assert parse_number(f"{value:,}") == value


@given(st.text())
def test_parse_number_raises_only_invalid_response(text: str) -> None:
    try:
        assert math.isfinite(parse_number(text))
    except InvalidResponse as error:
        assert str(error)


@pytest.mark.parametrize(
    ("fields", "text", "fraction"),
    [
        ({"answer": 2013}, "2013", 1.0),
        ({"answer": 2013}, "2013.0", 1.0),
        ({"answer": 2013}, "2014", 0.0),
        ({"answer": 0.3, "tolerance": 0.1}, "0.4", 1.0),  # bounds included, no float drift
        ({"answer": 0.3, "tolerance": 0.1}, "0.2", 1.0),
        ({"answer": 0.3, "tolerance": 0.1}, "0.41", 0.0),
        ({"answer": 9.81, "tolerance": 0.01, "unit": "m/s²"}, "9.8 m/s²", 1.0),
        ({"answer": 9.81, "tolerance": 0.01, "unit": "m/s²"}, "9.82m/s2", 1.0),  # NFKC: ² is 2
        ({"answer": 5, "unit": "kg"}, "5 KG", 1.0),
        ({"answer": 50, "unit": "%"}, "50%", 1.0),
        ({"min": 2005, "max": 2014}, "2005", 1.0),
        ({"min": 2005, "max": 2014}, "2014", 1.0),
        ({"min": 2005, "max": 2014}, "2010.5", 1.0),
        ({"min": 2005, "max": 2014}, "2004.99", 0.0),
        ({"min": -1.5, "max": -0.5}, "\u22121", 1.0),
    ],
)
def test_numeric(fields: dict[str, Any], text: str, fraction: float) -> None:
    result = grade("numeric", make("numeric", **fields), {"text": text})
    assert result == Grade(fraction, check_verdict(fraction), [], None)


@pytest.mark.parametrize("response", [{"text": "2013abc"}, {"text": ""}, {"text": "nan"}, {"text": 2013}, {}])
def test_numeric_invalid(response: Any) -> None:
    with pytest.raises(InvalidResponse, match="Enter a number"):
        grade("numeric", YEAR, response)


def test_numeric_unit_only_where_the_question_has_one() -> None:
    with pytest.raises(InvalidResponse):
        grade("numeric", YEAR, {"text": "2013 kg"})
    with pytest.raises(InvalidResponse):
        grade("numeric", make("numeric", answer=5, unit="kg"), {"text": "kg"})


# --- ordering ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "fraction", "parts"),
    [
        ([0, 1, 2, 3], 1.0, [True, True, True, True]),
        ([3, 2, 1, 0], 0.0, [False, False, False, False]),
        ([1, 0, 2, 3], 2 / 3, [False, False, True, True]),
        ([1, 2, 3, 0], 2 / 3, [False, False, False, False]),
        ([0, 2, 1, 3], 2 / 3, [True, False, False, True]),
        ([2, 3, 0, 1], 2 / 3, [False, False, False, False]),
        ([3, 0, 2, 1], 1 / 3, [False, False, True, False]),
    ],
)
def test_ordering(order: list[int], fraction: float, parts: list[bool]) -> None:
    assert grade("ordering", ORDERING, {"order": order}) == Grade(
        fraction, check_verdict(fraction), [], parts
    )


@pytest.mark.parametrize(
    "order",
    [[0, 1, 2], [0, 1, 2, 3, 4], [0, 1, 1, 2], [0, 1, 2, 4], [0, 1, 2, True], ["0", 1, 2, 3], None, 123],
)
def test_ordering_invalid(order: Any) -> None:
    with pytest.raises(InvalidResponse, match="Put every item in order"):
        grade("ordering", ORDERING, {"order": order})


@given(st.integers(3, 7).flatmap(lambda n: st.permutations(list(range(n)))))
def test_ordering_full_marks_only_for_the_exact_order(order: list[int]) -> None:
    data = make("ordering", items=[f"item {i}" for i in range(len(order))])
    result = check(grade("ordering", data, {"order": order}))
    exact = order == sorted(order)
    assert (result.fraction == 1) == exact
    assert result.parts is not None and all(result.parts) == exact
    assert (result.fraction == 0) == (order == sorted(order, reverse=True))


# --- matching ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("matches", "parts"),
    [
        ([0, 1, 2], [True, True, True]),
        ([1, 0, 2], [False, False, True]),
        ([3, 3, 3], [False, False, False]),  # the distractor, chosen thrice
        ([0, None, None], [True, False, False]),
        ([None, None, None], [False, False, False]),
    ],
)
def test_matching(matches: list[int | None], parts: list[bool]) -> None:
    fraction = sum(parts) / 3
    expected = Grade(fraction, check_verdict(fraction), [], parts)
    assert grade("matching", MATCHING, {"matches": matches}) == expected


@pytest.mark.parametrize(
    "matches", [[0, 1], [0, 1, 2, 3], [0, 1, 4], [0, 1, -1], [0, 1, True], [0, 1, "2"], None, {"0": 0}]
)
def test_matching_invalid(matches: Any) -> None:
    with pytest.raises(InvalidResponse, match="Choose a match"):
        grade("matching", MATCHING, {"matches": matches})


@given(st.lists(st.none() | st.integers(0, 3), min_size=3, max_size=3))
def test_matching_properties(matches: list[int | None]) -> None:
    result = check(grade("matching", MATCHING, {"matches": matches}))
    assert result.parts == [m == i for i, m in enumerate(matches)]
    assert result.fraction == sum(result.parts) / 3


# --- cloze -------------------------------------------------------------------------------------------


def test_cloze_all_right() -> None:
    result = grade("cloze", CLOZE, {"blanks": ["2005", "peaceful rise", "the study times"]})
    assert result == Grade(1.0, "right", [], [True, True, True])


def test_cloze_partial_with_a_spelling_note() -> None:
    result = grade("cloze", CLOZE, {"blanks": ["2006", "peaceful rise", "Study Tmes"]})
    expected = Grade(
        2 / 3, "partial", ["accepted: check the spelling of Study Times"], [False, True, True], True
    )
    assert result == expected


def test_cloze_blanks_left_empty_are_wrong() -> None:
    assert grade("cloze", CLOZE, {"blanks": ["", "", ""]}) == Grade(0.0, "wrong", [], [False, False, False])


def test_cloze_choice_is_exact() -> None:
    result = grade("cloze", CLOZE, {"blanks": ["2005", "economic reform", "Study Times"]})
    assert result.parts == [True, False, True]


def test_cloze_blank_settings_apply() -> None:
    data = make(
        "cloze",
        text="{{1}} and {{2}}",
        blanks=[{"answers": ["NaCl"], "case_sensitive": True}, {"answers": ["Wasser"]}],
    )
    assert grade("cloze", data, {"blanks": ["nacl", "WASSER"]}).parts == [False, True]


@pytest.mark.parametrize(
    "response",
    [
        {"blanks": ["2005", "peaceful rise"]},
        {"blanks": ["2005", "peaceful rise", "x", "y"]},
        {"blanks": [2005, "peaceful rise", "Study Times"]},
        {"blanks": "2005"},
        {},
    ],
)
def test_cloze_invalid(response: Any) -> None:
    with pytest.raises(InvalidResponse, match="Fill in every blank"):
        grade("cloze", CLOZE, response)


def test_cloze_choice_not_an_option() -> None:
    with pytest.raises(InvalidResponse, match="blank 2"):
        grade("cloze", CLOZE, {"blanks": ["2005", "peaceful", "Study Times"]})


@given(
    st.lists(
        st.sampled_from(["", "2005", "2006", "peaceful rise", "Study Times", "Studdy Times"]),
        min_size=3,
        max_size=3,
    )
)
def test_cloze_properties(blanks: list[str]) -> None:
    try:
        result = check(grade("cloze", CLOZE, {"blanks": blanks}))
    except InvalidResponse:
        assert blanks[1] not in ("", "peaceful rise")
        return
    assert result.parts is not None and result.fraction == sum(result.parts) / 3
    assert result.near_miss == (blanks[2] == "Studdy Times")


# --- any response ------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 9) | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)
responses = st.dictionaries(
    st.sampled_from(["choice", "choices", "answer", "text", "order", "matches", "blanks", "other"]),
    json_values,
)


@settings(max_examples=300)
@given(st.sampled_from(sorted(EXAMPLES)), responses | json_values)
def test_any_response_is_graded_or_invalid(qtype: str, response: Any) -> None:
    try:
        result = grade(qtype, EXAMPLES[qtype], response)
    except InvalidResponse as error:
        assert str(error)
    else:
        check(result)


# --- right answers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("qtype", "data", "lines"),
    [
        ("single_choice", SINGLE, ["Paris"]),
        ("multiple_choice", MULTIPLE, ["2", "3"]),
        ("true_false", TRUE_FALSE, ["True"]),
        ("true_false", make("true_false", answer=False), ["False"]),
        ("short_answer", SHORT, ["win-win cooperation", "also accepted: mutual benefit"]),
        ("short_answer", make("short_answer", answers=["Paris"]), ["Paris"]),
        ("numeric", YEAR, ["2013"]),
        ("numeric", make("numeric", answer=2013.0), ["2013"]),
        ("numeric", make("numeric", answer=9.81, tolerance=0.05, unit="m/s²"), ["9.81 m/s² (± 0.05 m/s²)"]),
        ("numeric", make("numeric", answer=7, tolerance=0), ["7"]),
        ("numeric", make("numeric", min=2005, max=2014), ["between 2005 and 2014"]),
        ("numeric", make("numeric", min=1.5, max=2, unit="kg"), ["between 1.5 and 2 kg"]),
        ("ordering", ORDERING, ["1. first", "2. second", "3. third", "4. fourth"]),
        ("matching", MATCHING, ["France → Paris", "Italy → Rome", "Spain → Madrid"]),
        ("cloze", CLOZE, ["In 2005 a piece on the peaceful rise of China appeared in the Study Times."]),
    ],
)
def test_right_answer(qtype: str, data: dict[str, Any], lines: list[str]) -> None:
    assert right_answer(qtype, data) == lines


@pytest.mark.parametrize("qtype", sorted(EXAMPLES))
def test_right_answer_is_graded_right(qtype: str) -> None:
    """The right answer, typed or chosen, earns full marks."""
    data = EXAMPLES[qtype]
    responses = {
        "single_choice": {"choice": 0},
        "multiple_choice": {"choices": [0, 1]},
        "true_false": {"answer": True},
        "short_answer": {"text": right_answer(qtype, data)[0]},
        "numeric": {"text": right_answer(qtype, data)[0]},
        "ordering": {"order": [0, 1, 2, 3]},
        "matching": {"matches": [0, 1, 2]},
        "cloze": {"blanks": ["2005", "peaceful rise", "Study Times"]},
    }
    result = check(grade(qtype, data, responses[qtype]))
    assert (result.verdict, result.near_miss) == ("right", False)


def test_a_cloze_blank_takes_the_words_printed_beside_it() -> None:
    """Typing the word just before or after a blank along with the answer is no mistake; a slip in
    such a longer answer is not taken (the tolerance is the answer's own)."""
    data = make(
        "cloze",
        text="Born in the {{1}} century, a non-{{2}} policy. {{3}} {{4}} end.",
        blanks=[
            {"answers": ["21st"]},
            {"answers": ["alignment"]},
            {"answers": ["one"]},
            {"answers": ["two"]},
        ],
    )
    typed = ["the 21st century", "non-alignment", "one", "two end"]
    assert grade("cloze", data, {"blanks": typed}).parts == [True, True, True, True]
    assert grade("cloze", data, {"blanks": ["21st", "alignment", "one two", "two"]}).parts == [
        True, True, False, True  # a neighbouring blank is not a printed word
    ]  # fmt: skip
    assert grade("cloze", data, {"blanks": ["22nd century", "non-alinement", "one", "two"]}).parts[:2] == [
        False, False
    ]  # fmt: skip
