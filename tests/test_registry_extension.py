"""A task of an existing family is one tasks.yaml entry: nothing else in the package changes.

The test copies the package's registry, appends a pair-classification task under a new
name that points at a tiny fixture written here, and scores it end to end with a tiny
random model: reading (the family's reader layout), the head (the family's head, labels
from the entry), prediction, per-item statistics, results, and the leaderboard layout file
(its extension read from the entry).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from helpers.models import build_model
from xtremer_robust.errors import ConfigError
from xtremer_robust.families import PAIR_CLASSIFICATION
from xtremer_robust.metrics import metric_for_task
from xtremer_robust.report.run_layout import write_run_layout
from xtremer_robust.report.score_outputs import read_score_run
from xtremer_robust.runner import RunSettings, ScoreOptions, plan_cells, score_cells
from xtremer_robust.tasks import get_task, use_registry

LABELS = ["contradiction", "entailment", "neutral"]
#: Our own sentences (no benchmark text), one tab-separated pair and label per line.
ROWS = [
    ("Mtoto anasoma kitabu.", "Mtoto anasoma.", "entailment"),
    ("Mtoto anasoma kitabu.", "Mtoto amelala.", "contradiction"),
    ("Jua linawaka leo.", "Kuna mawingu kidogo.", "neutral"),
    ("Mama anapika wali.", "Mama yuko jikoni.", "entailment"),
    ("Mama anapika wali.", "Mama hapiki chochote.", "contradiction"),
    ("Basi limechelewa.", "Abiria wamekasirika.", "neutral"),
]
ENTRY = """
nli_copy:
  family: pair_classification
  metric: accuracy
  headline: accuracy
  languages: [sw]
  labels: [contradiction, entailment, neutral]
  splits:
    test: ["nli_copy/test-{lang}.tsv"]
  eval_split: test
  hub: null
  leaderboard_ext: tsv
  licence: CC0 (written for this test)
"""


def _registry(tmp_path: Path, entry: str) -> Path:
    base = resources.files("xtremer_robust.tasks").joinpath("tasks.yaml").read_text(encoding="utf-8")
    path = tmp_path / "tasks.yaml"
    path.write_text(base.rstrip("\n") + "\n" + entry, encoding="utf-8")
    return path


def _data(tmp_path: Path) -> Path:
    folder = tmp_path / "data" / "nli_copy"
    folder.mkdir(parents=True)
    (folder / "test-sw.tsv").write_text("".join("\t".join(row) + "\n" for row in ROWS), encoding="utf-8")
    return tmp_path / "data"


def test_a_task_added_by_yaml_alone_scores_end_to_end(tmp_path: Path) -> None:
    model = build_model(tmp_path / "model", "pair_classification", labels=LABELS)
    data_dir, out = _data(tmp_path), tmp_path / "out"
    with use_registry(_registry(tmp_path, ENTRY)):
        spec = get_task("nli_copy")
        assert spec.family is PAIR_CLASSIFICATION and get_task("xnli").family is PAIR_CLASSIFICATION
        plans = plan_cells([spec], langs=["sw"], data_dir=data_dir)
        options = ScoreOptions(model_id=str(model), out=out, cache_path=tmp_path / "cache.sqlite", settings=RunSettings(device="cpu"))
        result = score_cells(plans, options)
        (cell,) = result.cells
        assert (cell["task"], cell["language"], cell["split"], cell["n"], cell["metric"]) == ("nli_copy", "sw", "test", 6, "accuracy")
        run = read_score_run(out)
        items = run.cells[("nli_copy", "sw", "test", "clean")]
        predictions = list(items.predictions)
        assert len(predictions) == len(ROWS) and set(predictions) <= set(LABELS)
        # The score, worked out here from the fixture's gold labels, not by the metric code.
        expected = sum(p == gold for p, (_, _, gold) in zip(predictions, ROWS)) / len(ROWS)
        assert cell["score"] == pytest.approx(expected)
        (layout,) = write_run_layout(out, plans)
    assert layout == out / "xtreme" / "nli_copy" / "test-sw.tsv"  # the entry's leaderboard_ext
    assert layout.read_text(encoding="utf-8").splitlines() == predictions
    with pytest.raises(ConfigError, match="Unknown task 'nli_copy'"):
        get_task("nli_copy")  # leaving the block restores the package's registry


def test_an_entry_with_an_unknown_family_is_refused_on_entry(tmp_path: Path) -> None:
    bad = _registry(tmp_path, ENTRY.replace("family: pair_classification", "family: pair_classifcation"))
    with pytest.raises(ConfigError, match="nli_copy has family 'pair_classifcation', expected one of"):
        with use_registry(bad):
            pass


def test_an_entry_whose_score_names_disagree_with_its_metric_is_refused(tmp_path: Path) -> None:
    bad = _registry(tmp_path, ENTRY.replace("headline: accuracy", "headline: f1"))
    with use_registry(bad), pytest.raises(ConfigError, match="set headline: accuracy"):
        metric_for_task("nli_copy")


def test_an_entry_without_a_required_field_names_the_field(tmp_path: Path) -> None:
    bad = _registry(tmp_path, ENTRY.replace("  leaderboard_ext: tsv\n", ""))
    with pytest.raises(ConfigError, match="task nli_copy lacks the field 'leaderboard_ext'"):
        with use_registry(bad):
            pass
