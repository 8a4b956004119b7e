"""Plain factory functions for bank data, with defaults; tests override what they need."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

QUESTION_TYPES = [
    "single_choice",
    "multiple_choice",
    "true_false",
    "short_answer",
    "numeric",
    "ordering",
    "matching",
    "cloze",
]


def answer_data(qtype: str, n: int = 0) -> dict[str, Any]:
    """Valid answer data for one question of `qtype`; `n` varies the content."""
    if qtype == "single_choice":
        return {
            "options": [
                {"text": f"right {n}", "correct": True, "feedback": "Yes."},
                {"text": f"wrong a {n}"},
                {"text": f"wrong b {n}"},
            ]
        }
    if qtype == "multiple_choice":
        return {
            "options": [
                {"text": f"right {n}", "correct": True},
                {"text": f"also right {n}", "correct": True},
                {"text": f"wrong {n}"},
            ]
        }
    if qtype == "true_false":
        return {"answer": n % 2 == 0, "true_feedback": "About true.", "false_feedback": "About false."}
    if qtype == "short_answer":
        return {"answers": [f"answer {n}", f"alt {n}"]}
    if qtype == "numeric":
        return {"answer": 2000 + n % 20, "tolerance": 0} if n % 2 else {"min": 2005, "max": 2014 + n % 5}
    if qtype == "ordering":
        return {"items": [f"first {n}", f"second {n}", f"third {n}"]}
    if qtype == "matching":
        return {
            "pairs": [{"left": f"l{i} {n}", "right": f"r{i} {n}"} for i in range(3)],
            "distractors": [f"extra {n}"],
        }
    if qtype == "cloze":
        return {
            "text": "One {{1}} and two {{2}}.",
            "blanks": [{"answers": [f"gap {n}"]}, {"options": ["x", "y"], "answer": "y"}],
        }
    raise ValueError(qtype)


def question(
    qid: str, qtype: str = "single_choice", facts: list[str] | None = None, n: int = 0, **overrides: Any
) -> dict[str, Any]:
    data = {
        "id": qid,
        "type": qtype,
        "prompt": f"Prompt of {qid} ({n})?",
        "explanation": f"Because of {qid}.",
        "facts": facts or ["f1"],
        "topics": ["t1"],
        "difficulty": "medium",
        **answer_data(qtype, n),
    }
    data.update(overrides)
    return data


def bank(source_id: str = "src", questions: int = 8, facts: int = 2, **overrides: Any) -> dict[str, Any]:
    """A valid bank: every type used, every fact tested by two types, one quiz."""
    fact_ids = [f"f{i + 1}" for i in range(facts)]
    data = {
        "source": {
            "id": source_id,
            "title": f"Source {source_id}",
            "origin": "https://example.org/article",
            "licence": "CC BY-SA 4.0",
            "sections": [{"id": "s1", "title": "Section one"}, {"id": "s2", "title": "Section two"}],
        },
        "facts": [{"id": f, "section": "s1", "statement": f"Statement of {f}."} for f in fact_ids],
        "topics": [{"id": "t1", "title": "Topic one"}],
        "questions": [
            question(f"q{i + 1}", QUESTION_TYPES[i % len(QUESTION_TYPES)], [fact_ids[i % facts]], n=i)
            for i in range(questions)
        ],
        "quizzes": [{"id": "quiz1", "title": "All of it", "select": {"topics": ["t1"]}}],
    }
    data.update(overrides)
    return data


def write_bank(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
