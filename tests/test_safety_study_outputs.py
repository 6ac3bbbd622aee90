"""Generated hostile study folders: a study's own output is an input when it resumes.

``study --dry-run`` measures throughput from the finished units of ``--out``, and
``study`` / ``study --report-only`` read every finished unit's ``unit.json``, ``results.json``
and per-item files, and the training metadata of its models. A tiny study is run once; then
one of those files is mutated at the byte level or one value at a time, and the property is
the one of ``test_safety_generated``: planning, the folder check and the analysis return a
correct result (``study.json`` still validates) or raise an
:class:`~xtremer_robust.errors.XtremerError` with a message; never another exception, never
a read outside the folder.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers.models import build_model  # noqa: E402
from helpers.safety import result_or_message  # noqa: E402
from helpers.training import make_train_data  # noqa: E402
from test_safety_generated import BYTE_EDITS, SETTINGS, mutate_bytes, mutate_json  # noqa: E402

from xtremer_robust.study import load_study_config, plan_study  # noqa: E402
from xtremer_robust.study.report import validate_study  # noqa: E402
from xtremer_robust.study.results import compute_results  # noqa: E402
from xtremer_robust.study.run import check_out, run_study  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def finished_study(tmp_path_factory: pytest.TempPathFactory):
    """A finished two-model study (steps 0 and 2 of one seed, XNLI sw, one perturbation)."""
    root = tmp_path_factory.mktemp("study")
    data = make_train_data(root)
    encoder = build_model(root / "encoder", "retrieval", seed=3)
    raw = {"schema": 1, "name": "t", "base": str(encoder), "intermediate": "tydiqa", "durations": [0, 2], "seeds": [1],
           "targets": {"xnli": {"languages": ["sw"]}}, "arms": {"none": {"augment": "none"}}, "variants": ["char_swap_10"],
           "items_per_language": 4, "bootstrap": {"resamples": 200, "seed": 0},
           "train": {"target_steps": 2, "batch_size": 2, "max_length": 32, "qa_max_length": 32, "save_every": 1}}
    path = root / "study.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    config = load_study_config(path)
    out = root / "out"
    run_study(config, out=out, data_dir=data, log=lambda *a: None)
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                   if p.is_file() and p.name.endswith((".json", ".jsonl", ".jsonl.gz")) and p.parent != out)
    return config, out, files


def _state(config, out: Path) -> None:
    """Everything a resumed or re-analysed study reads from ``out``, as one call."""
    check_out(config, out)
    plan = plan_study(config, out)
    assert plan.seconds_per_step is None or plan.seconds_per_step >= 0
    document = compute_results(config, out, command="xtremer-robust study study.yaml --out out")
    if document["models_done"]:
        validate_study(json.loads(json.dumps(document)))


def _readable(files: list[str]) -> list[str]:
    return [f for f in files if not f.endswith(".gz")]


def test_the_finished_study_reads_back(finished_study) -> None:
    config, out, files = finished_study
    assert any(f.endswith("unit.json") for f in files) and any(f.endswith("xtremer_robust_training.json") for f in files)
    document = compute_results(config, out, command="c")
    assert document["models_done"] == document["models_planned"] == 2
    _state(config, out)


def _mutated_run(out: Path, rel: str, new: bytes, config) -> None:
    target = out / rel
    original = target.read_bytes()
    target.write_bytes(new)
    try:
        result_or_message(lambda: _state(config, out))
    finally:
        target.write_bytes(original)


@settings(max_examples=60, **SETTINGS)
@given(data=st.data(), edits=BYTE_EDITS)
def test_study_outputs_on_mutated_bytes(finished_study, data: st.DataObject, edits: list) -> None:
    config, out, files = finished_study
    rel = data.draw(st.sampled_from(_readable(files)))
    _mutated_run(out, rel, mutate_bytes((out / rel).read_bytes(), edits), config)


@settings(max_examples=80, **SETTINGS)
@given(data=st.data())
def test_study_outputs_on_mutated_values(finished_study, data: st.DataObject) -> None:
    config, out, files = finished_study
    rel = data.draw(st.sampled_from(_readable(files)))
    text = (out / rel).read_text(encoding="utf-8")
    if rel.endswith(".jsonl"):
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        new = "\n".join(json.dumps(row) for row in mutate_json(rows, data)) + "\n"
    else:
        new = json.dumps(mutate_json(json.loads(text), data))
    _mutated_run(out, rel, new.encode("utf-8", "surrogatepass"), config)


def _rewrite_cell(unit: Path, variant: str, edit) -> tuple[dict, list[tuple[Path, bytes]]]:
    """Apply ``edit`` to the item rows of one cell of a unit, hashes and counts rewritten to match."""
    import hashlib

    results_path = unit / "results.json"
    saved = [(results_path, results_path.read_bytes())]
    results = json.loads(saved[0][1])
    cell = next(c for c in results["cells"] if c["variant"] == variant)
    items_path = unit / cell["items_file"]
    saved.append((items_path, items_path.read_bytes()))
    rows = edit([json.loads(line) for line in saved[1][1].decode().splitlines() if line.strip()])
    new_items = "".join(json.dumps(r) + "\n" for r in rows).encode()
    cell["items_sha256"], cell["n"] = hashlib.sha256(new_items).hexdigest(), len(rows)
    items_path.write_bytes(new_items)
    results_path.write_text(json.dumps(results), encoding="utf-8")
    return results, saved


def _restore(saved: list[tuple[Path, bytes]]) -> None:
    for path, raw in saved:
        path.write_bytes(raw)


def test_items_are_paired_across_models_by_id_not_position(finished_study) -> None:
    """A unit that wrote the same items in another order gives the same aligned cells and figures."""
    import numpy as np

    from xtremer_robust.study.results import collect

    config, out, files = finished_study
    before = compute_results(config, out, command="c")
    cells_before = collect(config, out)[0]["xnli"].cells
    def rotate(rows):
        moved = rows[1:] + rows[:1]
        assert [r["stats"] for r in moved] != [r["stats"] for r in rows], "the order must change the statistics' sequence"
        return moved

    _, saved = _rewrite_cell(out / "scores" / "xnli" / "none" / "step-2" / "seed-1", "clean", rotate)
    try:
        after = compute_results(config, out, command="c")
        cells_after = collect(config, out)[0]["xnli"].cells
    finally:
        _restore(saved)
    assert after["targets"] == before["targets"] and after["cells"] == before["cells"]
    for model, cells in cells_before.items():  # row k is the same item in every model, before and after
        for key, cell in cells.items():
            np.testing.assert_array_equal(cells_after[model][key].clean, cell.clean)
            np.testing.assert_array_equal(cells_after[model][key].perturbed, cell.perturbed)


def test_models_scoring_different_items_are_refused(finished_study) -> None:
    from xtremer_robust.errors import SchemaError

    config, out, files = finished_study

    def rename(rows):
        rows[0]["id"] = rows[0]["id"] + "-other"
        return rows

    saved: list = []
    try:
        for variant in ("clean", "char_swap_10"):
            saved += _rewrite_cell(out / "scores" / "xnli" / "none" / "step-2" / "seed-1", variant, rename)[1]
        with pytest.raises(SchemaError, match="differ from those of"):
            compute_results(config, out, command="c")
    finally:
        _restore(saved[::-1])
