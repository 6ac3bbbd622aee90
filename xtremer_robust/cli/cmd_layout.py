"""``xtremer-robust evaluate-layout``: score an XTREME-layout prediction folder made by any tool."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from xtremer_robust.cli.common import handle_errors, say


def _interval(ci: dict[str, Any]) -> str:
    if ci["ci_low"] is None:
        return f"n/a (n={ci['n']})"
    return f"[{ci['ci_low']:.2f}, {ci['ci_high']:.2f}]"


def _print_report(report: dict[str, Any]) -> None:
    """``evaluate.py``'s printout (per task: each metric's languages and values, then the
    averages), each metric followed by its per-language intervals, then the aggregates."""
    level = int(round(100 * report["bootstrap"]["confidence"]))
    say(f"Evaluating on {report['version']}.")
    for task, task_scores in report["detailed"].items():
        say(f"\n====== {task} ======")
        metrics = []
        for metric, by_lang in task_scores.items():
            if metric.startswith("avg"):
                continue
            say(f"------ {metric} ------")
            say(", ".join(by_lang))
            say(", ".join(f"{v:.2f}" for v in by_lang.values()))
            cis = report["intervals"][task]
            shown = [f"{lang} {_interval(cis[lang][metric])}" for lang in by_lang if metric in cis.get(lang, {})]
            if shown:
                say(f"{level}% CI: " + ", ".join(shown))
            metrics.append(metric)
        for metric in [*metrics, "metric"]:
            say(f"{metric}: {task_scores[f'avg_{metric}']:.2f}")
    overall = report["overall"]
    say("\n====== overall (evaluate.py) ======")
    say(", ".join(f"{k}={v:.2f}" for k, v in overall.items()) or "no group complete")
    for note in report["notes"]:
        say(f"note: {note}")
    for convention, bench in report["benchmark"].items():
        figure = f"{bench['overall']:.2f}" if bench["overall"] is not None else "not complete"
        partial = f"; partial mean over {len(bench['tasks'])} task(s) {bench['partial_overall']:.2f}" if not bench["complete"] and bench["partial_overall"] is not None else ""
        missing = f"; missing tasks: {', '.join(bench['missing_tasks'])}" if bench["missing_tasks"] else ""
        say(f"{report['version']} score ({convention} convention): {figure}{partial}{missing}")


def register(app: typer.Typer) -> None:
    """Add this module's command to the application."""

    @app.command("evaluate-layout")
    @handle_errors
    def evaluate_layout_cmd(
        pred_dir: Path = typer.Argument(..., help="Prediction folder in the XTREME layout: <task>/test-<lang>.<ext>."),
        labels: Path = typer.Option(..., "--labels", help="Label folder in the same layout (QA gold as SQuAD JSON)."),
        version: str = typer.Option("xtreme-r", "--version", help="Benchmark version: xtreme-r or xtreme (language lists, groups)."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document instead of evaluate.py's text."),
        n_resamples: int = typer.Option(10_000, "--n-resamples", min=100, help="Bootstrap resamples per language interval."),
        seed: int = typer.Option(0, "--seed", min=0, help="Bootstrap seed (>= 0)."),
    ) -> None:
        """Score an XTREME-layout prediction folder as XTREME's evaluate.py does, with 95% bootstrap
        intervals per language and this package's benchmark score (which computes for XTREME-R)."""
        from xtremer_robust.report.layout_eval import evaluate_layout

        report = evaluate_layout(pred_dir, labels, version, n_resamples=n_resamples, seed=seed)
        if as_json:
            typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            _print_report(report)
