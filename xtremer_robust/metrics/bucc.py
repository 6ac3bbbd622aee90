"""BUCC 2018 bitext mining F1 (XTREME v1 only; XTREME-R dropped the task).

XTREME's ``evaluate.py`` (``bucc_f1``) compares the SET of predicted ``(source id, target
id)`` pairs with the gold set: ``F1 = 2PR / (P + R)``, 0 when nothing matches. Kept per
source sentence as ``(tp, n_pred, n_gold)``: the column sums give exactly the set counts,
and ``2 tp / (n_pred + n_gold)`` equals ``2PR / (P + R)``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable

import numpy as np

from xtremer_robust.metrics.base import Metric, safe_ratio

__all__ = ["BuccF1", "bucc_pair_stats"]


def _pair_set(pairs: Iterable[Any]) -> set[tuple[str, ...]]:
    out = set()
    for pair in pairs:
        out.add(tuple(pair.split("\t")) if isinstance(pair, str) else tuple(str(p) for p in pair))
    return out


def bucc_pair_stats(predicted: Iterable[Any], gold: Iterable[Any]) -> tuple[list[str], np.ndarray]:
    """Source ids (sorted) and their ``(tp, n_pred, n_gold)`` rows from two lists of pairs.

    Pairs are ``"src\\ttgt"`` lines (the leaderboard file) or 2-tuples; duplicates count once.
    """
    pred_set, gold_set = _pair_set(predicted), _pair_set(gold)
    sources = sorted({p[0] for p in pred_set | gold_set})
    index = {s: i for i, s in enumerate(sources)}
    rows = np.zeros((len(sources), 3), dtype=np.float64)
    for column, pairs in ((0, pred_set & gold_set), (1, pred_set), (2, gold_set)):
        for pair in pairs:
            rows[index[pair[0]], column] += 1
    return sources, rows


class BuccF1(Metric):
    """Pair-set F1 with stats per source sentence; an item is one source sentence."""

    name: ClassVar[str] = "bucc_f1"
    headline: ClassVar[str] = "f1"
    stat_names: ClassVar[tuple[str, ...]] = ("tp", "n_pred", "n_gold")
    is_mean: ClassVar[bool] = False

    def item_stats(self, *, prediction: Any, reference: Any) -> tuple[float, ...]:
        """``prediction``/``reference``: the target ids paired with one source sentence."""
        pred = {str(p) for p in (prediction or ())}
        gold = {str(g) for g in (reference or ())}
        return (float(len(pred & gold)), float(len(pred)), float(len(gold)))

    def aggregate(self, stats: np.ndarray) -> np.ndarray:
        totals = np.asarray(stats, dtype=np.float64).sum(axis=-2)
        return safe_ratio(2.0 * totals[..., 0], totals[..., 1] + totals[..., 2])
