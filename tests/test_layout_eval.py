"""``evaluate-layout``: evaluate.py's figures on any XTREME-layout folder, intervals, clear errors.

``OFFICIAL_XTREME_R`` is the output file of google-research/xtreme ``evaluate.py
--xtreme_version xtreme-r`` on the folder :func:`helpers.xtreme_layouts.xtremer_layout_from_mock`
builds (run beside this package on that very construction). With LAReQA files added, the
same script stops with ``KeyError: 'avg_metric'`` (it lists LAReQA with no languages).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers.xtreme_layouts import XCOPA, add_lareqa, xtremer_layout_from_mock
from xtremer_robust.cli.app import app
from xtremer_robust.errors import ConfigError
from xtremer_robust.report.layout_eval import evaluate_layout
from xtremer_robust.tasks import get_task

MOCK = Path(__file__).resolve().parents[1].parent / "shared" / "xtremer-data" / "xtreme_format"
needs_mock = pytest.mark.skipif(not MOCK.is_dir(), reason="XTREME mock files (shared data folder) absent")
runner = CliRunner()

OFFICIAL_XTREME_R = {
    "overall": {"classification": 52.60606060606061, "tagging": 64.65815884687116, "qa": 80.96968838040267,
                "retrieval": 35.000003829432586, "multi_choice": 74.54545454545455},
    "avg_metric": {"xnli": 30.666666666666668, "panx": 57.447089947089985, "udpos": 71.86922774665233,
                   "tatoeba": 55.609756097560975, "xcopa": 74.54545454545455, "mewslix": 14.39025156130419,
                   "xquad": 80.39772727272728, "mlqa": 69.45578231292518, "tydiqa": 93.05555555555556},
    "xcopa": {"et": 100.0, "ht": 80.0, "id": 80.0, "it": 80.0, "qu": 60.0, "sw": 0.0, "ta": 80.0, "th": 80.0,
              "tr": 60.0, "vi": 100.0, "zh": 100.0},
}


@pytest.fixture(scope="module")
def r_layout(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if not MOCK.is_dir():
        pytest.skip("XTREME mock files (shared data folder) absent")
    return xtremer_layout_from_mock(MOCK, tmp_path_factory.mktemp("r"))


@needs_mock
def test_xtreme_r_figures_equal_evaluate_py(r_layout: tuple[Path, Path]) -> None:
    report = evaluate_layout(*r_layout, "xtreme-r", n_resamples=200)
    assert report["overall"] == pytest.approx(OFFICIAL_XTREME_R["overall"], abs=1e-9)
    assert "all_task" not in report["overall"]  # evaluate.py never prints it for XTREME-R
    assert {t: v["avg_metric"] for t, v in report["detailed"].items()} == pytest.approx(OFFICIAL_XTREME_R["avg_metric"], abs=1e-9)
    assert report["detailed"]["xcopa"]["accuracy"] == OFFICIAL_XTREME_R["xcopa"]
    assert report["benchmark"]["avg_metric"]["missing_tasks"] == ["lareqa"]
    assert report["benchmark"]["avg_metric"]["overall"] is None


@needs_mock
def test_with_lareqa_the_xtreme_r_score_computes(r_layout: tuple[Path, Path], tmp_path: Path) -> None:
    import shutil

    pred, labels = tmp_path / "p", tmp_path / "l"
    shutil.copytree(r_layout[0], pred)
    shutil.copytree(r_layout[1], labels)
    add_lareqa(pred, labels, hit_rank=4)
    report = evaluate_layout(pred, labels, "xtreme-r", n_resamples=200)
    assert "lareqa" not in report["detailed"] and report["overall"] == pytest.approx(OFFICIAL_XTREME_R["overall"], abs=1e-9)
    # LAReQA mAP@20 by hand: q1 has its 11 answers at ranks 1-11 (AP 1), q2 one of 11 at rank 4 (AP (1/4)/11)
    lareqa = (1 + 0.25 / 11) / 2 * 100
    assert report["per_language"]["lareqa"]["en"] == pytest.approx({"map@20": lareqa})
    bench = report["benchmark"]["avg_metric"]
    expected = (sum(OFFICIAL_XTREME_R["avg_metric"].values()) + lareqa) / 10
    assert bench["complete"] is True and bench["overall"] == pytest.approx(expected)
    assert report["benchmark"]["f1"]["overall"] > bench["overall"]  # QA F1 > (EM + F1) / 2 on the mock
    assert any("lareqa" in note for note in report["notes"])


@needs_mock
def test_cli_prints_what_evaluate_py_prints_and_intervals() -> None:
    result = runner.invoke(app, ["evaluate-layout", str(MOCK / "predictions"), "--labels", str(MOCK / "labels"),
                                 "--version", "xtreme", "--n-resamples", "200"])
    assert result.exit_code == 0, result.output
    out = result.output
    # evaluate.py's lines for PAWS-X on its mock folder
    assert "====== pawsx ======\n------ accuracy ------\nde, en, es, fr, ja, ko, zh\n50.00, 40.00, 50.00, 60.00, 60.00, 60.00, 40.00\n" in out
    assert "accuracy: 51.43\nmetric: 51.43" in out
    assert "95% CI: de [" in out and "all_task=62.19" in out
    assert "xtreme score (avg_metric convention): 62.19" in out


def _tiny_xnli(root: Path) -> Path:
    for lang in get_task("xnli").benchmarks["xtreme-r"].languages:
        path = root / "xnli" / f"test-{lang}.tsv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("entailment\nneutral\ncontradiction\n", encoding="utf-8")
    return root


def test_tiny_folder_scores_and_json(tmp_path: Path) -> None:
    pred, labels = _tiny_xnli(tmp_path / "p"), _tiny_xnli(tmp_path / "l")
    (pred / "xnli" / "test-sw.tsv").write_text("entailment\nentailment\ncontradiction\n", encoding="utf-8")
    result = runner.invoke(app, ["evaluate-layout", str(pred), "--labels", str(labels), "--json", "--n-resamples", "200"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["detailed"]["xnli"]["accuracy"]["sw"] == pytest.approx(200 / 3)
    assert report["detailed"]["xnli"]["avg_accuracy"] == pytest.approx((14 * 100 + 200 / 3) / 15)
    assert report["overall"] == {}  # classification needs xcopa too
    ci = report["intervals"]["xnli"]["sw"]["accuracy"]
    assert ci["ci_low"] <= 200 / 3 <= ci["ci_high"] and ci["n"] == 3
    assert report["intervals"]["xnli"]["en"]["accuracy"]["ci_low"] == 100.0  # all right: no spread


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unknown_task", "Unknown xtreme-r task folder 'xnlii'. Did you mean 'xnli'"),
        ("missing_language", "task 'xnli': 1 file(s) missing, first ['"),
        ("line_count", "5 lines but 3 in the labels"),
        ("no_labels", "task 'xnli' has predictions but no label folder"),
        ("empty", "no task folder of xtreme-r is in both folders"),
    ],
)
def test_bad_folders_exit_2_with_a_clear_message(tmp_path: Path, case: str, message: str) -> None:
    pred, labels = _tiny_xnli(tmp_path / "p"), _tiny_xnli(tmp_path / "l")
    if case == "unknown_task":
        (pred / "xnlii").mkdir()
    elif case == "missing_language":
        (pred / "xnli" / "test-ur.tsv").unlink()
    elif case == "line_count":
        (pred / "xnli" / "test-th.tsv").write_text("neutral\n" * 5, encoding="utf-8")
    elif case == "no_labels":
        labels = tmp_path / "elsewhere"
        (labels / "xcopa").mkdir(parents=True)
    elif case == "empty":
        pred = tmp_path / "nothing"
        pred.mkdir()
    result = runner.invoke(app, ["evaluate-layout", str(pred), "--labels", str(labels)])
    assert result.exit_code == 2, result.output
    assert message in result.output.replace("\n", " ") or message in result.output, result.output


def test_a_missing_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PRED_DIR: .* is not a folder"):
        evaluate_layout(tmp_path / "absent", tmp_path, "xtreme-r")


def test_xcopa_fixture_is_what_the_official_numbers_describe() -> None:
    assert sum(1 for v in XCOPA["qu"] if isinstance(v, str)) == 2  # the two "0" strings cost 40 points
