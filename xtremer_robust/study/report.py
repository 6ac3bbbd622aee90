"""Write a study's ``study.json`` (validated), ``report.md`` and plots.

Every number in the report is read from ``study.json``, which is computed from the finished
units; the answer sentences are chosen by the intervals, never written by hand.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from xtremer_robust.errors import SchemaError
from xtremer_robust.atomic import atomic_write_text

__all__ = ["write_study", "validate_study", "answer_sentence", "render_report"]


def validate_study(document: dict[str, Any]) -> None:
    """Check ``document`` against the versioned study schema (``schemas/study.schema.json``)."""
    import jsonschema

    schema = json.loads(resources.files(__package__).joinpath("schemas/study.schema.json").read_text(encoding="utf-8"))
    try:
        jsonschema.validate(document, schema)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(top level)"
        raise SchemaError(f"study.json at {where}: {exc.message}") from exc


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:+.{digits}f}" if digits else f"{value:.0f}"


def _ci(pair: Any, digits: int = 1) -> str:
    return "-" if not pair else f"[{pair[0]:+.{digits}f}, {pair[1]:+.{digits}f}]"


def answer_sentence(target: str, group: dict[str, Any]) -> str:
    """One sentence per target, chosen by whether the slope's interval excludes zero."""
    trend = group.get("trend") or {}
    gap = trend.get("gap")
    if not gap:
        rows = group["per_duration"]
        if len(group["durations"]) == 1 and rows:
            row = rows[0]
            return (f"{target}: one duration (step {row['duration']}), no trend: clean {row['clean']:.1f} {_ci(row['clean_ci'])}, "
                    f"gap {row['gap']:+.1f} {_ci(row['gap_ci'])} points.")
        return f"{target}: fewer than two durations finished; no trend yet."
    lo, hi = gap["slope_ci"]
    rows = group["per_duration"]
    first, last = rows[0], rows[-1]
    span = f"the gap is {first['gap']:+.1f} points at step {first['duration']} and {last['gap']:+.1f} at step {last['duration']}"
    clean = trend.get("clean", {})
    clean_part = ""
    if clean:
        c_lo, c_hi = clean["slope_ci"]
        moved = "rises" if c_lo > 0 else "falls" if c_hi < 0 else "does not move detectably"
        clean_part = (f" The clean score {moved} (slope {clean['slope']:+.2f} [{c_lo:+.2f}, {c_hi:+.2f}]; {first['clean']:.1f} at step "
                      f"{first['duration']}, {last['clean']:.1f} at step {last['duration']}).")
        if first.get("relative_drop") is not None and last.get("relative_drop") is not None:
            clean_part += (f" Relative drop (gap / clean): {first['relative_drop']:.1f}% {_ci(first.get('relative_drop_ci'))} at step "
                           f"{first['duration']}, {last['relative_drop']:.1f}% {_ci(last.get('relative_drop_ci'))} at step {last['duration']}.")
            a, b = first.get("relative_drop_ci"), last.get("relative_drop_ci")
            if a and b and (a[1] < b[0] or b[1] < a[0]):
                clean_part += " The relative drop changes too: robustness moves beyond what the clean score explains."
            elif a and b:
                clean_part += (" Those intervals overlap: a change of robustness beyond the change of the clean score is not shown"
                               + (" (the gap narrows while the clean score falls)." if c_hi < 0 and hi < 0 else "."))
    if lo > 0 or hi < 0:
        direction = "widens" if lo > 0 else "narrows"
        return (f"{target}: the robustness gap {direction} with intermediate-training duration: slope {gap['slope']:+.2f} points "
                f"per unit of log(1 + steps), 95% CI [{lo:+.2f}, {hi:+.2f}] ({span}).{clean_part}")
    change = ""
    if "last_minus_first_mde" in gap:
        c_lo, c_hi = gap["last_minus_first_ci"]
        change = (f"; step {last['duration']} minus step {first['duration']}: {gap['last_minus_first']:+.1f} [{c_lo:+.1f}, {c_hi:+.1f}], "
                  f"minimum detectable change about {gap['last_minus_first_mde']:.1f} points")
    return (f"{target}: no detectable effect of intermediate-training duration on the robustness gap at this scale: slope "
            f"{gap['slope']:+.2f} points per unit of log(1 + steps), 95% CI [{lo:+.2f}, {hi:+.2f}] ({span}{change}).{clean_part}")


def _group_table(groups: list[dict[str, Any]], arm: str, prefix: str) -> list[str]:
    lines = ["| group | step | clean | gap (clean - perturbed) | 95% CI | relative drop (%) | MDE | slope of gap vs log(1+steps) [95% CI] | Spearman rho (p) |",
             "| --- | ---: | ---: | ---: | --- | ---: | ---: | --- | --- |"]
    for g in groups:
        if g["arm"] != arm or not g["group"].startswith(prefix):
            continue
        trend = g.get("trend") or {}
        slope = trend.get("gap")
        spearman = trend.get("spearman") or {}
        for k, row in enumerate(g["per_duration"]):
            slope_cell = f"{slope['slope']:+.2f} {_ci(slope['slope_ci'], 2)}" if slope and k == 0 else ""
            rho = spearman.get("rho")
            sp_cell = f"{rho:+.2f} ({spearman['p']:.2f})" if k == 0 and rho is not None and spearman.get("p") is not None else ""
            rel = "-" if row["relative_drop"] is None else f"{row['relative_drop']:.1f}"
            lines.append(f"| {g['group'] if k == 0 else ''} | {row['duration']} | {row['clean']:.1f} | {row['gap']:+.1f} | {_ci(row['gap_ci'])} | "
                         f"{rel} | {row['gap_mde']:.1f} | {slope_cell} | {sp_cell} |")
    return lines


def _arm_table(groups: list[dict[str, Any]]) -> list[str]:
    lines = ["| arm | group | step | gap difference (arm - none) | 95% CI | clean difference | 95% CI |", "| --- | --- | ---: | ---: | --- | ---: | --- |"]
    found = False
    for g in groups:
        for row in g["per_duration"]:
            vs = row.get("vs_baseline")
            if vs and g["group"] in ("all",) + tuple(x for x in [g["group"]] if x.startswith("tier:")):
                found = True
                lines.append(f"| {g['arm']} | {g['group']} | {row['duration']} | {vs['gap_difference']:+.1f} | {_ci(vs['gap_difference_ci'])} | "
                             f"{vs['clean_difference']:+.1f} | {_ci(vs['clean_difference_ci'])} |")
    return lines if found else []


def _shortcuts(document: dict[str, Any]) -> list[str]:
    """What the configuration cut to fit its machine, and what each cut costs in precision."""
    config = document["config"]
    train = config.get("train") or {}
    lines = ["## Shortcuts and their price", ""]
    frozen = train.get("freeze_layers", 0)
    if frozen:
        lines.append(f"- **Frozen encoder prefix**: the embeddings and the lowest {frozen} layers are frozen in both stages "
                     "(computed once per example, frozen-prefix caching); only the layers above and the head train. Price: "
                     "any effect of intermediate training on the lower layers, where character noise first lands, is out of reach.")
    elif train.get("freeze_embeddings"):
        lines.append("- **Frozen embeddings** in both stages.")
    intermediate = ""
    if max(config.get("durations") or [0]) > 0:
        intermediate = (f", {train.get('max_intermediate_examples') or train.get('max_train_examples') or 'all'} intermediate examples "
                        f"({train.get('qa_max_length', 256)} sub-words for QA windows)")
    lines.append(f"- **Input length and data**: {train.get('max_length', 128)} sub-words; "
                 f"target fine-tuning {train.get('target_steps')} steps of batch {train.get('batch_size')}; "
                 f"at most {train.get('max_train_examples') or 'all'} English target examples{intermediate}.")
    for target, block in document["targets"].items():
        ns = sorted({c["n"] for c in document["cells"] if c["target"] == target})
        overall = next((g for g in block["groups"] if g["arm"] == "none" and g["group"] == "all"), None)
        if not ns or not overall:
            continue
        mde = [r["gap_mde"] for r in overall["per_duration"]]
        lines.append(f"- **{target}, items**: {config.get('items_per_language') or 'every item'} per language; n per (language, variant) "
                     f"cell {ns[0]}-{ns[-1]}. Minimum detectable gap per duration (all languages and recipes, 80% power, "
                     f"two-sided 0.05, from the two-level bootstrap SE): {min(mde):.1f}-{max(mde):.1f} points; per single "
                     "language cell it is several times larger.")
    return lines + [""]


def render_report(document: dict[str, Any], *, notes: str = "") -> str:
    """``report.md`` from ``study.json`` (numbers only from the document)."""
    lines = [f"# Study: {document['name']}", "", "Reproduce (every number below comes from this run):", "", "```bash", document["command"], "```", ""]
    lines += [f"Models finished: {document['models_done']} of {document['models_planned']} planned. "
              f"Bootstrap: {document['bootstrap']['resamples']} two-level replicates (seeds, then items within each language), seed {document['bootstrap']['seed']}.", ""]
    lines += ["## Answer", ""]
    for target, block in document["targets"].items():
        overall = next((g for g in block["groups"] if g["arm"] == "none" and g["group"] == "all"), None)
        if overall:
            lines.append(f"- {answer_sentence(target, overall)}")
        for g in block["groups"]:
            trend = (g.get("trend") or {}).get("gap")
            if g["arm"] == "none" and g["group"] in ("tier:low", "unseen:xlmr") and trend:
                lo, hi = trend["slope_ci"]
                verdict = "detectable" if lo > 0 or hi < 0 else "not detectable"
                lines.append(f"  - {g['group']} ({g['n_cells']} cells): slope {trend['slope']:+.2f} [{lo:+.2f}, {hi:+.2f}], {verdict} at this scale.")
        rsda = next((g for g in block["groups"] if g["arm"] != "none" and g["group"] == "all"), None)
        if rsda:
            for row in rsda["per_duration"]:
                vs = row.get("vs_baseline")
                if vs:
                    lo, hi = vs["gap_difference_ci"]
                    lines.append(f"  - arm {rsda['arm']} against none at step {row['duration']}: gap {vs['gap_difference']:+.1f} [{lo:+.1f}, {hi:+.1f}], "
                                 f"clean {vs['clean_difference']:+.1f} {_ci(vs['clean_difference_ci'])} points.")
    lines.append("")
    if notes:
        lines += [notes.strip(), ""]
    lines += _shortcuts(document)
    for target, block in document["targets"].items():
        lines += [f"## {target} ({block['metric']}, points; languages: {', '.join(block['languages'])})", ""]
        lines += ["Seeds finished per arm: " + ", ".join(f"{a}: {s}" for a, s in block["seeds_done"].items()), ""]
        for arm in sorted({g["arm"] for g in block["groups"]}):
            lines += [f"### arm {arm}: all languages and tiers", ""] + _group_table(block["groups"], arm, "all")
            lines += _group_table(block["groups"], arm, "tier:")[2:] + _group_table(block["groups"], arm, "unseen:")[2:] + [""]
            lines += [f"### arm {arm}: per recipe", ""] + _group_table(block["groups"], arm, "recipe:") + [""]
        arm_lines = _arm_table(block["groups"])
        if arm_lines:
            lines += ["### Robust training against standard fine-tuning (paired: same seeds and items)", ""] + arm_lines + [""]
        lines += [f"![gap by tier](plots/{target}_gap_by_tier.png)", f"![gap by recipe](plots/{target}_gap_by_recipe.png)",
                  f"![clean by duration](plots/{target}_clean.png)", ""]
    return "\n".join(lines) + "\n"


def _plots(document: dict[str, Any], folder: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for target, block in document["targets"].items():
        for kind, prefix, value in (("gap_by_tier", ("all", "tier:"), "gap"), ("gap_by_recipe", ("recipe:",), "gap"), ("clean", ("all", "tier:"), "clean")):
            fig, ax = plt.subplots(figsize=(6.4, 4.0))
            for g in block["groups"]:
                if g["arm"] != "none" or not g["group"].startswith(prefix):
                    continue
                xs = np.log1p([r["duration"] for r in g["per_duration"]])
                ys = [r[value] for r in g["per_duration"]]
                cis = [r[f"{value}_ci"] for r in g["per_duration"]]
                err = np.array([[y - c[0] for y, c in zip(ys, cis)], [c[1] - y for y, c in zip(ys, cis)]])
                ax.errorbar(xs, ys, yerr=err, marker="o", capsize=3, label=g["group"])
            durations = block["groups"][0]["durations"] if block["groups"] else []
            ax.set_xticks(np.log1p(durations), [str(d) for d in durations])
            ax.set_xlabel("intermediate-training steps (log(1 + steps) axis)")
            ax.set_ylabel(("robustness gap, clean - perturbed" if value == "gap" else "clean score") + f" ({block['metric']}, points)")
            ax.set_title(f"{target}: {kind.replace('_', ' ')} (95% two-level bootstrap CIs)")
            ax.axhline(0, color="grey", linewidth=0.5) if value == "gap" else None
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=8)
            fig.tight_layout()
            path = folder / f"{target}_{kind}.png"
            tmp = path.with_name(f".{path.name}.tmp.png")
            fig.savefig(tmp, dpi=110)
            plt.close(fig)
            tmp.replace(path)
            written.append(path)
    return written


def write_study(document: dict[str, Any], out: Path, *, notes: str = "") -> list[Path]:
    """Validate and write study.json, report.md and the plots (each by rename)."""
    document = json.loads(json.dumps(document))  # plain JSON types (tuples become lists), as a reader sees it
    validate_study(document)
    out = Path(out)
    atomic_write_text(out / "study.json", json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    atomic_write_text(out / "report.md", render_report(document, notes=notes))
    return [out / "study.json", out / "report.md", *_plots(document, out / "plots")]
