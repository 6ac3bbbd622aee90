"""``xtremer-robust score`` and ``xtremer-robust merge-shards``: thin wrappers over the runner."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from xtremer_robust.cli.common import (DataDirOption, check_device, check_dtype, console, handle_errors, resolve_data_dir,
                                      say, styled)
from xtremer_robust.safepaths import check_output_dir, check_output_file
from xtremer_robust.errors import ConfigError

BUILTIN_NOTE = "builtin:me5-small: weights are 4-bit (Q4_0) values expanded to floats, not the original checkpoint."


def _batch_size(text: str) -> str | int:
    if text == "auto":
        return "auto"
    if text.isdigit() and int(text) > 0:
        return int(text)
    raise ConfigError(f"--batch-size: expected 'auto' or a positive integer, got '{text}'")


def _langs(text: str | None) -> list[str] | None:
    return [part.strip() for part in text.split(",") if part.strip()] if text else None


def _summary(result, title: str) -> Table:
    table = Table(title=title, show_footer=False)
    for name, justify in (("task", "left"), ("lang", "left"), ("split", "left"), ("variant", "left"), ("metric", "left"), ("score", "right"), ("n", "right")):
        table.add_column(name, justify=justify)
    for cell in result.cells:
        score = "-" if cell["score"] is None else f"{100 * cell['score']:.1f}"
        table.add_row(cell["task"], cell["language"], cell["split"], cell["variant"], cell["metric"], score, str(cell["n"]))
    model = result.model
    footer = [f"model {model.id} ({model.dtype}, weights sha256 {model.weights_sha256[:12]})"]
    if model.quantized_4bit_expanded:
        footer.append(BUILTIN_NOTE)
    rate = result.harness.get("throughput_items_per_s")
    if rate:
        footer.append(f"{rate:.1f} items/s on {result.harness['device']}")
    table.caption = "\n".join(footer)
    return table


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""

    @app.command("score")
    @handle_errors
    def score(
        model_id: str = typer.Argument(..., help="Hub id, local checkpoint folder, or builtin:me5-small."),
        revision: Optional[str] = typer.Option(None, "--revision", help="Hub branch, tag or commit."),
        data_dir: Optional[Path] = DataDirOption,
        subsets: Optional[Path] = typer.Option(None, "--subsets", help="Score every subset of this build-subsets folder.", file_okay=False),
        view: Optional[str] = typer.Option(None, "--view", help="With --subsets: only one view of the index (e.g. tier:low)."),
        tasks: Optional[str] = typer.Option(None, "--tasks", help="Comma-separated tasks (default: every task the model has a head for)."),
        langs: Optional[str] = typer.Option(None, "--langs", help="Comma-separated languages (default: all)."),
        split: Optional[str] = typer.Option(None, "--split", help="Split of the clean sets (default: each task's eval split)."),
        limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Score a fixed seeded sample of N items of each set (chosen by a hash of the item id, as build-subsets --limit; the same ids in every language)."),
        out: Path = typer.Option(Path("score-out"), "--out", help="Output folder (results.json, items/, xtreme/)."),
        batch_size: str = typer.Option("auto", "--batch-size", help="'auto' (token budget, halves on out-of-memory) or items per batch."),
        dtype: str = typer.Option("auto", "--dtype", help="auto|fp32|bf16|fp16|int8 (auto: bf16/fp16 on GPU, fp32 on CPU; int8: dynamic int8 linear layers, CPU only)."),
        device: str = typer.Option("auto", "--device", help="auto|cpu|cuda|cuda:N."),
        compile_model: bool = typer.Option(False, "--compile", help="torch.compile the model (pays off on long GPU runs)."),
        shard: Optional[str] = typer.Option(None, "--shard", help="i/n: score only shard i of n (merge with merge-shards)."),
        trust_remote_code: bool = typer.Option(False, "--trust-remote-code", help="Allow the checkpoint's own Python code to run."),
        cache: Optional[Path] = typer.Option(None, "--cache", help="Prediction cache file (default: the user cache)."),
        submit: bool = typer.Option(False, "--submit", help="Also write OUT/submission.json (CIs, gaps, tests, aggregates; as `xtremer-robust submit OUT`)."),
    ) -> None:
        """Score a model on the clean sets or on every subset; write results.json, per-item files and the XTREME layout."""
        from xtremer_robust.runner import RunSettings, ScoreOptions, parse_shard, plan_cells, score_cells
        from xtremer_robust.runner.progress import RichReporter
        from xtremer_robust.tasks import parse_tasks

        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        if submit and shard is not None:
            raise ConfigError("--submit with --shard: a shard is not a whole run; merge the shards with merge-shards, then run `xtremer-robust submit`")
        # Every argument and output path is checked before the model is loaded or an item scored.
        check_output_dir(out, option="--out")
        if cache is not None:
            check_output_file(cache, option="--cache", example="predictions.sqlite")
        check_device(device)
        check_dtype(dtype)
        if submit:
            check_output_file(out / "submission.json", option="--out")
        task_specs = parse_tasks(tasks)
        lang_list = _langs(langs)
        for lang in lang_list or ():
            if not any(lang in t.languages for t in task_specs):
                from xtremer_robust.languages import all_languages
                from xtremer_robust.errors import unknown_name

                raise unknown_name("language", lang, all_languages())
        settings = RunSettings(device=device, dtype=dtype, batch_size=_batch_size(batch_size), compile=compile_model)
        options = ScoreOptions(
            model_id=model_id, out=out, revision=revision, trust_remote_code=trust_remote_code, settings=settings,
            limit=limit, shard=parse_shard(shard), cache_path=cache, explicit_tasks=tasks is not None,
        )
        data_folder = resolve_data_dir(data_dir) if subsets is None else None
        plans = plan_cells(task_specs, langs=lang_list, data_dir=data_folder, subsets_dir=subsets, view=view, split=split)
        with RichReporter(console) as reporter:
            result = score_cells(plans, options, reporter)
            reporter.finish()
        console.print(_summary(result, f"xtremer-robust score: {model_id}"))
        for skip in result.skipped:
            where = skip["task"] + (f"/{skip['language']}" if "language" in skip else "")
            say(styled(f"skipped {where}: {(skip['reason'].splitlines() or [''])[0][:160]}", "dim"))
        console.print(f"wrote {result.results_path}")
        if limit is None and shard is None:
            from xtremer_robust.report.run_layout import write_run_layout

            written = write_run_layout(out, plans)
            console.print(f"wrote the XTREME layout of the clean sets: {out / 'xtreme'} ({len(written)} files)")
        if submit:
            from xtremer_robust.report.submission import build_submission

            target = out / "submission.json"
            sub = build_submission(out, out=target, subsets_dir=subsets)
            console.print(f"wrote {target} ({len(sub['cells'])} cells, {len(sub['gaps'])} gaps)")

    @app.command("merge-shards")
    @handle_errors
    def merge_shards_cmd(
        shard_dirs: list[Path] = typer.Argument(..., help="The --out folders of shards 0..n-1."),
        out: Path = typer.Option(..., "--out", help="Folder for the merged results.json and items."),
    ) -> None:
        """Merge the outputs of `score --shard i/n` runs into one results folder."""
        from xtremer_robust.runner import merge_shards

        for folder in shard_dirs:
            if not folder.is_dir():
                raise ConfigError(f"merge-shards: '{folder}' is not a folder; pass the --out folders of `score --shard i/n`")
        path = merge_shards(shard_dirs, out)
        console.print(f"wrote {path}")
