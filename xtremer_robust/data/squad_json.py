"""SQuAD v1.1-format JSON (XQuAD, MLQA, TyDiQA-GoldP, and XQuAD-R's paragraphs).

``{"data": [{"paragraphs": [{"context": ..., "qas": [{"id", "question", "answers":
[{"text", "answer_start"}]}]}]}]}``. Every question is one item whose id is the source's
``id`` (shared across the languages of XQuAD). The TyDiQA-GoldP train files reuse ids
(74 distinct ids for 2,755 Swahili questions), so where a file's ids are not unique every
item of that file gets a positional id ``{split}-{index:05d}`` instead: stable for a given
file, and never silently merged.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Iterator

from xtremer_robust.families.records import Answer, QAItem
from xtremer_robust.data.sources import SourceText
from xtremer_robust.errors import DataError
from xtremer_robust.strict_json import check_value

__all__ = ["load_squad_json", "iter_paragraphs", "read_squad_json"]

#: SQuAD v1.1 nests 7 levels (data, article, paragraphs, paragraph, qas, qa, answers...).
MAX_DATA_DEPTH = 32


def load_squad_json(source: SourceText) -> list[dict[str, Any]]:
    """The ``data`` list of a SQuAD-format file; broken JSON names its line."""
    try:
        document = json.loads(source.text)
    except json.JSONDecodeError as exc:
        raise source.error(
            f"broken JSON ({exc.msg} at column {exc.colno}); expected a SQuAD v1.1 document "
            '{"data": [{"paragraphs": [{"context": ..., "qas": [...]}]}]}',
            exc.lineno,
        ) from None
    except RecursionError:
        raise source.error(f"nested deeper than {MAX_DATA_DEPTH} levels; a SQuAD v1.1 document nests 7") from None
    check_value(document, where=source.rel, max_depth=MAX_DATA_DEPTH, error=DataError)
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise source.error('expected a JSON object with a "data" list (SQuAD v1.1 format)')
    return document["data"]


def iter_paragraphs(source: SourceText, data: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, paragraph) for every paragraph, ``where`` naming it for error messages."""
    for a, article in enumerate(data):
        paragraphs = article.get("paragraphs") if isinstance(article, dict) else None
        if not isinstance(paragraphs, list):
            raise source.error(f'data[{a}]: expected an object with a "paragraphs" list')
        for p, paragraph in enumerate(paragraphs):
            where = f"data[{a}].paragraphs[{p}]"
            if not isinstance(paragraph, dict) or not isinstance(paragraph.get("context"), str):
                raise source.error(f'{where}: expected an object with a "context" text and a "qas" list')
            if not isinstance(paragraph.get("qas"), list):
                raise source.error(f'{where}: expected a "qas" list')
            yield where, paragraph


def _answers(source: SourceText, where: str, context: str, raw: Any) -> tuple[Answer, ...]:
    if not isinstance(raw, list):
        raise source.error(f'{where}: expected an "answers" list')
    answers = []
    for k, answer in enumerate(raw):
        start = answer.get("answer_start") if isinstance(answer, dict) else None
        if not isinstance(answer, dict) or not isinstance(answer.get("text"), str) or not isinstance(start, int) or isinstance(start, bool):
            raise source.error(f'{where}.answers[{k}]: expected {{"text": str, "answer_start": int}}')
        text = answer["text"]
        if start < 0 or start + len(text) > len(context):
            raise source.error(
                f"{where}.answers[{k}]: answer_start {start} (with {len(text)} characters of answer) lies outside "
                f"the context of {len(context)} characters; fix the offset"
            )
        if context[start : start + len(text)] != text:
            raise source.error(
                f"{where}.answers[{k}]: answer_start {start} does not point at the answer text {text[:40]!r} "
                f"(the context there reads {context[start:start + len(text)][:40]!r}); fix the offset"
            )
        answers.append(Answer(text=text, start=start))
    return tuple(answers)


def read_squad_json(source: SourceText, *, split: str) -> list[QAItem]:
    """One QA item per question, in file order."""
    items: list[QAItem] = []
    ids: list[str] = []
    for where, paragraph in iter_paragraphs(source, load_squad_json(source)):
        context = paragraph["context"]
        for q, qa in enumerate(paragraph["qas"]):
            at = f"{where}.qas[{q}]"
            if not isinstance(qa, dict) or not isinstance(qa.get("question"), str):
                raise source.error(f'{at}: expected an object with "id", "question" and "answers"')
            ids.append(str(qa.get("id", "")))
            answers = _answers(source, at, context, qa.get("answers", []))
            items.append(QAItem(id="", question=qa["question"], context=context, answers=answers))
    if not items:
        raise source.error("the file holds no questions; expected a SQuAD v1.1 document with at least one qas entry")
    use_source_ids = all(ids) and len(set(ids)) == len(ids)
    return [replace(item, id=ids[i] if use_source_ids else f"{split}-{i:05d}") for i, item in enumerate(items)]
