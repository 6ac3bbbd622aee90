"""Adversarial subsets on disk: the attack's successes and the filtered hard items, written
beside the clean subset so that the scorer reads them like any other variant.

Why a module of its own: the search (:mod:`.search`) needs only a target; writing needs the
subset part's writer and index, which sit below the attack part.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import regex

from xtremer_robust import __version__
from xtremer_robust.attack.search import ATTACK_NAME, AttackTarget, attack_items, hard_items
from xtremer_robust.data.taskdata import TaskData
from xtremer_robust.subsets.builder import write_subset
from xtremer_robust.subsets.index import refresh_index

__all__ = ["model_slug", "write_adversarial_subsets"]


def model_slug(model: str) -> str:
    """A file-safe name for a model id: the folder name of a local path, else the id."""
    if "/" in model and Path(model).expanduser().is_dir():
        model = Path(model).name
    return regex.sub(r"[^a-z0-9_.\-]+", "_", model.lower()).strip("_") or "model"


def write_adversarial_subsets(out: Path, data: TaskData, target: AttackTarget, *, model: str, seed: int,
                              budget: float = 0.2, model_facts: dict[str, Any] | None = None,
                              refresh: bool = True) -> dict[str, dict[str, Any]]:
    """Attack and filter one set, write ``adv-<model>`` (successes) and ``hard-<model>`` subsets, refresh the index.

    Both subsets land beside the clean one (same folder layout and manifest fields), so the
    scorer reads them like any other variant; their ids are the clean ids they came from.
    ``model_facts`` (e.g. the weights sha256) go into both manifests.
    """
    report = attack_items(target, data.items, seed=seed, task=data.task, lang=data.language, budget=budget)
    hard, hard_stats = hard_items(target, data.items)
    common = {"seed": seed, "limit": None, "package_version": __version__, "suite_version": None, "model": model,
              "model_facts": dict(model_facts or {})}
    successes = report.successes()
    manifests = {
        "adv": write_subset(out, data, f"adv-{model_slug(model)}", successes, {
            **common, "recipe": ATTACK_NAME, "params": {"budget": budget}, "n": len(successes),
            "attack": report.summary(), "queries": {r.id: r.queries for r in report.results}}),
        "hard": write_subset(out, data, f"hard-{model_slug(model)}", hard, {
            **common, "recipe": "adversarial_filtering_zellers_2018", "params": {}, "n": len(hard),
            "filtering": hard_stats}),
    }
    if refresh:
        refresh_index(out)
    return manifests
