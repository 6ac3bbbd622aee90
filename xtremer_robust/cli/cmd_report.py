"""Commands of the report part: ``submit``, ``validate``, ``compare``, ``leaderboard``.

Thin: parse, call :mod:`xtremer_robust.report`, render with rich. Library errors become exit
code 2 through :func:`handle_errors`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from xtremer_robust.cli.common import console, handle_errors, say, styled

_RESAMPLES_HELP = "Bootstrap resamples (and permutations) per cell; 10,000 or more for reported numbers."


def _pct(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    points = 100 * value + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{points:+.1f}" if signed else f"{points:.1f}"


def _ci(row: dict[str, Any], signed: bool = False) -> str:
    return f"[{_pct(row['ci_low'], signed)}, {_pct(row['ci_high'], signed)}]"


def _p(value: float) -> str:
    return f"{value:.2g}" if value >= 1e-4 else f"{value:.1e}"


@handle_errors
def submit(
    score_out: Path = typer.Argument(..., help="The --out folder of `xtremer-robust score` (holds results.json).", file_okay=False),
    out: Optional[Path] = typer.Option(None, "--out", help="Submission file to write (default: SCORE_OUT/submission.json)."),
    n_resamples: int = typer.Option(10_000, "--n-resamples", min=1, help=_RESAMPLES_HELP),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the bootstrap and permutation draws (a non-negative integer)."),
    intermediate_task: Optional[str] = typer.Option(None, "--intermediate-task", help="English intermediate task the model was trained on (e.g. mnli)."),
    intermediate_steps: Optional[int] = typer.Option(None, "--intermediate-steps", min=0, help="Duration of that training in steps."),
    model_seed: Optional[int] = typer.Option(None, "--model-seed", help="Fine-tuning seed of the model."),
    subsets: Optional[Path] = typer.Option(None, "--subsets", file_okay=False, help="The build-subsets folder the run scored (pins recipes and seeds)."),
) -> None:
    """Build the leaderboard submission (JSON + per-item sidecar) from a score run."""
    from xtremer_robust.report.submission import build_submission, sidecar_name

    target = out or score_out / "submission.json"
    sub = build_submission(
        score_out, out=target, n_resamples=n_resamples, seed=seed, intermediate_task=intermediate_task,
        intermediate_steps=intermediate_steps, model_seed=model_seed, subsets_dir=subsets,
    )
    console.print(
        f"wrote {target} ({len(sub['cells'])} cells, {len(sub['gaps'])} gaps) and {target.parent / sidecar_name(target)} "
        f"({sub['items']['n_lines']} items)"
    )
    for agg in sub["aggregates"]["overall"]:
        signed = agg["kind"] == "gap"
        partial = "" if agg["complete"] else f"  (partial: {len(agg['tasks'])} task groups)"
        console.print(f"  overall {agg['kind']} {agg['variant']}: {_pct(agg['value'], signed)} {_ci(agg, signed)}{partial}")


@handle_errors
def validate(
    file: Path = typer.Argument(..., help="A submission JSON file.", dir_okay=False),
    no_items: bool = typer.Option(False, "--no-items", help="Skip the per-item sidecar (hash and recomputed scores)."),
) -> None:
    """Check a submission: safety limits, schema, ranges, consistency, sidecar hash. Exit 2 if invalid."""
    from xtremer_robust.report.validate import validate_submission

    report = validate_submission(file, check_items=not no_items)
    items = "sidecar not checked" if report.n_items is None else f"{report.n_items} items match the sidecar hash and scores"
    say(styled("valid", "green"), f": {file} ({report.n_cells} cells, {report.n_gaps} gaps, {report.n_aggregates} aggregates; {items})")


def _compare_table(title: str, rows: list[dict[str, Any]], kind: str) -> Table:
    table = Table(title=title, title_justify="left")
    for header in ("task", "lang", "variant", "n", "A", "B", "B-A [95% CI]", "test", "p", "p Holm", "p BH"):
        table.add_column(header, justify="left" if header in ("task", "lang", "variant", "test") else "right")
    a_key, b_key = ("score_a", "score_b") if kind == "score" else ("gap_a", "gap_b")
    for row in rows:
        table.add_row(
            row["task"], row["language"], row["variant"], str(row["n_shared"]),
            _pct(row[a_key], kind == "gap"), _pct(row[b_key], kind == "gap"),
            f"{_pct(row['difference'], True)} {_ci(row, True)}", row["test"].replace("_", " "),
            _p(row["p_value"]), _p(row["p_holm"]), _p(row["p_bh"]),
        )
    return table


@handle_errors
def compare(
    a: Path = typer.Argument(..., help="Submission A (the reference).", dir_okay=False),
    b: Path = typer.Argument(..., help="Submission B; differences are B minus A.", dir_okay=False),
    n_resamples: int = typer.Option(10_000, "--n-resamples", min=1, help=_RESAMPLES_HELP),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the bootstrap and permutation draws (a non-negative integer)."),
    as_json: bool = typer.Option(False, "--json", help="Print the comparison as JSON instead of tables."),
) -> None:
    """Paired comparison of two submissions on shared items: scores and gaps, with CIs and tests."""
    from xtremer_robust.report.compare import compare_submissions

    result = compare_submissions(a, b, n_resamples=n_resamples, seed=seed)
    if as_json:
        typer.echo(json.dumps(result, indent=1, ensure_ascii=False))
        return
    console.print(f"A = {result['a']['model']} ({a}), B = {result['b']['model']} ({b}); points x100, items joined on id + content hash")
    console.print(_compare_table("Score difference per cell", result["scores"], "score"))
    if result["gaps"]:
        console.print(_compare_table("Gap difference per cell (gap = clean - perturbed)", result["gaps"], "gap"))


@handle_errors
def leaderboard(
    folder: Path = typer.Argument(..., help="Folder of submission JSON files (and their sidecars).", file_okay=False),
    out: Optional[Path] = typer.Option(None, "--out", help="Write leaderboard.md, leaderboard.html and plots/*.png here."),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Draw the PNG figures (with --out)."),
    markdown: bool = typer.Option(False, "--markdown", help="Print the Markdown table instead of the terminal table."),
) -> None:
    """Rank the valid submissions of a folder: terminal table, Markdown, HTML page and plots."""
    from xtremer_robust.report.leaderboard import collect_leaderboard, render_markdown, table_columns, table_rows, tier_rows
    from xtremer_robust.safepaths import check_output_dir

    if out is not None:
        check_output_dir(out, option="--out")  # before validating every submission
    board = collect_leaderboard(folder)
    if markdown:
        typer.echo(render_markdown(board), nl=False)
    else:
        table = Table(title="Leaderboard (scores x100, 95% CI)", title_justify="left")
        cols, rows = table_columns(board), table_rows(board)
        model_width = min(40, max(len(row["model"][0]) for row in rows))
        for key, header in cols:
            if key == "model":  # the one column that must stay readable in a narrow terminal
                table.add_column(header, justify="left", min_width=model_width)
            else:
                table.add_column(header, justify="right")
        for row in rows:
            table.add_row(*(row[key][0] for key, _ in cols))
        console.print(table)
        tiers = tier_rows(board)
        if tiers:
            tier_table = Table(title="Gap by language tier (x100, 95% CI)", title_justify="left")
            for header in ("Model", "Variant", "High", "Mid", "Low"):
                tier_table.add_column(header, justify="left" if header in ("Model", "Variant") else "right")
            for row in tiers:
                tier_table.add_row(*row)
            console.print(tier_table)
        for path, message in board.rejected:
            say(styled("rejected", "yellow"), f" {path.name}: {message}")
    if out is not None:
        from xtremer_robust.report.publish import write_leaderboard

        written = write_leaderboard(board, out, plots=plots)
        console.print("wrote " + ", ".join(str(p) for p in written.values()))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the application."""
    app.command("submit")(submit)
    app.command("validate")(validate)
    app.command("compare")(compare)
    app.command("leaderboard")(leaderboard)
