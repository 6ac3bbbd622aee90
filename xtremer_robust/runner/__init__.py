"""The scoring runner: batching, device and dtype, prediction cache and resume, sharding, outputs.

Public entry points: :func:`score_cells` (with :func:`plan_cells` to list what to score),
:func:`merge_shards`, :class:`RunSettings`, :class:`PredictionCache`.
"""

from xtremer_robust.runner.cache import PredictionCache
from xtremer_robust.runner.cells import CLEAN, CellPlan, plan_cells
from xtremer_robust.runner.engine import RunSettings
from xtremer_robust.runner.outputs import RESULTS_SCHEMA
from xtremer_robust.runner.score import RunResult, ScoreOptions, score_cells
from xtremer_robust.runner.shards import in_shard, merge_shards, parse_shard

__all__ = [
    "CLEAN",
    "CellPlan",
    "PredictionCache",
    "RESULTS_SCHEMA",
    "RunResult",
    "RunSettings",
    "ScoreOptions",
    "in_shard",
    "merge_shards",
    "parse_shard",
    "plan_cells",
    "score_cells",
]
