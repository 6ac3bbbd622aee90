"""Tests written against mutants of ``report/validate.py`` that survived ``mutmut`` (CONTRIBUTING.md).

Each pins what a surviving mutant changed: a tolerance that lets rounding through and
nothing more, a condition joined with the wrong operator, a message that names the field,
an aggregate's ``complete`` flag that depends on the languages present.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers import fakerun  # noqa: E402

from xtremer_robust.errors import SchemaError  # noqa: E402
from xtremer_robust.report.submission import build_submission  # noqa: E402
from xtremer_robust.report.validate import load_submission, validate_document, validate_submission  # noqa: E402

#: Below the validator's tolerance (1e-6) but far above a relative tolerance of 1e-9 for these values.
ROUNDING = 5e-7
#: Above the tolerance.
WRONG = 1e-4


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """A valid submission whose PAWS-X test task is complete (all 7 languages), with an MLQA cell, and its folder."""
    root = tmp_path_factory.mktemp("sub")
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(fakerun.FAKE_TASKS, "pawsx", ("accuracy", ["correct"], ["de", "en", "es", "fr", "ja", "ko", "zh"]))
        mp.setitem(fakerun.FAKE_TASKS, "mlqa", ("mlqa_em_f1", ["em", "f1"], ["de"]))  # a language-aware metric
        build_submission(fakerun.make_score_run(root / "run", n_items=12), out=root / "sub" / "s.json", n_resamples=20)
    path = root / "sub" / "s.json"
    return json.loads(path.read_text(encoding="utf-8")), path


@pytest.fixture
def doc(built: tuple[dict[str, Any], Path]) -> dict[str, Any]:
    return copy.deepcopy(built[0])


def _refused(doc: dict[str, Any], pattern: str) -> None:
    with pytest.raises(SchemaError, match=pattern):
        validate_document(doc, None)


def _gap(doc: dict[str, Any], variant: str = "char_swap") -> tuple[int, dict[str, Any]]:
    return next((i, g) for i, g in enumerate(doc["gaps"]) if g["variant"] == variant and g["p_value"] > 0.01)


def test_the_fixture_is_valid_and_has_a_complete_task(built: tuple[dict[str, Any], Path]) -> None:
    doc, path = built
    report = validate_submission(path)
    assert (report.path, report.n_cells, report.n_gaps, report.n_items) == (str(path), len(doc["cells"]), len(doc["gaps"]), doc["items"]["n_lines"])
    assert report.n_aggregates == sum(len(doc["aggregates"][b]) for b in ("per_task", "per_tier", "overall")) > 0
    assert validate_document(copy.deepcopy(doc), None).path == "submission"  # a parsed document names itself so
    complete = [a for a in doc["aggregates"]["per_task"] if a["complete"]]
    assert {a["scope"] for a in complete} == {"task:pawsx/test"}


# --- messages --------------------------------------------------------------------------------

def test_a_top_level_schema_error_says_top_level(doc: dict[str, Any]) -> None:
    del doc["model"]
    _refused(doc, r"^\(top level\): 'model' is a required property")


def test_a_wrong_gap_message_gives_clean_minus_perturbed(doc: dict[str, Any]) -> None:
    i, gap = _gap(doc)
    expected = gap["clean_score"] - gap["perturbed_score"]
    gap["gap"] += WRONG
    gap["ci_low"], gap["ci_high"] = gap["gap"] - 1, gap["gap"] + 1
    _refused(doc, re.escape(f"gaps[{i}].gap: {gap['gap']} is not clean_score - perturbed_score = {expected}"))


# --- tolerances: rounding passes, a real difference does not -----------------------------------

def test_a_gap_rounded_within_the_tolerance_is_valid(doc: dict[str, Any]) -> None:
    i, gap = _gap(doc)
    gap["gap"] += ROUNDING
    validate_document(doc, None)


def test_gap_scores_rounded_within_the_tolerance_of_the_cells_are_valid(doc: dict[str, Any]) -> None:
    i, gap = _gap(doc)
    gap["clean_score"] += ROUNDING
    gap["perturbed_score"] += ROUNDING
    validate_document(doc, None)


def test_an_adjusted_p_value_rounded_within_the_tolerance_is_valid(doc: dict[str, Any]) -> None:
    i, gap = _gap(doc)
    gap["p_holm"] -= ROUNDING  # down: a p-value of 1 may not go up
    validate_document(doc, None)


def test_an_aggregate_rounded_within_the_tolerance_is_valid(doc: dict[str, Any]) -> None:
    agg = doc["aggregates"]["overall"][0]
    agg["value"] += ROUNDING
    validate_document(doc, None)


# --- gap scores against the cells ------------------------------------------------------------

def _shift_gap_scores(doc: dict[str, Any], clean: float, perturbed: float) -> int:
    """Move a gap's two scores (its gap and interval follow), so only the cells can disagree."""
    i, gap = _gap(doc)
    gap["clean_score"] += clean
    gap["perturbed_score"] += perturbed
    gap["gap"] = gap["clean_score"] - gap["perturbed_score"]
    gap["ci_low"], gap["ci_high"] = gap["gap"] - 1, gap["gap"] + 1
    return i


@pytest.mark.parametrize("clean, perturbed", [(WRONG, 0.0), (0.0, WRONG)], ids=["clean", "perturbed"])
def test_a_gap_score_differing_from_its_cell_with_every_item_shared_is_refused(doc: dict[str, Any], clean: float, perturbed: float) -> None:
    i = _shift_gap_scores(doc, clean, perturbed)
    _refused(doc, re.escape(f"gaps[{i}]: its scores differ from the cells' scores although all items are shared"))


def test_gap_scores_may_differ_from_the_cells_when_fewer_items_are_shared(doc: dict[str, Any]) -> None:
    i = _shift_gap_scores(doc, WRONG, WRONG)  # the gap itself (and so the aggregates) unchanged
    doc["gaps"][i]["n"] -= 1  # the gap is over the items both sets kept
    validate_document(doc, None)


def test_a_gap_without_its_perturbed_cell_is_refused(doc: dict[str, Any]) -> None:
    i, gap = _gap(doc)
    key = (gap["task"], gap["language"], gap["split"], gap["variant"])
    doc["cells"] = [c for c in doc["cells"] if (c["task"], c["language"], c["split"], c["variant"]) != key]
    doc["subsets"]["entries"] = [e for e in doc["subsets"]["entries"] if (e["task"], e["language"], e["split"], e["variant"]) != key]
    _refused(doc, re.escape(f"gaps[{i}]: no clean or no '{gap['variant']}' cell for {gap['task']}/{gap['language']}"))


# --- aggregates ------------------------------------------------------------------------------

def _complete_aggregate(doc: dict[str, Any]) -> dict[str, Any]:
    return next(a for a in doc["aggregates"]["per_task"] if a["complete"])


def test_a_complete_task_must_be_marked_complete(doc: dict[str, Any]) -> None:
    _complete_aggregate(doc)["complete"] = False
    _refused(doc, r"aggregates\.per_task\[\d+\]: 'tasks' or 'complete' do not match the cells present")


def test_an_aggregate_naming_other_tasks_is_refused_even_if_complete_matches(doc: dict[str, Any]) -> None:
    agg = doc["aggregates"]["overall"][0]
    agg["tasks"] = sorted(agg["tasks"])[:-1]
    _refused(doc, r"aggregates\.overall\[0\]: 'tasks' or 'complete' do not match the cells present")


def test_a_missing_aggregate_is_refused(doc: dict[str, Any]) -> None:
    del doc["aggregates"]["per_tier"][0]
    _refused(doc, r"aggregates: missing \('\w+', 'tier:\w+', '[\w_]+'\) \(and 0 more\); rebuild with `submit`")


# --- the sidecar's recomputed scores ---------------------------------------------------------

def _rewritten(built: tuple[dict[str, Any], Path], tmp_path: Path, edit) -> Path:
    """A copy of the submission folder with ``edit`` applied to the document (the sidecar untouched)."""
    import shutil

    doc, path = built
    folder = Path(shutil.copytree(path.parent, tmp_path / "copy"))
    new = copy.deepcopy(doc)
    edit(new)
    (folder / path.name).write_text(json.dumps(new), encoding="utf-8")
    return folder / path.name


def _to_percent(doc: dict[str, Any]) -> None:
    """The same submission on the percent scale: every score-valued field times 100."""
    doc["statistics"]["score_scale"] = "percent"
    for cell in doc["cells"]:
        for name in ("score", "ci_low", "ci_high"):
            cell[name] *= 100
        cell["secondary"] = {k: v * 100 for k, v in (cell.get("secondary") or {}).items()}
    for gap in doc["gaps"]:
        for name in ("clean_score", "perturbed_score", "gap", "ci_low", "ci_high", "mde"):
            if gap.get(name) is not None:
                gap[name] *= 100
    for bucket in ("per_task", "per_tier", "overall"):
        for agg in doc["aggregates"][bucket]:
            for name in ("value", "ci_low", "ci_high"):
                agg[name] *= 100


def test_a_percent_scale_submission_is_checked_against_its_sidecar_in_percent(built, tmp_path: Path) -> None:
    path = _rewritten(built, tmp_path, _to_percent)
    assert validate_submission(path).n_items == built[0]["items"]["n_lines"]


def test_a_cell_score_rounded_within_the_tolerance_of_its_items_is_valid(built, tmp_path: Path) -> None:
    def edit(doc: dict[str, Any]) -> None:
        cell = next(c for c in doc["cells"] if c["task"] == "xnli" and c["variant"] == "clean")
        cell["score"] += ROUNDING

    validate_submission(_rewritten(built, tmp_path, edit))


def test_a_cell_score_its_items_do_not_give_names_the_cell(built) -> None:
    """The sidecar step alone (the earlier steps would need every aggregate rebuilt around the change)."""
    from xtremer_robust.report.validate import _check_sidecar

    doc, path = copy.deepcopy(built[0]), built[1]
    cell = next(c for c in doc["cells"] if c["task"] == "pawsx" and c["language"] == "ko" and c["variant"] == "char_swap")
    given = cell["score"]
    cell["score"] += WRONG
    with pytest.raises(SchemaError, match=re.escape(f"cell pawsx/ko/test/char_swap: score {cell['score']}, but its items in the sidecar give {given}")):
        _check_sidecar(doc, path.parent)


# --- ranges, intervals and the subsets list, each step on its own ----------------------------

def test_messages_for_a_document_that_is_no_submission_say_what_it_is() -> None:
    _refused([1, 2], r"the top level must be a JSON object \(a submission\), got list")
    _refused({"schema": "xtremer-robust/results/v1"}, r"schema: expected 'xtremer-robust/submission/v1', got 'xtremer-robust/results/v1'; ")


def test_an_interval_bound_is_inclusive_of_the_tolerance() -> None:
    from xtremer_robust.report.validate import _TOL, _check_interval

    _check_interval("w", 0.5, 0.5 - _TOL, 0.7)  # exactly at each edge: inside
    _check_interval("w", 0.1, 0.7 + _TOL, 0.7)
    with pytest.raises(SchemaError, match=r"^w: expected ci_low <= value <= ci_high, got 0.5 <= 0.4 <= 0.7$"):
        _check_interval("w", 0.5, 0.4, 0.7)


@pytest.mark.parametrize("section, index, field", [("cells", 2, "score"), ("gaps", 1, "gap")])
def test_an_estimate_outside_its_interval_names_its_record(doc: dict[str, Any], section: str, index: int, field: str) -> None:
    from xtremer_robust.report.validate import _check_ranges

    doc[section][index]["ci_low"] = doc[section][index][field] + 0.01
    doc[section][index]["ci_high"] = doc[section][index][field] + 0.02
    with pytest.raises(SchemaError, match=rf"^{section}\[{index}\]: expected ci_low <= value <= ci_high"):
        _check_ranges(doc)


def test_an_aggregate_outside_its_interval_names_its_bucket_and_index(doc: dict[str, Any]) -> None:
    from xtremer_robust.report.validate import _check_ranges

    agg = doc["aggregates"]["per_tier"][1]
    agg["ci_low"], agg["ci_high"] = agg["value"] + 0.01, agg["value"] + 0.02
    with pytest.raises(SchemaError, match=r"^aggregates\.per_tier\[1\]: expected ci_low <= value <= ci_high"):
        _check_ranges(doc)


def test_the_percent_scale_tops_out_at_100(doc: dict[str, Any]) -> None:
    from xtremer_robust.report.validate import _check_ranges

    _to_percent(doc)
    _check_ranges(doc)
    doc["cells"][0]["ci_high"] = 100.5
    with pytest.raises(SchemaError, match=r"^cells\[0\]\.ci_high: 100.5 is above 100, but statistics.score_scale is 'percent'"):
        _check_ranges(doc)


def test_a_repeated_cell_is_named(doc: dict[str, Any]) -> None:
    from xtremer_robust.report.validate import _check_ranges

    doc["cells"].append(copy.deepcopy(doc["cells"][0]))
    c = doc["cells"][0]
    with pytest.raises(SchemaError, match=re.escape(f"cells[{len(doc['cells']) - 1}]: cell {c['task']}/{c['language']}/{c['split']}/{c['variant']} appears twice")):
        _check_ranges(doc)


@pytest.mark.parametrize("holm_low, bh_low", [(True, False), (False, True)], ids=["holm", "bh"])
def test_either_adjusted_p_value_below_the_raw_one_is_refused(doc: dict[str, Any], holm_low: bool, bh_low: bool) -> None:
    from xtremer_robust.report.validate import _check_ranges

    i, gap = _gap(doc)
    if holm_low:
        gap["p_holm"] = gap["p_value"] - 0.01
    if bh_low:
        gap["p_bh"] = gap["p_value"] - 0.01
    with pytest.raises(SchemaError, match=rf"^gaps\[{i}\]: adjusted p-values cannot be below the raw p_value"):
        _check_ranges(doc)


def test_adjusted_p_values_exactly_at_the_tolerance_below_are_accepted(doc: dict[str, Any]) -> None:
    from xtremer_robust.report.validate import _TOL, _check_ranges

    i, gap = _gap(doc)
    gap["p_holm"] = gap["p_bh"] = gap["p_value"] - _TOL
    _check_ranges(doc)


def _entry_key(e: dict[str, Any]) -> tuple[str, ...]:
    return (e["task"], e["language"], e["split"], e["variant"])


def test_subset_entry_mismatches_name_the_entry(doc: dict[str, Any]) -> None:
    from xtremer_robust.report.validate import _check_languages_and_subsets

    entries = doc["subsets"]["entries"]
    dropped = entries.pop(0)  # a cell without its entry
    with pytest.raises(SchemaError, match=re.escape(f"subsets.entries: expected one entry per cell; mismatch at {_entry_key(dropped)}")):
        _check_languages_and_subsets(doc)
    foreign = {**copy.deepcopy(dropped), "variant": "word_swap"}  # and an entry without its cell
    entries.append(foreign)
    with pytest.raises(SchemaError, match=re.escape(f"mismatch at {_entry_key(foreign)}")):
        _check_languages_and_subsets(doc)
    entries[-1] = dropped
    entries.append(copy.deepcopy(entries[1]))  # every cell has its entry, one twice
    with pytest.raises(SchemaError, match=r"mismatch at a repeated entry$"):
        _check_languages_and_subsets(doc)


def test_check_items_false_skips_the_sidecar_and_the_report_names_the_file(built, tmp_path: Path) -> None:
    path = _rewritten(built, tmp_path, lambda doc: None)
    (path.parent / built[0]["items"]["path"]).unlink()
    report = validate_submission(path, check_items=False)
    assert report.n_items is None and report.path == str(path)
    with pytest.raises(SchemaError, match="not found beside the submission"):
        validate_submission(path)
    with pytest.raises(SchemaError, match="not found beside the submission"):
        load_submission(path)  # the sidecar is checked unless asked not to
