"""What a resolved model is: where its files are, what they hash to, how to feed it."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

__all__ = ["ModelInfo", "Prefixes", "prefixes_for", "hash_weight_files", "hash_tokenizer_files"]

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
        }


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
