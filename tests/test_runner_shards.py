"""Sharding: a deterministic partition, merge = unsharded run, and torch.distributed with gloo."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.models import TINY_DATA, build_model
from xtremer_robust.errors import ConfigError
from xtremer_robust.runner import RunSettings, ScoreOptions, in_shard, merge_shards, parse_shard, plan_cells, score_cells
from xtremer_robust.tasks import get_task

LABELS = ["contradiction", "entailment", "neutral"]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_model(tmp_path_factory.mktemp("m") / "xnli", "pair_classification", labels=LABELS)


def test_parse_shard() -> None:
    assert parse_shard("1/4") == (1, 4) and parse_shard(None) is None
    for bad in ("4/4", "a/b", "1", "-1/2", "0/0"):
        with pytest.raises(ConfigError, match="--shard"):
            parse_shard(bad)


def test_shards_partition_every_id_exactly_once() -> None:
    ids = [f"item-{n}" for n in range(500)]
    owners = [[i for i in range(3) if in_shard(x, (i, 3))] for x in ids]
    assert all(len(o) == 1 for o in owners)
    sizes = [sum(o == [i] for o in owners) for i in range(3)]
    assert min(sizes) > 120  # balanced enough


def _score(model: Path, out: Path, cache: Path, shard=None):
    plans = plan_cells([get_task("xnli"), get_task("tatoeba")], langs=["sw"], data_dir=TINY_DATA)
    options = ScoreOptions(model_id=str(model), out=out, cache_path=cache, shard=shard, settings=RunSettings(device="cpu"), allow_new_head=False)
    return score_cells(plans, options)


def test_merged_shards_equal_the_unsharded_run(model: Path, tmp_path: Path) -> None:
    # A classification checkpoint also scores retrieval through its encoder.
    whole = _score(model, tmp_path / "whole", tmp_path / "c.sqlite")
    parts = [_score(model, tmp_path / f"s{i}", tmp_path / "c2.sqlite", shard=(i, 2)) for i in range(2)]
    assert sum(p.cells[0]["n"] for p in parts) == whole.cells[0]["n"]
    merged = json.loads(merge_shards([tmp_path / "s0", tmp_path / "s1"], tmp_path / "merged").read_text())
    for ours, theirs in zip(merged["cells"], whole.cells):
        assert ours["items_sha256"] == theirs["items_sha256"]
        assert ours["score"] == pytest.approx(theirs["score"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_torchrun_two_gloo_processes_equal_one(model: Path, tmp_path: Path) -> None:
    whole = _score(model, tmp_path / "whole", tmp_path / "c.sqlite")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", str(_free_port()),
        "-m", "xtremer_robust.runner.distributed", str(model), "--tasks", "xnli,tatoeba", "--langs", "sw",
        "--data-dir", str(TINY_DATA), "--out", str(tmp_path / "dist"), "--cache", str(tmp_path / "d.sqlite"),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    merged = json.loads((tmp_path / "dist" / "results.json").read_text())
    assert merged["harness"]["merged_from_shards"] == 2
    assert [c["items_sha256"] for c in merged["cells"]] == [c["items_sha256"] for c in whole.cells]
