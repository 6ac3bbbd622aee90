"""Multiple choice (XCOPA): a premise, a question type, choices; the gold is a choice index.

One multiple-choice forward scores every choice of an item. Input format, per choice:
first segment the premise, second segment the question rendered as an English prompt
followed by the choice. A checkpoint fine-tuned with another format will score lower:
fine-tune with :data:`QUESTION_PROMPTS` to match. The head is not task-specific (its
outputs are one score per choice), so one checkpoint serves every multiple-choice task.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from xtremer_robust.families.base import Family, Head, ReaderRule
from xtremer_robust.families.features import INPUT_KEYS, Feature, model_max_length
from xtremer_robust.families.pair import as_is, exact_label_score, label_references
from xtremer_robust.families.records import ChoiceItem
from xtremer_robust.families.training import Trainable, choice_collator

__all__ = ["MULTIPLE_CHOICE", "ChoiceFeaturizer", "QUESTION_PROMPTS"]

#: COPA question type -> prompt (the wording used by the SuperGLUE COPA baselines).
QUESTION_PROMPTS = {"cause": "What was the cause?", "effect": "What happened as a result?"}


class ChoiceFeaturizer:
    def __init__(self, loaded: Any):
        self.loaded = loaded
        self.max_length = model_max_length(loaded)

    def head_key(self) -> str:
        return f"multiple_choice:max{self.max_length}:prompts=v1"

    def featurize(self, items: Sequence[ChoiceItem]) -> list[Feature]:
        firsts, seconds = [], []
        for item in items:
            prompt = QUESTION_PROMPTS.get(item.question, item.question)
            for choice in item.choices:
                firsts.append(item.premise)
                seconds.append(f"{prompt} {choice}")
        enc = self.loaded.tokenizer(firsts, seconds, truncation=True, max_length=self.max_length)
        keys = [k for k in INPUT_KEYS if k in enc]
        features, row = [], 0
        for n, item in enumerate(items):
            rows = range(row, row + len(item.choices))
            inputs = {k: [list(enc[k][r]) for r in rows] for k in keys}
            features.append(Feature(owner=n, inputs=inputs, length=max(len(x) for x in inputs["input_ids"])))
            row += len(item.choices)
        return features

    def forward(self, model: Any, batch: dict[str, Any]) -> list[np.ndarray]:
        return list(model(**batch).logits.float().cpu().numpy())

    def finalize(self, item: ChoiceItem, features: list[Feature], outputs: list[np.ndarray]) -> int:
        return int(np.argmax(outputs[0]))


def train_features(items: Sequence[ChoiceItem], tokenizer: Any, labels: Sequence[str], max_length: int) -> list[dict]:
    """Per item, one input per choice (premise; prompt + choice), as scoring builds them, and the gold index."""
    firsts, seconds = [], []
    for item in items:
        prompt = QUESTION_PROMPTS.get(item.question, item.question)
        for choice in item.choices:
            firsts.append(item.premise)
            seconds.append(f"{prompt} {choice}".strip())
    enc = tokenizer(firsts, seconds, truncation=True, max_length=max_length)
    features, row = [], 0
    for item in items:
        rows = range(row, row + len(item.choices))
        features.append({**{k: [list(enc[k][r]) for r in rows] for k in INPUT_KEYS if k in enc}, "labels": int(item.label)})
        row += len(item.choices)
    return features


MULTIPLE_CHOICE = Family(
    name="multiple_choice",
    record_type=ChoiceItem,
    readers=(ReaderRule(r"\.jsonl$", "choice_jsonl"),),
    head=Head("AutoModelForMultipleChoice", "ForMultipleChoice", task_labels=False),
    perturbable=("premise", "choices"),
    attack_fields=("premise",),
    featurizer=ChoiceFeaturizer,
    uses_candidates=False,
    references=label_references,
    metric_inputs=as_is,
    gold_score=exact_label_score,
    layouts=(("jsonl", "choice"),),  # {"label": <choice index>} per line
    training=Trainable(train_features, choice_collator, "cross-entropy over the choices"),
)
