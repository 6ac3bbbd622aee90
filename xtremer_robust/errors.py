"""One error hierarchy for the whole package.

Library code raises these; only the command line turns them into exit codes (2 for bad
input) and short messages. Each message names the argument, file or line, what was
expected, what arrived, and what to do.

    XtremerError
     |-- ConfigError       bad argument, unknown task/language/recipe/model option
     |-- DataError         a data file is missing, unreadable or malformed
     |    `-- DataUnavailableError   a set that does not exist in this source (skippable)
     |-- ModelError        a checkpoint cannot be resolved, lacks a head, labels mismatch
     |-- SchemaError       a submission or manifest fails its schema or integrity checks
     `-- HubUnreachableError  the Hugging Face Hub cannot be reached (offline machine)
"""

from __future__ import annotations

from difflib import get_close_matches
from pathlib import Path
from typing import Iterable

__all__ = [
    "XtremerError",
    "ConfigError",
    "DataError",
    "DataUnavailableError",
    "ModelError",
    "SchemaError",
    "HubUnreachableError",
    "unknown_name",
]


class XtremerError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(XtremerError, ValueError):
    """A user-supplied argument or option is invalid."""


class DataError(XtremerError):
    """A data file is missing, unreadable or malformed.

    ``path`` and ``line`` (1-based) locate the problem when known; they are part of the
    message so that the user can open the file at the right place.
    """

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        where = ""
        if self.path is not None:
            where = f"{self.path}"
            if line is not None:
                where += f", line {line}"
            where += ": "
        super().__init__(where + message)


class DataUnavailableError(DataError):
    """The requested set does not exist in this source (e.g. Mewsli-X offline).

    Callers that iterate over many sets catch this one, report it, and carry on.
    """


class ModelError(XtremerError):
    """A model cannot be loaded or does not fit the task (missing head, label mismatch)."""


class SchemaError(XtremerError):
    """A submission, manifest or results file fails its schema or integrity checks."""


class HubUnreachableError(XtremerError):
    """The Hugging Face Hub could not be reached; the message says which local option to use."""


def unknown_name(kind: str, name: str, available: Iterable[str]) -> ConfigError:
    """Build the "Unknown task 'xnlii'. Did you mean 'xnli'? Available: ..." error."""
    options = sorted(available)
    close = get_close_matches(name, options, n=1, cutoff=0.6)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return ConfigError(f"Unknown {kind} '{name}'.{hint} Available: {', '.join(options)}")
