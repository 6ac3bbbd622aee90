"""Generated hostile files: any mutation of a valid file ends in a clean message or a correct result.

For each kind of input a user can hand the package (data files in every reader's format,
submissions and their sidecars, subset indexes and manifests, recipe suites, shard folders,
study configurations),
hypothesis mutates a valid file, at the byte level or by replacing one JSON value, and the
property is the same every time: the call returns a correct result or raises an
:class:`~xtremer_robust.errors.XtremerError` with a message; never another exception, never a
hang past a generous bound, never a file outside the output folder. Examples are derandomised
(the same cases on every run) so the suite is a fixed regression set.
"""

from __future__ import annotations

import gzip
import json
import shutil
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers.safety import TINY_DATA, clean_exit, cli, files_under, result_or_message  # noqa: E402
from test_report_fakerun import make_score_run  # noqa: E402

from xtremer_robust.data import load_task_data  # noqa: E402
from xtremer_robust.errors import XtremerError  # noqa: E402
from xtremer_robust.report.submission import build_submission  # noqa: E402
from xtremer_robust.report.validate import validate_submission  # noqa: E402
from xtremer_robust.safepaths import NAME_PATTERN  # noqa: E402

SETTINGS = dict(deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

#: Strings an attacker or a broken tool would put where a name or a text belongs.
HOSTILE_TEXT = st.sampled_from([
    "../../../escape", "/etc/passwd", "..", ".", "", "[/]", "\x1b[2J", "a\x00b", "\ud800", "C:\\x", "x" * 300,
    "clean", "en", "sw", "test", "xnli", "1e309", "NaN", "\u202e", "items/../../x",
]) | st.text(max_size=12)

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False) | HOSTILE_TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(HOSTILE_TEXT, children, max_size=3),
    max_leaves=6,
)

#: Byte edits: (position as a share of the file, kind, bytes).
BYTE_EDITS = st.lists(
    st.tuples(st.floats(min_value=0, max_value=1), st.sampled_from(["insert", "delete", "replace", "truncate"]),
              st.binary(min_size=1, max_size=8) | st.sampled_from([b"\n", b"\t", b'"', b"\\", b"{", b"[", b"\xff", b"\x00", b"\r\n"])),
    min_size=1, max_size=4,
)


def mutate_bytes(raw: bytes, edits: list[tuple[float, str, bytes]]) -> bytes:
    for share, kind, chunk in edits:
        at = int(share * len(raw))
        if kind == "insert":
            raw = raw[:at] + chunk + raw[at:]
        elif kind == "delete":
            raw = raw[:at] + raw[at + len(chunk):]
        elif kind == "replace":
            raw = raw[:at] + chunk + raw[at + len(chunk):]
        else:
            raw = raw[:at]
    return raw


def _paths(node: Any, prefix: tuple = ()) -> Iterator[tuple]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node[:3]):
            yield from _paths(value, prefix + (index,))


def mutate_json(doc: Any, data: st.DataObject) -> Any:
    """Replace one value (or delete one key) of a parsed JSON document, chosen by hypothesis."""
    paths = [p for p in _paths(doc) if p]
    path = data.draw(st.sampled_from(paths))
    target = doc
    for part in path[:-1]:
        target = target[part]
    if isinstance(target, dict) and data.draw(st.booleans()):
        del target[path[-1]]
    else:
        target[path[-1]] = data.draw(JSON_VALUES)
    return doc


# --- readers ----------------------------------------------------------------------------------

READER_FILES = [
    ("xnli", "sw", "dev", "xnli/dev-sw.tsv"),
    ("pawsx", "de", "dev", "pawsx/dev-de.tsv"),
    ("panx", "yo", "dev", "panx/dev-yo.tsv"),
    ("udpos", "yo", "test", "udpos/yo_ytb-ud-test.conllu"),
    ("xcopa", "qu", "test", "xcopa/test.qu.jsonl"),
    ("xquad", "th", "test", "xquad/xquad.th.json"),
    ("mlqa", "ar", "dev", "mlqa/dev-context-ar-question-ar.json"),
    ("tydiqa", "sw", "train", "tydiqa/tydiqa.goldp.sw.train.json"),
    ("lareqa", "el", "test", "lareqa/el.json"),
    ("lareqa_monolingual", "el", "test", "lareqa/el.json"),
    ("tatoeba", "sw", "test", "tatoeba/tatoeba.swh-eng.swh"),
]


@pytest.fixture(scope="module")
def data_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(shutil.copytree(TINY_DATA, tmp_path_factory.mktemp("data") / "data"))


def _check_items(data: Any) -> None:
    """A result must be a correct one: ids unique, every record internally consistent."""
    ids = [item.id for item in data.items]
    assert ids and len(set(ids)) == len(ids)
    for item in data.items:
        if hasattr(item, "answers"):
            for answer in item.answers:
                assert 0 <= answer.start and item.context[answer.start:answer.start + len(answer.text)] == answer.text
        if hasattr(item, "tags"):
            assert len(item.tags) == len(item.tokens) > 0
        if hasattr(item, "relevant"):  # every relevant id is in the pool the items are ranked against
            assert item.relevant and set(item.relevant) <= {c.id for c in data.candidates}


@pytest.mark.parametrize("task, lang, split, rel", READER_FILES, ids=[f[0] for f in READER_FILES])
@settings(max_examples=25, **SETTINGS)
@given(edits=BYTE_EDITS)
def test_readers_on_mutated_bytes(data_copy: Path, task: str, lang: str, split: str, rel: str, edits: list) -> None:
    original = (TINY_DATA / rel).read_bytes()
    (data_copy / rel).write_bytes(mutate_bytes(original, edits))
    try:
        result = result_or_message(lambda: load_task_data(task, lang, split, data_dir=data_copy))
        if result is not None:
            _check_items(result)
    finally:
        (data_copy / rel).write_bytes(original)


@pytest.mark.parametrize("task, lang, split, rel", [f for f in READER_FILES if f[3].endswith((".json", ".jsonl"))],
                         ids=[f[0] for f in READER_FILES if f[3].endswith((".json", ".jsonl"))])
@settings(max_examples=30, **SETTINGS)
@given(data=st.data())
def test_json_readers_on_mutated_values(data_copy: Path, task: str, lang: str, split: str, rel: str, data: st.DataObject) -> None:
    original = (TINY_DATA / rel).read_text(encoding="utf-8")
    if rel.endswith(".jsonl"):
        rows = [json.loads(line) for line in original.splitlines()]
        text = "\n".join(json.dumps(row) for row in mutate_json(rows, data)) + "\n"
    else:
        text = json.dumps(mutate_json(json.loads(original), data))
    (data_copy / rel).write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        result = result_or_message(lambda: load_task_data(task, lang, split, data_dir=data_copy))
        if result is not None:
            _check_items(result)
    finally:
        (data_copy / rel).write_text(original, encoding="utf-8")


# --- submissions and sidecars -------------------------------------------------------------

@pytest.fixture(scope="module")
def submission(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sub")
    build_submission(make_score_run(root / "run", n_items=10), out=root / "sub" / "s.json", n_resamples=20)
    return root / "sub" / "s.json"


def _verdict(path: Path) -> None:
    result_or_message(lambda: validate_submission(path))


@settings(max_examples=40, **SETTINGS)
@given(edits=BYTE_EDITS)
def test_validator_on_mutated_submission_bytes(submission: Path, tmp_path: Path, edits: list) -> None:
    folder = tmp_path / "case"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(submission.parent, folder)
    (folder / "s.json").write_bytes(mutate_bytes(submission.read_bytes(), edits))
    _verdict(folder / "s.json")


@settings(max_examples=30, **SETTINGS)
@given(data=st.data(), rehash=st.booleans())
def test_validator_on_mutated_sidecars(submission: Path, tmp_path: Path, data: st.DataObject, rehash: bool) -> None:
    """Sidecar lines mutated, recompressed and (half the time) re-hashed so the checks behind the hash run."""
    import hashlib

    folder = tmp_path / "case"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(submission.parent, folder)
    side = folder / "s.items.jsonl.gz"
    rows = [json.loads(line) for line in gzip.decompress(side.read_bytes()).decode().splitlines()]
    rows[:3] = mutate_json(rows[:3], data)
    raw = gzip.compress(("\n".join(json.dumps(r) for r in rows) + "\n").encode("utf-8", "surrogatepass"))
    side.write_bytes(raw)
    if rehash:
        doc = json.loads((folder / "s.json").read_text())
        doc["items"]["sha256"] = hashlib.sha256(raw).hexdigest()
        (folder / "s.json").write_text(json.dumps(doc))
    _verdict(folder / "s.json")


# --- subset indexes and manifests -----------------------------------------------------------

@pytest.fixture(scope="module")
def subsets_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("subsets") / "build"
    clean_exit(cli(["build-subsets", "--data-dir", TINY_DATA, "--out", out, "--tasks", "xnli,panx", "--langs", "sw,yo",
                    "--recipes", "char_swap_10", "--no-generalized"]), 0)
    return out


def _load_all(folder: Path) -> None:
    from xtremer_robust.runner.cells import plan_cells
    from xtremer_robust.tasks import parse_tasks

    for plan in plan_cells(parse_tasks(None), subsets_dir=folder):
        for part in (plan.task.name, plan.language, plan.split, plan.variant):
            assert NAME_PATTERN.fullmatch(part)  # only safe names reach the scorer
        data, sha = plan.load()
        assert len(sha) == 64 and data.items is not None


@pytest.mark.parametrize("target", ["index.json", "xnli/sw/test/clean.manifest.json", "panx/yo/dev/char_swap_10.manifest.json"])
@settings(max_examples=25, **SETTINGS)
@given(data=st.data())
def test_plans_and_loads_on_mutated_indexes_and_manifests(subsets_dir: Path, tmp_path: Path, target: str, data: st.DataObject) -> None:
    box = tmp_path / "box"
    shutil.rmtree(box, ignore_errors=True)
    folder = Path(shutil.copytree(subsets_dir, box / "s"))
    doc = mutate_json(json.loads((folder / target).read_text()), data)
    (folder / target).write_text(json.dumps(doc), encoding="utf-8", errors="surrogatepass")
    before = files_under(tmp_path)
    result_or_message(lambda: _load_all(folder))
    assert files_under(tmp_path) == before


@settings(max_examples=25, **SETTINGS)
@given(edits=BYTE_EDITS)
def test_verify_on_mutated_subset_bytes(subsets_dir: Path, tmp_path: Path, edits: list) -> None:
    from xtremer_robust.subsets import verify_subsets

    folder = tmp_path / "s"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(subsets_dir, folder)
    changed = False
    for rel in ("xnli/sw/test/char_swap_10.jsonl", "xnli/sw/test/char_swap_10.manifest.json"):
        raw = (subsets_dir / rel).read_bytes()
        mutated = mutate_bytes(raw, edits)
        changed |= mutated != raw
        (folder / rel).write_bytes(mutated)
    problems = result_or_message(lambda: verify_subsets(folder))
    if problems is not None:
        assert bool(problems) == changed  # a changed file is always found, an unchanged one never


# --- recipe suites ------------------------------------------------------------------------

YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**6) | st.floats(allow_nan=True) | HOSTILE_TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(
        ["version", "seed", "variants", "views", "sizes", "families", "generalized", "tasks", "name", "recipe", "params", "rate"])
        | st.text(max_size=5), children, max_size=4),
    max_leaves=10,
)


@settings(max_examples=60, **SETTINGS)
@given(doc=YAML_VALUES)
def test_load_suite_on_generated_documents(tmp_path: Path, doc: Any) -> None:
    import yaml

    from xtremer_robust.subsets import load_suite

    path = tmp_path / "suite.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8", errors="surrogatepass")
    suite = result_or_message(lambda: load_suite(path))
    if suite is not None:
        assert all(NAME_PATTERN.fullmatch(v.name) for v in suite.variants)


@settings(max_examples=40, **SETTINGS)
@given(edits=BYTE_EDITS)
def test_load_suite_on_mutated_canonical_suite(tmp_path: Path, edits: list) -> None:
    from xtremer_robust.subsets import load_suite
    from xtremer_robust.subsets.suite import canonical_suite_path

    source = canonical_suite_path() or Path(__file__).resolve().parents[1] / "subsets" / "recipes.yaml"
    path = tmp_path / "suite.yaml"
    path.write_bytes(mutate_bytes(source.read_bytes(), edits))
    result_or_message(lambda: load_suite(path))


@settings(max_examples=40, **SETTINGS)
@given(spec=st.text(alphabet="char_swap:rate=0.1[]{}&*!|>'\"%@`-/\\ ", max_size=30))
def test_recipe_specs(spec: str) -> None:
    from xtremer_robust.subsets.suite import parse_recipe_specs

    variants = result_or_message(lambda: parse_recipe_specs([spec]))
    if variants is not None:
        assert all(NAME_PATTERN.fullmatch(v.name) or v.name == "" for v in variants) or not variants


# --- shards ---------------------------------------------------------------------------------

@settings(max_examples=40, **SETTINGS)
@given(data=st.data(), which=st.sampled_from(["results", "items"]))
def test_merge_shards_on_mutated_shards(tmp_path: Path, data: st.DataObject, which: str) -> None:
    from test_safety_paths import _shard

    from xtremer_robust.runner.shards import merge_shards

    box = tmp_path / "box"
    shutil.rmtree(box, ignore_errors=True)
    a, b = _shard(box / "a", 0, 2, [0, 2]), _shard(box / "b", 1, 2, [1, 3])
    if which == "results":
        path = b / "results.json"
        path.write_text(json.dumps(mutate_json(json.loads(path.read_text()), data)), encoding="utf-8", errors="surrogatepass")
    else:
        path = b / "items" / "xnli" / "sw" / "test" / "clean.jsonl"
        rows = mutate_json([json.loads(line) for line in path.read_text().splitlines()], data)
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8", errors="surrogatepass")
    before = files_under(box)
    try:
        merged = merge_shards([a, b], box / "m")
    except XtremerError as exc:
        assert str(exc)
        assert files_under(box) - before <= {p for p in files_under(box) if p.startswith("m/")}
    else:
        results = json.loads(merged.read_text())
        (cell,) = results["cells"] or results["unlabelled"]
        assert cell["n"] == 4 and [json.loads(line)["index"] for line in (box / "m" / cell["items_file"]).read_text().splitlines()] == [0, 1, 2, 3]
    assert all(p in before or p.startswith("m/") for p in files_under(box))  # nothing outside the output folder


# --- study configurations -------------------------------------------------------------------

STUDY_CONFIG = Path(__file__).resolve().parents[1] / "baselines" / "study-me5-small" / "study.yaml"


@pytest.mark.skipif(not STUDY_CONFIG.is_file(), reason="no study configuration in baselines/")
@settings(max_examples=40, **SETTINGS)
@given(edits=BYTE_EDITS)
def test_study_config_on_mutated_bytes(tmp_path: Path, edits: list) -> None:
    from xtremer_robust.study.config import load_study_config

    path = tmp_path / "study.yaml"
    path.write_bytes(mutate_bytes(STUDY_CONFIG.read_bytes(), edits))
    result_or_message(lambda: load_study_config(path))


@pytest.mark.skipif(not STUDY_CONFIG.is_file(), reason="no study configuration in baselines/")
@settings(max_examples=40, **SETTINGS)
@given(data=st.data())
def test_study_config_on_mutated_values(tmp_path: Path, data: st.DataObject) -> None:
    import yaml

    from xtremer_robust.study.config import load_study_config

    doc = mutate_json(yaml.safe_load(STUDY_CONFIG.read_text(encoding="utf-8")), data)
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8", errors="surrogatepass")
    result_or_message(lambda: load_study_config(path))
