"""Multiple-choice files (XCOPA, English COPA): one JSON object per line.

Fields: ``premise``, ``choice1``, ``choice2``, ``question`` (``cause`` or ``effect``),
``label`` (0 or 1, the index of the right choice), ``idx``. Ids follow file order
(``test-00000``...), which is the same item in every XCOPA language.
"""

from __future__ import annotations

import json

from xtremer_robust.families.records import ChoiceItem
from xtremer_robust.data.sources import SourceText
from xtremer_robust.errors import DataError
from xtremer_robust.strict_json import check_value

__all__ = ["read_choice_jsonl", "QUESTION_TYPES"]

QUESTION_TYPES = ("cause", "effect")
_FIELDS = ("premise", "choice1", "choice2", "question")


def read_choice_jsonl(source: SourceText, *, split: str) -> list[ChoiceItem]:
    """Choice items of one file, in file order (blank lines are skipped)."""
    items: list[ChoiceItem] = []
    for number, line in source.lines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise source.error(
                f"broken JSON ({exc.msg} at column {exc.colno}); expected one JSON object per line "
                '{"premise": ..., "choice1": ..., "choice2": ..., "question": ..., "label": ...}',
                number,
            ) from None
        except RecursionError:
            raise source.error("nested far too deeply; expected one flat JSON object per line", number) from None
        try:
            check_value(row, where=f"{source.rel}, line {number}", max_depth=4, error=DataError)
        except DataError as exc:
            raise source.error(str(exc).split(": ", 1)[-1], number) from None
        if not isinstance(row, dict):
            raise source.error(f"expected a JSON object, found {type(row).__name__}", number)
        missing = [name for name in _FIELDS if not isinstance(row.get(name), str)]
        if missing:
            raise source.error(f"missing or non-text field(s) {', '.join(missing)}; each line needs {_FIELDS}", number)
        if row["question"] not in QUESTION_TYPES:
            raise source.error(f"unknown question type '{row['question']}'; expected cause or effect", number)
        choices = (row["choice1"], row["choice2"])
        label = row.get("label")
        if label is not None and (isinstance(label, bool) or label not in range(len(choices))):
            raise source.error(f"unknown label {label!r}; expected 0 or 1 (the index of the right choice)", number)
        items.append(
            ChoiceItem(
                id=f"{split}-{len(items):05d}",
                premise=row["premise"],
                question=row["question"],
                choices=choices,
                label=None if label is None else int(label),
            )
        )
    if not items:
        raise source.error("the file holds no items; expected one JSON object per line (an empty file is refused)")
    return items
