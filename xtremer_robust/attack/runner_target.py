"""The scoring runner's models as attack targets (:class:`~xtremer_robust.attack.search.AttackTarget`).

The runner predicts labels, tag sequences and answer strings (not probabilities), so this
target is hard-label: the gold score of a prediction is what the item's family declares
(``Family.gold_score``: 1/0 for classification, the share of correct tags for tagging, token
F1 for QA). With hard labels the leave-one-out word importance is coarse (a word matters
only if removing it alone flips the answer); ties are visited in a seeded order (see
``search.py``). Predictions go through the runner's prediction cache, so repeated queries of
the same text cost nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping, Sequence

from xtremer_robust.families.records import Record
from xtremer_robust.errors import ConfigError
from xtremer_robust.families import SPAN_QA, Family, family_of_record
from xtremer_robust.families.qa import token_f1
from xtremer_robust.models.heads import LoadedModel
from xtremer_robust.runner.cache import PredictionCache
from xtremer_robust.runner.engine import RunSettings
from xtremer_robust.runner.predict import predict_items

__all__ = ["RunnerTarget", "token_f1", "DEFAULT_THRESHOLDS"]

#: The gold score a prediction needs to count as correct, per family (1.0 where not listed):
#: a QA answer is right while its token F1 is at least one half.
DEFAULT_THRESHOLDS: Mapping[Family, float] = MappingProxyType({SPAN_QA: 0.5})


@dataclass
class RunnerTarget:
    """A loaded model (``xtremer_robust.models``) predicted through ``xtremer_robust.runner``.

    ``thresholds``: per family, the gold score at which a prediction counts as correct.
    """

    loaded: LoadedModel
    cache: PredictionCache
    settings: RunSettings
    device: str = "cpu"
    thresholds: Mapping[Family, float] = field(default_factory=lambda: DEFAULT_THRESHOLDS)

    def __post_init__(self) -> None:
        if not self.loaded.family.attackable:
            raise ConfigError(f"adversarial search: {self.loaded.family.name} models have no per-item prediction to "
                              "flip; attack a classification, tagging or QA model")

    def predict(self, items: Sequence[Record]) -> list[Any]:
        predictions, _ = predict_items(self.loaded, list(items), cache=self.cache, settings=self.settings,
                                       device=self.device)
        return predictions

    def gold_score(self, item: Record, prediction: Any) -> float:
        score = family_of_record(item).gold_score
        if score is None:
            raise ConfigError(f"adversarial search: no gold score for {type(item).__name__}")
        return score(item, prediction)

    def is_correct(self, item: Record, prediction: Any) -> bool:
        return self.gold_score(item, prediction) >= self.thresholds.get(family_of_record(item), 1.0)
