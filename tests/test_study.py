"""`study`: config errors, the plan, the two-level bootstrap against known truth, end to end with a real kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from helpers.models import build_model
from helpers.training import make_train_data
from xtremer_robust.errors import ConfigError
from xtremer_robust.metrics.registry import metric_for_task
from xtremer_robust.study import load_study_config, parse_study_config, plan_study
from xtremer_robust.study.analysis import CellStats, StudyData, analyse_group

REPO = Path(__file__).resolve().parents[1]


def _raw(**over) -> dict:
    raw = {
        "schema": 1, "name": "t", "base": "builtin:me5-small", "intermediate": "tydiqa", "durations": [0, 2, 4], "seeds": [1, 2],
        "targets": {"xnli": {"languages": ["sw"]}}, "arms": {"none": {"augment": "none"}}, "variants": ["char_swap_10"],
        "items_per_language": 4, "train": {"target_steps": 3, "batch_size": 2}, "bootstrap": {"resamples": 200, "seed": 0},
    }
    raw.update(over)
    return raw


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"schema": 2}, "'schema' must be 1"),
        ({"colour": "red"}, "unknown keys"),
        ({"durations": [1, 2]}, "start at 0"),
        ({"durations": [0, 4, 2]}, "increase strictly"),
        ({"durations": "0,1"}, "list of whole numbers"),
        ({"seeds": [1, 1]}, "distinct"),
        ({"intermediate": "mnlii"}, "Did you mean 'mnli'"),
        ({"targets": {"tatoeba": {}}}, "no English training data"),
        ({"targets": {"xnli": {"languages": ["qu"]}}}, "not a language of xnli"),
        ({"targets": {"xnli": {"langs": ["sw"]}}}, "unknown keys under targets.xnli"),
        ({"targets": {"pawsx": {"languages": ["de"]}}, "variants": ["char_swap_10"]}, None),
        ({"arms": {"rsda": {"augment": "rsda", "durations": [0, 3]}}}, "not among the study's durations"),
        ({"arms": {"rsda": {"augment": "rsda", "targets": ["panx"]}}}, "not among the study's targets"),
        ({"variants": ["char_swop_10"]}, "Did you mean 'char_swap_10'"),
        ({"variants": []}, "at least one perturbation"),
        ({"items_per_language": 1}, "items_per_language"),
        ({"train": {"target_steps": 0}}, "target_steps"),
        ({"train": {"lr": 1}}, "unknown key under train"),
        ({"bootstrap": {"resamples": 5}}, "resamples"),
    ],
)
def test_config_errors_name_the_key(over, message):
    if message is None:
        parse_study_config(_raw(**over))  # a valid variation
        return
    with pytest.raises(ConfigError, match=message):
        parse_study_config(_raw(**over))


def test_leakage_is_refused_before_any_work(monkeypatch):
    """COPA en validation is trained on; an XCOPA dev evaluation would score its translations."""
    from dataclasses import replace

    from xtremer_robust.study import config as study_config
    from xtremer_robust.tasks import get_task

    monkeypatch.setattr(study_config, "get_task", lambda name: replace(get_task(name), eval_split="dev") if name == "xcopa" else get_task(name))
    with pytest.raises(ConfigError, match="leakage"):
        parse_study_config(_raw(targets={"xcopa": {"languages": ["qu"]}}))


def test_yaml_errors_name_the_file(tmp_path):
    bad = tmp_path / "s.yaml"
    bad.write_text("schema: [1\n")
    with pytest.raises(ConfigError, match="s.yaml: not valid YAML"):
        load_study_config(bad)
    with pytest.raises(ConfigError, match="cannot read"):
        load_study_config(tmp_path / "missing.yaml")


def test_plan_counts_runs_and_items(tmp_path):
    config = parse_study_config(_raw(arms={"none": {"augment": "none"}, "rsda": {"augment": "rsda", "durations": [0, 4]}}))
    plan = plan_study(config, tmp_path / "nothing")
    assert len(plan.models) == 2 * (3 + 2)  # seeds x (durations of none + durations of rsda)
    assert plan.items_per_model == {"xnli": 1 * 2 * 4}
    assert plan.intermediate_steps == 2 * 4 and plan.estimate_seconds() is None


def test_committed_configs_dry_run():
    """The committed study configs parse and plan (the XLM-R one needs the Hub only to run)."""
    for name, models in (("study-me5-small/study.yaml", 30), ("study-xlmr.yaml", None)):
        path = REPO / "baselines" / name
        config = load_study_config(path)
        plan = plan_study(config, Path("/nonexistent/study-out"))
        assert plan.models and (models is None or len(plan.models) == models)
    result = subprocess.run([str(Path(sys.executable).with_name("xtremer-robust")), "study", str(REPO / "baselines" / "study-xlmr.yaml"), "--dry-run"],
                            capture_output=True, text=True, timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert "fine-tuned models" in result.stdout and "study-xlmr-base" in result.stdout


def _simulate(rng, true_gap, durations, seeds=3, n=150, seed_sd=2.0, base_acc=0.7):
    """Per-item hits with a known gap per duration (points) and a seed effect."""
    cells = {}
    for d, gap in zip(durations, true_gap):
        for s in range(seeds):
            shift = rng.normal(0, seed_sd) / 100
            clean = (rng.random(n) < base_acc + shift).astype(float)[:, None]
            # perturbed: flip a share of correct items so that the expected gap is `gap` points
            flip = rng.random(n) < (gap / 100) / (base_acc + shift)
            pert = np.where(flip[:, None], 0.0, clean)
            cells[("none", d, s)] = {("sw", "v"): CellStats(clean, pert), ("ur", "v"): CellStats(clean.copy(), pert.copy())}
    return StudyData("xnli", metric_for_task("xnli"), tuple(durations), tuple(range(seeds)), cells)


def test_two_level_bootstrap_covers_the_known_truth():
    durations = [0, 10, 100, 1000]
    x = np.log1p(durations)
    covered_gap = covered_slope = 0
    runs = 60
    for r in range(runs):
        rng = np.random.default_rng(r)
        true = 5.0 + 1.0 * x
        data = _simulate(rng, true, durations)
        result, _ = analyse_group(data, "none", "all", [("sw", "v"), ("ur", "v")], n_resamples=300, seed=r)
        lo, hi = result.per_duration[1]["gap_ci"]
        covered_gap += lo <= true[1] <= hi
        s_lo, s_hi = result.trend["gap"]["slope_ci"]
        covered_slope += s_lo <= 1.0 <= s_hi
    assert covered_gap / runs >= 0.8
    assert covered_slope / runs >= 0.8


def test_trend_detects_a_real_slope_and_not_a_null_one():
    durations = [0, 10, 100, 1000]
    x = np.log1p(durations)
    steep = _simulate(np.random.default_rng(1), 2.0 + 3.0 * x, durations, n=400, seed_sd=0.5)
    flat = _simulate(np.random.default_rng(2), np.full(4, 8.0), durations, n=400, seed_sd=0.5)
    s, _ = analyse_group(steep, "none", "all", [("sw", "v")], n_resamples=400)
    f, _ = analyse_group(flat, "none", "all", [("sw", "v")], n_resamples=400)
    assert s.trend["gap"]["slope_ci"][0] > 0 and s.trend["gap"]["p_bootstrap"] < 0.05
    assert s.trend["spearman"]["rho"] > 0.5
    assert f.trend["gap"]["slope_ci"][0] < 0 < f.trend["gap"]["slope_ci"][1]


def test_seed_variance_widens_the_interval():
    """The same items with large seed effects must give a wider interval than without (two levels, not one)."""
    durations = [0, 10]
    narrow = _simulate(np.random.default_rng(5), [5.0, 5.0], durations, seed_sd=0.0, n=300)
    wide = _simulate(np.random.default_rng(5), [5.0, 5.0], durations, seed_sd=0.0, n=300)
    for (arm, d, s), cells in wide.cells.items():  # add a seed-specific gap offset of +-6 points
        offset = (-6, 0, 6)[s]
        for key, cell in cells.items():
            pert = cell.perturbed.copy()
            k = int(abs(offset) / 100 * len(pert))
            idx = np.flatnonzero(pert[:, 0] == (1.0 if offset > 0 else 0.0))[:k]
            pert[idx, 0] = 0.0 if offset > 0 else 1.0
            cells[key] = CellStats(cell.clean, pert)
    a, _ = analyse_group(narrow, "none", "all", [("sw", "v")], n_resamples=500)
    b, _ = analyse_group(wide, "none", "all", [("sw", "v")], n_resamples=500)
    width = lambda r: r.per_duration[0]["gap_ci"][1] - r.per_duration[0]["gap_ci"][0]  # noqa: E731
    assert width(b) > 1.3 * width(a)


@pytest.fixture(scope="module")
def tiny_study(tmp_path_factory):
    root = tmp_path_factory.mktemp("study")
    data = make_train_data(root)
    encoder = build_model(root / "encoder", "retrieval", seed=3)
    raw = _raw(base=str(encoder), targets={"xnli": {"languages": ["sw"]}, "panx": {"languages": ["yo"]}},
               arms={"none": {"augment": "none"}, "noise": {"augment": "recipe:char_swap", "durations": [0, 4], "targets": ["xnli"]}},
               variants=["char_swap_10", "keyboard_typo_10"],
               train={"target_steps": 3, "batch_size": 2, "max_length": 32, "qa_max_length": 32, "save_every": 1, "freeze_layers": 1})
    path = root / "study.yaml"
    path.write_text(yaml.safe_dump(raw))
    return root, data, path


def _run(path: Path, out: Path, data: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([str(Path(sys.executable).with_name("xtremer-robust")), "study", str(path), "--out", str(out), "--data-dir", str(data), *extra],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.slow
def test_study_end_to_end_and_resume_after_a_real_kill(tiny_study, tmp_path):
    root, data, path = tiny_study
    out = tmp_path / "out"
    proc = _run(path, out, data)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None and not list(out.glob("scores/*/*/*/*/unit.json")):
        time.sleep(0.1)
    assert proc.poll() is None, "the study ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    finished = sorted(p.parent for p in out.glob("scores/*/*/*/*/unit.json"))
    stamps = {p: (p / "results.json").stat().st_mtime_ns for p in finished}
    proc = _run(path, out, data)
    log, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, log
    for folder, stamp in stamps.items():  # nothing finished is redone
        assert (folder / "results.json").stat().st_mtime_ns == stamp
    document = json.loads((out / "study.json").read_text())
    assert document["models_done"] == document["models_planned"] == 2 * (3 + 3) + 2 * 2
    assert (out / "report.md").read_text().startswith("# Study: t")
    assert "xtremer-robust study" in (out / "report.md").read_text()
    for name in ("xnli_gap_by_tier.png", "xnli_gap_by_recipe.png", "panx_clean.png"):
        assert (out / "plots" / name).stat().st_size > 1000
    groups = {(g["arm"], g["group"]) for g in document["targets"]["xnli"]["groups"]}
    assert {("none", "all"), ("noise", "all"), ("none", "recipe:char_swap_10")} <= groups
    noise = next(g for g in document["targets"]["xnli"]["groups"] if g["arm"] == "noise" and g["group"] == "all")
    assert "vs_baseline" in noise["per_duration"][0]
    cell = document["cells"][0]
    assert {"target", "arm", "duration", "seed", "language", "variant", "n", "clean", "perturbed", "gap"} <= set(cell)
    # a different config in the same folder is refused, nothing written
    other = yaml.safe_load(path.read_text())
    other["seeds"] = [9]
    other_path = tmp_path / "other.yaml"
    other_path.write_text(yaml.safe_dump(other))
    proc = _run(other_path, out, data)
    text, _ = proc.communicate(timeout=120)
    assert proc.returncode == 2 and "different configuration" in text


def test_study_json_is_validated(tmp_path):
    from xtremer_robust.errors import SchemaError
    from xtremer_robust.study.report import validate_study

    with pytest.raises(SchemaError, match="study.json"):
        validate_study({"schema": "xtremer-robust/study", "version": 1})


def test_dry_run_estimate_from_measured_throughput(tmp_path):
    config = parse_study_config(_raw(compute={"measured": {"seconds_per_step": 0.5, "items_per_second": 10.0}}))
    plan = plan_study(config, tmp_path / "fresh")
    # 2 seeds x 4 steps of intermediate training, 6 models x 3 steps, 6 models x 8 items
    assert plan.estimate_seconds() == pytest.approx((2 * 4 + 6 * 3) * 0.5 + 6 * 8 / 10.0)
    with pytest.raises(ConfigError, match="compute.measured.items_per_second must be a positive number"):
        parse_study_config(_raw(compute={"measured": {"items_per_second": 0}}))


def _crafted(gaps_by_duration: dict[int, list[int]], n: int = 40, clean_hits: int = 30) -> StudyData:
    """Seeds x durations with exact gaps: clean has `clean_hits` hits; perturbed loses `gap` of them."""
    cells = {}
    for d, per_seed in gaps_by_duration.items():
        for s, lost in enumerate(per_seed):
            clean = np.zeros((n, 1))
            clean[:clean_hits] = 1.0
            pert = clean.copy()
            pert[:lost] = 0.0
            cells[("none", d, s)] = {("sw", "v"): CellStats(clean, pert)}
    durations = tuple(sorted(gaps_by_duration))
    return StudyData("xnli", metric_for_task("xnli"), durations, tuple(range(len(next(iter(gaps_by_duration.values()))))), cells)


def test_every_figure_of_a_row_against_hand_computed_values():
    from xtremer_robust.stats.power import mde_paired

    assert mde_paired(1.0) == pytest.approx(1.959964 + 0.841621)
    assert mde_paired(2.0) == pytest.approx(2 * (1.959964 + 0.841621))
    # three seeds, gaps of 2, 4, 6 lost items at step 0 and 4, 8, 12 at step 100 (40 items: 2.5 points each)
    data = _crafted({0: [2, 4, 6], 100: [4, 8, 12], 1000: [6, 12, 18]})
    result, reps = analyse_group(data, "none", "all", [("sw", "v")], n_resamples=400, seed=1)
    first, mid, last = result.per_duration
    assert first["per_seed_gap"] == pytest.approx([5.0, 10.0, 15.0])
    assert first["gap"] == pytest.approx(10.0) and last["gap"] == pytest.approx(30.0)
    assert first["clean"] == pytest.approx(75.0) and first["perturbed"] == pytest.approx(65.0)
    assert first["per_seed_clean"] == pytest.approx([75.0, 75.0, 75.0])
    assert first["relative_drop"] == pytest.approx(100 * 10.0 / 75.0)
    assert first["gap_ci"][0] < 10.0 < first["gap_ci"][1]
    assert first["gap_mde"] == pytest.approx(mde_paired(first["gap_se"]))
    assert first["gap_se"] == pytest.approx(float(reps[0]["gap"].std(ddof=1)))
    assert first["relative_drop_ci"][0] < first["relative_drop"] < first["relative_drop_ci"][1]
    assert first["clean_ci"][0] <= 75.0 <= first["clean_ci"][1]
    assert result.n_items == 40 and result.n_cells == 1
    assert (result.arm, result.group, result.durations) == ("none", "all", (0, 100, 1000))
    # percentile intervals of the replicates, and replicates centred on the estimate
    assert first["gap_ci"] == pytest.approx(tuple(np.quantile(reps[0]["gap"], [0.025, 0.975])))
    assert first["clean_ci"] == pytest.approx(tuple(np.quantile(reps[0]["clean"], [0.025, 0.975])))
    for d, row in zip((0, 100, 1000), result.per_duration):
        assert np.mean(reps[d]["gap"]) == pytest.approx(row["gap"], abs=0.6)
        assert np.mean(reps[d]["clean"]) == pytest.approx(row["clean"], abs=0.6)
    trend = result.trend
    x = np.log1p([0, 100, 1000])
    assert trend["gap"]["slope"] == pytest.approx(np.polyfit(x, [10.0, 20.0, 30.0], 1)[0])
    assert trend["gap"]["last_minus_first"] == pytest.approx(20.0)
    assert trend["gap"]["last_minus_first_ci"][0] < 20.0 < trend["gap"]["last_minus_first_ci"][1]
    assert trend["gap"]["last_minus_first_mde"] > 0
    assert trend["clean"]["slope"] == pytest.approx(0.0) and trend["clean"]["last_minus_first"] == pytest.approx(0.0)
    assert trend["spearman"]["points"] == 9 and trend["spearman"]["rho"] > 0.6
    assert trend["page"]["blocks"] == 3 and trend["page"]["p_increasing"] < 0.05 < trend["page"]["p_decreasing"]
    assert trend["gap"]["p_bootstrap"] < 0.05


def test_a_group_is_the_mean_of_its_cells():
    a = _crafted({0: [2, 4, 6], 10: [4, 4, 4]})
    b = _crafted({0: [6, 8, 10], 10: [0, 0, 0]}, clean_hits=20)
    cells = {key: {("sw", "v"): a.cells[key][("sw", "v")], ("ur", "v"): b.cells[key][("sw", "v")]} for key in a.cells}
    data = StudyData("xnli", a.metric, a.durations, a.seeds, cells)
    result, reps = analyse_group(data, "none", "all", [("sw", "v"), ("ur", "v")], n_resamples=300, seed=2)
    first, last = result.per_duration
    assert first["per_seed_gap"] == pytest.approx([(5 + 15) / 2, (10 + 20) / 2, (15 + 25) / 2])
    assert first["clean"] == pytest.approx((75 + 50) / 2) and last["gap"] == pytest.approx(5.0)
    assert np.mean(reps[0]["gap"]) == pytest.approx(first["gap"], abs=0.6)
    assert np.mean(reps[0]["clean"]) == pytest.approx(first["clean"], abs=0.6)
    assert result.trend["gap"]["last_minus_first"] == pytest.approx(5.0 - 15.0)  # two durations have a trend


def test_an_arm_against_itself_differs_by_exactly_zero():
    """Paired draws: the same data as arm and baseline give a zero difference with a zero-width interval."""
    data = _crafted({0: [2, 4, 6], 10: [1, 3, 9]})
    base, reps = analyse_group(data, "none", "all", [("sw", "v")], n_resamples=300, seed=3)
    same, _ = analyse_group(data, "none", "all", [("sw", "v")], n_resamples=300, seed=3, baseline=reps)
    for row in same.per_duration:
        vs = row["vs_baseline"]
        assert vs["gap_difference"] == pytest.approx(0.0) and vs["clean_difference"] == pytest.approx(0.0)
        assert vs["gap_difference_ci"] == pytest.approx((0.0, 0.0)) and vs["clean_difference_ci"] == pytest.approx((0.0, 0.0))
    # a robust arm that loses nothing under perturbation: its gap is lower by exactly the baseline's gap
    robust = _crafted({0: [0, 0, 0], 10: [0, 0, 0]})
    diff, _ = analyse_group(robust, "none", "all", [("sw", "v")], n_resamples=300, seed=3, baseline=reps)
    assert diff.per_duration[0]["vs_baseline"]["gap_difference"] == pytest.approx(-base.per_duration[0]["gap"])
    assert diff.per_duration[0]["vs_baseline"]["gap_difference_ci"][1] < 0


def test_groups_without_complete_models_are_refused():
    data = _crafted({0: [2, 4], 10: [1, 3]})
    with pytest.raises(ConfigError, match="no .* cell is present"):
        analyse_group(data, "none", "all", [("ur", "v")], n_resamples=100)
    with pytest.raises(ConfigError, match="no complete seeds"):
        analyse_group(data, "other", "all", [("sw", "v")], n_resamples=100)
