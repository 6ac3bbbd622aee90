"""Benchmark: paired gap statistics for many cells (10,000 resamples x 5,010 items x 100 cells).

Usage (from the repository root):

    .venv/bin/python benchmarks/bench_stats.py                 # 100 accuracy cells, XNLI-sized
    .venv/bin/python benchmarks/bench_stats.py --metric f1     # seqeval-style ratio F1 cells
    .venv/bin/python benchmarks/bench_stats.py --cells 20 --resamples 2000

What is timed: ``paired_gaps`` on all cells, i.e. per cell the paired bootstrap (BCa
intervals of the gap and of both scores, jackknife), the test (exact McNemar for accuracy,
10,000-permutation test for F1) and the MDE. Cells of the same size share one index matrix
(what happens for all perturbations of an XNLI language, or all 15 languages at n = 5,010).

Baselines in the same run, on a few cells, doing the same interval work per cell:
* ``scipy.stats.bootstrap(paired=True, method="BCa", vectorized=True)`` on the gap;
* a straightforward numpy loop: fancy-index ``stats[idx]`` per cell, BCa from our interval code.
A third timing draws a separate index matrix per cell (``--independent``), i.e. without the
sharing, to show what the sharing buys.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scipy import stats as sps  # noqa: E402

from xtremer_robust.metrics.registry import get_metric  # noqa: E402
from xtremer_robust.stats import PairedCell, bootstrap_interval, paired_gaps  # noqa: E402
from xtremer_robust.stats.resampling import Condition, jackknife_scores  # noqa: E402


def make_cells(n_cells: int, n_items: int, metric_name: str, seed: int) -> list[PairedCell]:
    """Synthetic cells: clean accuracy ~0.8, about 10% of items flip; or per-sentence (tp, n_pred, n_gold)."""
    metric = get_metric("accuracy" if metric_name == "accuracy" else "f1")
    rng = np.random.default_rng(seed)
    cells = []
    for c in range(n_cells):
        if metric_name == "accuracy":
            clean = (rng.random(n_items) < 0.8).astype(float)
            pert = np.where(rng.random(n_items) < 0.1, 1.0 - clean, clean)
            cells.append(PairedCell(f"cell{c}", clean[:, None], pert[:, None], metric, clean != pert))
        else:
            tp = rng.integers(0, 4, n_items)
            n_pred, n_gold = tp + rng.integers(0, 2, n_items), tp + rng.integers(0, 2, n_items)
            lost = np.minimum(tp, rng.integers(0, 2, n_items))
            clean = np.c_[tp, n_pred, n_gold].astype(float)
            pert = np.c_[tp - lost, n_pred, n_gold].astype(float)
            cells.append(PairedCell(f"cell{c}", clean, pert, metric, lost > 0))
    return cells


def naive_cell(cell: PairedCell, n_resamples: int, seed: int) -> tuple[float, float]:
    """Per-cell fancy indexing, chunked like ours so memory is equal; BCa from the same interval code."""
    rng = np.random.default_rng(seed)
    n = cell.stats_clean.shape[0]
    boot = np.empty(n_resamples)
    for start in range(0, n_resamples, 500):
        idx = rng.integers(0, n, (min(500, n_resamples - start), n))
        boot[start : start + idx.shape[0]] = cell.metric.aggregate(cell.stats_clean[idx]) - cell.metric.aggregate(cell.stats_perturbed[idx])
    jack = jackknife_scores(Condition(cell.stats_clean, cell.metric)) - jackknife_scores(Condition(cell.stats_perturbed, cell.metric))
    gap = cell.metric.score(cell.stats_clean) - cell.metric.score(cell.stats_perturbed)
    iv = bootstrap_interval(gap, boot, jack)
    return iv.low, iv.high


def scipy_cell(cell: PairedCell, n_resamples: int, seed: int) -> tuple[float, float]:
    k = cell.stats_clean.shape[1]
    metric = cell.metric

    def gap(*cols: np.ndarray, axis: int) -> np.ndarray:
        return metric.aggregate(np.stack(cols[:k], axis=-1)) - metric.aggregate(np.stack(cols[k:], axis=-1))

    res = sps.bootstrap(
        tuple(cell.stats_clean.T) + tuple(cell.stats_perturbed.T), gap, paired=True, vectorized=True,
        method="BCa", n_resamples=n_resamples, rng=seed, batch=500,
    )
    return res.confidence_interval.low, res.confidence_interval.high


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cells", type=int, default=100)
    parser.add_argument("--items", type=int, default=5010)
    parser.add_argument("--resamples", type=int, default=10_000)
    parser.add_argument("--permutations", type=int, default=10_000)
    parser.add_argument("--metric", choices=("accuracy", "f1"), default="accuracy")
    parser.add_argument("--baseline-cells", type=int, default=2, help="cells timed with each baseline (they are slow)")
    parser.add_argument("--independent", type=int, default=5, help="cells timed with one index matrix each (no sharing)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    cells = make_cells(args.cells, args.items, args.metric, args.seed)
    print(f"{args.cells} cells x {args.items} items x {args.resamples} paired resamples, metric {args.metric}; "
          f"{os.cpu_count()} CPUs visible, load average {os.getloadavg()[0]:.2f}")

    t0, c0 = time.perf_counter(), time.process_time()
    results = paired_gaps(cells, n_resamples=args.resamples, n_permutations=args.permutations, seed=args.seed)
    ours, cpu = time.perf_counter() - t0, time.process_time() - c0
    per_cell = ours / args.cells
    print(f"paired_gaps (shared index matrix):   {ours:8.2f} s total, {1000 * per_cell:8.1f} ms per cell "
          f"(intervals: {sorted({r.method for r in results})}, test: {sorted({r.test for r in results})})")
    print(f"  CPU time of this process over all its threads: {cpu:.2f} s (wall time above includes waiting for a shared CPU)")

    t0 = time.perf_counter()
    for i, cell in enumerate(cells[: args.independent]):
        paired_gaps([cell], n_resamples=args.resamples, n_permutations=args.permutations, seed=args.seed + 1 + i)
    indep = (time.perf_counter() - t0) / max(1, args.independent)
    print(f"paired_gaps (own matrix per cell):    {1000 * indep:8.1f} ms per cell, over {args.independent} cells")

    t0 = time.perf_counter()
    for cell in cells[: args.baseline_cells]:
        naive_cell(cell, args.resamples, args.seed)
    naive = (time.perf_counter() - t0) / args.baseline_cells
    print(f"naive numpy fancy indexing, BCa only: {1000 * naive:8.1f} ms per cell, over {args.baseline_cells} cells")

    t0 = time.perf_counter()
    for cell in cells[: args.baseline_cells]:
        low, high = scipy_cell(cell, args.resamples, args.seed)
    sp = (time.perf_counter() - t0) / args.baseline_cells
    print(f"scipy.stats.bootstrap BCa, gap only:  {1000 * sp:8.1f} ms per cell, over {args.baseline_cells} cells")
    r0 = paired_gaps([cells[args.baseline_cells - 1]], n_resamples=args.resamples, n_permutations=10, seed=args.seed)[0]
    print(f"same cell, ours vs scipy: [{r0.ci_low:.6f}, {r0.ci_high:.6f}] vs [{low:.6f}, {high:.6f}]")
    print(f"speed-up per cell: {naive / per_cell:.1f}x over the naive loop, {sp / per_cell:.1f}x over scipy "
          f"({indep / per_cell:.1f}x from sharing the index matrix)")


if __name__ == "__main__":
    main()
