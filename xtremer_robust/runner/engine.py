"""The batched forward loop every family shares: tokenize once, sort, pad per batch.

Why it is fast (compared with XTREME's reference loop, which pads every input to 128 and
runs batches of 8 in file order): features are sorted by length so each batch pads only to
its own longest member; the batch is sized by a token budget, so short inputs travel in
large batches; everything runs under ``torch.inference_mode``; on GPU the weights are
bf16/fp16 and attention is SDPA. With ``batch_size="auto"`` the budget halves whenever a
batch runs out of memory and the batch is retried, so one setting works on any card.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from xtremer_robust.errors import ConfigError
from xtremer_robust.families.features import Feature

__all__ = ["Feature", "RunSettings", "pick_device", "pick_dtype", "dtype_name", "quantize_int8", "run_features", "collate", "plan_batches"]


@dataclass
class RunSettings:
    """How to run a model: device, dtype, batch size (``"auto"`` or a number), compile."""

    device: str = "auto"
    dtype: str = "auto"
    batch_size: str | int = "auto"
    compile: bool = False
    #: Token budget per batch under "auto" (halved on out-of-memory). On CPU, 2,048 measured
    #: fastest (docs/scoring.md, Speed): larger batches cost more per token (cache misses)
    #: and pad more; GPUs gain from much larger ones.
    cpu_token_budget: int = 2048
    gpu_token_budget: int = 131072
    max_batch_items: int = 512
    stats: dict[str, Any] = field(default_factory=dict)

    def token_budget(self, device: str) -> int:
        return self.gpu_token_budget if device.startswith("cuda") else self.cpu_token_budget


def pick_device(requested: str = "auto") -> str:
    """``auto`` is the first CUDA GPU when there is one, else the CPU."""
    import torch

    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"--device: '{requested}' asked for, but torch sees no CUDA GPU here. Use --device cpu.")
    return requested


def pick_dtype(requested: str, device: str) -> Any:
    """The dtype to load weights in. ``auto``: bf16 on GPUs that support it, else fp16 on GPU,
    fp32 on CPU (bf16 matmuls are slow on most CPUs). ``int8`` loads fp32 weights, which
    :func:`quantize_int8` then converts (CPU only)."""
    import torch

    names = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16, "int8": torch.float32}
    if requested == "auto":
        if device.startswith("cuda"):
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32
    if requested not in names:
        raise ConfigError(f"--dtype: expected one of auto, fp32, bf16, fp16, int8; got '{requested}'.")
    if requested == "fp16" and device == "cpu":
        raise ConfigError("--dtype fp16 is not supported on CPU; use fp32, bf16 or int8.")
    if requested == "int8" and device != "cpu":
        raise ConfigError(f"--dtype int8 (dynamic int8 quantization of the linear layers) runs on CPU only; on '{device}' use bf16 or fp16.")
    return names[requested]


def dtype_name(requested: str, torch_dtype: Any) -> str:
    """What results.json records as ``model.dtype`` (and the cache key includes): ``int8`` or the torch dtype."""
    return "int8" if requested == "int8" else str(torch_dtype).removeprefix("torch.")


def quantize_int8(model: Any) -> Any:
    """Dynamic int8 quantization of every ``nn.Linear``; embeddings, layer norms and attention stay fp32. CPU only.

    Weights are int8 per output channel (closer to fp32 than one scale per matrix at the
    same speed: 90% against 83% argmax agreement on the benchmark); activations are
    quantized on the fly with one scale per batch tensor, so a prediction can depend
    slightly on which items share its batch.
    """
    import warnings

    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8)


def _pad_to(values: list[list[int]], width: int, pad: int) -> list[list[int]]:
    return [row + [pad] * (width - len(row)) for row in values]


def collate(features: Sequence[Feature], pad_id: int, device: str) -> dict[str, Any]:
    """Pad a batch to its own longest member (2-D for one text per item, 3-D for choices)."""
    import torch

    width = max(f.length for f in features)
    batch: dict[str, Any] = {}
    for key in features[0].inputs:
        pad = pad_id if key == "input_ids" else 0
        first = features[0].inputs[key]
        if first and isinstance(first[0], list):  # multiple choice: (choices, tokens)
            rows = [_pad_to(f.inputs[key], width, pad) for f in features]
        else:
            rows = _pad_to([f.inputs[key] for f in features], width, pad)
        batch[key] = torch.tensor(rows, dtype=torch.long, device=device)
    return batch


def plan_batches(lengths: Sequence[int], budget: int, max_items: int, fixed: int | None) -> list[list[int]]:
    """Batches of feature indices, longest first: a fixed size, or as many as fit ``budget`` tokens."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        if current:
            width = lengths[current[0]]  # sorted descending: the first is the widest
            full = len(current) >= fixed if fixed else (len(current) + 1) * width > budget or len(current) >= max_items
            if full:
                batches.append(current)
                current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


def _is_oom(exc: BaseException) -> bool:
    import torch

    return isinstance(exc, torch.cuda.OutOfMemoryError) or "out of memory" in str(exc).lower()


def run_features(
    model: Any,
    features: Sequence[Feature],
    *,
    forward: Callable[[Any, dict[str, Any]], list[np.ndarray]],
    on_batch: Callable[[list[int], list[np.ndarray]], None],
    pad_id: int,
    device: str,
    settings: RunSettings,
    advance: Callable[[int], None] | None = None,
) -> None:
    """Run ``forward`` over all features in length-sorted batches; hand each batch's outputs to ``on_batch``.

    ``forward`` returns one numpy array per feature of the batch. With ``batch_size="auto"``
    an out-of-memory error halves the token budget and retries the remaining work.
    """
    import torch

    if not features:
        return
    fixed = None if settings.batch_size == "auto" else int(settings.batch_size)
    budget = settings.token_budget(device)
    lengths = [f.length * (len(f.inputs["input_ids"]) if f.inputs["input_ids"] and isinstance(f.inputs["input_ids"][0], list) else 1) for f in features]
    pending = plan_batches(lengths, budget, settings.max_batch_items, fixed)
    largest = 0
    with torch.inference_mode():
        while pending:
            batch_ids = pending.pop(0)
            batch = collate([features[i] for i in batch_ids], pad_id, device)
            try:
                outputs = forward(model, batch)
            except RuntimeError as exc:
                if fixed is not None or not _is_oom(exc) or len(batch_ids) == 1:
                    raise
                if device.startswith("cuda"):
                    torch.cuda.empty_cache()
                budget = max(1, budget // 2)
                rest = [i for b in [batch_ids, *pending] for i in b]
                pending = plan_batches([lengths[i] for i in rest], budget, settings.max_batch_items, None)
                pending = [[rest[j] for j in b] for b in pending]
                continue
            largest = max(largest, len(batch_ids))
            on_batch(batch_ids, outputs)
            if advance is not None:
                advance(len(batch_ids))
    settings.stats["largest_batch"] = max(largest, settings.stats.get("largest_batch", 0))
    settings.stats["token_budget"] = budget if fixed is None else None
