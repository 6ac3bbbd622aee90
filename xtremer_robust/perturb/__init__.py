"""Perturbations: script-aware segmentation, recipes, and label-true application to records."""

from xtremer_robust.perturb.base import Recipe, check_rate, item_rng

__all__ = ["Recipe", "check_rate", "item_rng"]
