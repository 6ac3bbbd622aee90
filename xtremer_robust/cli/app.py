"""The ``xtremer-robust`` Typer application; each command lives in its own module."""

from __future__ import annotations

import typer

from xtremer_robust import __version__
from xtremer_robust.cli import cmd_layout, cmd_report, cmd_score, cmd_subsets, cmd_study, cmd_tasks, cmd_train
from xtremer_robust.cli.common import set_debug

app = typer.Typer(
    name="xtremer-robust",
    help="Zero-shot cross-lingual robustness on XTREME-R: subsets, scoring, paired statistics, leaderboards.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"xtremer-robust {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks instead of short error messages."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    set_debug(debug)


cmd_tasks.register(app)
cmd_subsets.register(app)
cmd_score.register(app)
cmd_report.register(app)
cmd_layout.register(app)
cmd_train.register(app)
cmd_study.register(app)


def main() -> None:
    app()
