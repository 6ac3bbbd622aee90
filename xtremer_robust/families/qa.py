"""Extractive QA (XQuAD, MLQA, TyDiQA-GoldP) with SQuAD-style windows and post-processing.

Long contexts are cut into windows of ``max_length`` tokens overlapping by ``doc_stride``
(XTREME: 384 / 128). In every window the ``n_best`` highest start and end logits are
paired; spans inside the context, with end >= start and at most ``max_answer_length``
tokens (XTREME: 30), are scored by start + end logit, and the best span over all windows
is the answer (Devlin et al. 2019; the HF ``run_qa`` post-processing). These sets always
have an answer, so no null answer is predicted. The head (start/end logits) is not
task-specific: one checkpoint serves every span-QA task.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Sequence

import numpy as np

from xtremer_robust.errors import ModelError
from xtremer_robust.families.base import Family, Head, ReaderRule
from xtremer_robust.families.features import INPUT_KEYS, Feature, encoding_inputs, model_max_length
from xtremer_robust.families.pair import as_is
from xtremer_robust.families.records import QAItem, Record
from xtremer_robust.families.training import Trainable, pad_collator

__all__ = ["SPAN_QA", "QAFeaturizer", "token_f1"]


class QAFeaturizer:
    def __init__(self, loaded: Any, *, max_length: int = 384, doc_stride: int = 128, n_best: int = 20, max_answer_length: int = 30):
        self.loaded = loaded
        self.max_length = min(max_length, model_max_length(loaded))
        self.doc_stride = min(doc_stride, self.max_length // 2)
        self.n_best, self.max_answer_length = n_best, max_answer_length
        if not getattr(loaded.tokenizer, "is_fast", False):
            raise ModelError(f"{loaded.info.id}: QA needs a fast tokenizer (character offsets); this one is slow.")
        self.pad_right = loaded.tokenizer.padding_side == "right"

    def head_key(self) -> str:
        return f"span_qa:max{self.max_length}:stride{self.doc_stride}:nbest{self.n_best}:maxans{self.max_answer_length}"

    def featurize(self, items: Sequence[QAItem]) -> list[Feature]:
        enc = self.loaded.tokenizer(
            [i.question.lstrip() for i in items],
            [i.context for i in items],
            truncation="only_second",
            max_length=self.max_length,
            stride=self.doc_stride,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
        )
        features = []
        keys = [k for k in INPUT_KEYS if k in enc]
        for n, owner in enumerate(enc["overflow_to_sample_mapping"]):
            sequence_ids = enc.sequence_ids(n)
            offsets = [o if s == 1 else None for o, s in zip(enc["offset_mapping"][n], sequence_ids)]
            inputs = {k: list(enc[k][n]) for k in keys}
            features.append(Feature(owner=int(owner), inputs=inputs, length=len(inputs["input_ids"]), extra=offsets))
        return features

    def forward(self, model: Any, batch: dict[str, Any]) -> list[np.ndarray]:
        out = model(**batch)
        both = np.stack([out.start_logits.float().cpu().numpy(), out.end_logits.float().cpu().numpy()], axis=1)
        return list(both)  # per feature: (2, width)

    def finalize(self, item: QAItem, features: list[Feature], outputs: list[np.ndarray]) -> str:
        best_score, best_text = -np.inf, ""
        for feature, logits in zip(features, outputs):
            offsets = feature.extra
            start_logits, end_logits = logits[0][: len(offsets)], logits[1][: len(offsets)]
            starts = np.argsort(start_logits)[::-1][: self.n_best]
            ends = np.argsort(end_logits)[::-1][: self.n_best]
            for s in starts:
                if offsets[s] is None:
                    continue
                for e in ends:
                    if offsets[e] is None or e < s or e - s + 1 > self.max_answer_length:
                        continue
                    score = start_logits[s] + end_logits[e]
                    if score > best_score:
                        best_score, best_text = score, item.context[offsets[s][0] : offsets[e][1]]
        return best_text


def token_f1(prediction: str, golds: Sequence[str]) -> float:
    """Best whitespace-token F1 against the gold answers (SQuAD's measure, without its English normalisation)."""
    best = 0.0
    pred = prediction.split()
    for gold in golds:
        ref = gold.split()
        common = sum((Counter(pred) & Counter(ref)).values())
        if common:
            p, r = common / len(pred), common / len(ref)
            best = max(best, 2 * p * r / (p + r))
    return best


def answer_references(items: Sequence[Record]) -> list[Any]:
    """The item itself (the QA metrics read its answers); None where it has no answer."""
    return [item if item.answers else None for item in items]  # type: ignore[union-attr]


def answer_f1(item: Record, prediction: Any) -> float:
    return token_f1(str(prediction), [a.text for a in item.answers])  # type: ignore[union-attr]


def train_features(items: Sequence[QAItem], tokenizer: Any, labels: Sequence[str], max_length: int) -> list[dict]:
    """SQuAD-style windows (stride a quarter window), start/end token of the first answer.

    A window that does not hold the answer points at the first token (HF ``run_qa``).
    """
    enc = tokenizer(
        [i.question.lstrip() for i in items], [i.context for i in items], truncation="only_second",
        max_length=max_length, stride=max_length // 4, return_overflowing_tokens=True, return_offsets_mapping=True,
    )
    features = []
    for n, owner in enumerate(enc["overflow_to_sample_mapping"]):
        item = items[int(owner)]
        answer = item.answers[0]
        first, last = answer.start, answer.start + len(answer.text)
        sequence = enc.sequence_ids(n)
        offsets = enc["offset_mapping"][n]
        context = [k for k, s in enumerate(sequence) if s == 1]
        start = end = 0
        if context and offsets[context[0]][0] <= first and offsets[context[-1]][1] >= last:
            start = next(k for k in context if offsets[k][1] > first)
            end = next(k for k in reversed(context) if offsets[k][0] < last)
        features.append({**encoding_inputs(enc, n), "start_positions": start, "end_positions": end})
    return features


SPAN_QA = Family(
    name="span_qa",
    record_type=QAItem,
    readers=(ReaderRule(r"\.json$", "squad_json"),),
    head=Head("AutoModelForQuestionAnswering", "ForQuestionAnswering", task_labels=False),
    perturbable=("question", "context"),
    attack_fields=("question",),  # answer offsets in the context stay valid
    featurizer=QAFeaturizer,
    uses_candidates=False,
    references=answer_references,
    metric_inputs=as_is,
    gold_score=answer_f1,
    layouts=(("json", "answers"),),  # {question id: answer text}
    training=Trainable(train_features, pad_collator, "mean of start and end cross-entropies", long_inputs=True),
)
