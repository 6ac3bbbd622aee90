"""A fake score run (results.json + items) for the report tests: four metric shapes, seeded (no tests here)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

FAKE_TASKS = {
    "xnli": ("accuracy", ["correct"], ["en", "sw", "ur"]),
    "tatoeba": ("top1", ["hit"], ["de", "jv"]),
    "xquad": ("em_f1", ["em", "f1"], ["de", "th"]),
    "panx": ("f1", ["tp", "n_pred", "n_gold"], ["en", "yo"]),
}


def _item_stats(rng: np.random.Generator, stat_names: list[str], quality: float) -> tuple[list[float], object]:
    if stat_names == ["em", "f1"]:
        f1 = float(np.clip(rng.normal(quality, 0.2), 0, 1))
        return [1.0 if f1 > 0.95 else 0.0, f1], "answer text"
    if stat_names == ["tp", "n_pred", "n_gold"]:
        gold = int(rng.integers(1, 4))
        pred = int(rng.integers(0, 4))
        tp = int(min(gold, pred, rng.binomial(gold, quality)))
        return [float(tp), float(pred), float(gold)], ["B-PER"] * pred
    correct = float(rng.random() < quality)
    return [correct], int(correct)


def make_score_run(root: Path, *, seed: int = 0, n_items: int = 60, quality_drop: float = 0.15,
                   model_id: str = "fake/model") -> Path:
    """Write ``root/results.json`` and the items files; returns ``root``."""
    rng = np.random.default_rng(seed)
    cells = []
    for task, (metric, names, langs) in FAKE_TASKS.items():
        for lang in langs:
            for variant, quality in (("clean", 0.8), ("char_swap", 0.8 - quality_drop)):
                rel = f"items/{task}/{lang}/test/{variant}.jsonl"
                lines, rows = [], []
                for i in range(n_items):
                    stats, pred = _item_stats(rng, names, quality)
                    rows.append(stats)
                    lines.append(json.dumps({"id": f"{task}-{i}", "content_hash": hashlib.sha256(f"{task}{lang}{variant}{i}".encode()).hexdigest(),
                                             "prediction": pred, "stats": stats}))
                path = root / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                data = ("\n".join(lines) + "\n").encode()
                path.write_bytes(data)
                arr = np.asarray(rows)
                if names == ["tp", "n_pred", "n_gold"]:
                    s = arr.sum(0)
                    score = 2 * s[0] / (s[1] + s[2])
                else:
                    score = arr[:, -1].mean()
                cells.append({"task": task, "language": lang, "split": "test", "variant": variant, "metric": metric,
                              "score": float(score), "n": n_items, "subset_sha256": hashlib.sha256(data).hexdigest(),
                              "stat_names": names, "items_file": rel, "items_sha256": hashlib.sha256(data).hexdigest()})
    results = {
        "schema": "xtremer-robust/results/v1",
        "model": {"id": model_id, "revision": "main", "weights_sha256": "a" * 64, "tokenizer_sha256": "b" * 64,
                  "n_parameters": 117_000_000, "dtype": "float32", "quantized_4bit_expanded": False, "head": "encoder"},
        "harness": {"version": "0.1.0", "git_commit": "abcdef1", "libraries": {"torch": "2.13.0"}, "device": "cpu",
                    "batch_size": 32, "throughput_items_per_s": 100.0},
        "cells": cells,
    }
    (root / "results.json").write_text(json.dumps(results))
    return root
