"""The subset builder: files, manifests, index, determinism across workers, resume, verify, views."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.subsets import ENGINE, memory_source, pair_set, suite
from xtremer_robust.errors import ConfigError
from xtremer_robust.subsets import (
    Variant,
    build_subsets,
    compare_with_reference,
    generalized_pairs,
    iter_index,
    load_subset,
    sample_ids,
    verify_subsets,
)
from xtremer_robust.subsets.builder import BuildContext, Job, build_subset
from xtremer_robust.tasks import get_task

TASKS = [get_task("xnli"), get_task("panx"), get_task("tatoeba")]


def _build(out: Path, *, workers: int = 1, langs: list[str] | None = None, limit: int | None = None, **kw):
    return build_subsets(out, suite=kw.pop("the_suite", suite()), tasks=kw.pop("tasks", TASKS),
                         langs=langs or ["sw", "en", "hi"], source=memory_source(), limit=limit, workers=workers,
                         engine=ENGINE, **kw)


def _hashes(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): __import__("hashlib").sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()}


def test_layout_manifest_and_index(tmp_path: Path) -> None:
    report = _build(tmp_path)
    assert report.count("built") == len(report.results) > 0
    sw = tmp_path / "xnli" / "sw" / "test"
    assert {p.name for p in sw.iterdir()} == {
        "clean.jsonl", "clean.manifest.json", "swap_30.jsonl", "swap_30.manifest.json",
        "swap_90.jsonl", "swap_90.manifest.json"}
    manifest = json.loads((sw / "swap_90.manifest.json").read_text(encoding="utf-8"))
    clean = json.loads((sw / "clean.manifest.json").read_text(encoding="utf-8"))
    assert manifest["item_ids"] == clean["item_ids"] == [f"test-{i}" for i in range(6)]
    assert manifest["recipe"] == "swap" and manifest["params"] == {"rate": 0.9} and manifest["seed"] == 7
    assert manifest["n"] == 6 and manifest["n_skipped"] == 1 and manifest["skipped_reasons"] == {"empty text": 1}
    assert 0 < manifest["n_changed"] <= 5 and manifest["changed_share"] == round(manifest["n_changed"] / 6, 6)
    assert manifest["mean_char_edit_ratio"] > 0 and "unchanged_share" in manifest["validity"]
    assert manifest["sources"] == [{"path": "xnli/test-sw.tsv", "sha256": "0" * 64}]
    assert manifest["suite_version"] == "test-1" and manifest["package_version"]
    # canonical JSON lines: sorted keys, no spaces, UTF-8 kept
    first = (tmp_path / "xnli" / "hi" / "test" / "clean.jsonl").read_text(encoding="utf-8").splitlines()[0]
    assert first == json.dumps(json.loads(first), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert "आदमी" in first
    # labels never change, ids stay paired
    data, _ = load_subset(tmp_path, "xnli", "sw", "test", "swap_90")
    assert [i.label for i in data.items] == [i.label for i in pair_set("sw").items]
    # retrieval: one candidate pool per set, shared by the variants
    pool = tmp_path / "tatoeba" / "sw" / "test" / "candidates.jsonl"
    assert len(pool.read_text(encoding="utf-8").splitlines()) == 5
    tdata, tman = load_subset(tmp_path, "tatoeba", "sw", "test", "swap_90")
    assert len(tdata.candidates) == 5 and tman["candidates"]["n"] == 5
    ids = [e["id"] for e in iter_index(tmp_path)]
    assert ids == sorted(ids) and "panx/sw/dev/clean" in ids
    assert verify_subsets(tmp_path) == []


def test_workers_and_language_order_give_identical_bytes(tmp_path: Path) -> None:
    one = _build(tmp_path / "one", workers=1, langs=["en", "sw", "hi"])
    two = _build(tmp_path / "two", workers=2, langs=["hi", "sw", "en"])
    assert one.index["index_sha256"] == two.index["index_sha256"]
    assert _hashes(tmp_path / "one") == _hashes(tmp_path / "two")


def test_limit_picks_same_ids_across_languages(tmp_path: Path) -> None:
    _build(tmp_path, limit=3, tasks=[get_task("xnli")])
    ids = {lang: load_subset(tmp_path, "xnli", lang, "test", "clean")[0] for lang in ("en", "sw", "hi")}
    chosen = [[i.id for i in d.items] for d in ids.values()]
    assert len(chosen[0]) == 3 and chosen[0] == chosen[1] == chosen[2]
    # the sample depends on ids, not on their order
    assert sample_ids(["a", "b", "c", "d", "e"], 2, seed=1, task="t") == \
        [i for i in ["a", "b", "c", "d", "e"] if i in sample_ids(["e", "d", "c", "b", "a"], 2, seed=1, task="t")]
    # nesting: a smaller sample is inside a larger one
    assert set(sample_ids(list("abcdefgh"), 3, seed=4, task="t")) < set(sample_ids(list("abcdefgh"), 5, seed=4, task="t"))


def test_verify_detects_tampered_file(tmp_path: Path) -> None:
    _build(tmp_path, tasks=[get_task("xnli")], langs=["sw"])
    target = tmp_path / "xnli" / "sw" / "test" / "swap_30.jsonl"
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("Mtu", "Mtx", 1), encoding="utf-8")
    problems = verify_subsets(tmp_path)
    assert [p.path for p in problems] == ["xnli/sw/test/swap_30.jsonl"]
    assert "sha256" in problems[0].message
    with pytest.raises(Exception, match="sha256"):
        load_subset(tmp_path, "xnli", "sw", "test", "swap_30")


def test_verify_detects_edited_index_and_reference_mismatch(tmp_path: Path) -> None:
    _build(tmp_path / "a", tasks=[get_task("xnli")], langs=["sw"])
    _build(tmp_path / "b", tasks=[get_task("xnli")], langs=["sw"], seed=8)
    assert compare_with_reference(tmp_path / "a", tmp_path / "a" / "index.json") == []
    mismatches = compare_with_reference(tmp_path / "b", tmp_path / "a" / "index.json")
    assert {p.path for p in mismatches} >= {"xnli/sw/test/swap_30.jsonl", "xnli/sw/test/swap_90.jsonl"}
    index_path = tmp_path / "a" / "index.json"
    index = json.loads(index_path.read_text(encoding="utf-8"))
    index["subsets"][0]["n"] = 999
    index_path.write_text(json.dumps(index), encoding="utf-8")
    assert any(p.path == "index.json" for p in verify_subsets(tmp_path / "a"))


def test_resume_after_interrupted_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reference = _build(tmp_path / "ref", tasks=[get_task("xnli")])
    import xtremer_robust.subsets.builder as builder

    real, calls = builder.build_subset, []

    def dies_on_third(ctx: BuildContext, job: Job):
        calls.append(job.id)
        if len(calls) == 3:
            # a kill between the data file and its manifest: a file without manifest is left behind
            (tmp_path / "run" / job.task / job.lang / job.split).mkdir(parents=True, exist_ok=True)
            (tmp_path / "run" / job.task / job.lang / job.split / f"{job.variant.name}.jsonl").write_text("half")
            raise KeyboardInterrupt
        return real(ctx, job)

    monkeypatch.setattr(builder, "build_subset", dies_on_third)
    with pytest.raises(KeyboardInterrupt):
        _build(tmp_path / "run", tasks=[get_task("xnli")])
    monkeypatch.setattr(builder, "build_subset", real)
    report = _build(tmp_path / "run", tasks=[get_task("xnli")])
    assert report.count("resumed") == 2 and report.count("built") == len(report.results) - 2
    assert _hashes(tmp_path / "run") == _hashes(tmp_path / "ref")
    assert reference.index["index_sha256"] == report.index["index_sha256"]
    # a changed request (other seed) is not reused
    again = _build(tmp_path / "run", tasks=[get_task("xnli")], seed=99)
    assert again.count("built") == len(again.results) and again.count("resumed") == 0


def test_views_tiers_coverage_sizes_and_generalized(tmp_path: Path) -> None:
    _build(tmp_path, tasks=[get_task("xnli")])
    views = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))["views"]
    assert {r["id"] for r in views["tier:high"]} >= {"xnli/en/test/clean", "xnli/hi/test/clean"}
    assert {r["id"].split("/")[1] for r in views["tier:low"]} == {"sw"}
    assert all(r["id"].split("/")[1] != "en" for r in views["unseen:mbert"] + views["unseen:xlmr"])
    assert {r["id"] for r in views["generalized"]} == {f"xnli/{a}-{b}/test/clean" for a in ("en", "sw", "hi")
                                                      for b in ("en", "sw", "hi") if a != b}
    assert all(r["n"] == 3 for r in views["size:3"])
    entry = next(e for e in iter_index(tmp_path, view="size:3") if e["id"] == "xnli/sw/test/swap_30")
    data, _ = load_subset(tmp_path, "xnli", "sw", "test", "swap_30", view_n=entry["view_n"])
    assert len(data.items) == 3
    mixed, _ = load_subset(tmp_path, "xnli", "sw-hi", "test", "clean")
    assert mixed.items[0].text_a == pair_set("sw").items[0].text_a
    assert mixed.items[0].text_b == pair_set("hi").items[0].text_b
    assert mixed.items[0].label == pair_set("sw").items[0].label


def test_generalized_pairs_drop_label_disagreements() -> None:
    de, zh = pair_set("en", task="pawsx"), pair_set("sw", task="pawsx")
    flipped = type(zh)(zh.task, "zh", zh.split, zh.family,
                       (type(zh.items[0])(zh.items[0].id, "x", "y", "neutral"),) + zh.items[1:], sources=zh.sources)
    joined, dropped = generalized_pairs(de, flipped)
    assert joined.language == "en-zh" and len(joined.items) == 5
    assert dropped == {"labels differ across languages": 1}


def test_bad_input_is_refused_before_work(tmp_path: Path) -> None:
    bad = suite()
    with pytest.raises(ConfigError, match="rate"):
        Variant("x", "swap", {"rate": 1.5})
    from xtremer_robust.subsets import Suite

    unknown = Suite(bad.version, bad.seed, bad.variants + (Variant("nope", "no_such_recipe", {}),))
    with pytest.raises(ConfigError, match="no_such_recipe"):
        _build(tmp_path, the_suite=unknown)
    assert not (tmp_path / "xnli").exists()
    with pytest.raises(ConfigError, match="workers"):
        _build(tmp_path, workers=0)


def test_public_surface() -> None:
    import xtremer_robust.subsets as subsets

    assert len(set(subsets.__all__)) == len(subsets.__all__)
    missing = [name for name in subsets.__all__ if not hasattr(subsets, name)]
    assert missing == []


def test_files_are_readable_by_others(tmp_path: Path) -> None:
    import os

    _build(tmp_path, tasks=[get_task("xnli")], langs=["sw"])
    umask = os.umask(0)
    os.umask(umask)
    for path in [tmp_path / "index.json", tmp_path / "xnli" / "sw" / "test" / "clean.jsonl"]:
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask
