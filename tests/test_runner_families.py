"""Every task family scores end to end on tiny random models and the tiny fixture files.

Random weights make the scores meaningless; what is checked is the plumbing: one
prediction per item of the right shape, per-item stats that the task's metric aggregates
into the cell's score, files that the report part reads back, the XTREME layout, and a
second run that computes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from helpers.models import TINY_DATA, build_model
from xtremer_robust.metrics import metric_for_task
from xtremer_robust.runner import RunSettings, ScoreOptions, plan_cells, score_cells
from xtremer_robust.tasks import get_task

#: task -> (family of the tiny model, labels of its head, a language with a fixture file)
CASES = {
    "xnli": ("pair_classification", ["contradiction", "entailment", "neutral"], "sw"),
    "xcopa": ("multiple_choice", None, "qu"),
    "udpos": ("tagging", list(get_task("udpos").labels), "yo"),
    "panx": ("tagging", list(get_task("panx").labels), "yo"),
    "xquad": ("span_qa", None, "th"),
    "mlqa": ("span_qa", None, "ar"),
    "tatoeba": ("retrieval", None, "sw"),
    "lareqa": ("retrieval", None, "de"),
}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiny-models")
    return {task: build_model(root / task, family, labels=labels) for task, (family, labels, _) in CASES.items()}


def _run(model: Path, task: str, lang: str, out: Path, cache: Path, **kwargs) -> object:
    plans = plan_cells([get_task(task)], langs=[lang], data_dir=TINY_DATA)
    options = ScoreOptions(model_id=str(model), out=out, cache_path=cache, settings=RunSettings(device="cpu"), **kwargs)
    return score_cells(plans, options)


@pytest.mark.parametrize("task", list(CASES))
def test_family_end_to_end(task: str, models: dict[str, Path], tmp_path: Path) -> None:
    from xtremer_robust.data import load_task_data
    from xtremer_robust.report.score_outputs import read_score_run
    from xtremer_robust.report.run_layout import write_run_layout

    family, labels, lang = CASES[task]
    data = load_task_data(task, lang, data_dir=TINY_DATA)
    result = _run(models[task], task, lang, tmp_path / "out", tmp_path / "cache.sqlite")
    (cell,) = result.cells
    assert cell["n"] == len(data.items) > 0
    run = read_score_run(tmp_path / "out")  # the report part's reader accepts what we wrote
    items = run.cells[(task, lang, cell["split"], "clean")]
    metric = metric_for_task(task, lang)
    assert cell["score"] == pytest.approx(metric.score(items.stats))
    for item, prediction in zip(data.items, items.predictions):
        if family == "pair_classification":
            assert prediction in labels
        elif family == "multiple_choice":
            assert prediction in range(len(item.choices))
        elif family == "tagging":
            assert len(prediction) == len(item.tokens) and set(prediction) <= set(labels)
        elif family == "span_qa":
            assert isinstance(prediction, str) and prediction in item.context
        else:
            assert len(prediction["top"]) == min(20, len(data.candidates))
            assert all(r is None or 1 <= r <= len(data.candidates) for r in prediction["relevant_ranks"])
    # The report part writes the leaderboard layout from the runner's records.
    (xtreme,) = write_run_layout(tmp_path / "out", plan_cells([get_task(task)], langs=[lang], data_dir=TINY_DATA))
    assert xtreme.is_file() and xtreme.stat().st_size > 0 and "xtreme_file" not in cell
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["model"]["quantized_4bit_expanded"] is False
    assert results["harness"]["throughput_items_per_s"] > 0
    # Second run: everything from the cache, identical items file.
    again = _run(models[task], task, lang, tmp_path / "out2", tmp_path / "cache.sqlite")
    assert again.harness["throughput_items_per_s"] is None  # nothing was computed
    assert again.cells[0]["items_sha256"] == cell["items_sha256"]


def test_qa_long_context_uses_several_windows(models: dict[str, Path]) -> None:
    from xtremer_robust.data import load_task_data
    from xtremer_robust.models import load_model, resolve_model
    from xtremer_robust.families.qa import QAFeaturizer

    loaded = load_model(resolve_model(str(models["xquad"])), get_task("xquad"))
    family = QAFeaturizer(loaded)
    items = load_task_data("xquad", "th", data_dir=TINY_DATA).items
    long_item = type(items[0])(id="long", question=items[0].question, context=" ".join(f"w{n}" for n in range(600)), answers=items[0].answers)
    features = family.featurize([long_item])
    assert len(features) > 1 and all(f.length <= family.max_length for f in features)


def test_batch_size_does_not_change_predictions(models: dict[str, Path], tmp_path: Path) -> None:
    one = _run(models["udpos"], "udpos", "yo", tmp_path / "a", tmp_path / "a.sqlite", ).cells[0]
    options_fixed = dict(settings=RunSettings(device="cpu", batch_size=1))
    plans = plan_cells([get_task("udpos")], langs=["yo"], data_dir=TINY_DATA)
    fixed = score_cells(plans, ScoreOptions(model_id=str(models["udpos"]), out=tmp_path / "b", cache_path=tmp_path / "b.sqlite", **options_fixed)).cells[0]
    lines = lambda out, cell: [json.loads(l)["prediction"] for l in (out / cell["items_file"]).read_text().splitlines()]
    assert lines(tmp_path / "a", one) == lines(tmp_path / "b", fixed)


def test_limit_and_no_leaderboard_file(models: dict[str, Path], tmp_path: Path) -> None:
    result = _run(models["xnli"], "xnli", "sw", tmp_path / "out", tmp_path / "c.sqlite", limit=2)
    assert result.cells[0]["n"] == 2 and "xtreme_file" not in result.cells[0]
    assert not (tmp_path / "out" / "xtreme").exists()
