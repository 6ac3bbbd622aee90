"""Leaderboard figures as PNG bytes, drawn with matplotlib's Agg canvas (no display, no global state).

Three views of robustness, all from validated submissions: the overall gap per language
tier with its stratified-bootstrap interval (does noise hurt low-resource languages more?),
the mean gap per language (which languages break), and clean against perturbed score for
every cell (how far each point falls below the diagonal).
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from xtremer_robust.languages import all_languages
from xtremer_robust.report.leaderboard import Leaderboard

__all__ = ["gap_by_tier", "gap_by_language", "clean_vs_perturbed", "all_figures"]

_TIERS = ("high", "mid", "low")
_MAX_SERIES = 8  # beyond this a legend stops being readable; the best-ranked are drawn


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def _series(board: Leaderboard) -> list[tuple[str, object, str]]:
    """(label, entry, variant) for each drawn series, best-ranked first."""
    series = [(f"{e.model} / {v}", e, v) for e in board.entries for v in e.variants]
    return series[:_MAX_SERIES]


def gap_by_tier(board: Leaderboard) -> bytes:
    """Grouped bars: overall gap (x100) per tier, one bar per (model, variant), 95% CI whiskers."""
    fig = Figure(figsize=(7.5, 4.2))
    ax = fig.add_subplot()
    series = _series(board)
    width = 0.8 / max(len(series), 1)
    for i, (label, entry, variant) in enumerate(series):
        xs, values, lows, highs = [], [], [], []
        for t, tier in enumerate(_TIERS):
            agg = entry.aggregate("gap", f"tier:{tier}", variant)
            if agg is None:
                continue
            xs.append(t - 0.4 + width * (i + 0.5))
            values.append(100 * agg["value"])
            lows.append(100 * (agg["value"] - agg["ci_low"]))
            highs.append(100 * (agg["ci_high"] - agg["value"]))
        ax.bar(xs, values, width=width * 0.95, yerr=[lows, highs], capsize=3, label=label)
    ax.axhline(0, color="#444", linewidth=0.8)
    ax.set_xticks(range(len(_TIERS)), [f"{t} resource" for t in _TIERS])
    ax.set_ylabel("gap: clean - perturbed (points)")
    ax.set_title("Robustness gap by language tier (95% CI)")
    if series:
        ax.legend(fontsize=8, frameon=False)
    return _png(fig)


def gap_by_language(board: Leaderboard) -> bytes:
    """Mean gap (x100) per language over tasks, one marker series per (model, variant)."""
    table = all_languages()
    series = _series(board)
    langs = sorted(
        {g["language"] for _, e, _ in series for g in e.doc["gaps"]},
        key=lambda code: (_TIERS.index(table[code].tier), code),
    )
    fig = Figure(figsize=(max(6.0, 0.38 * len(langs) + 2), 4.2))
    ax = fig.add_subplot()
    position = {code: i for i, code in enumerate(langs)}
    for label, entry, variant in series:
        per_lang: dict[str, list[float]] = {}
        for gap in entry.doc["gaps"]:
            if gap["variant"] == variant:
                per_lang.setdefault(gap["language"], []).append(100 * gap["gap"])
        codes = sorted(per_lang, key=position.__getitem__)
        ax.plot([position[c] for c in codes], [float(np.mean(per_lang[c])) for c in codes], "o", label=label, alpha=0.85)
    ax.axhline(0, color="#444", linewidth=0.8)
    ax.set_xticks(range(len(langs)), langs, rotation=90 if len(langs) > 20 else 0)
    for tick, code in zip(ax.get_xticklabels(), langs):
        tick.set_color({"high": "#1f4e79", "mid": "#7a5c00", "low": "#a40e26"}[table[code].tier])
    ax.set_xlabel("language (blue high, ochre mid, red low resource)")
    ax.set_ylabel("mean gap over tasks (points)")
    ax.set_title("Robustness gap by language")
    if series:  # outside the axes: points can sit anywhere, a legend inside would hide some
        ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _png(fig)


def clean_vs_perturbed(board: Leaderboard) -> bytes:
    """Scatter of every gap cell: clean score against perturbed score on the same items, with y = x."""
    fig = Figure(figsize=(4.6, 4.4))
    ax = fig.add_subplot()
    for label, entry, variant in _series(board):
        cells = [g for g in entry.doc["gaps"] if g["variant"] == variant]
        ax.scatter([100 * g["clean_score"] for g in cells], [100 * g["perturbed_score"] for g in cells], s=18, label=label, alpha=0.75)
    ax.plot([0, 100], [0, 100], color="#444", linewidth=0.8, linestyle="--")
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_aspect("equal")
    ax.set_xlabel("clean score")
    ax.set_ylabel("perturbed score (same items)")
    ax.set_title("Clean vs perturbed, one point per cell")
    if _series(board):
        ax.legend(fontsize=8, frameon=False, loc="upper left")
    return _png(fig)


def all_figures(board: Leaderboard) -> dict[str, bytes]:
    """File stem -> PNG bytes for the three figures."""
    return {
        "gap_by_tier": gap_by_tier(board),
        "gap_by_language": gap_by_language(board),
        "clean_vs_perturbed": clean_vs_perturbed(board),
    }
