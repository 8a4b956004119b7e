"""Answers posted as no page would post them: each is refused beside its field (422) or taken as no
answer, never a 500, on the quiz page and in the teacher's preview (which does not validate first)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from .test_question_authoring import COMMON, FIELDS, editor, post, teacher  # noqa: F401 (a fixture)
from .test_taking import TYPES, Browser, Page, loaded, slot_of  # noqa: F401 (a fixture)

BLANKS = [" ", "\t", "\u00a0", "\u3000"]  # only spaces: what WTForms' Optional() lets through
NOT_OFFERED = ["99", "-1", "x", "\u00b2", "\u0663", "1.0", "+0"]
# Per type of the taking bank (q1..q8): the field to tamper with, and the other fields of a full answer.
TAMPERED = {
    "q1": ("choice", {}),
    "q2": ("choices", {}),
    "q6": ("position_0", {"position_1": "2", "position_2": "3"}),
    "q7": ("match_0", {"match_1": "1"}),
    "q8": ("blank_1", {"blank_0": "gap 7"}),
}


@pytest.fixture
def taker(client) -> Browser:
    return Browser(client)


def _post(browser: Browser, attempt_id: int, position: int, fields: dict[str, str]) -> object:
    page = browser.get(f"/attempts/{attempt_id}/{position}")
    return browser.submit(page, "/attempts/", fields, go="next")


def _tampered(taker: Browser, qid: str, values: list[str]) -> Iterator[tuple[int, str, object]]:
    """In a new practice attempt, each value posted in the question's tampered field (its other
    fields answered): the attempt's id, the value and the response."""
    name, others = TAMPERED[qid]
    attempt_id, _ = taker.start("practice")
    for value in values:
        yield attempt_id, value, _post(taker, attempt_id, int(qid[1:]), {**others, name: value})


@pytest.mark.parametrize("qid", list(TAMPERED))
def test_a_choice_not_offered_is_refused_beside_its_field(taker, loaded, qid):  # noqa: F811
    name, position = TAMPERED[qid][0], int(qid[1:])
    posted = list(_tampered(taker, qid, NOT_OFFERED))
    for _, value, response in posted:
        assert response.status_code == 422, (qid, value)
        assert re.search(rf'id="{name}-error">Not a valid choice\.', Page(response).html), (qid, value)
    assert slot_of(posted[0][0], position).response is None


@pytest.mark.parametrize("qid", list(TAMPERED))
def test_a_choice_of_only_spaces_is_no_choice(taker, loaded, qid):  # noqa: F811
    position = int(qid[1:])
    for attempt_id, value, response in _tampered(taker, qid, BLANKS):
        if TYPES[qid] == "ordering":  # the other items have positions: this one must have one too
            assert response.status_code == 422, repr(value)
            assert "Give every item a position." in Page(response).text
        else:
            assert response.status_code == 302, repr(value)
            saved = slot_of(attempt_id, position).response
            assert saved is None or None in saved.get("matches", []) or "" in saved.get("blanks", [])
    response = _post(taker, attempt_id, 2, {"choices": [" ", "0"]})  # a blank beside a real choice
    assert response.status_code == 302
    assert len(slot_of(attempt_id, 2).response["choices"]) == 1


@pytest.mark.parametrize(
    ("qtype", "name"),
    [
        ("single_choice", "try-choice"),
        ("multiple_choice", "try-choices"),
        ("ordering", "try-position_0"),
        ("matching", "try-match_0"),
    ],
)
def test_the_preview_refuses_a_choice_not_offered(teacher, qtype, name):  # noqa: F811
    page = editor(teacher, qtype)
    page = Page(post(teacher, page, {"prompt": "Tampered?", **COMMON, **FIELDS[qtype]}, "preview"))
    assert page.status == 200
    for value in [*NOT_OFFERED, *BLANKS]:
        response = post(teacher, page, {name: value}, "try")
        assert response.status_code in (200, 422), (name, value)
        shown = Page(response)
        assert 'class="feedback' not in shown.html, (name, value)  # nothing graded
        if value.strip():
            assert "Not a valid choice." in shown.text, (name, value)
