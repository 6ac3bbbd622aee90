"""Build subset files and their manifests: one job per (task, language, split, variant).

Why the output is byte-identical whatever the worker count or language order: each job reads
its own set, draws each item's randomness from ``item_rng(seed, task, language, id, recipe)``
(inside the recipe application), writes its files in source order with canonical JSON, and
the index is rebuilt afterwards from the manifests on disk, sorted by id. Workers only
change which process computes a job, never what it computes.

Why an interrupted build resumes: a job's manifest is written last, after its data file,
both atomically; a job whose manifest exists, asks for the same recipe, parameters, seed and
limit, and whose file still hashes to the manifest's sha256 is skipped.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from xtremer_robust import __version__
from xtremer_robust.families.records import record_to_dict
from xtremer_robust.data.taskdata import TaskData
from xtremer_robust.errors import DataUnavailableError, SchemaError
from xtremer_robust.subsets.canonical import atomic_write_bytes, canonical_json, jsonl_bytes, round_floats, sha256_bytes, sha256_file
from xtremer_robust.subsets.engine import Engine, SetSource
from xtremer_robust.subsets.generalized import generalized_pairs, is_pair_language, split_pair_language
from xtremer_robust.subsets.index import read_manifest
from xtremer_robust.subsets.layout import candidates_file, manifest_file, subset_file, subset_id
from xtremer_robust.data.sampling import SAMPLE_SEED, sample_ids
from xtremer_robust.subsets.suite import CLEAN, Variant

__all__ = ["MANIFEST_FORMAT", "Job", "JobResult", "BuildContext", "run_jobs", "build_subset", "write_subset", "expand_jobs", "expand_params", "needs_data_dir"]

#: Version of the manifest layout (bumped when fields change meaning).
MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class Job:
    """One subset to build."""

    task: str
    lang: str
    split: str
    variant: Variant

    @property
    def id(self) -> str:
        return subset_id(self.task, self.lang, self.split, self.variant.name)


@dataclass(frozen=True)
class JobResult:
    """What a job did: ``built``, ``resumed`` (already complete on disk) or ``unavailable``."""

    id: str
    status: str
    message: str = ""


@dataclass(frozen=True)
class BuildContext:
    """Everything a worker needs besides the job; pickled once per worker process."""

    out: str
    source: SetSource
    engine: Engine
    seed: int
    limit: int | None
    suite_version: str
    #: Fills ``{data_dir}`` in string parameters (e.g. a lexicon path); never written to manifests.
    data_dir: str | None = None


_ctx: BuildContext | None = None
_raw_cache: dict[tuple[str, str, str], TaskData] = {}


def _init_worker(ctx: BuildContext) -> None:
    global _ctx
    _ctx = ctx
    _raw_cache.clear()


def _raw(ctx: BuildContext, task: str, lang: str, split: str) -> TaskData:
    """A source set, cached per process (a generalized X-Y pair reuses the sets of X and Y)."""
    key = (task, lang, split)
    if key not in _raw_cache:
        if len(_raw_cache) >= 16:  # a worker handles a few sets at a time; do not hold all 50 languages
            _raw_cache.clear()
        _raw_cache[key] = ctx.source.load(task, lang, split)
    return _raw_cache[key]


def _load(ctx: BuildContext, task: str, lang: str, split: str) -> tuple[TaskData, dict[str, int]]:
    """The (sampled) set and the items dropped while assembling it (generalized pairs only)."""
    dropped: dict[str, int] = {}
    if is_pair_language(lang):
        first, second = split_pair_language(lang)
        data, dropped = generalized_pairs(_raw(ctx, task, first, split), _raw(ctx, task, second, split))
    else:
        data = _raw(ctx, task, lang, split)
    keep = set(sample_ids([item.id for item in data.items], ctx.limit, seed=SAMPLE_SEED, task=task))
    items = tuple(item for item in data.items if item.id in keep)
    return TaskData(data.task, data.language, data.split, data.family, items, data.candidates, data.sources), dropped


def _request(ctx: BuildContext, variant: Variant) -> dict[str, Any]:
    """What a manifest must match for a resumed build to reuse it."""
    return {
        "recipe": variant.recipe,
        "params": dict(variant.params),
        "seed": ctx.seed,
        "limit": ctx.limit,
        "suite_version": ctx.suite_version,
        "package_version": __version__,
    }


def is_complete(out: Path, job: Job, request: dict[str, Any]) -> bool:
    """Manifest present, same request, data file (and candidate pool) hashing to the recorded sha256."""
    mpath = manifest_file(out, job.task, job.lang, job.split, job.variant.name)
    if not mpath.is_file():
        return False
    try:
        manifest = read_manifest(mpath)
    except SchemaError:  # a damaged manifest: the subset is rebuilt
        return False
    if {k: manifest.get(k) for k in request} != round_floats(request):  # manifests hold rounded floats
        return False
    path = subset_file(out, job.task, job.lang, job.split, job.variant.name)
    if not path.is_file() or sha256_file(path) != manifest.get("sha256"):
        return False
    pool = manifest.get("candidates")
    if pool:
        cpath = candidates_file(out, job.task, job.lang, job.split)
        return cpath.is_file() and sha256_file(cpath) == pool["sha256"]
    return True


def build_subset(ctx: BuildContext, job: Job) -> JobResult:
    """Build one subset (or find it complete); library errors propagate, missing sets are reported."""
    out = Path(ctx.out)
    request = _request(ctx, job.variant)
    if is_complete(out, job, request):
        return JobResult(job.id, "resumed")
    try:
        data, dropped = _load(ctx, job.task, job.lang, job.split)
    except DataUnavailableError as exc:
        return JobResult(job.id, "unavailable", str(exc))
    records, stats = _perturb(ctx, data, job.variant)
    stats["n_dropped"] = sum(dropped.values())
    stats["dropped_reasons"] = dict(sorted(dropped.items()))
    write_subset(out, data, job.variant.name, records, {**request, **stats})
    return JobResult(job.id, "built")


def write_subset(out: Path, data: TaskData, variant: str, records: Sequence[Any], facts: dict[str, Any]) -> dict[str, Any]:
    """Write one subset file (and the set's candidate pool) then its manifest, each atomically.

    ``facts`` (request, counts, figures) go into the manifest beside the fields every
    manifest has. The manifest is written last: its presence marks the subset complete.
    """
    task, lang, split = data.task, data.language, data.split
    payload = jsonl_bytes(record_to_dict(r) for r in records)
    pool = None
    if data.candidates:
        pool_bytes = jsonl_bytes(record_to_dict(c) for c in data.candidates)
        cpath = candidates_file(out, task, lang, split)
        pool_hash = sha256_bytes(pool_bytes)
        if not cpath.is_file() or sha256_file(cpath) != pool_hash:  # several variants share one pool
            atomic_write_bytes(cpath, pool_bytes)
        pool = {"file": cpath.name, "sha256": pool_hash, "n": len(data.candidates)}
    path = subset_file(out, task, lang, split, variant)
    atomic_write_bytes(path, payload)
    manifest = {
        "format": MANIFEST_FORMAT,
        "id": subset_id(task, lang, split, variant),
        "task": task,
        "language": lang,
        "split": split,
        "variant": variant,
        "family": data.family,
        "sources": [{"path": s.path, "sha256": s.sha256} for s in data.sources],
        **facts,
        "item_ids": [r.id for r in records],
        "file": path.name,
        "sha256": sha256_bytes(payload),
        "candidates": pool,
    }
    manifest = round_floats(manifest)
    mbytes = (canonical_json(manifest) + "\n").encode("utf-8")
    atomic_write_bytes(manifest_file(out, task, lang, split, variant), mbytes)
    return manifest


def _perturb(ctx: BuildContext, data: TaskData, variant: Variant) -> tuple[list[Any], dict[str, Any]]:
    """Apply the variant's recipe to every item; skipped items stay in the file unchanged (ids stay paired)."""
    n = len(data.items)
    if variant.recipe is None or variant.name == CLEAN:
        return list(data.items), {"n": n, "n_changed": 0, "changed_share": 0.0, "n_skipped": 0,
                                  "skipped_reasons": {}, "mean_char_edit_ratio": 0.0,
                                  "mean_char_edit_ratio_changed": 0.0, "validity": {},
                                  "recipe_params": {}, "recipe_metadata": {}}
    recipe = ctx.engine.recipe(variant.recipe, expand_params(variant.params, ctx.data_dir))
    records, skipped, ratios = [], Counter(), []
    n_changed = 0
    for item in data.items:
        result = ctx.engine.apply(item, recipe, seed=ctx.seed, task=data.task, lang=data.language)
        record = result.record if result.record is not None else item
        if record.id != item.id:
            raise RuntimeError(f"recipe '{variant.recipe}' changed the id of item {item.id} to {record.id}")
        records.append(record)
        if result.skipped_reason:
            skipped[result.skipped_reason] += 1
        if result.changed:
            n_changed += 1
            ratios.append(float(result.char_edit_ratio))
    facts = getattr(recipe, "metadata", None)
    params = getattr(recipe, "params", None)
    validity: dict[str, Any] = {}
    if ctx.engine.validity is not None and n and not is_pair_language(data.language):
        validity = dict(ctx.engine.validity(list(data.items), records, data.language, recipe))
    return records, {
        "n": n,
        "n_changed": n_changed,
        "changed_share": n_changed / n if n else 0.0,
        "n_skipped": sum(skipped.values()),
        "skipped_reasons": dict(sorted(skipped.items())),
        "mean_char_edit_ratio": sum(ratios) / n if n else 0.0,
        "mean_char_edit_ratio_changed": sum(ratios) / len(ratios) if ratios else 0.0,
        "validity": validity,
        "recipe_params": dict(params()) if callable(params) else dict(variant.params),
        "recipe_metadata": dict(facts(data.language)) if callable(facts) else {},
    }


DATA_DIR_PLACEHOLDER = "{data_dir}"


def needs_data_dir(params: dict[str, Any] | Any) -> bool:
    return any(isinstance(v, str) and DATA_DIR_PLACEHOLDER in v for v in dict(params).values())


def expand_params(params: Any, data_dir: str | None) -> dict[str, Any]:
    """Parameters with ``{data_dir}`` filled in (the manifest keeps the placeholder: paths differ per machine)."""
    out = dict(params)
    if data_dir is None:
        return out
    return {k: v.replace(DATA_DIR_PLACEHOLDER, str(data_dir)) if isinstance(v, str) else v for k, v in out.items()}


def _run_in_worker(job: Job) -> JobResult:
    if _ctx is None:
        raise RuntimeError("worker started without a build context")
    return build_subset(_ctx, job)


def _locality(job: Job) -> tuple[str, str, str, str]:
    return (job.task, job.lang, job.split, job.variant.name)


def run_jobs(
    ctx: BuildContext,
    jobs: Sequence[Job],
    *,
    workers: int = 1,
    on_done: Callable[[JobResult], None] | None = None,
) -> list[JobResult]:
    """Run every job, serially or on a process pool; results come back sorted by subset id."""
    ordered = sorted(jobs, key=_locality)  # jobs of one set run next to each other: the cache stays warm
    results: list[JobResult] = []
    workers = worker_count(workers, len(ordered))
    if workers <= 1:
        _init_worker(ctx)
        try:
            for job in ordered:
                result = build_subset(ctx, job)
                results.append(result)
                if on_done:
                    on_done(result)
        finally:
            _raw_cache.clear()
    else:
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_pool_worker, initargs=(ctx, os.getpid())) as pool:
            futures = [pool.submit(_run_in_worker, job) for job in ordered]
            try:
                for future in as_completed(futures):
                    result = future.result()
                    results.append(result)
                    if on_done:
                        on_done(result)
            except BaseException:  # an error or Ctrl-C: queued jobs are dropped, not run to the end
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    return sorted(results, key=lambda r: r.id)


def worker_count(requested: int, n_jobs: int) -> int:
    """Processes worth starting: never more than the jobs, nor than the CPU cores (``--workers 10000`` starts a few)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(requested, n_jobs, cores))


def _die_with_parent(parent: int) -> None:
    """Ask Linux to end this worker when the build process dies (``kill -9`` included), and check it still lives."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # no prctl here: the parent check below still applies
            pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


#: prctl option: the signal this process gets when its parent dies (linux/prctl.h).
_PR_SET_PDEATHSIG = 1


def _init_pool_worker(ctx: BuildContext, parent: int) -> None:
    _die_with_parent(parent)
    _init_worker(ctx)


def expand_jobs(sets: Iterable[tuple[str, str, str]], variants: Sequence[Variant]) -> list[Job]:
    """Every (task, language, split) set times every variant; generalized X-Y sets get the clean variant only."""
    jobs = []
    for task, lang, split in sets:
        for variant in variants:
            if is_pair_language(lang) and variant.name != CLEAN:
                continue
            jobs.append(Job(task, lang, split, variant))
    return jobs
