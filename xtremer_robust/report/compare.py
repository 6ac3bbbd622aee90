"""``compare A B``: two submissions, paired item by item through their sidecars.

Items are joined on (id, content hash), so only items that both models saw with exactly
the same text count; a subset rebuilt differently shows up as fewer shared items, never as
a silent mismatch. Per cell: score of B minus score of A with a paired-bootstrap interval
and McNemar (0/1 items) or a paired permutation test, both from the statistics part. Per
perturbed variant: gap of B minus gap of A on items present in all four (clean and perturbed, A and B), resampled with one
index matrix for all four arrays (:func:`xtremer_robust.stats.difference_of_gaps`); its test
swaps the models' labels per item. Holm and BH adjust each family (score differences, gap
differences) separately.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from xtremer_robust.errors import SchemaError
from xtremer_robust.schema import CLEAN
from xtremer_robust.report.safe_json import iter_jsonl_gz, safe_relative_path
from xtremer_robust.report.scoring import metric_for_cell
from xtremer_robust.report.validate import load_submission
from xtremer_robust.stats import PairedCell, benjamini_hochberg, difference_of_gaps, holm, paired_gaps

__all__ = ["compare_submissions", "read_sidecar"]

ItemKey = tuple[str, str]  # (id, content_hash)
CellKey = tuple[str, str, str, str]


def read_sidecar(doc: dict[str, Any], folder: Path) -> dict[CellKey, dict[ItemKey, list[float]]]:
    """Per-item statistics of a (validated) submission, by cell and (id, content hash)."""
    path = safe_relative_path(folder, doc["items"]["path"], field="items.path")
    cells: dict[CellKey, dict[ItemKey, list[float]]] = {}
    for _, obj in iter_jsonl_gz(path):
        key = (obj["task"], obj["language"], obj["split"], obj["variant"])
        cells.setdefault(key, {})[(str(obj["id"]), str(obj.get("content_hash") or ""))] = obj["stats"]
    return cells


def _adjust(rows: list[dict[str, Any]]) -> None:
    if rows:
        raw = np.array([r["p_value"] for r in rows])
        for row, p_holm, p_bh in zip(rows, holm(raw), benjamini_hochberg(raw)):
            row["p_holm"], row["p_bh"] = float(p_holm), float(p_bh)


def compare_submissions(
    a_path: str | Path, b_path: str | Path, *, n_resamples: int = 10_000, seed: int = 0, ci_level: float = 0.95
) -> dict[str, Any]:
    """Paired comparison of submission B against A (differences are B minus A)."""
    docs, items = [], []
    for path in (Path(a_path), Path(b_path)):
        doc, _ = load_submission(path)
        docs.append(doc)
        items.append(read_sidecar(doc, path.parent))
    metrics = {(c["task"], c["language"], c["split"], c["variant"]): c for c in docs[0]["cells"]}
    metrics_b = {(c["task"], c["language"], c["split"], c["variant"]): c for c in docs[1]["cells"]}
    shared_cells = sorted(set(items[0]) & set(items[1]) & set(metrics) & set(metrics_b))
    for key in shared_cells:
        if (metrics[key]["metric"], metrics[key]["stat_names"]) != (metrics_b[key]["metric"], metrics_b[key]["stat_names"]):
            raise SchemaError(
                f"cell {'/'.join(key)}: A scores it with {metrics[key]['metric']}, B with {metrics_b[key]['metric']}; "
                "only cells scored with the same metric can be paired"
            )
    if not shared_cells:
        raise SchemaError(f"{a_path} and {b_path} share no (task, language, split, variant) cell; nothing to compare")

    # Score differences: model A plays "clean", model B "perturbed" in the statistics part's
    # paired gap (A - B), so B - A is its negative, with the interval mirrored.
    keys, cells = [], []
    for key in shared_cells:
        metric = metric_for_cell(metrics[key]["metric"], metrics[key]["stat_names"], key[1])
        shared = sorted(set(items[0][key]) & set(items[1][key]))
        if shared:
            a = np.asarray([items[0][key][k] for k in shared], dtype=np.float64)
            b = np.asarray([items[1][key][k] for k in shared], dtype=np.float64)
            keys.append(key)
            cells.append(PairedCell("/".join(key), a, b, metric))
    results = paired_gaps(cells, n_resamples=n_resamples, seed=seed, n_permutations=n_resamples, confidence=ci_level) if cells else []
    score_rows: list[dict[str, Any]] = []
    for key, result in zip(keys, results):
        diff = -result.gap
        score_rows.append({
            "task": key[0], "language": key[1], "split": key[2], "variant": key[3], "metric": result.metric,
            "n_shared": result.n, "n_a": len(items[0][key]), "n_b": len(items[1][key]),
            "score_a": result.clean_score, "score_b": result.perturbed_score, "difference": diff,
            "ci_low": min(-result.ci_high, diff), "ci_high": max(-result.ci_low, diff), "ci_method": result.method,
            "test": result.test, "p_value": result.p_value,
        })

    gap_rows: list[dict[str, Any]] = []
    for key in shared_cells:
        clean_key = (key[0], key[1], key[2], CLEAN)
        if key[3] == CLEAN or clean_key not in shared_cells:
            continue
        metric = metric_for_cell(metrics[key]["metric"], metrics[key]["stat_names"], key[1])
        clean_ids = {k[0]: k for k in set(items[0][clean_key]) & set(items[1][clean_key])}
        pert_ids = {k[0]: k for k in set(items[0][key]) & set(items[1][key])}
        ids = sorted(set(clean_ids) & set(pert_ids))
        if not ids:
            continue
        arrays = [
            np.asarray([items[side][ck][keys[i]] for i in ids], dtype=np.float64)
            for side in (0, 1)
            for ck, keys in ((clean_key, clean_ids), (key, pert_ids))
        ]
        # The statistics part computes gap A - gap B; B - A is its negative, interval mirrored.
        result = difference_of_gaps(
            *arrays, metric, label="/".join(key), n_resamples=n_resamples, seed=seed,
            n_permutations=n_resamples, confidence=ci_level,
        )
        diff = -result.difference
        gap_rows.append({
            "task": key[0], "language": key[1], "split": key[2], "variant": key[3], "metric": metrics[key]["metric"],
            "n_shared": len(ids), "gap_a": result.gap_a, "gap_b": result.gap_b, "difference": diff,
            "ci_low": min(-result.ci_high, diff), "ci_high": max(-result.ci_low, diff), "ci_method": result.method,
            "test": result.test, "p_value": result.p_value,
        })
    _adjust(score_rows)
    _adjust(gap_rows)
    return {
        "a": {"path": str(a_path), "model": docs[0]["model"]["id"]},
        "b": {"path": str(b_path), "model": docs[1]["model"]["id"]},
        "direction": "B minus A",
        "statistics": {"n_resamples": n_resamples, "seed": seed, "ci_level": ci_level,
                       "join": "items joined on (id, content_hash)",
                       "ci_method": "paired bootstrap over shared items, BCa (percentile fallback)"},
        "scores": score_rows,
        "gaps": gap_rows,
    }
