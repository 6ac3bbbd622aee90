"""Reports: the leaderboard submission (schema, builder, validator), comparisons, leaderboards.

Exports resolve lazily (PEP 562), so that importing one submodule, such as the runner's
``xtremer_robust.report.xtreme_layout``, does not pull in jsonschema, scipy or matplotlib.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "build_submission": "xtremer_robust.report.submission",
    "load_schema": "xtremer_robust.report.submission",
    "validate_submission": "xtremer_robust.report.validate",
    "load_submission": "xtremer_robust.report.validate",
    "ValidationReport": "xtremer_robust.report.validate",
    "compare_submissions": "xtremer_robust.report.compare",
    "Leaderboard": "xtremer_robust.report.leaderboard",
    "collect_leaderboard": "xtremer_robust.report.leaderboard",
    "render_markdown": "xtremer_robust.report.leaderboard",
    "write_leaderboard": "xtremer_robust.report.publish",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'xtremer_robust.report' has no attribute '{name}'")
    return getattr(import_module(_EXPORTS[name]), name)


def __dir__() -> list[str]:
    return sorted(__all__)
