"""Shared command-line plumbing: the console, error handling and exit codes.

Library code raises :class:`~xtremer_robust.errors.XtremerError`; here it becomes a short
red message and exit code 2 (bad input), with the traceback only under ``--debug``.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any, Callable, TypeVar

import typer
from rich.console import Console

from xtremer_robust.errors import ConfigError, XtremerError

console = Console(stderr=False, highlight=False)
err_console = Console(stderr=True, highlight=False)

F = TypeVar("F", bound=Callable[..., Any])

#: Exit code for bad input (arguments, data files, models, submissions).
EXIT_BAD_INPUT = 2

_state = {"debug": False}


def set_debug(value: bool) -> None:
    _state["debug"] = value


def handle_errors(func: F) -> F:
    """Turn package errors into a clear message and exit code 2; tracebacks only with --debug."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except XtremerError as exc:
            if _state["debug"]:
                raise
            err_console.print(f"[bold red]error:[/] {exc}", markup=True, soft_wrap=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except KeyboardInterrupt:
            err_console.print("[yellow]interrupted: finished work is saved; run the same command again to resume[/]")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


DATA_DIR_ENV = "XTREMER_ROBUST_DATA"


def resolve_data_dir(data_dir: Path | None) -> Path | None:
    """``--data-dir`` if given, else ``$XTREMER_ROBUST_DATA``, else None (use the Hub)."""
    if data_dir is None:
        env = os.environ.get(DATA_DIR_ENV)
        data_dir = Path(env) if env else None
    if data_dir is not None and not data_dir.is_dir():
        raise ConfigError(
            f"--data-dir: '{data_dir}' is not a folder. Point it at a folder in the XTREME-R file layout "
            f"(or unset {DATA_DIR_ENV} to read from the Hugging Face Hub)."
        )
    return data_dir


DataDirOption = typer.Option(
    None,
    "--data-dir",
    help=f"Folder with the task files in their original layout (default: ${DATA_DIR_ENV}; if unset, the Hugging Face Hub).",
    file_okay=False,
)
