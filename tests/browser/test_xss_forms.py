"""The checks of test_xss.py on payloads saved through the teacher's web forms.

A module of its own so that a parallel run (pytest-xdist, `--dist loadfile`) checks both
savers at once: it collects test_xss.py's tests again with another `saver`.
"""

from __future__ import annotations

import pytest

from .test_xss import *  # noqa: F403  (the tests and fixtures, collected here again)
from .test_xss import (
    test_payload_usernames_are_refused_and_shown_as_typed,
    test_the_corpus_has_the_classic_payloads,
)

del test_payload_usernames_are_refused_and_shown_as_typed  # saves nothing: checked once there
del test_the_corpus_has_the_classic_payloads


@pytest.fixture(scope="module")
def saver() -> str:
    return "teacher forms"
