"""``--dtype int8``: dynamic int8 linear layers on CPU, recorded as such, never mixed with fp32 in the cache."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from helpers.models import TINY_DATA, build_model
from xtremer_robust.errors import ConfigError
from xtremer_robust.models.info import ModelInfo
from xtremer_robust.runner import RunSettings, ScoreOptions, plan_cells, score_cells
from xtremer_robust.runner.engine import dtype_name, pick_dtype
from xtremer_robust.tasks import get_task

LABELS = ["contradiction", "entailment", "neutral"]


def _run(model: Path, out: Path, cache: Path, dtype: str):
    plans = plan_cells([get_task("xnli")], langs=["sw"], data_dir=TINY_DATA)
    options = ScoreOptions(model_id=str(model), out=out, cache_path=cache, settings=RunSettings(device="cpu", dtype=dtype))
    return score_cells(plans, options)


def test_int8_scores_records_its_dtype_and_keeps_its_own_cache(tmp_path: Path) -> None:
    import torch

    model = build_model(tmp_path / "model", "pair_classification", labels=LABELS)
    cache = tmp_path / "cache.sqlite"
    threads = torch.get_num_threads()
    fp32 = _run(model, tmp_path / "fp32", cache, "fp32")
    int8 = _run(model, tmp_path / "int8", cache, "int8")
    # The fp32 predictions were in the cache: int8 still computed every item itself.
    assert int8.harness["throughput_items_per_s"] is not None
    results = json.loads((tmp_path / "int8" / "results.json").read_text())
    assert results["model"]["dtype"] == "int8"
    assert json.loads((tmp_path / "fp32" / "results.json").read_text())["model"]["dtype"] == "float32"
    (cell,) = int8.cells
    rows = [json.loads(line) for line in (tmp_path / "int8" / cell["items_file"]).read_text().splitlines()]
    assert len(rows) == cell["n"] == fp32.cells[0]["n"] > 0
    assert all(row["prediction"] in LABELS for row in rows)
    # A second int8 run reads its own predictions back; a second fp32 run reads fp32 ones.
    assert _run(model, tmp_path / "int8b", cache, "int8").harness["throughput_items_per_s"] is None
    assert _run(model, tmp_path / "fp32b", cache, "fp32").harness["throughput_items_per_s"] is None
    # quantizing leaves the process's thread count alone, and results.json records the one used
    assert torch.get_num_threads() == threads
    assert results["harness"]["device"].endswith(f", {threads} threads)")


def test_cache_key_separates_reduced_precision_and_keeps_fp32() -> None:
    info = ModelInfo(id="m", revision=None, path="p", weights_sha256="w", tokenizer_sha256="t")
    plain = info.cache_key
    keys = {}
    for dtype in (None, "float32", "bfloat16", "float16", "int8"):
        keys[dtype] = replace(info, dtype=dtype).cache_key
    assert keys[None] == keys["float32"] == plain  # existing fp32 caches stay valid
    assert len({keys[d] for d in ("float32", "bfloat16", "float16", "int8")}) == 4


def test_int8_is_cpu_only() -> None:
    import torch

    assert pick_dtype("int8", "cpu") is torch.float32  # loaded in fp32, then quantized
    assert dtype_name("int8", torch.float32) == "int8" and dtype_name("fp32", torch.float32) == "float32"
    with pytest.raises(ConfigError, match="CPU only"):
        pick_dtype("int8", "cuda")
    with pytest.raises(ConfigError, match="int8"):
        pick_dtype("int4", "cpu")
