"""Metrics with per-item statistics (see :mod:`xtremer_robust.metrics.base`).

``metric_for_task(task, language)`` gives the metric XTREME scores a task with;
``metric.batch_stats(predictions=..., references=...)`` the per-item rows;
``metric.aggregate(rows)`` the corpus score (vectorised over leading resample axes).
"""

from xtremer_robust.metrics.accuracy import Accuracy
from xtremer_robust.metrics.base import Metric
from xtremer_robust.metrics.bucc import BuccF1
from xtremer_robust.metrics.qa import MlqaEmF1, SquadEmF1, mlqa_normalize, squad_normalize
from xtremer_robust.metrics.registry import available_metrics, get_metric, metric_for_task
from xtremer_robust.metrics.retrieval import MeanAveragePrecision, TopOneAccuracy, average_precision
from xtremer_robust.metrics.tagging import SeqevalF1, get_chunks

__all__ = [
    "Metric",
    "Accuracy",
    "SeqevalF1",
    "SquadEmF1",
    "MlqaEmF1",
    "TopOneAccuracy",
    "MeanAveragePrecision",
    "BuccF1",
    "available_metrics",
    "get_metric",
    "metric_for_task",
    "average_precision",
    "get_chunks",
    "squad_normalize",
    "mlqa_normalize",
]
