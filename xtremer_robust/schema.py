"""Names that writers and readers in different parts must agree on, defined once.

Why a module of its own: the runner writes ``results.json`` and the report part reads it;
the subset builder names the unperturbed variant and the runner, the statistics and the
report look for it. A name defined twice drifts; here each is defined once, below every part.
"""

from __future__ import annotations

__all__ = ["CLEAN", "RESULTS_SCHEMA"]

#: The variant of a set without any perturbation: the reference of every robustness gap.
CLEAN = "clean"

#: The ``schema`` field of a score run's ``results.json`` (written by ``runner.outputs``,
#: read by ``report.score_outputs``); bump it when the layout of that file changes.
RESULTS_SCHEMA = "xtremer-robust/results/v1"
