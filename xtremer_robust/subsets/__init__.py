"""Subsets: clean, perturbed and adversarial variants of every (task, language) set, pinned by hash.

Public surface:

- :func:`build_subsets` - build (or resume) a suite into a folder and write its index;
- :func:`load_suite`, :class:`Suite`, :class:`Variant` - the recipe suite (``subsets/recipes.yaml``);
- :func:`load_subset`, :func:`iter_index` - read subsets back (what the scorer uses);
- :func:`verify_subsets`, :func:`compare_with_reference` - integrity checks;
- :func:`sample_ids` - the seeded, language-independent sample behind ``--limit`` and size views;
- :func:`generalized_pairs` - Robust-XLT's cross-language pairs;
- :class:`Engine`, :class:`DataDirSource`, :class:`MemorySource` - how data and recipes plug in.

The adversarial (model-in-the-loop) search is its own part above the runner: :mod:`xtremer_robust.attack`.
"""

from xtremer_robust.subsets.build import BuildReport, Missing, build_subsets, plan_sets
from xtremer_robust.subsets.engine import DataDirSource, Engine, MemorySource, default_engine
from xtremer_robust.subsets.generalized import generalized_pairs
from xtremer_robust.subsets.index import build_index, iter_index, read_index, write_index
from xtremer_robust.subsets.loader import load_subset
from xtremer_robust.data.sampling import sample_ids
from xtremer_robust.subsets.suite import CLEAN, Suite, Variant, load_suite, parse_recipe_specs
from xtremer_robust.subsets.verify import Problem, compare_with_reference, verify_subsets

__all__ = [
    "BuildReport",
    "CLEAN",
    "DataDirSource",
    "Engine",
    "MemorySource",
    "Missing",
    "Problem",
    "Suite",
    "Variant",
    "build_index",
    "build_subsets",
    "compare_with_reference",
    "default_engine",
    "generalized_pairs",
    "iter_index",
    "load_subset",
    "load_suite",
    "parse_recipe_specs",
    "plan_sets",
    "read_index",
    "sample_ids",
    "verify_subsets",
    "write_index",
]
