"""The builder on the real data folder (skipped when it is absent) and the build-subsets command."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import regex
from typer.testing import CliRunner

from xtremer_robust.cli import app
from xtremer_robust.families.records import QAItem, TaggingItem
from xtremer_robust.subsets import DataDirSource, load_subset, load_suite, verify_subsets
from xtremer_robust.subsets.suite import canonical_suite_path
from xtremer_robust.tasks import get_task

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "xtremer-data"
needs_data = pytest.mark.skipif(not REAL.is_dir(), reason="real data folder not present")
LANGS = ["sw", "hi", "th"]


def _hashes(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def real_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("real")
    runner = CliRunner()
    result = runner.invoke(app, ["build-subsets", "--data-dir", str(REAL), "--out", str(out), "--tasks",
                                 "xnli,panx,xquad", "--langs", ",".join(LANGS), "--limit", "12",
                                 "--recipes", "char_substitute_15,keyboard_typo_10", "--workers", "1"])
    assert result.exit_code == 0, result.output
    return out


@needs_data
def test_real_build_is_well_formed_and_label_true(real_build: Path) -> None:
    assert verify_subsets(real_build) == []
    for lang in ("hi", "th"):
        clean, _ = load_subset(real_build, "xquad", lang, "test", "clean")
        noisy, manifest = load_subset(real_build, "xquad", lang, "test", "char_substitute_15")
        assert manifest["n_changed"] > 0 and [i.id for i in clean.items] == [i.id for i in noisy.items]
        for item in noisy.items:
            assert isinstance(item, QAItem)
            for answer in item.answers:  # answer offsets still point at the answer text
                assert item.context[answer.start:answer.start + len(answer.text)] == answer.text
            assert not regex.search(r"(^|\s)\p{M}", item.context + " " + item.question)  # no orphan mark
    if (real_build / "panx" / "hi").is_dir():
        clean, _ = load_subset(real_build, "panx", "hi", "dev", "clean")
        noisy, _ = load_subset(real_build, "panx", "hi", "dev", "keyboard_typo_10")
        for a, b in zip(clean.items, noisy.items):
            assert isinstance(b, TaggingItem) and len(a.tokens) == len(b.tokens) and a.tags == b.tags
    # limit: the same XNLI ids in every language
    ids = [[i.id for i in load_subset(real_build, "xnli", lang, "test", "clean")[0].items] for lang in LANGS]
    assert len(ids[0]) == 12 and ids[0] == ids[1] == ids[2]
    # the generalized X-Y pairs are there
    mixed, _ = load_subset(real_build, "xnli", "sw-hi", "test", "clean")
    assert [i.id for i in mixed.items] == ids[0]


@needs_data
def test_real_build_two_workers_and_other_language_order_identical(real_build: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["build-subsets", "--data-dir", str(REAL), "--out", str(tmp_path), "--tasks",
                                 "xquad,panx,xnli", "--langs", ",".join(reversed(LANGS)), "--limit", "12",
                                 "--recipes", "keyboard_typo_10,char_substitute_15", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert _hashes(tmp_path) == _hashes(real_build)


@needs_data
def test_cli_verify_names_the_tampered_file_and_resume(real_build: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(real_build, copy)
    runner = CliRunner()
    ok = runner.invoke(app, ["build-subsets", "--out", str(copy), "--verify"])
    assert ok.exit_code == 0, ok.output
    target = copy / "xnli" / "sw" / "test" / "keyboard_typo_10.jsonl"
    target.write_bytes(target.read_bytes().replace(b"a", b"b", 1))
    bad = runner.invoke(app, ["build-subsets", "--out", str(copy), "--verify"])
    assert bad.exit_code == 2 and "xnli/sw/test/keyboard_typo_10.jsonl" in bad.output
    # a rerun repairs exactly that subset and leaves the rest as it was
    again = runner.invoke(app, ["build-subsets", "--data-dir", str(REAL), "--out", str(copy), "--tasks", "xnli,panx,xquad",
                                "--langs", ",".join(LANGS), "--limit", "12", "--recipes", "char_substitute_15,keyboard_typo_10"])
    assert again.exit_code == 0 and "1 subsets built" in again.output
    assert _hashes(copy) == _hashes(real_build)


@pytest.mark.parametrize("args, message", [
    (["--recipes", "no_such_recipe"], "no_such_recipe"),
    (["--recipes", "char_swap:rate=1.5"], "rate"),
    (["--langs", "xx"], "xx"),
    (["--tasks", "xnlii"], "xnli"),
    (["--limit", "0"], "--limit"),
    (["--recipes", "char_swap:1.5"], "key=value"),
])
def test_cli_bad_input_exits_2(args: list[str], message: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["build-subsets", "--out", str(tmp_path / "o"), "--data-dir", str(tmp_path)] + args)
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "o" / "index.json").exists()


def test_canonical_suite_copies_agree_and_resolve() -> None:
    packaged = ROOT / "xtremer_robust" / "subsets" / "recipes.yaml"
    assert canonical_suite_path() == ROOT / "subsets" / "recipes.yaml"
    assert packaged.read_bytes() == (ROOT / "subsets" / "recipes.yaml").read_bytes()
    from xtremer_robust.perturb import get_recipe

    suite = load_suite()
    assert suite.variants[0].name == "clean" and len(suite.variants) > 4
    for variant in suite.variants[1:]:
        get_recipe(variant.recipe, **variant.params)


def test_canonical_index_matches_its_own_hash() -> None:
    from xtremer_robust.subsets.index import index_hash, read_index

    path = ROOT / "subsets" / "canonical-index.json"
    if not path.is_file():
        pytest.skip("canonical index not built yet")
    index = read_index(path)
    assert index["index_sha256"] == index_hash(index)
    assert index["suite_version"] == load_suite().version
    assert all(len(e["sha256"]) == 64 for e in index["subsets"])


@needs_data
def test_canonical_index_reproduces_on_one_slice(tmp_path: Path) -> None:
    """Rebuild one language of XNLI with the canonical suite and compare its hashes with the committed index."""
    from xtremer_robust.subsets import build_subsets
    from xtremer_robust.subsets.index import read_index

    path = ROOT / "subsets" / "canonical-index.json"
    if not path.is_file():
        pytest.skip("canonical index not built yet")
    canonical = {e["id"]: e for e in read_index(path)["subsets"] if e["id"].startswith("xnli/sw/")}
    assert canonical, "the canonical index has no xnli/sw subsets"
    first = next(iter(canonical.values()))
    report = build_subsets(tmp_path, suite=load_suite(), tasks=[get_task("xnli")], langs=["sw"],
                           source=DataDirSource(str(REAL)), seed=first["seed"], limit=first["limit"], generalized=False)
    mine = {e["id"]: e["sha256"] for e in report.index["subsets"]}
    stale = sorted(sid for sid, e in canonical.items() if mine.get(sid) != e["sha256"])
    assert stale == [], (
        f"{stale} differ from subsets/canonical-index.json: a recipe, the suite or the package version changed. "
        "Rebuild the canonical index with the command in docs/subsets.md and commit it with the change."
    )
