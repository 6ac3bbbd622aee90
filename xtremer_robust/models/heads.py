"""Load the head a task's family declares (``spec.family.head``), and check that it fits the task.

A checkpoint fine-tuned for XNLI has a sequence-classification head whose ``id2label``
must name the task's labels; an encoder without that head (the built-in model) cannot
score XNLI at all. Loading a head class over a checkpoint that lacks the head would
silently initialise it at random, so we refuse: a missing head is a :class:`ModelError`
naming the tasks the checkpoint *can* score. Loading never changes the :class:`ModelInfo` it
is given: the loaded model carries a copy with its parameter count and head class.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Sequence

from xtremer_robust.errors import ModelError
from xtremer_robust.families import Family
from xtremer_robust.models.info import ModelInfo
from xtremer_robust.tasks import TaskSpec, all_tasks

__all__ = ["HeadKey", "LoadedModel", "load_model", "load_tokenizer", "scorable_tasks", "label_mapping"]
#: Weights that may be absent without making a head untrustworthy (unused pooler, buffers).
_IGNORABLE_MISSING = re.compile(r"(^|\.)(pooler\.|position_ids$|embeddings\.position_ids)")
_GENERIC_LABEL = re.compile(r"^LABEL_(\d+)$")


@dataclass(frozen=True)
class HeadKey:
    """Which loaded head serves a task: one per family, or one per task where the head's
    outputs are the task's labels (``Head.task_labels``: an XNLI head cannot score PAWS-X)."""

    family: Family
    task: str | None

    @classmethod
    def for_task(cls, task: TaskSpec) -> "HeadKey":
        return cls(task.family, task.name if task.family.head.task_labels else None)


@dataclass
class LoadedModel:
    """A model with the head of one family, its tokenizer, and how its labels map to the task's.

    ``model`` may be swapped for a compiled or quantized version of itself before scoring.
    """

    model: Any
    tokenizer: Any
    info: ModelInfo
    family: Family
    #: head output index -> task label (task-specific heads); None otherwise.
    id2label: dict[int, str] | None = None


def scorable_tasks(architectures: Sequence[str] | None) -> list[str]:
    """Task names a checkpoint with these architectures can score (every one has an encoder)."""
    found = list(architectures or ())
    return [name for name, spec in all_tasks().items() if spec.family.head.fits(found)]


def label_mapping(config: Any, task: TaskSpec, model_id: str) -> dict[int, str]:
    """Map the head's output ids onto the task's labels, or explain why they do not fit.

    Named labels must be exactly the task's label set (case-insensitive). Generic names
    (``LABEL_0``...) are accepted when their number equals the task's, in the task's label
    order (the order tasks.yaml documents for heads).
    """
    raw = {int(k): str(v) for k, v in (config.id2label or {}).items()}
    if len(raw) != len(task.labels):
        raise ModelError(
            f"{model_id}: the head has {len(raw)} outputs {sorted(raw.values())} but task {task.name} has "
            f"{len(task.labels)} labels {list(task.labels)}. Use a checkpoint fine-tuned on {task.name}."
        )
    if all(_GENERIC_LABEL.match(v) for v in raw.values()):
        return {i: task.labels[int(_GENERIC_LABEL.match(v).group(1))] for i, v in raw.items()}
    by_lower = {label.lower(): label for label in task.labels}
    mapped = {i: by_lower.get(v.lower()) for i, v in raw.items()}
    unknown = sorted(v for i, v in raw.items() if mapped[i] is None)
    if unknown or len(set(mapped.values())) != len(task.labels):
        raise ModelError(
            f"{model_id}: the head's labels (config.json id2label) {sorted(raw.values())} do not match task "
            f"{task.name}'s labels {list(task.labels)} (unmatched: {unknown}). Fix id2label in config.json "
            "or use a checkpoint fine-tuned on this task."
        )
    return {i: label for i, label in mapped.items() if label is not None}


def load_tokenizer(info: ModelInfo) -> Any:
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(info.path, trust_remote_code=info.trust_remote_code, use_fast=True)
    except (OSError, ValueError) as exc:
        raise ModelError(f"{info.id}: cannot load its tokenizer from {info.path} ({exc}).") from exc


def load_model(info: ModelInfo, task: TaskSpec, *, torch_dtype: Any = None, allow_new_head: bool = False) -> LoadedModel:
    """Load the head ``task.family`` needs; refuse a checkpoint without it or with other labels.

    ``allow_new_head`` (benchmarks only) accepts a randomly initialised head.
    """
    import transformers
    from transformers import AutoConfig

    family = task.family
    head = family.head
    auto_name = head.auto_class
    try:
        config = AutoConfig.from_pretrained(info.path, trust_remote_code=info.trust_remote_code)
    except OSError as exc:  # transformers reports a config.json that is not JSON as an OSError
        raise ModelError(f"{info.id}: cannot read {info.path}/config.json ({_first_line(exc)}); fix or replace the file.") from None
    except (TypeError, AttributeError, KeyError) as exc:  # JSON, but not a config object
        raise ModelError(f"{info.id}: {info.path}/config.json is not a model configuration ({type(exc).__name__}: "
                         f"{_first_line(exc)}); fix or replace the file.") from None
    except ValueError as exc:
        hint = " It needs custom code: pass --trust-remote-code if you trust its author." if "trust_remote_code" in str(exc) else ""
        raise ModelError(f"{info.id}: cannot read config.json ({exc}).{hint}") from exc
    architectures = list(getattr(config, "architectures", None) or [])
    if architectures and not head.fits(architectures) and not allow_new_head:
        raise _missing_head(info, task, architectures)
    id2label = None
    if head.task_labels and not allow_new_head:
        id2label = label_mapping(config, task, info.id)
    auto = getattr(transformers, auto_name)
    kwargs: dict[str, Any] = {"trust_remote_code": info.trust_remote_code, "output_loading_info": True}
    if torch_dtype is not None:
        kwargs["dtype"] = torch_dtype
    if allow_new_head and head.task_labels:
        kwargs["num_labels"] = len(task.labels)
    try:
        try:
            model, loading = auto.from_pretrained(info.path, attn_implementation="sdpa", **kwargs)
        except (ValueError, ImportError) as exc:
            if "sdpa" not in str(exc).lower() and "scaled_dot_product" not in str(exc).lower():
                raise ModelError(f"{info.id}: cannot build {auto_name} ({exc}).") from exc
            model, loading = auto.from_pretrained(info.path, **kwargs)  # architecture without SDPA support
    except ModelError:
        raise
    except Exception as exc:  # truncated or corrupt weights, refused pickles, shape mismatches
        raise ModelError(
            f"{info.id}: cannot load the weights in {info.path} ({type(exc).__name__}: {_first_line(exc)}). "
            "Check that the weight files are complete (an interrupted download?) and in safetensors format; "
            "pickled weights that need more than tensors are refused."
        ) from None
    missing = [k for k in loading.get("missing_keys", []) if not _IGNORABLE_MISSING.search(k)]
    if missing and not allow_new_head:
        raise _missing_head(info, task, architectures, missing)
    if allow_new_head and id2label is None and head.task_labels:
        id2label = dict(enumerate(task.labels))
    model.eval()
    loaded_info = replace(info, n_parameters=sum(p.numel() for p in model.parameters()), head=auto_name)
    return LoadedModel(model=model, tokenizer=load_tokenizer(info), info=loaded_info, family=family, id2label=id2label)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__)[:300]


def _missing_head(info: ModelInfo, task: TaskSpec, architectures: list[str], missing: list[str] | None = None) -> ModelError:
    can = scorable_tasks(architectures)
    detail = f" (weights absent from the checkpoint: {', '.join(missing[:4])}{'...' if len(missing) > 4 else ''})" if missing else ""
    return ModelError(
        f"{info.id}: this checkpoint ({', '.join(architectures) or 'no architectures in config.json'}) has no "
        f"{task.family.head.label} head, which task {task.name} needs{detail}. "
        f"It can score: {', '.join(can)}. Fine-tune it on {task.name} first, or pass a checkpoint that has the head."
    )
