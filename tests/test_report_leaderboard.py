"""``leaderboard``: ranking, Markdown, the static HTML page (checked in headless chromium) and PNG plots."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers.fakerun import make_score_run  # noqa: E402

from xtremer_robust.cli import app  # noqa: E402
from xtremer_robust.report.html_page import render_html  # noqa: E402
from xtremer_robust.report.leaderboard import collect_leaderboard, render_markdown  # noqa: E402
from xtremer_robust.report.publish import write_leaderboard  # noqa: E402
from xtremer_robust.report.submission import build_submission  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def board_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("board")
    folder = root / "subs"
    for seed, name, drop in ((1, "org/zeta", 0.2), (2, "org/alpha", 0.05), (3, "org/mid", 0.1)):
        run = make_score_run(root / f"run{seed}", seed=seed, quality_drop=drop, model_id=name)
        build_submission(run, out=folder / f"{name.split('/')[1]}.json", n_resamples=200,
                         intermediate_task="<img src=x onerror=alert(1)>" if seed == 3 else None,
                         intermediate_steps=1000 if seed == 3 else None)
    (folder / "broken.json").write_text('{"schema": "xtremer-robust/submission/v1", "cells": NaN}')
    return folder


def _expected_order(folder: Path) -> list[str]:
    scores = {}
    for path in folder.glob("*.json"):
        if path.name == "broken.json":
            continue
        doc = json.loads(path.read_text())
        overall = next(a for a in doc["aggregates"]["overall"] if a["kind"] == "score" and a["variant"] == "clean")
        scores[doc["model"]["id"]] = overall["value"]
    return sorted(scores, key=lambda model: -scores[model])


def test_ranking_follows_the_overall_clean_score_and_lists_rejects(board_dir: Path) -> None:
    board = collect_leaderboard(board_dir)
    assert [e.doc["model"]["id"] for e in board.entries] == _expected_order(board_dir)
    assert [p.name for p, _ in board.rejected] == ["broken.json"]
    assert "non-JSON constant NaN" in board.rejected[0][1]


def test_markdown_has_one_row_per_submission_with_intervals(board_dir: Path) -> None:
    text = render_markdown(collect_leaderboard(board_dir))
    rows = [line for line in text.splitlines() if re.match(r"\| \d+ \|", line)]
    assert len(rows) == 3
    assert all(re.search(r"\d+\.\d \[\d+\.\d, \d+\.\d\]", row) for row in rows)
    assert "Rejected `broken.json`" in text
    tier_rows = [line for line in text.splitlines() if line.startswith("| org/") and "| char_swap |" in line]
    assert len(tier_rows) == 3 and all(line.count("[") == 3 for line in tier_rows)


def test_html_escapes_submission_text(board_dir: Path) -> None:
    page = render_html(collect_leaderboard(board_dir))
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_plots_are_pngs(board_dir: Path, tmp_path: Path) -> None:
    written = write_leaderboard(collect_leaderboard(board_dir), tmp_path / "out")
    for stem in ("gap_by_tier", "gap_by_language", "clean_vs_perturbed"):
        data = written[stem].read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000
    html = written["html"].read_text()
    assert html.count("data:image/png;base64,") == 3


def test_cli_prints_table_and_writes_files(board_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["leaderboard", str(board_dir), "--out", str(tmp_path / "lb")])
    assert result.exit_code == 0, result.output
    assert "org/alpha" in result.output and "rejected" in result.output
    assert (tmp_path / "lb" / "leaderboard.md").is_file() and (tmp_path / "lb" / "plots" / "gap_by_tier.png").is_file()
    md = CliRunner().invoke(app, ["leaderboard", str(board_dir), "--markdown"])
    assert md.exit_code == 0 and md.output.startswith("| Rank |")
    empty = CliRunner().invoke(app, ["leaderboard", str(tmp_path / "lb" / "plots")])
    assert empty.exit_code == 2 and "no valid submission" in empty.output


def _chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    base = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}"]
    return subprocess.run(base + args, capture_output=True, text=True, timeout=120, check=False)


def _model_order(dom: str) -> list[str]:
    body = dom.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<td data-sort="(org/[a-z]+)[^"]*"', body)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium)")
def test_html_in_a_real_headless_browser(board_dir: Path, tmp_path: Path) -> None:
    written = write_leaderboard(collect_leaderboard(board_dir), tmp_path / "out", plots=False)
    page = written["html"].resolve().as_uri()
    static = written["html"].read_text()
    assert "data-sorted-by" not in static.split("<script>")[0]  # only the script can set it

    dom = _chromium(["--dump-dom", page], tmp_path / "p1").stdout
    assert 'data-sorted-by="clean:desc"' in dom
    assert re.search(r'<th data-key="clean"[^>]*aria-sort="descending"', dom)
    assert _model_order(dom) == _expected_order(board_dir)

    by_model = _chromium(["--dump-dom", page + "#sort=model"], tmp_path / "p2").stdout
    assert 'data-sorted-by="model:asc"' in by_model
    assert _model_order(by_model) == sorted(_expected_order(board_dir))

    shot = tmp_path / "shot.png"
    _chromium([f"--screenshot={shot}", "--window-size=1280,900", page], tmp_path / "p3")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    shutil.rmtree(tmp_path / "p1", ignore_errors=True)


def test_a_percent_scale_submission_ranks_on_the_same_footing(tmp_path: Path) -> None:
    run = make_score_run(tmp_path / "run", seed=5, model_id="org/percent")
    folder = tmp_path / "subs"
    build_submission(run, out=folder / "p.json", n_resamples=100)
    fraction_md = render_markdown(collect_leaderboard(folder))
    doc = json.loads((folder / "p.json").read_text())
    doc["statistics"]["score_scale"] = "percent"
    for cell in doc["cells"]:
        for key in ("score", "ci_low", "ci_high"):
            cell[key] *= 100
        cell["secondary"] = {k: v * 100 for k, v in cell.get("secondary", {}).items()}
    for gap in doc["gaps"]:
        for key in ("clean_score", "perturbed_score", "gap", "ci_low", "ci_high", "mde"):
            gap[key] *= 100
    for bucket in ("per_task", "per_tier", "overall"):
        for agg in doc["aggregates"][bucket]:
            for key in ("value", "ci_low", "ci_high"):
                agg[key] *= 100
    (folder / "p.json").write_text(json.dumps(doc))
    assert render_markdown(collect_leaderboard(folder)) == fraction_md
