"""Reports: the leaderboard submission (schema, builder, validator), comparisons, leaderboards.

Submodules import lazily so that ``import xtremer_robust.report`` stays cheap (no matplotlib).
"""

from xtremer_robust.report.submission import build_submission, load_schema
from xtremer_robust.report.validate import ValidationReport, load_submission, validate_submission

__all__ = ["build_submission", "load_schema", "validate_submission", "load_submission", "ValidationReport"]
