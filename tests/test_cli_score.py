"""The ``score`` and ``merge-shards`` commands: a good run, and every kind of bad input (exit 2, nothing written)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers.models import TINY_DATA, build_model
from xtremer_robust.cli import app

LABELS = ["contradiction", "entailment", "neutral"]
runner = CliRunner()


@pytest.fixture(scope="module")
def xnli_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_model(tmp_path_factory.mktemp("m") / "xnli", "pair_classification", labels=LABELS)


@pytest.fixture(scope="module")
def encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_model(tmp_path_factory.mktemp("m") / "enc", "retrieval")


def _score(*args: str):
    return runner.invoke(app, ["score", *args])


def test_score_writes_results_items_and_leaderboard(xnli_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _score(str(xnli_model), "--tasks", "xnli", "--langs", "sw", "--data-dir", str(TINY_DATA), "--out", str(out), "--cache", str(tmp_path / "c.sqlite"))
    assert result.exit_code == 0, result.output
    assert "xnli" in result.output and "accuracy" in result.output
    results = json.loads((out / "results.json").read_text())
    assert results["schema"] == "xtremer-robust/results/v1"
    assert set(results["model"]) >= {"id", "revision", "weights_sha256", "tokenizer_sha256", "n_parameters", "dtype", "quantized_4bit_expanded", "head"}
    assert set(results["harness"]) >= {"version", "git_commit", "libraries", "device", "batch_size", "throughput_items_per_s"}
    (cell,) = results["cells"]
    assert (out / cell["items_file"]).is_file() and (out / "xtreme" / "xnli" / "test-sw.tsv").is_file()


def test_shards_then_merge(xnli_model: Path, tmp_path: Path) -> None:
    common = ["--tasks", "xnli", "--langs", "sw", "--data-dir", str(TINY_DATA), "--cache", str(tmp_path / "c.sqlite")]
    for i in range(2):
        assert _score(str(xnli_model), *common, "--shard", f"{i}/2", "--out", str(tmp_path / f"s{i}")).exit_code == 0
    merged = runner.invoke(app, ["merge-shards", str(tmp_path / "s0"), str(tmp_path / "s1"), "--out", str(tmp_path / "m")])
    assert merged.exit_code == 0, merged.output
    assert json.loads((tmp_path / "m" / "results.json").read_text())["cells"][0]["n"] == 4


@pytest.mark.parametrize(
    "make_args, expected",
    [
        (lambda enc, xnli, tmp: [str(tmp / "no-such-folder"), "--tasks", "xnli"], "does not exist"),
        (lambda enc, xnli, tmp: ["someone/not-cached-model", "--tasks", "xnli"], "cannot be reached"),
        (lambda enc, xnli, tmp: [str(enc), "--tasks", "xnli"], "SequenceClassification head"),
        (lambda enc, xnli, tmp: [str(xnli), "--tasks", "pawsx", "--langs", "de"], "but task pawsx has 2 labels"),
        (lambda enc, xnli, tmp: [str(xnli), "--tasks", "xnlii"], "Did you mean 'xnli'"),
        (lambda enc, xnli, tmp: [str(xnli), "--tasks", "xnli", "--batch-size", "many"], "--batch-size"),
        (lambda enc, xnli, tmp: [str(xnli), "--tasks", "xnli", "--shard", "2/2"], "--shard"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(make_args, expected: str, encoder: Path, xnli_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    out = tmp_path / "out"
    result = _score(*make_args(encoder, xnli_model, tmp_path), "--data-dir", str(TINY_DATA), "--out", str(out), "--cache", str(tmp_path / "c.sqlite"))
    assert result.exit_code == 2, result.output
    assert expected in " ".join(result.output.split())
    assert not (out / "results.json").exists() and not (out / "items").exists()


def test_empty_set_is_refused(xnli_model: Path, tmp_path: Path) -> None:
    from xtremer_robust.data import TaskData
    from xtremer_robust.errors import DataError
    from xtremer_robust.runner import ScoreOptions, score_cells
    from xtremer_robust.runner.cells import CellPlan
    from xtremer_robust.tasks import get_task

    empty = TaskData("xnli", "sw", "test", "pair_classification", ())
    plan = CellPlan(get_task("xnli"), "sw", "test", "typos", lambda: (empty, "0" * 64))
    with pytest.raises(DataError, match="empty"):
        score_cells([plan], ScoreOptions(model_id=str(xnli_model), out=tmp_path / "out", cache_path=tmp_path / "c.sqlite"))
    assert not (tmp_path / "out" / "results.json").exists()


def test_score_every_subset_of_a_build(xnli_model: Path, tmp_path: Path) -> None:
    subsets = tmp_path / "subsets"
    built = runner.invoke(app, ["build-subsets", "--data-dir", str(TINY_DATA), "--out", str(subsets), "--tasks", "xnli", "--langs", "sw", "--recipes", "char_swap_10", "--no-generalized"])
    assert built.exit_code == 0, built.output
    out = tmp_path / "out"
    result = _score(str(xnli_model), "--subsets", str(subsets), "--tasks", "xnli", "--out", str(out), "--cache", str(tmp_path / "c.sqlite"))
    assert result.exit_code == 0, result.output
    cells = json.loads((out / "results.json").read_text())["cells"]
    assert {c["variant"] for c in cells} == {"clean", "char_swap_10"}
    index = {e["variant"]: e for e in json.loads((subsets / "index.json").read_text())["subsets"]}
    assert all(c["subset_sha256"] == index[c["variant"]]["sha256"] for c in cells)


def test_empty_subset_in_the_index_is_refused_before_any_work(xnli_model: Path, tmp_path: Path) -> None:
    subsets = tmp_path / "subsets"
    subsets.mkdir()
    entry = {"id": "x", "task": "xnli", "language": "sw", "split": "test", "variant": "clean", "n": 0, "file": "xnli/sw/test/clean.jsonl", "sha256": "0" * 64}
    (subsets / "index.json").write_text(json.dumps({"subsets": [entry], "views": {}}))
    result = _score(str(xnli_model), "--subsets", str(subsets), "--tasks", "xnli", "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "c.sqlite"))
    assert result.exit_code == 2 and "empty" in result.output
    assert not (tmp_path / "out").exists()


def test_unlabelled_sets_get_predictions_but_no_score(xnli_model: Path, tmp_path: Path) -> None:
    from xtremer_robust.data import PairItem, TaskData
    from xtremer_robust.report.score_outputs import read_score_run
    from xtremer_robust.runner import ScoreOptions, score_cells
    from xtremer_robust.runner.cells import CellPlan
    from xtremer_robust.tasks import get_task

    items = tuple(PairItem(id=f"u{i}", text_a="mtu anasoma", text_b="kitabu", label=None) for i in range(3))
    labelled = tuple(PairItem(id=f"l{i}", text_a="mtu anasoma", text_b="kitabu", label="neutral") for i in range(3))
    plans = [
        CellPlan(get_task("xnli"), "sw", "test", "clean", lambda: (TaskData("xnli", "sw", "test", "pair_classification", items), "a" * 64)),
        CellPlan(get_task("xnli"), "en", "test", "clean", lambda: (TaskData("xnli", "en", "test", "pair_classification", labelled), "b" * 64)),
    ]
    result = score_cells(plans, ScoreOptions(model_id=str(xnli_model), out=tmp_path / "out", cache_path=tmp_path / "c.sqlite"))
    results = json.loads(result.results_path.read_text())
    assert [c["language"] for c in results["cells"]] == ["en"]
    (unlabelled,) = results["unlabelled"]
    assert unlabelled["score"] is None and unlabelled["n"] == 3
    from xtremer_robust.report.run_layout import write_run_layout

    # the report part writes the layout of every clean cell, unlabelled ones included
    written = write_run_layout(tmp_path / "out", plans)
    assert [p.name for p in written] == ["test-en.tsv", "test-sw.tsv"]
    assert (tmp_path / "out" / "xtreme" / "xnli" / "test-sw.tsv").read_text().count("\n") == 3
    assert set(read_score_run(tmp_path / "out").cells) == {("xnli", "en", "test", "clean")}


def test_score_submit_writes_a_submission_that_validates(xnli_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _score(str(xnli_model), "--tasks", "xnli", "--langs", "sw", "--data-dir", str(TINY_DATA), "--out", str(out),
                    "--cache", str(tmp_path / "c.sqlite"), "--submit")
    assert result.exit_code == 0, result.output
    submission = out / "submission.json"
    assert json.loads(submission.read_text())["cells"][0]["task"] == "xnli"
    checked = runner.invoke(app, ["validate", str(submission)])
    assert checked.exit_code == 0 and "valid" in checked.output, checked.output


def test_submit_with_a_shard_is_refused_before_any_work(xnli_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _score(str(xnli_model), "--tasks", "xnli", "--data-dir", str(TINY_DATA), "--out", str(out), "--shard", "0/2", "--submit")
    assert result.exit_code == 2 and "merge-shards" in result.output
    assert not out.exists()
