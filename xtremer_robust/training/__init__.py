"""Training: English intermediate tasks saved at durations, target fine-tuning, robust training.

Above ``runner`` and ``models`` in the layer order (it resolves base models and reuses the
scoring runner's input formats); below ``study`` and ``cli``.
"""

from xtremer_robust.training.config import Hyperparameters, TrainConfig
from xtremer_robust.training.run import TrainedModel, check_train, train

__all__ = ["Hyperparameters", "TrainConfig", "TrainedModel", "check_train", "train"]
