"""A real score run (tiny random model, tiny data, a perturbed subset) -> submit -> validate -> compare -> leaderboard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers.models import TINY_DATA, build_model
from xtremer_robust.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("e2e")
    model = build_model(root / "model", "pair_classification", labels=["contradiction", "entailment", "neutral"])
    built = runner.invoke(app, ["build-subsets", "--data-dir", str(TINY_DATA), "--out", str(root / "subsets"), "--tasks", "xnli",
                                "--langs", "en,sw", "--recipes", "char_swap_10", "--no-generalized"])
    assert built.exit_code == 0, built.output
    score = runner.invoke(app, ["score", str(model), "--subsets", str(root / "subsets"), "--data-dir", str(TINY_DATA),
                                "--out", str(root / "run"), "--cache", str(root / "cache.sqlite")])
    assert score.exit_code == 0, score.output
    return root


def test_a_score_run_becomes_a_valid_submission(scored: Path) -> None:
    out = scored / "subs" / "tiny.json"
    result = runner.invoke(app, ["submit", str(scored / "run"), "--subsets", str(scored / "subsets"), "--out", str(out),
                                 "--n-resamples", "200", "--intermediate-task", "mnli", "--intermediate-steps", "0"])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    results = json.loads((scored / "run" / "results.json").read_text())
    assert {(c["language"], c["variant"]) for c in doc["cells"]} == {(c["language"], c["variant"]) for c in results["cells"]}
    assert {g["variant"] for g in doc["gaps"]} == {"char_swap_10"}
    swap = next(e for e in doc["subsets"]["entries"] if e["variant"] == "char_swap_10")
    assert swap["recipe"] == "char_swap" and swap["seed"] is not None
    index = json.loads((scored / "subsets" / "index.json").read_text())
    assert doc["subsets"]["index_sha256"] == index["index_sha256"]
    assert doc["model"]["weights_sha256"] == results["model"]["weights_sha256"]
    valid = runner.invoke(app, ["validate", str(out)])
    assert valid.exit_code == 0 and "valid" in valid.output, valid.output

    same = runner.invoke(app, ["compare", str(out), str(out), "--n-resamples", "100", "--json"])
    assert same.exit_code == 0, same.output
    assert all(row["difference"] == 0 for row in json.loads(same.output)["scores"])
    board = runner.invoke(app, ["leaderboard", str(out.parent), "--out", str(scored / "site"), "--no-plots"])
    assert board.exit_code == 0 and (scored / "site" / "leaderboard.html").is_file()
