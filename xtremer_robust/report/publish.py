"""Write a leaderboard folder: ``leaderboard.md``, ``leaderboard.html`` and ``plots/*.png``, atomically."""

from __future__ import annotations

from pathlib import Path

from xtremer_robust.report.html_page import render_html
from xtremer_robust.report.leaderboard import Leaderboard, render_markdown
from xtremer_robust.errors import ConfigError
from xtremer_robust.report.safe_json import write_bytes_atomic
from xtremer_robust.safepaths import check_output_dir

__all__ = ["write_leaderboard"]

_CAPTIONS = {
    "gap_by_tier": "Gap by language tier",
    "gap_by_language": "Gap by language",
    "clean_vs_perturbed": "Clean vs perturbed",
}


def write_leaderboard(board: Leaderboard, out_dir: str | Path, *, plots: bool = True) -> dict[str, Path]:
    """Render ``board`` into ``out_dir``; returns what was written, by kind."""
    out = check_output_dir(out_dir, option="--out")
    if (out / "plots").exists() and not (out / "plots").is_dir():
        raise ConfigError(f"--out: '{out / 'plots'}' is a file, but the figures go into a folder of that name; move it away")
    written: dict[str, Path] = {}
    figures: dict[str, bytes] = {}
    if plots:
        from xtremer_robust.report.plots import all_figures  # matplotlib only when asked

        for stem, png in all_figures(board).items():
            path = out / "plots" / f"{stem}.png"
            write_bytes_atomic(path, png)
            written[stem] = path
            figures[_CAPTIONS[stem]] = png
    written["markdown"] = out / "leaderboard.md"
    write_bytes_atomic(written["markdown"], render_markdown(board).encode("utf-8"))
    written["html"] = out / "leaderboard.html"
    write_bytes_atomic(written["html"], render_html(board, figures).encode("utf-8"))
    return written
