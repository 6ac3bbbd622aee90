"""Shared command-line plumbing: the console, error handling and exit codes.

Library code raises :class:`~xtremer_robust.errors.XtremerError`; here it becomes a short
red message and exit code 2 (bad input), with the traceback only under ``--debug``.

Text is data here, never markup: both consoles parse no rich markup and no emoji codes, and
every string they print (messages, table cells, titles) loses its control characters first,
so a path holding ``[/]`` prints as itself and a submission cannot send escape sequences to
the terminal. Styles are applied with :func:`styled` and :func:`say`, never by markup.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any, Callable, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from xtremer_robust.errors import ConfigError, XtremerError

#: C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides and
#: isolates (which can make a terminal show text in another order than it is stored).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def plain(text: object) -> str:
    """``str(text)`` with control characters removed and lone surrogates replaced (safe to print)."""
    return _SURROGATE.sub("\ufffd", _CONTROL.sub("", str(text)))


class PlainConsole(Console):
    """A rich console for which every string is plain text: no markup, no emoji codes, no control characters."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(markup=False, emoji=False, highlight=False, **kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:  # type: ignore[override]
        kwargs.update(markup=False, emoji=False, highlight=False)
        return super().render_str(plain(text), **kwargs)


console = PlainConsole(stderr=False)
err_console = PlainConsole(stderr=True)


def styled(text: object, style: str) -> Text:
    """One styled piece of plain text (the replacement for ``[style]...[/]`` markup)."""
    return Text(plain(text), style=style)


def say(*parts: object, stderr: bool = False) -> None:
    """Print one line built from plain strings and :func:`styled` pieces."""
    line = Text()
    for part in parts:
        line.append_text(part) if isinstance(part, Text) else line.append(plain(part))
    (err_console if stderr else console).print(line, soft_wrap=True)

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
            say(styled("error:", "bold red"), " ", str(exc), stderr=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except OSError as exc:  # a file or folder named by the user that the system refuses
            if _state["debug"]:
                raise
            where = f" '{exc.filename}'" if exc.filename else ""
            reason = exc.strerror or exc.__class__.__name__
            say(styled("error:", "bold red"), f" cannot use{where}: {reason}; check the path and its permissions", stderr=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except RecursionError:  # a parser recursing into a deeply nested file (YAML configs, ...)
            if _state["debug"]:
                raise
            say(styled("error:", "bold red"), " an input file is nested too deeply to read (thousands of levels); "
                "check the files named in the arguments", stderr=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except KeyboardInterrupt:
            say(styled("interrupted: finished work is saved; run the same command again to resume", "yellow"), stderr=True)
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


_DEVICE = re.compile(r"auto|cpu|mps|cuda(:\d{1,3})?")
DTYPES = ("auto", "fp32", "bf16", "fp16", "int8")


def check_device(text: str, option: str = "--device") -> str:
    """``auto``, ``cpu``, ``mps``, ``cuda`` or ``cuda:N``; anything else stops before any work."""
    if not _DEVICE.fullmatch(text):
        raise ConfigError(f"{option}: expected auto, cpu, mps, cuda or cuda:N (N a GPU index), got '{text}'")
    return text


def check_dtype(text: str, option: str = "--dtype") -> str:
    if text not in DTYPES:
        raise ConfigError(f"{option}: expected one of {', '.join(DTYPES)}, got '{text}'")
    return text
