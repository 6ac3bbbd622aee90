"""Perturbations: script-aware segmentation, recipes, and label-true application to records.

Public surface::

    from xtremer_robust.perturb import get_recipe, all_recipes, apply_recipe
    recipe = get_recipe("keyboard_typo", rate=0.1)
    out = apply_recipe(record, recipe, seed=0, task="xnli", lang="hi")
"""

from xtremer_robust.perturb.apply import DEFAULT_FIELDS, Perturbed, apply_recipe
from xtremer_robust.perturb.base import Recipe, check_rate, item_rng
from xtremer_robust.perturb.editdistance import char_edit_ratio, grapheme_distance, levenshtein
from xtremer_robust.perturb.recipes import all_recipes, get_recipe
from xtremer_robust.perturb.segment import Span, graphemes, is_well_formed, nfc, orphan_marks, segment
from xtremer_robust.perturb.validity import split_clusters, validity_figures

__all__ = [
    "DEFAULT_FIELDS",
    "Perturbed",
    "Recipe",
    "Span",
    "all_recipes",
    "apply_recipe",
    "char_edit_ratio",
    "check_rate",
    "get_recipe",
    "grapheme_distance",
    "graphemes",
    "is_well_formed",
    "item_rng",
    "levenshtein",
    "nfc",
    "orphan_marks",
    "segment",
    "split_clusters",
    "validity_figures",
]
