"""The adversarial attack: model-in-the-loop subsets (``build-subsets --attack MODEL``).

Layer: above ``runner`` (it predicts through the scoring runner and its cache) and
``subsets`` (it writes subsets beside the clean ones); nothing below imports it.

- :mod:`.search`: DeepWordBug's greedy character-level search and adversarial filtering,
  against any :class:`AttackTarget`;
- :mod:`.runner_target`: the runner's loaded models as a target;
- :mod:`.write`: the ``adv-<model>`` and ``hard-<model>`` subsets on disk;
- :mod:`.build`: every chosen (task, language) set of a build.
"""

from xtremer_robust.attack.build import AttackBuildReport, build_adversarial
from xtremer_robust.attack.runner_target import RunnerTarget
from xtremer_robust.attack.search import (
    ATTACK_NAME,
    EDIT_OPS,
    AttackReport,
    AttackResult,
    AttackTarget,
    attack_item,
    attack_items,
    hard_items,
)
from xtremer_robust.attack.write import model_slug, write_adversarial_subsets

__all__ = [
    "ATTACK_NAME",
    "EDIT_OPS",
    "AttackBuildReport",
    "AttackReport",
    "AttackResult",
    "AttackTarget",
    "RunnerTarget",
    "attack_item",
    "attack_items",
    "build_adversarial",
    "hard_items",
    "model_slug",
    "write_adversarial_subsets",
]
