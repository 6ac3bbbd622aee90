"""Property: whatever one value of a valid submission is replaced by, ``validate`` answers with
a verdict (valid, or :class:`SchemaError` with a message), never with another exception."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers.fakerun import make_score_run  # noqa: E402

from xtremer_robust.errors import SchemaError  # noqa: E402
from xtremer_robust.report.submission import build_submission  # noqa: E402
from xtremer_robust.report.validate import validate_submission  # noqa: E402

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple = ()) -> Iterator[tuple]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node[:3]):  # the first rows stand for all
            yield from _paths(value, prefix + (index,))


@pytest.fixture(scope="module")
def valid(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    build_submission(make_score_run(root / "run", n_items=20), out=root / "sub" / "s.json", n_resamples=100)
    return root / "sub" / "s.json"


@settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_single_replacement_gets_a_verdict(valid: Path, tmp_path: Path, data: st.DataObject) -> None:
    doc = json.loads(valid.read_text())
    paths = [p for p in _paths(doc) if p]
    path = data.draw(st.sampled_from(paths))
    value = data.draw(JSON_VALUES)
    target = doc
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    folder = tmp_path / "case"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(valid.parent, folder)
    (folder / "s.json").write_text(json.dumps(doc))
    try:
        validate_submission(folder / "s.json")
    except SchemaError as exc:
        assert str(exc)
