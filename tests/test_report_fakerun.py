"""A fake ``xtremer-robust score`` output folder in the runner's results/v1 format, and builder tests.

Other report tests import :func:`make_score_run`. The fake run has four metric shapes:
accuracy (xnli), top-1 (tatoeba), QA EM/F1 (xquad) and seqeval micro F1 (panx), each with a
clean cell and a perturbed variant on the same item ids, in high- and low-tier languages.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from xtremer_robust.errors import SchemaError
from xtremer_robust.report.submission import build_submission

#: task -> (metric, stat names, languages)
from helpers.fakerun import FAKE_TASKS, make_score_run  # noqa: F401


def test_builder_writes_a_submission_with_gaps_aggregates_and_sidecar(tmp_path: Path) -> None:
    run = make_score_run(tmp_path / "run")
    sub = build_submission(run, n_resamples=200, seed=3)
    assert (run / "submission.json").is_file() and (run / "submission.items.jsonl.gz").is_file()
    assert len(sub["cells"]) == 18 and len(sub["gaps"]) == 9
    tests = {g["task"]: g["test"] for g in sub["gaps"]}
    assert tests == {"xnli": "mcnemar_exact", "tatoeba": "mcnemar_exact", "xquad": "paired_permutation",
                     "panx": "paired_permutation"}
    for cell in sub["cells"]:
        assert cell["ci_low"] <= cell["score"] <= cell["ci_high"]
    overall = {(a["kind"], a["variant"]): a for a in sub["aggregates"]["overall"]}
    assert not overall[("score", "clean")]["complete"]  # four of ten tasks
    scores = [c["score"] for c in sub["cells"] if c["variant"] == "clean"]
    assert min(scores) <= overall[("score", "clean")]["value"] <= max(scores)
    xquad = next(c for c in sub["cells"] if c["task"] == "xquad")
    assert set(xquad["secondary"]) == {"exact_match"}
    panx = next(c for c in sub["cells"] if c["task"] == "panx")
    assert set(panx["secondary"]) == {"precision", "recall"}


def test_builder_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    run = make_score_run(tmp_path / "run")
    first = build_submission(run, n_resamples=100, seed=1, out=tmp_path / "a.json")
    second = build_submission(run, n_resamples=100, seed=1, out=tmp_path / "b.json")
    assert first["cells"] == second["cells"] and first["gaps"] == second["gaps"]
    assert first["items"]["sha256"] == second["items"]["sha256"]


def test_builder_refuses_items_that_disagree_with_results(tmp_path: Path) -> None:
    run = make_score_run(tmp_path / "run")
    results = json.loads((run / "results.json").read_text())
    results["cells"][0]["score"] = 0.123456
    results["cells"][0].pop("items_sha256")
    (run / "results.json").write_text(json.dumps(results))
    with pytest.raises(SchemaError, match="disagree"):
        build_submission(run, n_resamples=50)
    assert not (run / "submission.json").exists()


def _write_subsets_index(run: Path, folder: Path) -> None:
    """A build-subsets folder (index.json + manifests) matching the fake run's cells."""
    results = json.loads((run / "results.json").read_text())
    entries = []
    for cell in results["cells"]:
        rel = f"{cell['task']}/{cell['language']}/{cell['split']}/{cell['variant']}.jsonl"
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
        manifest = {"recipe": None if cell["variant"] == "clean" else "char_swap", "params": {"rate": 0.1},
                    "seed": 20211107, "suite_version": "1"}
        path.with_name(f"{cell['variant']}.manifest.json").write_text(json.dumps(manifest))
        entries.append({"id": rel[:-6], "task": cell["task"], "language": cell["language"], "split": cell["split"],
                        "variant": cell["variant"], "file": rel, "sha256": cell["subset_sha256"]})
    (folder / "index.json").write_text(json.dumps({"subsets": entries, "index_sha256": "c" * 64}))


def test_subsets_folder_pins_recipe_seed_and_index(tmp_path: Path) -> None:
    run = make_score_run(tmp_path / "run")
    _write_subsets_index(run, tmp_path / "subsets")
    sub = build_submission(run, n_resamples=50, subsets_dir=tmp_path / "subsets")
    assert sub["subsets"]["index_sha256"] == "c" * 64
    swap = next(e for e in sub["subsets"]["entries"] if e["variant"] == "char_swap")
    assert (swap["recipe"], swap["params"], swap["seed"]) == ("char_swap", {"rate": 0.1}, 20211107)
    index = json.loads((tmp_path / "subsets" / "index.json").read_text())
    index["subsets"][0]["sha256"] = "d" * 64
    (tmp_path / "subsets" / "index.json").write_text(json.dumps(index))
    with pytest.raises(SchemaError, match="pass the subsets folder the run used"):
        build_submission(run, n_resamples=50, subsets_dir=tmp_path / "subsets")


def test_unlabelled_cells_are_listed_as_skipped_and_shards_refused(tmp_path: Path) -> None:
    run = make_score_run(tmp_path / "run")
    results = json.loads((run / "results.json").read_text())
    results["cells"][0].update(score=None, labelled=False)
    results["skipped"] = [{"task": "mewslix", "language": "de", "reason": "not available from this source"}]
    (run / "results.json").write_text(json.dumps(results))
    sub = build_submission(run, n_resamples=50)
    assert len(sub["cells"]) == 17
    assert {s["task"] for s in sub["skipped"]} == {"mewslix", results["cells"][0]["task"]}
    results["shard"] = {"index": 0, "count": 2}
    (run / "results.json").write_text(json.dumps(results))
    with pytest.raises(SchemaError, match="merge the shards first"):
        build_submission(run, n_resamples=50)


@pytest.mark.parametrize(
    "raw, public",
    [("/home/me/runs/ckpt-500", "local:ckpt-500"), ("./ckpt/", "local:ckpt"), ("C:\\models\\xlmr", "local:xlmr"),
     ("builtin:me5-small", "builtin:me5-small"), ("FacebookAI/xlm-roberta-base", "FacebookAI/xlm-roberta-base")],
)
def test_local_model_paths_do_not_travel_in_submissions(raw: str, public: str) -> None:
    from xtremer_robust.report.provenance import public_model_id

    assert public_model_id(raw) == public
