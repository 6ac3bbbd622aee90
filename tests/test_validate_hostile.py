"""``validate`` refuses hostile and malformed submissions, each with a message that names the problem.

One valid submission is built from a fake score run; every variant below damages it in one
way (text, parsed document, sidecar or folder) and states the message it must produce.
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers.fakerun import make_score_run  # noqa: E402

from xtremer_robust.cli import app  # noqa: E402
from xtremer_robust.errors import SchemaError  # noqa: E402
from xtremer_robust.report import safe_json  # noqa: E402
from xtremer_robust.report.submission import build_submission  # noqa: E402
from xtremer_robust.report.validate import validate_submission  # noqa: E402


@pytest.fixture(scope="module")
def valid(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("valid")
    run = make_score_run(root / "run", n_items=30)
    build_submission(run, out=root / "sub" / "submission.json", n_resamples=200, seed=0)
    return root / "sub" / "submission.json"


def _copy(valid: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "case"
    shutil.copytree(valid.parent, folder)
    return folder / "submission.json"


def _edit_doc(edit: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def apply(path: Path) -> None:
        doc = json.loads(path.read_text())
        edit(doc)
        path.write_text(json.dumps(doc))

    return apply


def _edit_text(edit: Callable[[str], str]) -> Callable[[Path], None]:
    def apply(path: Path) -> None:
        path.write_text(edit(path.read_text()))

    return apply


def _set(pointer: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in pointer.split("/")]
        target = doc
        for part in parents:
            target = target[part]
        target[last] = value

    return edit


def _replace_sidecar(lines_edit: Callable[[list[str]], list[str]] | None = None, raw: bytes | None = None) -> Callable[[Path], None]:
    """Rewrite the sidecar and re-pin its hash, so that the check behind the hash is reached."""

    def apply(path: Path) -> None:
        doc = json.loads(path.read_text())
        side = path.parent / doc["items"]["path"]
        if raw is not None:
            data = raw
        else:
            lines = gzip.decompress(side.read_bytes()).decode().splitlines()
            data = gzip.compress(("\n".join(lines_edit(lines)) + "\n").encode())  # type: ignore[misc]
        side.write_bytes(data)
        doc["items"]["sha256"] = hashlib.sha256(data).hexdigest()
        path.write_text(json.dumps(doc))

    return apply


def _first_line(edit: Callable[[dict[str, Any]], None]) -> Callable[[list[str]], list[str]]:
    def apply(lines: list[str]) -> list[str]:
        obj = json.loads(lines[0])
        edit(obj)
        return [json.dumps(obj)] + lines[1:]

    return apply


def _oversized(path: Path) -> None:
    with path.open("r+b") as handle:  # sparse: no disk is written, only the size changes
        handle.truncate(safe_json.MAX_JSON_BYTES + 1)


def _symlinked_sidecar(path: Path) -> None:
    doc = json.loads(path.read_text())
    side = path.parent / doc["items"]["path"]
    outside = path.parent.parent / "outside.items.jsonl.gz"
    side.rename(outside)
    os.symlink(outside, side)


def _deleted_sidecar(path: Path) -> None:
    doc = json.loads(path.read_text())
    (path.parent / doc["items"]["path"]).unlink()


def _tamper_sidecar_keep_hash(path: Path) -> None:
    doc = json.loads(path.read_text())
    side = path.parent / doc["items"]["path"]
    side.write_bytes(side.read_bytes() + gzip.compress(b"\n"))


def _bomb() -> bytes:
    return gzip.compress(b" " * (3 * 1024 * 1024) + b"\n", compresslevel=9)


def _cell_score_scaled(doc: dict[str, Any]) -> None:
    cell = doc["cells"][0]
    cell["score"], cell["ci_low"], cell["ci_high"] = 57.3, 50.0, 60.0


def _duplicate_cell(doc: dict[str, Any]) -> None:
    doc["cells"].append(copy.deepcopy(doc["cells"][0]))


def _shift_aggregate(doc: dict[str, Any]) -> None:
    agg = doc["aggregates"]["overall"][0]
    for key in ("value", "ci_low", "ci_high"):  # the interval moves too: only the recomputation can tell
        agg[key] += 0.01


def _bump_first_stat(obj: dict[str, Any]) -> None:
    """Change one statistic within its range (a count of gold entities + 1, or a 0/1 flipped)."""
    if len(obj["stats"]) == 3:
        obj["stats"][2] += 1.0
    else:
        obj["stats"][-1] = 1.0 - obj["stats"][-1]


def _out_of_range_stat(obj: dict[str, Any]) -> None:
    obj["stats"][0] = 0.7 if len(obj["stats"]) == 1 else -1.0


#: (name, damage, expected message fragment)
CASES: list[tuple[str, Callable[[Path], None], str]] = [
    ("oversized file", _oversized, "over the 67,108,864-byte limit; refusing to parse"),
    ("deep nesting", lambda p: p.write_text('{"a": ' + "[" * 5000 + "]" * 5000 + "}"), "nesting deeper than 64 levels"),
    ("NaN score", _edit_text(lambda t: t.replace('"score": ', '"score": NaN, "x": ', 1)), "non-JSON constant NaN"),
    ("Infinity", _edit_text(lambda t: t.replace('"n_resamples": 200', '"n_resamples": Infinity')), "non-JSON constant Infinity"),
    ("-Infinity", _edit_text(lambda t: t.replace('"seed": 0', '"seed": -Infinity', 1)), "non-JSON constant -Infinity"),
    ("duplicate key", _edit_text(lambda t: t.replace("{", '{"schema": "x", ', 1)), "duplicate key 'schema'"),
    ("invalid UTF-8", lambda p: p.write_bytes(b'{"schema": "\xff\xfe"}'), "not UTF-8 text"),
    ("truncated JSON", _edit_text(lambda t: t[: len(t) // 2]), "not valid JSON"),
    ("huge integer", _edit_text(lambda t: t.replace('"n_resamples": 200', '"n_resamples": ' + "9" * 5000)), "an integer with thousands of digits"),
    ("pickle bytes", lambda p: p.write_bytes(b"\x80\x04\x95\x15\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94."), "not UTF-8 text"),
    ("top-level array", lambda p: p.write_text("[1, 2]"), "top level must be a JSON object"),
    ("results.json instead", _edit_doc(_set("schema", "xtremer-robust/results/v1")), "is this a submission"),
    ("string score", _edit_doc(_set("cells/0/score", "0.5")), "cells[0].score: '0.5' is not of type 'number'"),
    ("boolean n", _edit_doc(_set("cells/0/n", True)), "cells[0].n: True is not of type 'integer'"),
    ("n = 0", _edit_doc(_set("cells/0/n", 0)), "cells[0].n: 0 is less than the minimum of 1"),
    ("unknown field", _edit_doc(_set("extra", {"run": "rm -rf /"})), "Additional properties are not allowed ('extra'"),
    ("missing model", _edit_doc(lambda d: d.pop("model")), "'model' is a required property"),
    ("p above 1", _edit_doc(_set("gaps/0/p_value", 1.5)), "gaps[0].p_value: 1.5 is greater than the maximum of 1"),
    ("bad language code", _edit_doc(_set("cells/0/language", "english")), "cells[0].language: 'english' does not match"),
    ("bad sha256", _edit_doc(_set("items/sha256", "xyz")), "items.sha256: 'xyz' does not match"),
    ("percent score in a fraction file", _edit_doc(_cell_score_scaled), "is above 1, but statistics.score_scale is 'fraction'"),
    ("score outside its CI", _edit_doc(_set("cells/0/ci_low", 0.999)), "expected ci_low <= value <= ci_high"),
    ("duplicate cell", _edit_doc(_duplicate_cell), "appears twice"),
    ("unknown language", _edit_doc(_set("cells/0/language", "xx")), "'xx' is not one of the 50 XTREME-R languages"),
    ("tier relabelled", _edit_doc(_set("cells/0/tier", "low")), "cells[0].tier: 'low', but en is a high-resource language"),
    ("subset entry missing", _edit_doc(lambda d: d["subsets"]["entries"].pop()), "expected one entry per cell"),
    ("gap not clean - perturbed", _edit_doc(_set("gaps/0/clean_score", 0.0)), "is not clean_score - perturbed_score"),
    ("Holm tampered", _edit_doc(_set("gaps/0/p_holm", 1.0)), "gaps[0].p_holm"),
    ("aggregate tampered", _edit_doc(_shift_aggregate), "recomputed from the cells"),
    ("absolute sidecar path", _edit_doc(_set("items/path", "/etc/passwd")), "is an absolute path"),
    ("dot-dot sidecar path", _edit_doc(_set("items/path", "../outside.items.jsonl.gz")), "contains '..'"),
    ("Windows sidecar path", _edit_doc(_set("items/path", "C:\\Windows\\x.gz")), "not a plain relative POSIX path"),
    ("symlinked sidecar", _symlinked_sidecar, "goes through a symbolic link"),
    ("missing sidecar", _deleted_sidecar, "not found beside the submission"),
    ("sidecar changed, hash kept", _tamper_sidecar_keep_hash, "has another hash"),
    ("gzip bomb sidecar", _replace_sidecar(raw=_bomb()), "longer than 1,048,576 bytes"),
    ("not gzip sidecar", _replace_sidecar(raw=b"plain text, not gzip"), "not a readable gzip file"),
    ("NaN in sidecar stats",
     _replace_sidecar(lambda ls: [ls[0].replace('"stats":[', '"stats":[NaN,', 1).replace('"stats": [', '"stats": [NaN, ', 1)] + ls[1:]),
     "non-JSON constant NaN"),
    ("sidecar item of an unknown cell", _replace_sidecar(_first_line(_set("task", "xcopa"))), "is not in the submission's cells"),
    ("sidecar stats changed", _replace_sidecar(_first_line(_bump_first_stat)), "its items in the sidecar give"),
    ("sidecar stat out of its range", _replace_sidecar(_first_line(_out_of_range_stat)), "but it must be"),
    ("sidecar id of the wrong type", _replace_sidecar(_first_line(_set("id", {"nested": [1]}))), "id must be strings, got dict"),
    ("sidecar stats wrong width", _replace_sidecar(_first_line(_set("stats", [1.0, 2.0, 3.0, 4.0]))), "'stats' must be a list of"),
]


@pytest.mark.parametrize("name, damage, expected", CASES, ids=[c[0] for c in CASES])
def test_hostile_variant_is_rejected_with_its_message(
    valid: Path, tmp_path: Path, name: str, damage: Callable[[Path], None], expected: str
) -> None:
    path = _copy(valid, tmp_path)
    damage(path)
    with pytest.raises(SchemaError) as info:
        validate_submission(path)
    assert expected in str(info.value), f"{name}: {info.value}"


def test_at_least_twenty_variants() -> None:
    assert len(CASES) >= 20


def test_the_untouched_submission_is_valid(valid: Path) -> None:
    report = validate_submission(valid)
    assert report.n_cells == 18 and report.n_gaps == 9 and report.n_items == 18 * 30


def test_cli_exits_2_with_the_message(valid: Path, tmp_path: Path) -> None:
    path = _copy(valid, tmp_path)
    _edit_text(lambda t: t.replace('"score": ', '"score": NaN, "x": ', 1))(path)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "non-JSON constant NaN" in result.output
    ok = CliRunner().invoke(app, ["validate", str(valid)])
    assert ok.exit_code == 0 and "valid" in ok.output
