"""Measure every recipe on one real (task, language) set: speed, how much changed, validity.

Why: the figures in ``docs/perturb.md`` must come from a command anyone can rerun::

    python -m xtremer_robust.perturb.survey --data-dir ../shared/xtremer-data --task xnli --lang hi --limit 1000

For each recipe: items per second (``apply_recipe`` only, one process), share of items
changed, share skipped, mean character edit ratio of the changed items, and the validity
figures of :func:`validity.validity_figures` on the edited texts.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.progress import track
from rich.table import Table

from xtremer_robust.perturb.apply import DEFAULT_FIELDS, apply_recipe, perturbable_texts
from xtremer_robust.perturb.recipes import all_recipes, get_recipe
from xtremer_robust.perturb.validity import validity_figures

__all__ = ["survey", "main"]


def survey(
    items: list, task: str, lang: str, *, rate: float, seed: int, lexicon: str | None, names: list[str] | None = None
) -> list[dict[str, object]]:
    """One row of figures per recipe (``names``: all registered recipes when None)."""
    rows = []
    for name in names or sorted(all_recipes()):
        params: dict[str, object] = {"rate": rate}
        if name == "code_switch":
            if lexicon is None:
                continue
            params["lexicon"] = lexicon
        recipe = get_recipe(name, **params)
        warm = get_recipe(name, **{**params, "rate": 1.0})  # library imports stay out of the timing
        for item in items[:3]:
            apply_recipe(item, warm, seed=seed, task=task, lang=lang)
        start = time.perf_counter()
        outs = [apply_recipe(item, recipe, seed=seed, task=task, lang=lang) for item in items]
        elapsed = time.perf_counter() - start
        changed = [o for o in outs if o.changed]
        before: list[str] = []
        after: list[str] = []
        for item, out in zip(items, outs):
            fields = DEFAULT_FIELDS[type(item)]
            before.extend(perturbable_texts(item, fields))
            after.extend(perturbable_texts(out.record, fields))
        figures = validity_figures(before, after, lang, rewrites_marks=recipe.rewrites_marks)
        rows.append(
            {
                "recipe": name,
                "items_per_s": len(items) / elapsed if elapsed else float("inf"),
                "changed_share": len(changed) / len(items),
                "skipped_share": sum(o.skipped_reason is not None for o in outs) / len(items),
                "mean_char_edit_ratio": sum(o.char_edit_ratio for o in changed) / len(changed) if changed else 0.0,
                **figures,
            }
        )
    return rows


def main(argv: list[str] | None = None) -> None:
    """Print the survey table for one set."""
    from xtremer_robust.data import load_task_data

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--task", default="xnli")
    parser.add_argument("--lang", default="hi")
    parser.add_argument("--limit", type=int, default=1000, help="first N items of the set")
    parser.add_argument("--rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--recipes", default=None, help="comma-separated names (default: all)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table instead of a rich one")
    args = parser.parse_args(argv)
    data = load_task_data(args.task, args.lang, data_dir=args.data_dir)
    items = list(data.items[: args.limit])
    lexicon = args.data_dir / "robust_xlt" / "counterfitted_neighbors.json"
    names = args.recipes.split(",") if args.recipes else sorted(all_recipes())
    columns = ["recipe", "items_per_s", "changed_share", "skipped_share", "mean_char_edit_ratio",
               "source_well_formed_share", "well_formed_share", "no_split_share", "langid_agreement"]
    rows = []
    for name in track(names, description=f"{args.task}/{args.lang}: {len(items)} items", transient=True):
        rows.extend(survey(items, args.task, args.lang, rate=args.rate, seed=args.seed,
                           lexicon=str(lexicon) if lexicon.exists() else None, names=[name]))
    if args.markdown:
        print(f"{args.task} {args.lang} ({data.split}), first {len(items)} items, rate {args.rate}, seed {args.seed}\n")
        print("| " + " | ".join(columns) + " |")
        print("|" + "---|" * len(columns))
        for row in rows:
            print("| " + " | ".join(f"{row[c]:.3g}" if isinstance(row[c], float) else str(row[c]) for c in columns) + " |")
        return
    table = Table(title=f"{args.task} {args.lang} ({data.split}), first {len(items)} items, rate {args.rate}, seed {args.seed}")
    for column in columns:
        table.add_column(column, justify="left" if column == "recipe" else "right")
    for row in rows:
        table.add_row(*[f"{row[c]:.3g}" if isinstance(row[c], float) else str(row[c]) for c in columns])
    Console(width=200).print(table)


if __name__ == "__main__":
    main()
