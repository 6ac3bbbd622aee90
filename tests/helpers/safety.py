"""Shared pieces of the reliability and security tests (``tests/test_safety_*.py``).

``cli`` runs one command in-process and returns its exit code and everything it printed;
``clean_exit`` asserts the outcome the issue asks for: the expected exit code, no Python
traceback and no exception other than the command's own exit. ``result_or_message`` is the
same property for a library call: a result, or an ``XtremerError`` with a message, in time.
"""

from __future__ import annotations

import os
import shutil
import signal
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence, TypeVar

from typer.testing import CliRunner

from xtremer_robust.errors import XtremerError

T = TypeVar("T")

#: The tiny data folder in the real layouts (our own text), as the conftest names it.
TINY_DATA = Path(__file__).resolve().parents[1] / "fixtures" / "data"


@dataclass(frozen=True)
class Outcome:
    code: int
    output: str
    exception: BaseException | None


def cli(args: Sequence[str]) -> Outcome:
    """Run ``xtremer-robust ARGS`` in-process (stdout and stderr together)."""
    from xtremer_robust.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args])
    exc = result.exception if not isinstance(result.exception, SystemExit) else None
    return Outcome(result.exit_code, result.output, exc)


def clean_exit(outcome: Outcome, code: int = 2, expect: str | None = None) -> str:
    """Assert exit ``code``, no traceback, no stray exception, and (optionally) a message fragment."""
    flat = " ".join(outcome.output.split())
    assert outcome.exception is None, f"{type(outcome.exception).__name__}: {outcome.exception}\n{outcome.output}"
    assert "Traceback" not in outcome.output, outcome.output
    assert outcome.code == code, f"exit {outcome.code}, expected {code}: {outcome.output}"
    if expect is not None:
        assert expect in flat, f"{expect!r} not in: {flat}"
    return flat


def files_under(folder: Path) -> set[str]:
    """Every file below ``folder`` (relative paths), for "nothing written outside" checks."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink()}


class Hang(Exception):
    """Raised by :func:`bounded` when a call runs past its bound (a hang, not a speed goal)."""


@contextmanager
def bounded(seconds: int) -> Iterator[None]:
    """Fail a block that runs far past what it needs (a hang detector with a generous bound)."""

    def alarm(signum: int, frame: object) -> None:
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def result_or_message(call: Callable[[], T], seconds: int = 30) -> T | None:
    """``call()`` within ``seconds``; None when it stopped with an :class:`XtremerError` that has a message.

    Any other exception, a message-less error or a hang fails the test, so a generated case
    either gives a result (which the caller then checks) or a clean message.
    """
    try:
        with bounded(seconds):
            return call()
    except XtremerError as exc:
        assert str(exc), f"{type(exc).__name__} without a message"
        return None
