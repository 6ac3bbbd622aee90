"""Reports: the leaderboard submission (schema, builder, validator), comparisons, leaderboards.

``matplotlib`` is imported only when figures are drawn (:mod:`xtremer_robust.report.plots`).
"""

from xtremer_robust.report.compare import compare_submissions
from xtremer_robust.report.leaderboard import Leaderboard, collect_leaderboard, render_markdown
from xtremer_robust.report.publish import write_leaderboard
from xtremer_robust.report.submission import build_submission, load_schema
from xtremer_robust.report.validate import ValidationReport, load_submission, validate_submission

__all__ = [
    "build_submission",
    "load_schema",
    "validate_submission",
    "load_submission",
    "ValidationReport",
    "compare_submissions",
    "Leaderboard",
    "collect_leaderboard",
    "render_markdown",
    "write_leaderboard",
]
