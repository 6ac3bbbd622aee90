"""Per-benchmark-version facts of a task, read from the ``benchmarks:`` key of its tasks.yaml entry.

XTREME (Hu et al. 2020) and XTREME-R (Ruder et al. 2021) score some tasks on different
language lists and group them differently; their official scorer (google-research/xtreme
``evaluate.py --xtreme_version``) keeps these facts in ``XTREME_TASK2LANGS`` /
``XTREME_R_TASK2LANGS`` and ``XTREME_GROUP2TASK`` / ``XTREME_R_GROUP2TASK``. Here each
task's entry holds them, one block per version it belongs to::

    benchmarks:
      xtreme:   {languages: [...], groups: [classification], avg_metric: accuracy}
      xtreme-r: {languages: [...], groups: [classification], avg_metric: accuracy}

- ``languages``: the version's language list, in ``evaluate.py``'s order (the order it
  prints); every language must be scored for the task to count.
- ``groups``: the ``evaluate.py`` groups the task belongs to (XTREME-R puts XCOPA in both
  ``classification`` and ``multi_choice``; LAReQA in none).
- ``avg_metric``: the per-language score averaged into the task's ``avg_metric``:
  ``accuracy``, ``f1``, ``map@20`` or ``em_f1`` (the mean of exact match and F1, QA).
- ``evaluate_py``: false where ``evaluate.py`` lists the task with an EMPTY language list
  (LAReQA in XTREME-R), so the official script never scores it; ``languages`` then holds
  the languages this package scores it on.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Collection, Mapping

from xtremer_robust.errors import ConfigError

__all__ = ["VERSIONS", "AVG_METRICS", "BenchmarkFacts", "parse_benchmarks"]

#: Benchmark versions, as ``evaluate.py --xtreme_version`` names them.
VERSIONS = ("xtreme", "xtreme-r")
#: Per-language score names a task's ``avg_metric`` may average (``em_f1``: (EM + F1) / 2).
AVG_METRICS = ("accuracy", "f1", "em_f1", "map@20")


@dataclass(frozen=True)
class BenchmarkFacts:
    """How one benchmark version scores one task (see the module docstring)."""

    version: str
    languages: tuple[str, ...]
    groups: tuple[str, ...]
    avg_metric: str
    evaluate_py: bool = True


def parse_benchmarks(task: str, raw: Any, known_languages: Collection[str]) -> Mapping[str, BenchmarkFacts]:
    """The ``benchmarks:`` block of task ``task``, checked; an absent block is an empty mapping."""
    if raw is None:
        return MappingProxyType({})
    if not isinstance(raw, dict):
        raise ConfigError(f"tasks.yaml: task {task}: 'benchmarks' must map a version ({', '.join(VERSIONS)}) to its facts")
    out: dict[str, BenchmarkFacts] = {}
    for version, facts in raw.items():
        where = f"tasks.yaml: task {task}, benchmarks.{version}"
        if version not in VERSIONS:
            raise ConfigError(f"{where}: unknown benchmark version; expected one of {VERSIONS}")
        if not isinstance(facts, dict) or not {"languages", "groups", "avg_metric"} <= set(facts):
            raise ConfigError(f"{where}: expected a mapping with languages, groups and avg_metric")
        languages = tuple(str(lang) for lang in facts["languages"])
        unknown = [lang for lang in languages if lang not in known_languages]
        if unknown or len(set(languages)) != len(languages) or not languages:
            raise ConfigError(f"{where}: languages must be distinct codes of languages.tsv, got unknown {unknown} in {list(languages)}")
        if facts["avg_metric"] not in AVG_METRICS:
            raise ConfigError(f"{where}: avg_metric '{facts['avg_metric']}' is not one of {AVG_METRICS}")
        out[version] = BenchmarkFacts(
            version=version,
            languages=languages,
            groups=tuple(str(g) for g in facts["groups"] or ()),
            avg_metric=str(facts["avg_metric"]),
            evaluate_py=bool(facts.get("evaluate_py", True)),
        )
    return MappingProxyType(out)
