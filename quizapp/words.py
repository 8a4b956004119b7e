"""English words: to tell a slip of the fingers from another word, in typed answers (quizapp.grading).

A typed answer a letter or two away from the right one is usually a slip ("cooperaton"), but not
when what was typed is itself a word: "corporation" for "cooperation", or "Tainan" (a city) for
"Taiwan", says something else. pyspellchecker's English word list (about 160,000 words, names
among them, common misspellings left out) tells which is which. It is read once per process, on
the first near miss: about a quarter of a second and some 20 MB.
"""

from __future__ import annotations

import re
from functools import cache

# One word spelt the British and the American way is one word: each pattern turns a British
# ending into the American one, so that both spellings meet ("globalisation", "globalization").
_AMERICAN = [
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"is(e|es|ed|ing|er|ers|ation|ations|able)$", r"iz\1"),  # realise, organisation
        (r"ys(e|es|ed|ing|er|ers)$", r"yz\1"),  # analyse
        (r"(?<=\w\w)our(s|ed|ing|ite|ites|able|er|ers|ful|less)?$", r"or\1"),  # colour, favourite
        (r"tre(s|d)?$", r"ter\1"),  # centre, metres
        (r"ence(s)?$", r"ense\1"),  # defence, licence
        (r"(?<=[aeiou])ll(ed|ing|er|ers)$", r"l\1"),  # travelled, modelling
        (r"ogue(s)?$", r"og\1"),  # dialogue, catalogue
        (r"mme(s)?$", r"m\1"),  # programme
        (r"dgement(s)?$", r"dgment\1"),  # judgement
        (r"(?<=\w)ae(?=\w)", "e"),  # encyclopaedia, archaeology
    )
]


@cache
def _english() -> frozenset[str]:
    from spellchecker import SpellChecker  # read on first use: most requests grade no near miss

    words = SpellChecker(language="en", distance=1).word_frequency.keys()
    # Typed answers lose their apostrophes ("paris's" would become "pariss"): such words are left out.
    return frozenset(word for word in words if word.isalpha())


def is_english_word(word: str) -> bool:
    """Whether `word` (any case) is an English word or name."""
    return word.casefold() in _english()


def _american(word: str) -> str:
    word = word.casefold()
    for pattern, replacement in _AMERICAN:
        word = pattern.sub(replacement, word)
    return word


def same_word(a: str, b: str) -> bool:
    """Whether two spellings are one word, British and American ways included."""
    return _american(a) == _american(b)
