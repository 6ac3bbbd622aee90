"""``xtremer-robust train``: a thin wrapper over :mod:`xtremer_robust.training`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from xtremer_robust.cli.common import DataDirOption, console, handle_errors, resolve_data_dir, say
from xtremer_robust.errors import ConfigError


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""

    @app.command("train")
    @handle_errors
    def train_command(
        base: Optional[str] = typer.Argument(None, help="Base model: Hub id, local folder, or builtin:me5-small (or give --config)."),
        target: Optional[str] = typer.Option(None, "--target", help="Target task to fine-tune for (xnli, pawsx, panx, udpos, xquad, mlqa, tydiqa, xcopa)."),
        intermediate: Optional[str] = typer.Option(None, "--intermediate", help="English intermediate task (tydiqa, xnli, pawsx, panx, udpos, copa; Hub: mnli, squad, ...)."),
        durations: Optional[str] = typer.Option(None, "--durations", help="Intermediate-training durations in optimizer steps, increasing, e.g. 0,100,1000 (0 = the base model)."),
        seeds: Optional[str] = typer.Option(None, "--seeds", help="Comma-separated seeds, e.g. 1,2,3."),
        augment: Optional[str] = typer.Option(None, "--augment", help="none | rsda | rsda:k=K | recipe:NAME[:rate=R]."),
        revision: Optional[str] = typer.Option(None, "--revision", help="Hub branch, tag or commit of BASE."),
        config_file: Optional[Path] = typer.Option(None, "--config", help="A YAML file with the same fields (command-line options override it).", dir_okay=False),
        steps: Optional[int] = typer.Option(None, "--steps", min=1, help="Target fine-tuning steps (fixed: no target-language dev set)."),
        batch_size: Optional[int] = typer.Option(None, "--batch-size", min=1, help="Examples per optimizer step and device."),
        max_length: Optional[int] = typer.Option(None, "--max-length", min=8, help="Maximum sub-words per input (QA: --qa-max-length)."),
        freeze_embeddings: Optional[bool] = typer.Option(None, "--freeze-embeddings/--train-embeddings", help="Freeze the word-embedding matrix."),
        freeze_layers: Optional[int] = typer.Option(None, "--freeze-layers", min=0, help="Also freeze the lowest N transformer layers."),
        lr: Optional[float] = typer.Option(None, "--lr", help="Target fine-tuning learning rate."),
        max_train_examples: Optional[int] = typer.Option(None, "--max-train-examples", min=1, help="Use a fixed seeded sample of N English training examples."),
        threads: Optional[int] = typer.Option(None, "--threads", min=1, help="torch CPU threads."),
        data_dir: Optional[Path] = DataDirOption,
        out: Path = typer.Option(Path("train-out"), "--out", help="Output folder (models/, intermediate/, summary.json)."),
    ) -> None:
        """Intermediate-task training saved at each duration, then target fine-tuning from every checkpoint."""
        from xtremer_robust.training import TrainConfig, train
        from xtremer_robust.training.config import load_train_yaml, parse_int_list

        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        raw = load_train_yaml(config_file) if config_file else {}
        overrides = {"base": base, "target": target, "intermediate": intermediate, "augment": augment, "revision": revision}
        raw.update({k: v for k, v in overrides.items() if v is not None})
        if durations is not None:
            raw["durations"] = list(parse_int_list(durations, "durations"))
        if seeds is not None:
            raw["seeds"] = list(parse_int_list(seeds, "seeds"))
        hyper = raw.get("hyper") or {}
        if not isinstance(hyper, dict):
            raise ConfigError(f"{config_file}: 'hyper' must be a mapping of hyperparameters, got {type(hyper).__name__}")
        hyper = dict(hyper)
        for key, value in {"target_steps": steps, "batch_size": batch_size, "max_length": max_length, "freeze_embeddings": freeze_embeddings,
                           "max_train_examples": max_train_examples, "threads": threads,
                           "freeze_layers": freeze_layers, "target_lr": lr}.items():
            if value is not None:
                hyper[key] = value
        raw["hyper"] = hyper
        if not raw.get("base"):
            raise ConfigError("BASE: give a base model (Hub id, folder or builtin:me5-small), or --config FILE that names one")
        if not raw.get("target"):
            raise ConfigError("--target: give the target task to fine-tune for, e.g. --target xnli")
        config = TrainConfig.from_dict(raw, where=str(config_file) if config_file else None)
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        rows = train(config, out=out, data_dir=resolve_data_dir(data_dir), log=say)
        table = Table(title=f"fine-tuned models in {out}")
        for name in ("target", "arm", "duration", "seed", "final loss", "seconds", "folder"):
            table.add_column(name)
        for row in rows:
            table.add_row(row.target, row.arm, str(row.duration), str(row.seed), "-" if row.final_loss is None else f"{row.final_loss:.3f}",
                          "-" if row.target_seconds is None else f"{row.target_seconds:.0f}", row.folder)
        console.print(table)
        say(f"score any of them with: xtremer-robust score {rows[0].folder if rows else '<folder>'} --tasks {config.target} --data-dir ...")
