"""Adversarial subsets for every chosen (task, language) set: what ``build-subsets --attack MODEL`` runs.

The model is resolved once and loaded with the head of each task (tasks it has no head for,
and retrieval, are reported and skipped); each set is sampled exactly like the suite build
(``--limit``, seeded by item id) and attacked through the scoring runner's prediction cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from xtremer_robust.attack.runner_target import RunnerTarget
from xtremer_robust.attack.write import model_slug, write_adversarial_subsets
from xtremer_robust.errors import DataUnavailableError, ModelError
from xtremer_robust.models import load_model, resolve_model
from xtremer_robust.runner import PredictionCache, RunSettings
from xtremer_robust.runner.score import default_cache_path
from xtremer_robust.subsets.build import plan_sets
from xtremer_robust.subsets.engine import SetSource
from xtremer_robust.subsets.index import refresh_index
from xtremer_robust.data.sampling import SAMPLE_SEED, sample_ids
from xtremer_robust.tasks import TaskSpec

__all__ = ["AttackBuildReport", "build_adversarial"]


@dataclass
class AttackBuildReport:
    """Per set: the attack summary; per skipped task or set: why."""

    summaries: dict[str, dict[str, Any]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def build_adversarial(
    out: Path, *, model_id: str, tasks: Sequence[TaskSpec], langs: Sequence[str] | None, source: SetSource,
    seed: int, limit: int | None, budget: float = 0.2, device: str = "cpu", cache_path: Path | None = None,
) -> AttackBuildReport:
    """Write ``adv-<model>`` and ``hard-<model>`` subsets for every available set of ``tasks``."""
    report = AttackBuildReport()
    info = resolve_model(model_id)
    facts = {"weights_sha256": info.weights_sha256, "tokenizer_sha256": info.tokenizer_sha256,
             "revision": info.revision}
    sets, missing = plan_sets(tasks, langs, source)
    for m in missing:
        report.skipped[f"{m.task}/{m.language}/{m.split}"] = m.reason
    with PredictionCache(cache_path or default_cache_path()) as cache:
        for spec in tasks:
            if not spec.family.attackable:
                report.skipped[spec.name] = f"{spec.family.name} has no per-item prediction to flip"
                continue
            chosen = [(t, lang, split) for t, lang, split in sets if t == spec.name]
            if not chosen:
                continue
            try:
                loaded = load_model(info, spec)
            except ModelError as exc:
                report.skipped[spec.name] = str(exc)
                continue
            target = RunnerTarget(loaded, cache=cache, settings=RunSettings(device=device), device=device)
            for task, lang, split in chosen:
                try:
                    data = source.load(task, lang, split)
                except DataUnavailableError as exc:
                    report.skipped[f"{task}/{lang}/{split}"] = str(exc)
                    continue
                keep = set(sample_ids([i.id for i in data.items], limit, seed=SAMPLE_SEED, task=task))
                data = type(data)(data.task, data.language, data.split, data.family,
                                  tuple(i for i in data.items if i.id in keep), data.candidates, data.sources)
                manifests = write_adversarial_subsets(out, data, target, model=model_slug(model_id), seed=seed,
                                                      budget=budget, model_facts=facts, refresh=False)
                report.summaries[f"{task}/{lang}/{split}"] = manifests["adv"]["attack"]
    refresh_index(out)
    return report
