"""``xtremer-robust build-subsets``: build, resume and verify the subset files (thin: parse, call, render)."""

from __future__ import annotations

from pathlib import Path

import typer

from xtremer_robust.cli.common import DataDirOption, console, err_console, check_device, handle_errors, resolve_data_dir, say, styled
from xtremer_robust.errors import ConfigError, SchemaError
from xtremer_robust.safepaths import check_output_dir

DEFAULT_OUT = Path("subsets-build")


def _split_list(value: str | None) -> list[str] | None:
    if value is None or not value.strip():
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


@handle_errors
def build_subsets_command(
    data_dir: Path | None = DataDirOption,
    out: Path = typer.Option(DEFAULT_OUT, "--out", help="Folder to write the subsets, their manifests and index.json into.", file_okay=False),
    tasks: str | None = typer.Option(None, "--tasks", help="Comma-separated tasks (e.g. xnli,panx); default: every task."),
    langs: str | None = typer.Option(None, "--langs", help="Comma-separated languages (e.g. sw,hi) or tiers (tier:low); default: every language of each task."),
    recipes: str | None = typer.Option(None, "--recipes", help="Comma-separated variants of the suite, or recipe specs 'recipe:rate=0.1'; 'clean' is always built. Default: the whole suite."),
    suite_file: Path | None = typer.Option(None, "--suite", help="Recipe suite YAML (default: the canonical subsets/recipes.yaml).", dir_okay=False),
    limit: int | None = typer.Option(None, "--limit", help="Items per task and language: a fixed seeded sample by hash of the item id (the same ids in every language of a parallel set)."),
    seed: int | None = typer.Option(None, "--seed", min=0, help="Seed (>= 0) of the perturbations and of the --limit sample (default: the suite's seed)."),
    workers: int = typer.Option(1, "--workers", min=1, help="Processes to build with (at most one per job and per CPU core); the output is byte-identical for any number."),
    generalized: bool = typer.Option(True, "--generalized/--no-generalized", help="Also build Robust-XLT's cross-language pairs (X-Y) for the suite's pair tasks."),
    attack: str | None = typer.Option(None, "--attack", help="Also write adversarial subsets against this model (Hub id, local folder or builtin:me5-small): adv-<model> (greedy DeepWordBug search successes) and hard-<model> (items it gets wrong)."),
    attack_budget: float = typer.Option(0.2, "--attack-budget", help="With --attack: share of an item's words the search may edit."),
    device: str = typer.Option("cpu", "--device", help="With --attack: device of the model (cpu, cuda, cuda:1...)."),
    verify: bool = typer.Option(False, "--verify", help="Build nothing: re-check every file under --out against its manifest and the index (exit 2 on any mismatch)."),
    reference: Path | None = typer.Option(None, "--reference", help="With --verify: also compare the hashes with a reference index (e.g. subsets/canonical-index.json).", dir_okay=False),
) -> None:
    """Build clean and perturbed subsets of every (task, language) set, each pinned by a manifest and hash.

    Writes OUT/<task>/<lang>/<split>/<variant>.jsonl with a .manifest.json beside each, and OUT/index.json with the low-resource views. An interrupted build resumes where it stopped; see docs/subsets.md.
    """
    from xtremer_robust.languages import parse_languages
    from xtremer_robust.subsets import (DataDirSource, build_subsets, compare_with_reference, load_suite, read_index,
                                        verify_subsets)
    from xtremer_robust.tasks import parse_tasks

    if verify:
        if not out.is_dir():
            raise ConfigError(f"--out: '{out}' is not a folder; build the subsets first, then --verify")
        problems = verify_subsets(out)
        if reference is not None:
            problems += compare_with_reference(out, reference)
        if problems:
            for problem in problems:
                say(styled("mismatch:", "bold red"), " ", problem, stderr=True)
            raise SchemaError(f"{len(problems)} file(s) under {out} do not match their manifests or index")
        say(styled("verified", "green"), f": every subset under {out} matches its manifest and the index")
        return
    if reference is not None:
        raise ConfigError("--reference only makes sense with --verify")
    check_device(device)
    if not 0.0 < attack_budget <= 1.0:
        raise ConfigError(f"--attack-budget must be a share of words in (0, 1], got {attack_budget}")
    suite = load_suite(suite_file).select(_split_list(recipes))
    chosen_tasks, chosen_langs = parse_tasks(tasks), parse_languages(langs)
    if chosen_langs is not None and not any(lang in task.languages for task in chosen_tasks for lang in chosen_langs):
        raise ConfigError(
            f"--langs: none of the chosen tasks ({', '.join(t.name for t in chosen_tasks)}) has the languages "
            f"{', '.join(chosen_langs)}; `xtremer-robust tasks` lists each task's languages"
        )
    check_output_dir(out, option="--out")
    source = DataDirSource(str(resolve_data_dir(data_dir)) if resolve_data_dir(data_dir) else None)
    report = build_subsets(
        out, suite=suite, tasks=parse_tasks(tasks), langs=parse_languages(langs), source=source, seed=seed,
        limit=limit, workers=workers, generalized=generalized, console=err_console,
    )
    for name, reason in report.skipped_variants.items():
        say(styled("skipped variant", "yellow"), f" {name}: {reason}")
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for missing in report.missing:
        grouped.setdefault((missing.task, missing.split, missing.reason), []).append(missing.language)
    for (task, split, reason), languages in grouped.items():
        say(styled("skipped", "yellow"), f" {task} {split} ({', '.join(languages)}): {reason}")
    if not report.results and not report.missing:
        say(styled("nothing to build", "yellow"), ": none of the chosen tasks has the chosen languages")
    if attack is not None:
        from xtremer_robust.attack import build_adversarial

        adv = build_adversarial(out, model_id=attack, tasks=parse_tasks(tasks), langs=parse_languages(langs),
                                source=source, seed=suite.seed if seed is None else seed, limit=limit,
                                budget=attack_budget, device=device)
        for key, summary in adv.summaries.items():
            console.print(f"attack {key}: success rate {summary['attack_success_rate']:.3f} over "
                          f"{summary['n_attacked']} items, {summary['queries_per_item']:.1f} queries per item")
        for key, reason in adv.skipped.items():
            say(styled("attack skipped", "yellow"), f" {key}: {reason}")
    console.print(
        f"{report.count('built')} subsets built, {report.count('resumed')} already complete, "
        f"{len({(m.task, m.language) for m in report.missing})} sets missing; index {out / 'index.json'} "
        f"sha256 {read_index(out)['index_sha256'][:16]}"
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""
    app.command("build-subsets")(build_subsets_command)
