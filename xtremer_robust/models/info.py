"""What a resolved model is: where its files are, what they hash to, how to feed it."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import yaml

__all__ = ["ModelInfo", "Prefixes", "prefixes_for", "hash_weight_files", "hash_tokenizer_files", "training_summary", "load_training_metadata",
           "read_training_metadata", "read_trained_on", "trained_on", "TRAINING_METADATA"]

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".h5", ".msgpack")
TOKENIZER_FILES = (
    "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "vocab.json",
    "merges.txt", "sentencepiece.bpe.model", "spiece.model", "spm.model", "added_tokens.json",
)


@dataclass(frozen=True)
class Prefixes:
    """Strings prepended to retrieval inputs (E5 models need them; most models none)."""

    query: str = ""
    passage: str = ""
    symmetric: str = ""


@dataclass(frozen=True)
class ModelInfo:
    """The identity of a model as every results file records it.

    Frozen: one resolved model is shared by every head loaded from it and by the prediction
    cache keys; a step that learns more (the dtype run, the parameter count of a head) makes
    a new copy with ``dataclasses.replace``.
    """

    id: str
    revision: str | None
    path: str
    weights_sha256: str
    tokenizer_sha256: str
    #: True for the built-in model: its weights are 4-bit values expanded back to floats,
    #: not the original checkpoint. Every report prints this.
    quantized_4bit_expanded: bool = False
    prefixes: Prefixes = field(default_factory=Prefixes)
    trust_remote_code: bool = False
    n_parameters: int | None = None
    dtype: str | None = None
    head: str | None = None
    #: How ``train`` made this checkpoint (:func:`training_summary` of its metadata file), or None.
    training: Mapping[str, Any] | None = None
    #: (task, split) sets whose English items this checkpoint was trained on: their other
    #: languages are translations of training items, and scoring them would leak.
    trained_on: tuple[tuple[str, str], ...] = ()

    @property
    def cache_key(self) -> str:
        """Model part of every prediction-cache key: weights, tokenizer and the dtype run, not the name.

        fp32 (or an unset dtype) keeps the plain weights-and-tokenizer key; any other dtype
        (bf16, fp16, int8) is part of the key, because reduced precision changes predictions:
        an int8 or bf16 prediction is never read back as an fp32 one, nor the reverse.
        """
        base = f"{self.weights_sha256}:{self.tokenizer_sha256}"
        if self.dtype not in (None, "float32"):
            base += f":{self.dtype}"
        return hashlib.sha256(base.encode()).hexdigest()

    def to_results(self) -> dict[str, Any]:
        """The ``model`` object of results.json."""
        return {
            "id": self.id,
            "revision": self.revision,
            "weights_sha256": self.weights_sha256,
            "tokenizer_sha256": self.tokenizer_sha256,
            "n_parameters": self.n_parameters,
            "dtype": self.dtype,
            "quantized_4bit_expanded": self.quantized_4bit_expanded,
            "head": self.head,
            "prefixes": asdict(self.prefixes),
            **_training_fields(self.training),
        }


#: The metadata file ``xtremer-robust train`` writes into every folder it makes.
TRAINING_METADATA = "xtremer_robust_training.json"


def _training_fields(summary: Mapping[str, Any] | None) -> dict[str, Any]:
    if not summary:
        return {}
    return {
        "intermediate_task": {"name": summary.get("intermediate_task"), "steps": summary.get("intermediate_steps")},
        "seed": summary.get("seed"),
        "training": dict(summary),
    }


#: The blocks of a training metadata file that are JSON objects when present.
_METADATA_BLOCKS = ("intermediate", "target", "base", "augment", "hyperparameters", "libraries")


def load_training_metadata(folder: Path) -> dict[str, Any] | None:
    """The parsed metadata file of a folder ``train`` wrote (None: no such file), checked for shape.

    A file that is unreadable or the wrong shape is an error naming it, never silently dropped:
    what it says flows into results and submissions.
    """
    import json

    from xtremer_robust.errors import ModelError

    path = Path(folder) / TRAINING_METADATA
    if not path.is_file():
        return None
    fix = "restore it or delete the folder and train again"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise ModelError(f"{path}: the training metadata is unreadable ({exc}); {fix}") from None
    if not isinstance(meta, dict):
        raise ModelError(f"{path}: expected a JSON object of training metadata; {fix}")
    for key in _METADATA_BLOCKS:
        if meta.get(key) is not None and not isinstance(meta[key], dict):
            raise ModelError(f"{path}: '{key}' must be a JSON object, got {type(meta[key]).__name__}; {fix}")
    schedule = (meta.get("intermediate") or {}).get("schedule")
    if schedule is not None and not isinstance(schedule, dict):
        raise ModelError(f"{path}: 'intermediate.schedule' must be a JSON object; {fix}")
    files = (meta.get("target") or {}).get("files")
    if files is not None and not isinstance(files, list):
        raise ModelError(f"{path}: 'target.files' must be a list; {fix}")
    pairs = meta.get("trained_on")
    if pairs is not None and (not isinstance(pairs, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(v, str) for v in p) for p in pairs)):
        raise ModelError(f"{path}: 'trained_on' must be a list of [task, split] pairs of names; {fix}")
    return meta


def read_training_metadata(folder: Path) -> dict[str, Any] | None:
    """The training summary of a folder ``train`` wrote, None for any other checkpoint."""
    meta = load_training_metadata(folder)
    return None if meta is None else training_summary(meta)


def read_trained_on(folder: Path) -> tuple[tuple[str, str], ...]:
    """The (task, split) sets a folder ``train`` wrote was trained on (English side); () otherwise.

    The leakage guard reads this, so a damaged list is an error, not an empty one.
    """
    return trained_on(load_training_metadata(folder))


def trained_on(meta: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...]:
    """The (task, split) pairs of a metadata mapping :func:`load_training_metadata` checked."""
    return tuple((task, split) for task, split in (meta or {}).get("trained_on") or [])


def training_summary(meta: Mapping[str, Any]) -> dict[str, Any]:
    """The flat, JSON-scalar summary of a training metadata file that results and submissions carry."""
    inter = meta.get("intermediate") or {}
    target = meta.get("target") or {}
    base = meta.get("base") or {}
    augment = meta.get("augment") or {}
    hyper = meta.get("hyperparameters") or {}
    libraries = meta.get("libraries") or {}
    summary: dict[str, Any] = {
        "base_model": base.get("id"), "base_weights_sha256": base.get("weights_sha256"),
        "intermediate_task": inter.get("task"), "intermediate_steps": inter.get("steps", 0 if inter == {} else None),
        "intermediate_examples_seen": inter.get("examples_seen", 0 if inter == {} else None),
        "intermediate_schedule": (inter.get("schedule") or {}).get("type"),
        "target_task": target.get("task"), "target_training_set": target.get("training_set"),
        "target_steps": target.get("steps"), "target_examples_seen": target.get("examples_seen"),
        "seed": meta.get("seed"), "augment": augment.get("kind"), "augment_copies": augment.get("copies"),
        "arm": meta.get("arm"),
    }
    for key in ("target_lr", "intermediate_lr", "batch_size", "max_length", "freeze_embeddings", "freeze_layers"):
        summary[key] = hyper.get(key)
    for key in ("torch", "transformers", "xtremer_robust"):
        summary[f"{key}_version"] = libraries.get(key)
    data = target.get("files") or []
    summary["target_data_sha256"] = data[0].get("sha256") if data and isinstance(data[0], dict) else None
    return {k: v for k, v in summary.items() if isinstance(v, (str, int, float, bool)) or v is None}


@lru_cache(maxsize=1)
def _prefix_rules() -> list[dict[str, str]]:
    text = resources.files(__package__).joinpath("prefixes.yaml").read_text(encoding="utf-8")
    return list(yaml.safe_load(text) or [])


def prefixes_for(model_id: str) -> Prefixes:
    """The retrieval prefixes a model was trained with (empty for most models)."""
    for rule in _prefix_rules():
        if re.search(rule["pattern"], model_id, flags=re.IGNORECASE):
            return Prefixes(rule.get("query", ""), rule.get("passage", ""), rule.get("symmetric", ""))
    return Prefixes()


def _hash_files(files: list[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 22), b""):
                digest.update(chunk)
    return digest.hexdigest()


def hash_weight_files(folder: Path) -> str:
    """sha256 over every weight file of a checkpoint folder (names and bytes, sorted)."""
    files = [p for p in folder.iterdir() if p.is_file() and p.name.endswith(WEIGHT_SUFFIXES) and "training_args" not in p.name]
    return _hash_files(files, folder)


def hash_tokenizer_files(folder: Path) -> str:
    """sha256 over the tokenizer files of a checkpoint folder."""
    files = [folder / name for name in TOKENIZER_FILES if (folder / name).is_file()]
    return _hash_files(files, folder)
