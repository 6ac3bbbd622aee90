"""The scoring runner's models as attack targets (:class:`~xtremer_robust.subsets.adversarial.AttackTarget`).

The runner predicts labels, tag sequences and answer strings (not probabilities), so this
target is hard-label: the gold score of a prediction is 1/0 for classification, the share
of correct tags for tagging, and token F1 for QA. With hard labels the leave-one-out word
importance is coarse (a word matters only if removing it alone flips the answer); ties are
visited in a seeded order (see ``adversarial.py``). Predictions go through the runner's
prediction cache, so repeated queries of the same text cost nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Sequence

from xtremer_robust.data.records import ChoiceItem, PairItem, QAItem, Record, TaggingItem
from xtremer_robust.errors import ConfigError

__all__ = ["RunnerTarget", "token_f1"]


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


@dataclass
class RunnerTarget:
    """A loaded model (``xtremer_robust.models``) predicted through ``xtremer_robust.runner``.

    ``qa_threshold``: a QA prediction counts as correct while its F1 is at least this.
    """

    loaded: Any
    cache: Any
    settings: Any
    device: str = "cpu"
    qa_threshold: float = 0.5

    def __post_init__(self) -> None:
        if self.loaded.family == "retrieval":
            raise ConfigError("adversarial search: retrieval models have no per-item prediction to flip; "
                              "attack a classification, tagging or QA model")

    def predict(self, items: Sequence[Record]) -> list[Any]:
        from xtremer_robust.runner.predict import predict_items

        predictions, _ = predict_items(self.loaded, list(items), cache=self.cache, settings=self.settings,
                                       device=self.device)
        return predictions

    def gold_score(self, item: Record, prediction: Any) -> float:
        if isinstance(item, (PairItem, ChoiceItem)):
            return 1.0 if str(prediction) == str(item.label) else 0.0
        if isinstance(item, TaggingItem):
            return sum(p == g for p, g in zip(prediction, item.tags)) / max(1, len(item.tags))
        if isinstance(item, QAItem):
            return token_f1(str(prediction), [a.text for a in item.answers])
        raise ConfigError(f"adversarial search: no gold score for {type(item).__name__}")

    def is_correct(self, item: Record, prediction: Any) -> bool:
        score = self.gold_score(item, prediction)
        if isinstance(item, QAItem):
            return score >= self.qa_threshold
        return score == 1.0
