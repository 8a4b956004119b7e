"""English words: to tell a slip of the fingers from another word, in typed answers (quizapp.grading).

A typed answer a letter or two away from the right one is usually a slip ("cooperaton"), but not
when what was typed is itself a word: "corporation" for "cooperation", or "Tainan" (a city) for
"Taiwan", says something else. pyspellchecker's English word list (about 128,000 plain words,
names among them, common misspellings left out, each with how often it is used) tells which is
which. It is read once per process, on the first near miss: about a quarter of a second and
some 20 MB.
"""

from __future__ import annotations

import re
from functools import cache

# A slip that makes a word this many times rarer than the answer's word is still taken for a slip:
# "pease" for "peace", "sate" for "state" (a typist's slips, not answers anyone means).
RARER = 100

# One word spelt the British and the American way is one word: each pattern turns a British
# ending into the American one (the list is American), so that both spellings meet.
_AMERICAN = [
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"is(e|es|ed|ing|er|ers|ation|ations|able)$", r"iz\1"),  # realise, organisation
        (r"ys(e|es|ed|ing|er|ers)$", r"yz\1"),  # analyse
        (r"(?<=\w\w)our(s|ed|ing|ite|ites|able|er|ers|ful|less)?$", r"or\1"),  # colour, favourite
        (r"tre(s)?$", r"ter\1"),  # centre, metres
        (r"tr(ed|ing)$", r"ter\1"),  # centred, centring
        (r"ence(s)?$", r"ense\1"),  # defence, licence
        (r"([aeiou][^aeiou]+[aeiou])ll(ed|ing|er|ers)$", r"\1l\2"),  # travelled, modelling (not filling)
        (r"ogue(s)?$", r"og\1"),  # dialogue, catalogue
        (r"mme(s)?$", r"m\1"),  # programme
        (r"dgement(s)?$", r"dgment\1"),  # judgement
    )
]


@cache
def _english() -> dict[str, int]:
    from spellchecker import SpellChecker  # read on first use: most requests grade no near miss

    counts = SpellChecker(language="en", distance=1).word_frequency.dictionary
    # Typed answers lose their apostrophes ("paris's" would become "pariss"): such words are left out.
    return {word: count for word, count in counts.items() if word.isalpha()}


def _american(word: str) -> str:
    word = word.casefold()
    for pattern, replacement in _AMERICAN:
        word = pattern.sub(replacement, word)
    return word


def _uses(word: str) -> int:
    """How often the word is used (its British spelling as often as the American), 0 if it is none."""
    english = _english()
    return english.get(word.casefold(), 0) or english.get(_american(word), 0)


def says_another_word(typed: str, meant: str) -> bool:
    """Whether `typed` is another English word than `meant` (itself a word), and no much rarer one:
    a different word, not a slip. One word spelt two ways, or its singular and plural, are one."""
    typed_uses, meant_uses = _uses(typed), _uses(meant)
    return (
        bool(typed_uses and meant_uses) and typed_uses * RARER >= meant_uses and not same_word(typed, meant)
    )


def same_word(a: str, b: str) -> bool:
    """Whether two spellings are one word: British and American ways, singular and plural."""
    a, b = _american(a), _american(b)
    return a == b or b in (a + "s", a + "es") or a in (b + "s", b + "es")
