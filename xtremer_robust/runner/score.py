"""Score a model on cells of (task, language, split, variant): the library behind ``score``.

Order of work: resolve the model and load every head the cells need BEFORE any scoring
(a missing head or a label mismatch stops the run before anything is written); then, cell
by cell, predict (cache first), compute per-item statistics with the task's metric, and
write the cell's item file atomically; ``results.json`` is written last, so its presence
means the run finished. A killed run leaves finished cells and the prediction cache; the
same command resumes from there and writes identical results.
"""

from __future__ import annotations

import platform
import subprocess
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, Sequence

from xtremer_robust.errors import ConfigError, DataError, DataUnavailableError, ModelError
from xtremer_robust import __version__
from xtremer_robust.families.records import content_hash
from xtremer_robust.metrics import metric_for_task
from xtremer_robust.models import HeadKey, LoadedModel, ModelInfo, load_model, resolve_model
from xtremer_robust.models.paths import cache_root
from xtremer_robust.runner.cache import PredictionCache
from xtremer_robust.runner.cells import CellPlan
from xtremer_robust.runner.engine import RunSettings, dtype_name, pick_device, pick_dtype, quantize_int8
from xtremer_robust.runner.outputs import items_relpath, write_items, write_results
from xtremer_robust.runner.predict import predict_items
from xtremer_robust.runner.retrieval import predict_retrieval
from xtremer_robust.runner.shards import Shard, in_shard
from xtremer_robust.data.sampling import SAMPLE_SEED, sample_ids

__all__ = ["ScoreOptions", "RunResult", "Reporter", "score_cells", "harness_info", "default_cache_path"]


class Reporter(Protocol):
    """Progress hooks (the CLI draws rich bars; the library stays silent by default)."""

    def start(self, n_cells: int) -> None: ...
    def cell(self, plan: CellPlan, n_items: int) -> None: ...
    def advance(self, n: int) -> None: ...
    def note(self, message: str) -> None: ...


class _Silent:
    def start(self, n_cells: int) -> None: ...
    def cell(self, plan: CellPlan, n_items: int) -> None: ...
    def advance(self, n: int) -> None: ...
    def note(self, message: str) -> None: ...


@dataclass
class ScoreOptions:
    """Everything that shapes a run besides the cells."""

    model_id: str
    out: Path
    revision: str | None = None
    trust_remote_code: bool = False
    settings: RunSettings = field(default_factory=RunSettings)
    limit: int | None = None
    shard: Shard | None = None
    cache_path: Path | None = None
    #: False when the user did not name the tasks: tasks the model has no head for are skipped.
    explicit_tasks: bool = True
    #: Benchmarks only: accept a randomly initialised head.
    allow_new_head: bool = False


@dataclass
class RunResult:
    results_path: Path
    model: ModelInfo
    cells: list[dict[str, Any]]
    skipped: list[dict[str, str]]
    harness: dict[str, Any]


def default_cache_path() -> Path:
    return cache_root() / "predictions.sqlite"


def _git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def harness_info(device: str, settings: RunSettings, throughput: float | None) -> dict[str, Any]:
    """The ``harness`` object of results.json: code and library versions, device, batching."""
    from importlib.metadata import PackageNotFoundError, version

    import torch

    libraries = {}
    for name in ("torch", "transformers", "tokenizers", "numpy", "huggingface-hub", "accelerate"):
        try:
            libraries[name] = version(name)
        except PackageNotFoundError:
            libraries[name] = None
    described = torch.cuda.get_device_name(0) if device.startswith("cuda") else f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"
    return {
        "version": __version__,
        "git_commit": _git_commit(),
        "libraries": libraries,
        "device": described,
        "batch_size": settings.batch_size,
        "token_budget": settings.stats.get("token_budget"),
        "largest_batch": settings.stats.get("largest_batch"),
        "compile": settings.compile,
        "throughput_items_per_s": throughput,
    }


def _load_heads(plans: Sequence[CellPlan], info: ModelInfo, options: ScoreOptions, torch_dtype: Any, device: str, reporter: Reporter) -> tuple[dict[HeadKey, LoadedModel], list[dict[str, str]]]:
    """Load one model per head the cells need (one per family, or per task for task-specific
    heads); refuse (or, for implicit task lists, skip) misfits."""
    import torch

    loaded: dict[HeadKey, LoadedModel] = {}
    skipped: list[dict[str, str]] = []
    seen: set[str] = set()
    for plan in plans:
        key = HeadKey.for_task(plan.task)
        if plan.task.name in seen or key in loaded:
            continue
        seen.add(plan.task.name)
        try:
            model = load_model(info, plan.task, torch_dtype=torch_dtype, allow_new_head=options.allow_new_head)
        except ModelError as exc:
            if options.explicit_tasks:
                raise
            skipped.append({"task": plan.task.name, "reason": str(exc)})
            reporter.note(f"skipping {plan.task.name}: the model has no head for it")
            continue
        model.model.to(device)
        if options.settings.dtype == "int8":
            model.model = quantize_int8(model.model)
        if options.settings.compile:
            model.model = torch.compile(model.model, dynamic=True)
        loaded[key] = model
    return loaded, skipped


def _run_info(info: ModelInfo, loaded: dict[HeadKey, LoadedModel]) -> ModelInfo:
    """The model as results.json records it: every head class loaded, the last head's size."""
    heads = ",".join(sorted({m.family.head.auto_class for m in loaded.values()}))
    sizes = [m.info.n_parameters for m in loaded.values() if m.info.n_parameters is not None]
    return replace(info, head=heads or None, n_parameters=sizes[-1] if sizes else info.n_parameters)


def _model_for(loaded: dict[HeadKey, LoadedModel], plan: CellPlan) -> LoadedModel | None:
    return loaded.get(HeadKey.for_task(plan.task))


def check_leakage(info: ModelInfo, plans: Sequence[CellPlan]) -> None:
    """Refuse, before any work, to score translations of the items a checkpoint was trained on.

    ``train`` records the English sets it trained on (XNLI and PAWS-X dev, COPA validation);
    the same split in another language holds their translations, so a score there is not
    zero-shot. Other splits (XNLI test after XNLI dev) are different items.
    """
    trained = set(info.trained_on)
    for plan in plans:
        if (plan.task.name, plan.split) in trained and plan.language != "en":
            raise ConfigError(
                f"{info.id}: it was trained on the English {plan.task.name} {plan.split} set, and {plan.task.name} "
                f"{plan.split} in {plan.language} holds translations of those items (leakage). Score the "
                f"{plan.task.name} {plan.task.eval_split} split instead (--split {plan.task.eval_split})."
            )


def score_cells(plans: Sequence[CellPlan], options: ScoreOptions, reporter: Reporter | None = None) -> RunResult:
    """Score every cell of ``plans``; write items files and results.json under ``options.out``.

    The XTREME leaderboard layout of the clean cells is the report part's job
    (:func:`xtremer_robust.report.run_layout.write_run_layout`), from the records returned here.
    """
    reporter = reporter or _Silent()
    if not plans:
        raise DataError("nothing to score: no (task, language) set matched --tasks/--langs in this source")
    info = resolve_model(options.model_id, revision=options.revision, trust_remote_code=options.trust_remote_code)
    check_leakage(info, plans)
    device = pick_device(options.settings.device)
    torch_dtype = pick_dtype(options.settings.dtype, device)
    info = replace(info, dtype=dtype_name(options.settings.dtype, torch_dtype))
    loaded, skipped = _load_heads(plans, info, options, torch_dtype, device, reporter)
    info = _run_info(info, loaded)
    plans = [p for p in plans if _model_for(loaded, p) is not None]
    if not plans:
        raise ModelError(f"{info.id}: it has no head for any requested task. " + " ".join(s["reason"] for s in skipped[:1]))
    out = Path(options.out)
    cells: list[dict[str, Any]] = []
    unlabelled: list[dict[str, Any]] = []  # sets without gold labels: predictions only, no score
    computed, compute_seconds = 0, 0.0
    reporter.start(len(plans))
    with PredictionCache(options.cache_path or default_cache_path()) as cache:
        for plan in plans:
            model = _model_for(loaded, plan)
            try:
                data, subset_sha = plan.load()
            except DataUnavailableError as exc:
                skipped.append({"task": plan.task.name, "language": plan.language, "reason": str(exc)})
                reporter.note(f"skipping {plan.task.name}/{plan.language}: not available from this source")
                continue
            if not data.items:
                raise DataError(f"{plan.task.name}/{plan.language}/{plan.split}/{plan.variant}: the set is empty; rebuild the subset or check the data file")
            positions = _limited_positions(data.items, options.limit, plan.task.name)
            positions = [p for p in positions if in_shard(data.items[p].id, options.shard)]
            items = [data.items[p] for p in positions]
            reporter.cell(plan, len(items))
            started = time.perf_counter()
            if plan.task.family.uses_candidates:
                predictions, fresh = predict_retrieval(
                    model, plan.task.name, items, data.candidates, cache=cache, settings=options.settings, device=device, advance=reporter.advance
                )
            else:
                predictions, fresh = predict_items(model, items, cache=cache, settings=options.settings, device=device, advance=reporter.advance)
            if fresh:
                computed += fresh
                compute_seconds += time.perf_counter() - started
            record = _cell_record(plan, items, positions, predictions, subset_sha, out, metric_for_task(plan.task, plan.language))
            (cells if record["labelled"] else unlabelled).append(record)
    throughput = computed / compute_seconds if compute_seconds > 0 else None
    harness = harness_info(device, options.settings, throughput)
    if not cells and not unlabelled:
        raise DataError("nothing was scored: every requested set is unavailable from this source (see the notes above)")
    extra: dict[str, Any] = {"skipped": skipped, "unlabelled": unlabelled}
    if options.shard is not None:
        extra["shard"] = {"index": options.shard[0], "count": options.shard[1]}
    if options.limit is not None:
        extra["limit"] = options.limit
    path = write_results(out, info.to_results(), harness, cells, **extra)
    return RunResult(path, info, cells, skipped, harness)


#: Seed of the ``--limit`` sample: the data part's one sample seed, shared with ``build-subsets --limit``.
LIMIT_SEED = SAMPLE_SEED


def _limited_positions(items: Sequence[Any], limit: int | None, task: str) -> list[int]:
    """Positions of a seeded ``--limit`` sample, in set order.

    Not the first N: several sets are ordered (Tatoeba files run from short to long
    sentences), so a prefix would be a biased sample. The sample is chosen by a seeded hash
    of the item id (``xtremer_robust.data.sampling.sample_ids``), the same one ``build-subsets
    --limit`` uses: the same ids in every language of a parallel set.
    """
    if limit is None:
        return list(range(len(items)))
    keep = set(sample_ids([item.id for item in items], limit, seed=LIMIT_SEED, task=task))
    return [p for p, item in enumerate(items) if item.id in keep]


def _cell_record(plan: CellPlan, items: list, positions: list[int], predictions: list, subset_sha: str, out: Path, metric: Any) -> dict[str, Any]:
    labelled = plan.task.family.is_labelled(items)
    stats = plan.task.family.item_stats(metric, items, predictions)
    rows = [
        {"id": item.id, "content_hash": content_hash(item), "prediction": pred, "stats": [float(v) for v in stats[n]] if stats is not None else None, "index": pos}
        for n, (item, pred, pos) in enumerate(zip(items, predictions, positions))
    ]
    relpath = items_relpath(plan.task.name, plan.language, plan.split, plan.variant)
    record = {
        "task": plan.task.name,
        "language": plan.language,
        "split": plan.split,
        "variant": plan.variant,
        "metric": metric.name,
        "score": metric.score(stats) if stats is not None else None,
        "scores": metric.scores(stats) if stats is not None else {},
        "n": len(items),
        "labelled": labelled,
        "subset_sha256": subset_sha,
        "stat_names": list(metric.stat_names),
        "items_file": relpath,
        "items_sha256": write_items(out, relpath, rows),
    }
    return record
