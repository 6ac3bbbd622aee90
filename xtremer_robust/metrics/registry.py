"""One registry of metrics, with helpful misses (lm-eval ``registry.py`` habit).

Names are those of ``tasks.yaml``'s ``metric`` field (accuracy, f1, em_f1, mlqa_em_f1,
top1, map20, map) plus ``bucc_f1``. ``metric_for_task`` is what the runner calls: the task's
spec names its metric (MLQA's is the language-aware ``mlqa_em_f1``, so it needs the answer
language) and the score names it reports (``headline``, ``companions``); a spec whose names
disagree with what the metric reports is refused, so the registry never describes a score
that is not computed.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Callable, Mapping

from xtremer_robust.errors import ConfigError, unknown_name
from xtremer_robust.metrics.accuracy import Accuracy
from xtremer_robust.metrics.base import Metric
from xtremer_robust.metrics.bucc import BuccF1
from xtremer_robust.metrics.qa import MLQA_LANGUAGES, MlqaEmF1, SquadEmF1
from xtremer_robust.metrics.retrieval import MapAtKWithFull, MeanAveragePrecision, TopOneAccuracy
from xtremer_robust.metrics.tagging import SeqevalF1
from xtremer_robust.tasks import TaskSpec, get_task

__all__ = ["available_metrics", "get_metric", "metric_for_task", "LANGUAGE_AWARE"]

_FACTORIES: Mapping[str, Callable[..., Metric]] = MappingProxyType(
    {
        "accuracy": Accuracy,
        "f1": SeqevalF1,
        "em_f1": SquadEmF1,
        "mlqa_em_f1": MlqaEmF1,
        "top1": TopOneAccuracy,
        "map20": lambda: MeanAveragePrecision(k=20),
        "map": MeanAveragePrecision,
        "map20_full": MapAtKWithFull,
        "bucc_f1": BuccF1,
    }
)

#: Metrics that need the answer language (``get_metric(name, language=...)``).
LANGUAGE_AWARE = frozenset({"mlqa_em_f1"})

#: XTREME v1 tasks outside the registry that the leaderboard layout still scores.
_UNREGISTERED = MappingProxyType({"bucc2018": "bucc_f1"})


def available_metrics() -> tuple[str, ...]:
    """Every registered metric name, sorted."""
    return tuple(sorted(_FACTORIES))


def get_metric(name: str, *, language: str | None = None) -> Metric:
    """A fresh metric object by name; ``language`` only for language-aware metrics."""
    if name not in _FACTORIES:
        raise unknown_name("metric", name, _FACTORIES)
    if name in LANGUAGE_AWARE:
        if language is None:
            raise ConfigError(
                f"metric {name} needs the answer language: pass language= one of {', '.join(MLQA_LANGUAGES)}"
            )
        return _FACTORIES[name](language)
    return _FACTORIES[name]()


def metric_for_task(task: TaskSpec | str, language: str | None = None) -> Metric:
    """The metric XTREME scores ``task`` (a TaskSpec or a task name) with, for ``language``."""
    if isinstance(task, str) and task in _UNREGISTERED:
        return get_metric(_UNREGISTERED[task])
    spec = get_task(task) if isinstance(task, str) else task
    metric = get_metric(spec.metric, language=language if spec.metric in LANGUAGE_AWARE else None)
    reported = (metric.headline, *metric.secondary_names)
    declared = (spec.headline, *spec.companions)
    if reported != declared:
        raise ConfigError(
            f"tasks.yaml: task {spec.name} declares headline/companions {list(declared)} but metric "
            f"{spec.metric} reports {list(reported)}; set headline: {reported[0]} and companions: {list(reported[1:])}"
        )
    return metric
