"""Metrics with per-item statistics (see :mod:`xtremer_robust.metrics.base`)."""

from xtremer_robust.metrics.base import Metric

__all__ = ["Metric"]
