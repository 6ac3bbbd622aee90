"""``xtremer-robust study``: a thin wrapper over :mod:`xtremer_robust.study`."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from xtremer_robust.cli.common import DataDirOption, console, handle_errors, resolve_data_dir, say


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""

    @app.command("study")
    @handle_errors
    def study_command(
        config_file: Path = typer.Argument(..., help="Study config (YAML; see baselines/study-me5-small/study.yaml).", dir_okay=False),
        out: Path = typer.Option(Path("study-out"), "--out", help="Output folder: models, scores, study.json, report.md, plots/."),
        data_dir: Optional[Path] = DataDirOption,
        dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan (runs, items, estimated cost) and do nothing."),
        report_only: bool = typer.Option(False, "--report-only", help="Recompute study.json, report.md and plots from the finished units only."),
    ) -> None:
        """Train every checkpoint, build the subsets, score everything, and measure the gap against duration."""
        from xtremer_robust.study import analyse_and_write, load_study_config, plan_study, run_study

        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        config = load_study_config(config_file)
        plan = plan_study(config, out)
        table = Table(title=f"study {config.name}: plan")
        for name in ("what", "count"):
            table.add_column(name)
        table.add_row("intermediate trajectories (one per seed)", f"{plan.trajectories} x {max(config.durations)} steps of {config.intermediate}")
        table.add_row("fine-tuned models", f"{len(plan.models)} ({plan.done_models} done) x {plan.target_steps} steps")
        for target, items in plan.items_per_model.items():
            table.add_row(f"items scored per {target} model", f"{items} ({len(config.targets[target])} languages x (clean + {len(config.variants)} variants) x {config.items_per_language or 'all'})")
        table.add_row("scored models", f"{plan.done_scores} of {len(plan.models)} done")
        estimate = plan.estimate_seconds()
        table.add_row("estimated time left", "unknown until a unit has run in this folder (no measurement yet)" if estimate is None else
                      f"{estimate / 3600:.1f} h (measured: {plan.seconds_per_step:.2f} s per training step, {plan.items_per_second:.1f} items/s scoring)")
        console.print(table)
        if dry_run:
            return
        command = "xtremer-robust study " + " ".join(shlex.quote(str(p)) for p in [config_file, "--out", out] + (["--data-dir", data_dir] if data_dir else []))
        data = resolve_data_dir(data_dir)
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        if report_only:
            paths = analyse_and_write(config, out, command=command)
        else:
            paths = run_study(config, out=out, data_dir=data, log=say, analyse=lambda c, o: analyse_and_write(c, o, command=command))
        say("wrote " + ", ".join(str(p) for p in paths or []))
