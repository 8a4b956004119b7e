"""The in-process store of question versions that question pages use."""

from __future__ import annotations

import json
from types import SimpleNamespace

from quizapp.services.pages import _Versions


def row(version_id: int, content_hash: str, prompt: str, question_id: int = 7) -> SimpleNamespace:
    return SimpleNamespace(
        version_id=version_id,
        content_hash=content_hash,
        type="true_false",
        prompt=prompt,
        data=json.dumps({"answer": True}),
        explanation="Why.",
        marks=1.0,
        question_id=question_id,
    )


def test_a_version_is_decoded_once_and_kept_by_id_and_content_hash():
    versions = _Versions(size=2)
    first = versions.get(row(1, "aaa", "First?"))
    assert versions.get(row(1, "aaa", "ignored: kept")) is first
    assert first.data == {"answer": True} and first.prompt == "First?"
    # The same id in another database, with other content: never the kept one.
    other = versions.get(row(1, "bbb", "Other?"))
    assert other is not first and other.prompt == "Other?"
    # The same id and content for another question (another database): its own entry, right question.
    elsewhere = versions.get(row(1, "aaa", "First?", question_id=8))
    assert elsewhere is not first and elsewhere.question_id == 8


def test_the_store_is_bounded_and_forgets_the_least_recently_used():
    versions = _Versions(size=2)
    one = versions.get(row(1, "a", "One?"))
    versions.get(row(2, "b", "Two?"))
    assert versions.get(row(1, "a", "One?")) is one  # 1 is now the most recent
    versions.get(row(3, "c", "Three?"))  # evicts 2
    assert len(versions.views) == 2
    assert versions.get(row(1, "a", "One?")) is one
    assert versions.get(row(2, "b", "Two again?")).prompt == "Two again?"
