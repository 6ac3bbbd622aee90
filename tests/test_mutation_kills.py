"""Tests written against mutants that survived ``mutmut`` on report/validate.py, metrics/item_stats.py
and stats/multiplicity.py (the command and the score are in CONTRIBUTING.md).

Each test pins a behaviour a surviving mutant changed: a boundary, an operator, a message
that must name its field and line, a value carried through.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_report_fakerun import make_score_run  # noqa: E402

from xtremer_robust.errors import SchemaError  # noqa: E402
from xtremer_robust.metrics.item_stats import check_item_stats  # noqa: E402
from xtremer_robust.report.submission import build_submission  # noqa: E402
from xtremer_robust.report.validate import validate_submission  # noqa: E402
from xtremer_robust.stats import adjust_family  # noqa: E402


# --- stats.multiplicity.adjust_family ---------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Claim:
    p_value: float | None
    p_holm: float | None = None
    p_bh: float | None = None


def _naive_holm(p: list[float]) -> list[float]:
    """Holm (1979) by its definition, one loop (independent of the vectorised code)."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out, running = [0.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


def _naive_bh(p: list[float]) -> list[float]:
    """Benjamini-Hochberg (1995) by its definition."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out, running = [0.0] * m, 1.0
    for rank in range(m - 1, -1, -1):
        i = order[rank]
        running = min(running, min(1.0, p[i] * m / (rank + 1)))
        out[i] = running
    return out


def test_adjust_family_fills_both_adjustments_and_keeps_missing_p_values_missing() -> None:
    raw = [0.01, 0.04, None, 0.03, 0.2]
    adjusted = adjust_family([Claim(p) for p in raw])
    present = [p for p in raw if p is not None]
    holm, bh = iter(_naive_holm(present)), iter(_naive_bh(present))
    for claim, p in zip(adjusted, raw):
        assert claim.p_value == p
        if p is None:
            assert claim.p_holm is None and claim.p_bh is None
        else:
            assert claim.p_holm == pytest.approx(next(holm)) and claim.p_bh == pytest.approx(next(bh))
    assert adjusted[1].p_holm == pytest.approx(0.09) and adjusted[1].p_bh == pytest.approx(0.04 * 4 / 3)  # they differ
    assert all(isinstance(c.p_holm, float) for c in adjusted if c.p_value is not None)


def test_adjust_family_of_nothing_is_nothing() -> None:
    assert adjust_family([]) == []


# --- metrics.item_stats ---------------------------------------------------------------------

@pytest.mark.parametrize("names, values", [(["f1"], [0.0]), (["ap"], [0.0]), (["em", "f1"], [0.0, 0.0]), (["tp", "n_pred", "n_gold"], [0, 0, 0])])
def test_range_boundaries_are_inside(names: list[str], values: list[float]) -> None:
    check_item_stats(names, values, where="w")


@pytest.mark.parametrize("names, values, message", [
    (["hit"], [0.7], "w: 'hit' = 0.7, but it must be 0 or 1"),
    (["f1"], [1.5], "w: 'f1' = 1.5, but it must be a number in [0, 1]"),
    (["n_gold"], [2.5], "w: 'n_gold' = 2.5, but it must be a whole count >= 0"),
    (["tp", "n_pred", "n_gold"], [3, 2, 5], "w: tp = 3 exceeds n_pred = 2 or n_gold = 5"),
])
def test_range_messages_name_the_statistic_and_what_it_must_be(names: list[str], values: list[float], message: str) -> None:
    with pytest.raises(SchemaError) as info:
        check_item_stats(names, values, where="w")
    assert str(info.value).startswith(message)


def test_the_count_relation_applies_to_tp_n_pred_n_gold_only() -> None:
    check_item_stats(["a", "b", "c"], [5.0, 1.0, 1.0], where="w")  # unknown names: no relation imposed
    check_item_stats(["n_gold", "n_pred", "tp"], [1.0, 1.0, 5.0], where="w")  # another order is another metric


# --- report.validate: sidecar lines ----------------------------------------------------------

@pytest.fixture(scope="module")
def submission(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sub")
    build_submission(make_score_run(root / "run", n_items=10), out=root / "sub" / "s.json", n_resamples=20)
    return root / "sub" / "s.json"


def _with_sidecar(submission: Path, tmp_path: Path, edit) -> Path:
    folder = Path(shutil.copytree(submission.parent, tmp_path / "c"))
    side = folder / "s.items.jsonl.gz"
    rows = [json.loads(line) for line in gzip.decompress(side.read_bytes()).decode().splitlines()]
    rows = edit(rows)
    raw = gzip.compress(("\n".join(json.dumps(r) for r in rows) + "\n").encode())
    side.write_bytes(raw)
    doc = json.loads((folder / "s.json").read_text())
    doc["items"]["sha256"] = hashlib.sha256(raw).hexdigest()
    (folder / "s.json").write_text(json.dumps(doc))
    return folder / "s.json"


def test_sidecar_lines_with_exactly_the_required_fields_are_valid(submission: Path, tmp_path: Path) -> None:
    keep = ("task", "language", "split", "variant", "id", "stats")
    path = _with_sidecar(submission, tmp_path, lambda rows: [{k: r[k] for k in keep} for r in rows])
    assert validate_submission(path).n_items == json.loads(path.read_text())["items"]["n_lines"]


def test_boolean_statistics_are_refused_and_the_message_names_the_line(submission: Path, tmp_path: Path) -> None:
    def edit(rows: list[dict]) -> list[dict]:
        rows[2]["stats"] = [True] * len(rows[2]["stats"])
        return rows

    with pytest.raises(SchemaError, match=r"s\.items\.jsonl\.gz, line 3: 'stats' must be a list of"):
        validate_submission(_with_sidecar(submission, tmp_path, edit))


def test_out_of_range_statistics_name_the_sidecar_line(submission: Path, tmp_path: Path) -> None:
    def edit(rows: list[dict]) -> list[dict]:
        rows[1]["stats"] = [-1.0] * len(rows[1]["stats"])
        return rows

    with pytest.raises(SchemaError, match=r"s\.items\.jsonl\.gz, line 2: '\w+' = -1\.0, but it must be"):
        validate_submission(_with_sidecar(submission, tmp_path, edit))


def test_wrong_types_name_each_field(submission: Path, tmp_path: Path) -> None:
    def edit(rows: list[dict]) -> list[dict]:
        rows[0]["task"], rows[0]["id"] = 1, 2
        return rows

    with pytest.raises(SchemaError, match=r"line 1: task, id must be strings, got int, int"):
        validate_submission(_with_sidecar(submission, tmp_path, edit))


@pytest.mark.parametrize("path, message", [("/etc/passwd", "items.path: '/etc/passwd' is an absolute path"),
                                           ("a b.gz", "items.path: 'a b.gz' is not a safe name")])
def test_sidecar_path_messages_name_the_field(submission: Path, tmp_path: Path, path: str, message: str) -> None:
    folder = Path(shutil.copytree(submission.parent, tmp_path / "c"))
    doc = json.loads((folder / "s.json").read_text())
    doc["items"]["path"] = path
    (folder / "s.json").write_text(json.dumps(doc))
    if path == "a b.gz":
        shutil.copy(folder / "s.items.jsonl.gz", folder / path)
    with pytest.raises(SchemaError, match=message):
        validate_submission(folder / "s.json")


def test_schema_messages_start_with_the_field_path(submission: Path, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(submission.parent, tmp_path / "c"))
    doc = json.loads((folder / "s.json").read_text())
    doc["cells"][1]["n"] = "ten"
    (folder / "s.json").write_text(json.dumps(doc))
    with pytest.raises(SchemaError, match=r"s\.json: cells\[1\]\.n: 'ten' is not of type 'integer'"):
        validate_submission(folder / "s.json")


def test_statistics_after_an_unknown_name_are_still_checked() -> None:
    with pytest.raises(SchemaError, match="'hit' = 0.7"):
        check_item_stats(["custom", "hit"], [5.0, 0.7], where="w")


def test_a_repeated_item_id_in_one_cell_is_refused(submission: Path, tmp_path: Path) -> None:
    def edit(rows: list[dict]) -> list[dict]:
        rows[1]["id"] = rows[0]["id"]  # the first rows belong to one cell
        return rows

    with pytest.raises(SchemaError, match=r"line 2: item id .* repeats in cell"):
        validate_submission(_with_sidecar(submission, tmp_path, edit))


def test_a_sidecar_line_missing_a_field_is_a_message(submission: Path, tmp_path: Path) -> None:
    def edit(rows: list[dict]) -> list[dict]:
        del rows[0]["stats"]
        return rows

    with pytest.raises(SchemaError, match=r"line 1: expected an object with task, language, split, variant, id, stats"):
        validate_submission(_with_sidecar(submission, tmp_path, edit))
