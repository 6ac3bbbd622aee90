"""Result types of the statistics part: frozen dataclasses with snake_case fields.

Every number carries its signature (STYLE.md habit 3): the number of resamples and
permutations, the seed, the interval method actually used (BCa or the percentile fallback,
with the reason), the test, alpha and power. ``to_dict`` gives JSON-ready values: non-finite
floats become ``None`` because JSON has no NaN (and the submission validator rejects it).

Scores and gaps are fractions in [0, 1] like the metrics' ``aggregate``; reports multiply
by 100 where XTREME does. A gap is ``clean - perturbed`` whatever the metric's direction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

__all__ = ["ScoreCI", "CellGap", "Aggregate", "GapDifference", "TrendSlope", "to_plain"]


def to_plain(value: Any) -> Any:
    """JSON-ready copy: numpy scalars to Python, non-finite floats to None, nested results to dicts."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class _AsDict:
    def to_dict(self) -> dict[str, Any]:
        return {f.name: to_plain(getattr(self, f.name)) for f in fields(self)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class ScoreCI(_AsDict):
    """One condition's corpus score with its bootstrap interval."""

    label: str
    metric: str
    n: int
    score: float
    ci_low: float
    ci_high: float
    confidence: float
    method: str
    method_note: str | None
    n_resamples: int
    seed: int


@dataclass(frozen=True)
class CellGap(_AsDict):
    """The robustness gap of one cell (e.g. one task x language x perturbation).

    ``ci_low``/``ci_high`` bound the gap (paired bootstrap over items); ``clean_ci_*`` and
    ``perturbed_ci_*`` bound each score from the same resamples. ``test`` is
    ``"mcnemar_exact"`` (binary per-item correctness) or ``"paired_permutation"``.
    ``n_clean_only``/``n_perturbed_only`` are McNemar's discordant counts (items right only
    on the clean / only on the perturbed side). ``p_holm``/``p_bh`` stay ``None`` until
    :func:`xtremer_robust.stats.adjust_family` is applied to the family of cells.
    """

    label: str
    metric: str
    n: int
    clean_score: float
    perturbed_score: float
    gap: float
    ci_low: float
    ci_high: float
    clean_ci_low: float
    clean_ci_high: float
    perturbed_ci_low: float
    perturbed_ci_high: float
    confidence: float
    method: str
    method_note: str | None
    n_resamples: int
    seed: int
    test: str
    p_value: float
    n_permutations: int | None
    n_clean_only: int | None
    n_perturbed_only: int | None
    mde: float | None
    mde_method: str
    alpha: float
    power: float
    flip_rate: float | None
    relative_drop: float | None
    p_holm: float | None = None
    p_bh: float | None = None


@dataclass(frozen=True)
class Aggregate(_AsDict):
    """A macro-average of gaps over strata (languages, or task x language cells).

    ``convention`` states how it was formed (unweighted mean over languages as XTREME;
    QA: F1 headline). ``companions`` are the same aggregate for metrics reported beside the
    headline one (QA: EM), computed from the same resamples. ``weights`` maps stratum label
    to its weight in the macro-average. ``mde`` uses the stratified jackknife SE
    (``sqrt(sum_s SE_s^2)`` of the weighted strata); ``flip_rate`` is the weighted mean of the
    strata's flip rates, ``None`` unless every stratum gave ``changed``.
    """

    label: str
    metric: str
    convention: str
    n: int
    n_strata: int
    clean_score: float
    perturbed_score: float
    gap: float
    ci_low: float
    ci_high: float
    clean_ci_low: float
    clean_ci_high: float
    perturbed_ci_low: float
    perturbed_ci_high: float
    confidence: float
    method: str
    method_note: str | None
    n_resamples: int
    seed: int
    test: str
    p_value: float
    n_permutations: int
    relative_drop: float | None
    weights: dict[str, float] = field(default_factory=dict)
    companions: tuple["Aggregate", ...] = ()
    mde: float | None = None
    mde_method: str = "stratified_jackknife_se"
    alpha: float = 0.05
    power: float = 0.8
    flip_rate: float | None = None
    p_holm: float | None = None
    p_bh: float | None = None


@dataclass(frozen=True)
class GapDifference(_AsDict):
    """Gap of model A minus gap of model B on the same items, paired over items."""

    label: str
    metric: str
    n: int
    gap_a: float
    gap_b: float
    difference: float
    ci_low: float
    ci_high: float
    confidence: float
    method: str
    method_note: str | None
    n_resamples: int
    seed: int
    test: str
    p_value: float
    n_permutations: int


@dataclass(frozen=True)
class TrendSlope(_AsDict):
    """Slope of the gap against log(duration), with a two-level (seeds, then items) bootstrap CI."""

    label: str
    metric: str
    durations: tuple[float, ...]
    mean_gaps: tuple[float, ...]
    n_seeds: tuple[int, ...]
    n: int
    slope: float
    ci_low: float
    ci_high: float
    confidence: float
    method: str
    n_resamples: int
    seed: int
