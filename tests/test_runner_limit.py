"""``score --limit`` and ``build-subsets --limit``: one seeded sample by item id, the same ids."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from helpers.models import build_model
from xtremer_robust.cli.app import app
from xtremer_robust.data import PairItem, load_task_data
from xtremer_robust.data.sampling import SAMPLE_SEED, sample_ids
from xtremer_robust.runner import RunSettings, ScoreOptions, plan_cells, score_cells
from xtremer_robust.runner.score import LIMIT_SEED, _limited_positions
from xtremer_robust.subsets import load_subset
from xtremer_robust.tasks import get_task

#: sample_ids of test-00000..test-00039 for task xnli, n = 7, with the one sample seed
#: (20211107); seed 0 would pick test-00003, -08, -09, -11, -12, -14, -15.
SEVEN_OF_FORTY = ["test-00004", "test-00007", "test-00009", "test-00013", "test-00023", "test-00034", "test-00035"]
LABELS = ["contradiction", "entailment", "neutral"]


def _items(n: int) -> list[PairItem]:
    return [PairItem(f"test-{i:05d}", f"a{i}", f"b{i}", "neutral") for i in range(n)]


def _xnli_folder(root: Path, n: int = 40) -> Path:
    folder = root / "xnli"
    folder.mkdir(parents=True)
    (folder / "test-sw.tsv").write_text("".join(f"Sentensi {i}.\tDhana {i}.\n" for i in range(n)), encoding="utf-8")
    rows = "".join(f"{i}\t{i + 1}\t{i + 1}\tfiction\t{LABELS[i % 3]}\n" for i in range(n))
    (folder / "test-labels.tsv").write_text("row\tpairID\tpromptID\tgenre\tgold_label\n" + rows, encoding="utf-8")
    return root


def test_the_sample_is_pinned_by_the_one_seed() -> None:
    assert LIMIT_SEED == SAMPLE_SEED == 20211107
    ids = [f"test-{i:05d}" for i in range(40)]
    assert sample_ids(ids, 7, task="xnli") == SEVEN_OF_FORTY
    positions = _limited_positions(_items(40), 7, "xnli")
    assert [f"test-{p:05d}" for p in positions] == SEVEN_OF_FORTY  # not the first 7: a prefix is biased


def test_score_and_build_subsets_draw_the_same_ids(tmp_path: Path) -> None:
    data_dir = _xnli_folder(tmp_path / "data")
    assert [i.id for i in load_task_data("xnli", "sw", data_dir=data_dir).items][:2] == ["test-00000", "test-00001"]
    built = CliRunner().invoke(app, ["build-subsets", "--data-dir", str(data_dir), "--tasks", "xnli", "--langs", "sw",
                                     "--recipes", "clean", "--limit", "7", "--out", str(tmp_path / "subsets")])
    assert built.exit_code == 0, built.output
    subset_ids = [i.id for i in load_subset(tmp_path / "subsets", "xnli", "sw", "test", "clean")[0].items]
    model = build_model(tmp_path / "model", "pair_classification", labels=LABELS)
    plans = plan_cells([get_task("xnli")], langs=["sw"], data_dir=data_dir)
    options = ScoreOptions(model_id=str(model), out=tmp_path / "run", cache_path=tmp_path / "c.sqlite",
                           settings=RunSettings(device="cpu"), limit=7)
    (cell,) = score_cells(plans, options).cells
    scored_ids = [json.loads(line)["id"] for line in (tmp_path / "run" / cell["items_file"]).read_text().splitlines()]
    assert scored_ids == subset_ids == SEVEN_OF_FORTY


def test_no_limit_keeps_all_and_a_limit_above_the_size_keeps_all() -> None:
    assert _limited_positions(_items(5), None, "xnli") == [0, 1, 2, 3, 4]
    assert _limited_positions(_items(5), 10, "xnli") == [0, 1, 2, 3, 4]
