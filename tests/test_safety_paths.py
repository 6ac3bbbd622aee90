"""The output boundary: names from input never leave their folder (score, subsets, shards, submissions).

Every path built from a file or an argument goes through ``xtremer_robust.safepaths``: each
component matches one allow-list pattern and the joined path resolves inside its root. The
tests feed hostile names through each place that turns them into paths and check both the
message and that nothing was written outside the temporary folder.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers.safety import TINY_DATA, clean_exit, cli, files_under  # noqa: E402
from test_report_fakerun import make_score_run  # noqa: E402

from xtremer_robust.errors import ConfigError, DataError, SchemaError  # noqa: E402
from xtremer_robust.runner.outputs import items_relpath, write_items  # noqa: E402
from xtremer_robust.runner.shards import merge_shards  # noqa: E402
from xtremer_robust.safepaths import check_name, check_output_dir, check_output_file, safe_join, safe_relpath  # noqa: E402
from xtremer_robust.subsets import iter_index, load_subset, read_index  # noqa: E402

GOOD_NAMES = ["xnli", "sw", "en-sw", "test", "clean", "char_swap_10", "adv-builtin_me5-small", "clean.jsonl", "a+b", "x" * 128]
BAD_NAMES = ["", ".", "..", "../x", "a/b", "a\\b", "/etc", ".hidden", "a\x00b", "C:x", "a b", "x" * 129, "a..b",
             "\x1b[31m", "[/]", "é", "-rf", "a\nb", 3, None, ["sw"]]


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_safe_names_pass(name: str) -> None:
    assert check_name(name, field="f") == name


@pytest.mark.parametrize("name", BAD_NAMES, ids=[repr(n) for n in BAD_NAMES])
def test_unsafe_names_are_refused_with_the_field(name: object) -> None:
    with pytest.raises(SchemaError, match="^lang: "):
        check_name(name, field="lang")


def test_safe_join_follows_links_only_inside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "inner").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    os.symlink(tmp_path / "outside", root / "out-link")
    os.symlink(root / "inner", root / "in-link")
    assert safe_join(root, "in-link", "x.jsonl", field="f") == root / "in-link" / "x.jsonl"
    with pytest.raises(SchemaError, match="outside"):
        safe_join(root, "out-link", "x.jsonl", field="f")
    for bad in ("../x", "/abs/x", "a\\b", "a//b", "items/../../x"):
        with pytest.raises(SchemaError):
            safe_relpath(root, bad, field="items_file")


def test_score_outputs_refuse_names_that_leave_the_folder(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="cell language"):
        items_relpath("xnli", "../../../x", "test", "clean")
    with pytest.raises(SchemaError):
        write_items(tmp_path / "out", "items/../../escape.jsonl", [{"id": "a"}])
    assert files_under(tmp_path) == set()


def test_output_options_are_checked_before_work(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="is a file, but a folder is expected"):
        check_output_dir(tmp_path / "file")
    with pytest.raises(ConfigError, match="cannot be created because"):
        check_output_dir(tmp_path / "file" / "below")
    with pytest.raises(ConfigError, match="is a folder, but a file name is expected"):
        check_output_file(tmp_path)
    assert check_output_dir(tmp_path / "new" / "deep") == tmp_path / "new" / "deep"
    assert not (tmp_path / "new").exists()  # checking creates nothing


# --- subsets index and manifests -------------------------------------------------------------

@pytest.fixture(scope="module")
def subsets_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("subsets") / "build"
    outcome = cli(["build-subsets", "--data-dir", TINY_DATA, "--out", out, "--tasks", "xnli", "--langs", "sw",
                   "--recipes", "char_swap_10", "--no-generalized"])
    clean_exit(outcome, 0)
    return out


def _hostile_index(subsets_dir: Path, tmp_path: Path, field: str, value: object) -> Path:
    import shutil

    folder = tmp_path / "box" / "subsets"
    shutil.copytree(subsets_dir, folder)
    index = json.loads((folder / "index.json").read_text())
    index["subsets"][0][field] = value
    (folder / "index.json").write_text(json.dumps(index))
    return folder


@pytest.mark.parametrize("field, value", [
    ("language", "../../../escape"), ("task", "../xnli"), ("split", "/tmp"), ("variant", "..\\x"),
    ("variant", "clean/../../../x"), ("language", 7), ("n", -1), ("id", "xnli/sw/test/other"),
])
def test_score_refuses_a_hostile_index_before_any_write(subsets_dir: Path, tmp_path: Path, field: str, value: object) -> None:
    folder = _hostile_index(subsets_dir, tmp_path, field, value)
    with pytest.raises(SchemaError):
        read_index(folder)
    before = files_under(tmp_path)
    outcome = cli(["score", "builtin:me5-small", "--subsets", folder, "--out", tmp_path / "box" / "out",
                   "--cache", tmp_path / "box" / "c.sqlite"])
    clean_exit(outcome, 2, "index.json")
    assert files_under(tmp_path) == before  # not a file more, inside or outside the folder


def test_views_must_name_listed_subsets(subsets_dir: Path, tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "s"
    shutil.copytree(subsets_dir, folder)
    index = json.loads((folder / "index.json").read_text())
    index["views"]["tier:low"] = [{"id": "xnli/../../../etc/test/clean"}]
    (folder / "index.json").write_text(json.dumps(index))
    with pytest.raises(SchemaError, match="views.tier:low"):
        list(iter_index(folder, "tier:low"))


@pytest.mark.parametrize("edit, expected", [
    (lambda m: m.update(file="../../../../escape.jsonl"), "not a safe name"),
    (lambda m: m.update(language="../../x"), "not a safe name"),
    (lambda m: m.update(n="3"), "'n' must be a whole count"),
    (lambda m: m.update(candidates={"file": "/etc/passwd", "sha256": "0"}), "not a safe name"),
    (lambda m: m.update(id="xnli/sw/test/other"), "does not match"),
])
def test_load_subset_refuses_a_hostile_manifest(subsets_dir: Path, tmp_path: Path, edit, expected: str) -> None:
    import shutil

    folder = tmp_path / "s"
    shutil.copytree(subsets_dir, folder)
    mpath = folder / "xnli" / "sw" / "test" / "clean.manifest.json"
    manifest = json.loads(mpath.read_text())
    edit(manifest)
    mpath.write_text(json.dumps(manifest))
    with pytest.raises(DataError, match=expected):
        load_subset(folder, "xnli", "sw", "test", "clean")
    with pytest.raises(DataError, match="not a safe name"):
        load_subset(folder, "xnli", "../sw", "test", "clean")


def test_a_subset_folder_linked_out_of_the_root_is_refused(subsets_dir: Path, tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "s"
    shutil.copytree(subsets_dir, folder)
    outside = tmp_path / "elsewhere"
    shutil.move(str(folder / "xnli" / "sw"), outside)
    os.symlink(outside, folder / "xnli" / "sw")
    with pytest.raises(DataError, match="symbolic link"):
        load_subset(folder, "xnli", "sw", "test", "clean")


# --- merge-shards ---------------------------------------------------------------------------

def _shard(folder: Path, index: int, count: int, ids: list[int], *, items_file: str | None = None,
           language: str = "sw") -> Path:
    rel = items_file or f"items/xnli/{language}/test/clean.jsonl"
    rows = [{"id": f"test-{i:05d}", "content_hash": "h", "prediction": "entailment", "stats": [1.0], "index": i} for i in ids]
    if items_file is None:
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cell = {"task": "xnli", "language": language, "split": "test", "variant": "clean", "metric": "accuracy",
            "score": 1.0, "n": len(rows), "labelled": True, "stat_names": ["correct"], "items_file": rel}
    results = {"schema": "xtremer-robust/results/v1", "model": {"weights_sha256": "w"}, "harness": {},
               "cells": [cell], "unlabelled": [], "shard": {"index": index, "count": count}}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results))
    return folder


def test_merge_shards_of_good_shards(tmp_path: Path) -> None:
    a, b = _shard(tmp_path / "a", 0, 2, [0, 2]), _shard(tmp_path / "b", 1, 2, [1, 3])
    path = merge_shards([a, b], tmp_path / "m")
    cell = json.loads(path.read_text())["cells"][0]
    assert cell["n"] == 4 and cell["score"] == 1.0


@pytest.mark.parametrize("items_file", ["../../secret.jsonl", "/etc/passwd", "items/../../../x.jsonl", "items\\x.jsonl"])
def test_merge_shards_never_reads_outside_a_shard(tmp_path: Path, items_file: str) -> None:
    (tmp_path / "secret.jsonl").write_text(json.dumps({"id": "test-00001", "stats": [1.0], "index": 1}) + "\n")
    a = _shard(tmp_path / "box" / "a", 0, 2, [0])
    b = _shard(tmp_path / "box" / "b", 1, 2, [1], items_file=items_file)
    outcome = cli(["merge-shards", a, b, "--out", tmp_path / "box" / "m"])
    clean_exit(outcome, 2, "items_file")
    assert not (tmp_path / "box" / "m").exists()


def test_merge_shards_refuses_a_hostile_cell_name(tmp_path: Path) -> None:
    a = _shard(tmp_path / "a", 0, 1, [0])
    results = json.loads((a / "results.json").read_text())
    results["cells"][0]["language"] = "../../../escape"
    (a / "results.json").write_text(json.dumps(results))
    before = files_under(tmp_path)
    clean_exit(cli(["merge-shards", a, "--out", tmp_path / "m"]), 2, "not a safe name")
    assert files_under(tmp_path) == before


def test_merge_shards_refuses_a_link_out_of_the_shard(tmp_path: Path) -> None:
    a = _shard(tmp_path / "a", 0, 1, [0])
    outside = tmp_path / "outside"
    (a / "items").rename(outside)
    os.symlink(outside, a / "items")
    clean_exit(cli(["merge-shards", a, "--out", tmp_path / "m"]), 2, "symbolic link")


# --- submissions and leaderboards -----------------------------------------------------------

@pytest.fixture(scope="module")
def score_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_score_run(tmp_path_factory.mktemp("run") / "run", n_items=12)


def test_submit_out_folder_exits_2_and_leaves_nothing(score_run: Path, tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    clean_exit(cli(["submit", score_run, "--out", tmp_path / "dir", "--n-resamples", "20"]), 2, "is a folder")
    assert files_under(tmp_path) == set()
    clean_exit(cli(["submit", score_run, "--out", tmp_path / "a b.json", "--n-resamples", "20"]), 2, "sidecar name")
    assert files_under(tmp_path) == set()


def test_submit_leaves_no_sidecar_when_the_submission_cannot_be_written(score_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xtremer_robust.report import submission

    real = submission.write_bytes_atomic

    def failing(path: Path, data: bytes) -> None:
        if path.suffix == ".json":
            raise OSError(28, "No space left on device", str(path))
        real(path, data)

    monkeypatch.setattr(submission, "write_bytes_atomic", failing)
    clean_exit(cli(["submit", score_run, "--out", tmp_path / "s.json", "--n-resamples", "20"]), 2, "No space left")
    assert files_under(tmp_path) == set()


def test_leaderboard_out_file_exits_2_before_work(score_run: Path, tmp_path: Path) -> None:
    sub = tmp_path / "subs" / "a.json"
    clean_exit(cli(["submit", score_run, "--out", sub, "--n-resamples", "20"]), 0)
    (tmp_path / "board").write_text("a file")
    clean_exit(cli(["leaderboard", tmp_path / "subs", "--out", tmp_path / "board", "--no-plots"]), 2, "is a file")
    (tmp_path / "b2").mkdir()
    (tmp_path / "b2" / "plots").write_text("a file")
    clean_exit(cli(["leaderboard", tmp_path / "subs", "--out", tmp_path / "b2"]), 2, "plots")


def test_validate_requires_the_sidecar_beside_the_submission(score_run: Path, tmp_path: Path) -> None:
    sub = tmp_path / "s.json"
    clean_exit(cli(["submit", score_run, "--out", sub, "--n-resamples", "20"]), 0)
    (tmp_path / "nested").mkdir()
    (tmp_path / "s.items.jsonl.gz").rename(tmp_path / "nested" / "s.items.jsonl.gz")
    doc = json.loads(sub.read_text())
    doc["items"]["path"] = "nested/s.items.jsonl.gz"
    sub.write_text(json.dumps(doc))
    clean_exit(cli(["validate", sub]), 2, "items.path")
