"""``compare``: paired differences of scores and gaps between two submissions, joined on (id, content hash)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers.fakerun import make_score_run  # noqa: E402

from xtremer_robust.cli import app  # noqa: E402
from xtremer_robust.report.compare import compare_submissions  # noqa: E402
from xtremer_robust.report.submission import build_submission  # noqa: E402


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("pair")
    a = build_submission(make_score_run(root / "ra", seed=1), out=root / "a" / "a.json", n_resamples=300)
    b = build_submission(make_score_run(root / "rb", seed=2, quality_drop=0.02), out=root / "b" / "b.json", n_resamples=300)
    same = build_submission(make_score_run(root / "rc", seed=1), out=root / "c" / "c.json", n_resamples=300)
    assert a["cells"] and b["cells"] and same["cells"]
    return root / "a" / "a.json", root / "b" / "b.json", root / "c" / "c.json"


def _cells(path: Path) -> dict[tuple[str, ...], dict]:
    doc = json.loads(path.read_text())
    return {(c["task"], c["language"], c["split"], c["variant"]): c for c in doc["cells"]}


def _gaps(path: Path) -> dict[tuple[str, ...], dict]:
    doc = json.loads(path.read_text())
    return {(g["task"], g["language"], g["split"], g["variant"]): g for g in doc["gaps"]}


def test_identical_submissions_differ_by_nothing(pair: tuple[Path, Path, Path]) -> None:
    a, _, same = pair
    result = compare_submissions(a, same, n_resamples=200)
    assert len(result["scores"]) == 18 and len(result["gaps"]) == 9
    for row in result["scores"] + result["gaps"]:
        assert row["difference"] == 0.0
        assert row["ci_low"] <= 0.0 <= row["ci_high"]
        assert row["p_value"] == pytest.approx(1.0)  # McNemar without discordant pairs, or every permutation ties


def test_differences_are_b_minus_a_on_the_submissions_own_numbers(pair: tuple[Path, Path, Path]) -> None:
    a, b, _ = pair
    result = compare_submissions(a, b, n_resamples=200, seed=4)
    cells_a, cells_b = _cells(a), _cells(b)
    for row in result["scores"]:
        key = (row["task"], row["language"], row["split"], row["variant"])
        assert row["n_shared"] == cells_a[key]["n"]  # the fake runs read the same item texts
        assert row["score_a"] == pytest.approx(cells_a[key]["score"])
        assert row["score_b"] == pytest.approx(cells_b[key]["score"])
        assert row["difference"] == pytest.approx(row["score_b"] - row["score_a"])
        assert row["ci_low"] <= row["difference"] <= row["ci_high"]
        assert 0 <= row["p_value"] <= row["p_holm"] <= 1
    gaps_a, gaps_b = _gaps(a), _gaps(b)
    for row in result["gaps"]:
        key = (row["task"], row["language"], row["split"], row["variant"])
        assert row["gap_a"] == pytest.approx(gaps_a[key]["gap"])
        assert row["gap_b"] == pytest.approx(gaps_b[key]["gap"])
        assert row["difference"] == pytest.approx(row["gap_b"] - row["gap_a"])
        assert cells_b[key]["n"] == row["n_shared"]


def test_items_with_another_content_hash_are_not_paired(tmp_path: Path) -> None:
    run_a = make_score_run(tmp_path / "ra", seed=1)
    run_b = make_score_run(tmp_path / "rb", seed=1)
    item_file = run_b / "items" / "xnli" / "en" / "test" / "clean.jsonl"
    lines = [json.loads(line) for line in item_file.read_text().splitlines()]
    for line in lines[:10]:
        line["content_hash"] = "0" * 64  # these ten items were read from different text
    item_file.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    results = json.loads((run_b / "results.json").read_text())
    for cell in results["cells"]:
        cell.pop("items_sha256")
    (run_b / "results.json").write_text(json.dumps(results))
    build_submission(run_a, out=tmp_path / "a" / "s.json", n_resamples=100)
    build_submission(run_b, out=tmp_path / "b" / "s.json", n_resamples=100)
    result = compare_submissions(tmp_path / "a" / "s.json", tmp_path / "b" / "s.json", n_resamples=100)
    row = next(r for r in result["scores"] if (r["task"], r["language"], r["variant"]) == ("xnli", "en", "clean"))
    assert (row["n_shared"], row["n_a"], row["n_b"]) == (50, 60, 60)
    gap = next(r for r in result["gaps"] if (r["task"], r["language"]) == ("xnli", "en"))
    assert gap["n_shared"] == 50


def test_cli_json_and_table(pair: tuple[Path, Path, Path]) -> None:
    a, b, _ = pair
    out = CliRunner().invoke(app, ["compare", str(a), str(b), "--n-resamples", "100", "--json"])
    assert out.exit_code == 0, out.output
    parsed = json.loads(out.output)
    assert parsed["direction"] == "B minus A" and parsed["a"]["model"] == "fake/model"
    table = CliRunner().invoke(app, ["compare", str(a), str(b), "--n-resamples", "100"])
    assert table.exit_code == 0 and "Gap difference per cell" in table.output
    missing = CliRunner().invoke(app, ["compare", str(a), str(a.parent / "nope.json")])
    assert missing.exit_code == 2 and "no such file" in missing.output
