"""Where the package keeps its caches (converted models, prediction caches).

``$XTREMER_ROBUST_CACHE`` if set, else ``~/.cache/xtremer-robust``: never inside a data
folder, never inside the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["CACHE_ENV", "cache_root"]

CACHE_ENV = "XTREMER_ROBUST_CACHE"


def cache_root() -> Path:
    """The root of every cache this package writes (created on demand by the writers)."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "xtremer-robust"
