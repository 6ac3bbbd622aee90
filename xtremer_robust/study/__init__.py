"""Study: how intermediate-task training duration changes zero-shot cross-lingual robustness.

The top part of the layer order below ``cli``: it drives ``training`` (train),
``subsets`` (build-subsets) and ``runner`` (score), and analyses with its own two-level
bootstrap (:mod:`.analysis`).
"""

from __future__ import annotations

from pathlib import Path

from xtremer_robust.study.config import StudyConfig, load_study_config, parse_study_config
from xtremer_robust.study.report import write_study
from xtremer_robust.study.results import compute_results
from xtremer_robust.study.run import plan_study, run_study

__all__ = ["StudyConfig", "load_study_config", "parse_study_config", "plan_study", "run_study", "analyse_and_write"]


def analyse_and_write(config: StudyConfig, out: Path, *, command: str) -> list[Path]:
    """study.json, report.md and plots from whatever units of ``out`` are finished."""
    document = compute_results(config, Path(out), command=command)
    if document["models_done"] == 0:
        return []
    return write_study(document, Path(out))
