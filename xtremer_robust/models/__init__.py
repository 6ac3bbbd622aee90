"""Models: resolve an id (Hub id + revision, local folder, ``builtin:me5-small``) and load a head.

``resolve_model`` gives a :class:`ModelInfo` (folder, weights and tokenizer hashes, prefixes,
the 4-bit flag of the built-in model); ``load_model`` loads the head a task's family needs
and checks its labels against the task's.
"""

from xtremer_robust.models.builtin import BUILTIN_MODELS, BUILTIN_PREFIX, builtin_model_dir
from xtremer_robust.models.heads import HeadKey, LoadedModel, label_mapping, load_model, load_tokenizer, scorable_tasks
from xtremer_robust.models.info import ModelInfo, Prefixes, prefixes_for
from xtremer_robust.models.resolve import hub_reachable, resolve_model

__all__ = [
    "BUILTIN_MODELS",
    "BUILTIN_PREFIX",
    "HeadKey",
    "LoadedModel",
    "ModelInfo",
    "Prefixes",
    "builtin_model_dir",
    "hub_reachable",
    "label_mapping",
    "load_model",
    "load_tokenizer",
    "prefixes_for",
    "resolve_model",
    "scorable_tasks",
]
