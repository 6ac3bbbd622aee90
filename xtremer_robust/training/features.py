"""How each family's records become training features, how they are batched, and the loss.

The inputs are built exactly as the scoring runner builds them (``runner/families``): the
same segments, the same multiple-choice prompts, the same QA windows, so a fine-tuned head
sees at scoring time what it saw in training. Losses are the heads' own cross-entropies
(``transformers`` computes them when the label keys are in the batch):

- pair classification: cross-entropy over the task's labels on the pooled first token;
- tagging: token cross-entropy on the FIRST sub-word of each word, the other sub-words
  and special tokens ignored (label -100), as XTREME's ``third_party/utils_tag.py``;
- span QA: mean of start and end cross-entropies over the window's positions; a window
  that does not hold the answer points at the first token (the HF ``run_qa`` convention);
- multiple choice: cross-entropy over the choices' scores.

Padding is dynamic (per batch, to the longest member), which is most of the training speed
on short inputs: XTREME's scripts pad everything to 128.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from xtremer_robust.families.records import ChoiceItem, PairItem, QAItem, Record, TaggingItem
from xtremer_robust.errors import ConfigError
from xtremer_robust.families import MULTIPLE_CHOICE, PAIR_CLASSIFICATION, SPAN_QA, TAGGING, Family
from xtremer_robust.families.choice import QUESTION_PROMPTS

__all__ = ["HeadTraining", "HEAD_TRAINING", "head_training", "IGNORE_INDEX"]

#: Label of positions the loss ignores (PyTorch's cross-entropy default ``ignore_index``).
IGNORE_INDEX = -100
_INPUT_KEYS = ("input_ids", "attention_mask", "token_type_ids")


def _keep(enc: Any, n: int) -> dict[str, list[int]]:
    return {k: list(enc[k][n]) for k in _INPUT_KEYS if k in enc}


def _pair_features(items: Sequence[PairItem], tokenizer: Any, labels: Sequence[str], max_length: int) -> list[dict]:
    index = {label: i for i, label in enumerate(labels)}
    pairs = [(i.text_a, i.text_b) for i in items]
    if all(b == "" for _, b in pairs):  # single-sentence sets (SST-2)
        enc = tokenizer([a for a, _ in pairs], truncation=True, max_length=max_length)
    else:
        enc = tokenizer([a for a, _ in pairs], [b for _, b in pairs], truncation=True, max_length=max_length)
    return [{**_keep(enc, n), "labels": index[item.label]} for n, item in enumerate(items)]


def _tagging_features(items: Sequence[TaggingItem], tokenizer: Any, labels: Sequence[str], max_length: int) -> list[dict]:
    index = {label: i for i, label in enumerate(labels)}
    enc = tokenizer([list(i.tokens) for i in items], is_split_into_words=True, truncation=True, max_length=max_length)
    features = []
    for n, item in enumerate(items):
        seen: set[int] = set()
        row = []
        for word in enc.word_ids(n):
            if word is None or word in seen:
                row.append(IGNORE_INDEX)
            else:
                seen.add(word)
                row.append(index[item.tags[word]])
        features.append({**_keep(enc, n), "labels": row})
    return features


def _qa_features(items: Sequence[QAItem], tokenizer: Any, labels: Sequence[str], max_length: int) -> list[dict]:
    """SQuAD-style windows (stride half the window), start/end token of the first answer."""
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
        features.append({**_keep(enc, n), "start_positions": start, "end_positions": end})
    return features


def _choice_features(items: Sequence[ChoiceItem], tokenizer: Any, labels: Sequence[str], max_length: int) -> list[dict]:
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
        features.append({**{k: [list(enc[k][r]) for r in rows] for k in _INPUT_KEYS if k in enc}, "labels": int(item.label)})
        row += len(item.choices)
    return features


def _pad_collator(tokenizer: Any) -> Callable[[list[dict]], dict]:
    from transformers import DataCollatorWithPadding

    return DataCollatorWithPadding(tokenizer)


def _token_collator(tokenizer: Any) -> Callable[[list[dict]], dict]:
    from transformers import DataCollatorForTokenClassification

    return DataCollatorForTokenClassification(tokenizer, label_pad_token_id=IGNORE_INDEX)


def _choice_collator(tokenizer: Any) -> Callable[[list[dict]], dict]:
    from transformers import DataCollatorForMultipleChoice

    collate = DataCollatorForMultipleChoice(tokenizer)
    # transformers' collator pops "labels" out of the feature dicts it is given: copies keep
    # the dataset intact for the next epoch.
    return lambda features: collate([dict(f) for f in features])


def _pair_augment(item: PairItem, copies: list[tuple[str, str]]) -> list[PairItem]:
    return [PairItem(id=f"{item.id}~{k}", text_a=a, text_b=b, label=item.label) for k, (a, b) in enumerate(copies)]


@dataclass(frozen=True)
class HeadTraining:
    """What training one family's head needs: the Auto class, features, collator, loss."""

    family: Family
    auto_class: str
    #: True when the head's outputs are the task's labels (classification, tagging).
    labelled_head: bool
    featurize: Callable[[Sequence[Record], Any, Sequence[str], int], list[dict]]
    make_collator: Callable[[Any], Callable[[list[dict]], dict]]
    loss: str
    #: Training-time augmentation of one record: record, augmenter, rng -> copies (None: unsupported).
    augment: Callable[[Record, Any, Any], list[Record]] | None
    #: True where inputs are long (QA contexts): the ``qa_max_length`` setting applies.
    long_inputs: bool = False

    def length(self, feature: Mapping[str, Any]) -> int:
        ids = feature["input_ids"]
        return max(len(x) for x in ids) if ids and isinstance(ids[0], list) else len(ids)


def _augment_pair(item: PairItem, augmenter: Any, rng: Any) -> list[Record]:
    return _pair_augment(item, augmenter.augment_pair(item.text_a, item.text_b, rng=rng))


def _augment_tagging(item: TaggingItem, augmenter: Any, rng: Any) -> list[Record]:
    return [TaggingItem(id=f"{item.id}~{k}", tokens=tuple(t), tags=item.tags) for k, t in enumerate(augmenter.augment_tokens(list(item.tokens), rng=rng))]


HEAD_TRAINING: Mapping[Family, HeadTraining] = {
    PAIR_CLASSIFICATION: HeadTraining(
        PAIR_CLASSIFICATION, "AutoModelForSequenceClassification", True, _pair_features, _pad_collator,
        "cross-entropy over the task's labels", _augment_pair,
    ),
    TAGGING: HeadTraining(
        TAGGING, "AutoModelForTokenClassification", True, _tagging_features, _token_collator,
        "token cross-entropy on each word's first sub-word (others ignored)", _augment_tagging,
    ),
    SPAN_QA: HeadTraining(
        SPAN_QA, "AutoModelForQuestionAnswering", False, _qa_features, _pad_collator,
        "mean of start and end cross-entropies", None, long_inputs=True,
    ),
    MULTIPLE_CHOICE: HeadTraining(
        MULTIPLE_CHOICE, "AutoModelForMultipleChoice", False, _choice_features, _choice_collator,
        "cross-entropy over the choices", None,
    ),
}


def head_training(family: Family) -> HeadTraining:
    if family not in HEAD_TRAINING:
        raise ConfigError(f"family {family.name} has no trainable head (retrieval tasks are scored with the encoder as it is)")
    return HEAD_TRAINING[family]
