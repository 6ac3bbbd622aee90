"""One module per task family: how items become model inputs and outputs become predictions.

Each family exposes ``head_key`` (every setting that changes a prediction; part of the
cache key), ``featurize``, ``forward`` and ``finalize``; :mod:`xtremer_robust.runner.predict`
drives them. Retrieval, whose unit of work is an embedded text, has its own driver.
"""

from __future__ import annotations

from xtremer_robust.runner.families.choice import ChoiceFamily
from xtremer_robust.runner.families.pair import PairFamily
from xtremer_robust.runner.families.qa import QAFamily
from xtremer_robust.runner.families.tagging import TaggingFamily

__all__ = ["FAMILY_RUNNERS", "ChoiceFamily", "PairFamily", "QAFamily", "TaggingFamily"]

FAMILY_RUNNERS = {
    "pair_classification": PairFamily,
    "multiple_choice": ChoiceFamily,
    "tagging": TaggingFamily,
    "span_qa": QAFamily,
}
