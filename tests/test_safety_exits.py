"""Every exit path: bad arguments, folders and files stop with exit 2 and a message naming them and
the fix, before any work where they can be found first; workers are bounded and end with their parent."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers.safety import TINY_DATA, clean_exit, cli, files_under, is_root  # noqa: E402

LABELS = ["contradiction", "entailment", "neutral"]


@pytest.fixture(scope="module")
def xnli_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from helpers.models import build_model

    return build_model(tmp_path_factory.mktemp("m") / "xnli", "pair_classification", labels=LABELS)


def _score(model: Path | str, tmp_path: Path, *extra: object) -> list[object]:
    return ["score", model, "--tasks", "xnli", "--langs", "sw", "--data-dir", TINY_DATA, "--out", tmp_path / "out",
            "--cache", tmp_path / "c.sqlite", *extra]


# --- score: arguments checked before the model is loaded -------------------------------------

@pytest.mark.parametrize("extra, fragment", [
    (["--device", "tpu"], "--device"), (["--device", "cuda:x"], "--device"), (["--dtype", "fp64"], "--dtype"),
    (["--batch-size", "0"], "--batch-size"), (["--shard", "1/0"], "--shard"), (["--shard", "a/b"], "--shard"),
])
def test_score_bad_options_exit_2_before_any_work(tmp_path: Path, extra: list[str], fragment: str) -> None:
    clean_exit(cli(_score("builtin:me5-small", tmp_path, *extra)), 2, fragment)
    assert files_under(tmp_path) == set()


def test_score_out_file_and_cache_folder_exit_2_before_scoring(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("a file")
    clean_exit(cli(_score("builtin:me5-small", tmp_path)), 2, "--out")
    assert not (tmp_path / "c.sqlite").exists()  # stopped before the cache was even opened
    (tmp_path / "out").unlink()
    clean_exit(cli(["score", "builtin:me5-small", "--tasks", "xnli", "--out", tmp_path / "out", "--cache", tmp_path]), 2, "--cache")
    assert files_under(tmp_path) == set()


def test_score_out_below_a_file_exits_2(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    clean_exit(cli(["score", "builtin:me5-small", "--tasks", "xnli", "--out", tmp_path / "f" / "out"]), 2, "cannot be created")


@pytest.mark.skipif(is_root(), reason="root can write into a read-only folder")
def test_score_unwritable_out_exits_2(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        clean_exit(cli(["score", "builtin:me5-small", "--tasks", "xnli", "--out", locked / "out"]), 2, "not writable")
    finally:
        locked.chmod(0o755)


def test_a_damaged_cache_file_is_a_message(xnli_model: Path, tmp_path: Path) -> None:
    (tmp_path / "c.sqlite").write_bytes(b"not a database" * 100)
    clean_exit(cli(_score(xnli_model, tmp_path)), 2, "cannot be used as the prediction cache")
    assert not (tmp_path / "out" / "results.json").exists()


def _damaged(xnli_model: Path, tmp_path: Path, damage) -> Path:
    folder = Path(shutil.copytree(xnli_model, tmp_path / "model"))
    damage(folder)
    return folder


def _evil_pickle(folder: Path) -> None:
    import torch

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {folder / 'PWNED'}",))

    (folder / "model.safetensors").unlink()
    torch.save({"bert.embeddings.word_embeddings.weight": Evil()}, folder / "pytorch_model.bin")


@pytest.mark.parametrize("damage, fragment", [
    (lambda f: (f / "config.json").write_text("{not json"), "config.json"),
    (lambda f: (f / "config.json").write_text("[1, 2]"), "config.json"),
    (lambda f: (f / "model.safetensors").write_bytes((f / "model.safetensors").read_bytes()[:1000]), "cannot load the weights"),
    (lambda f: (f / "model.safetensors").write_bytes(b"\xff" * 64), "cannot load the weights"),
    (_evil_pickle, "cannot load the weights"),
], ids=["config-not-json", "config-a-list", "truncated-safetensors", "garbage-safetensors", "pickle-with-code"])
def test_broken_checkpoints_are_messages(xnli_model: Path, tmp_path: Path, damage, fragment: str) -> None:
    model = _damaged(xnli_model, tmp_path, damage)
    outcome = cli(_score(model, tmp_path))
    clean_exit(outcome, 2, fragment)
    assert not (model / "PWNED").exists()  # no code from the checkpoint ran
    assert not (tmp_path / "out" / "results.json").exists()


# --- build-subsets: suites, recipes, lexicons, workers ---------------------------------------

def _build(tmp_path: Path, *extra: object) -> list[object]:
    return ["build-subsets", "--data-dir", TINY_DATA, "--out", tmp_path / "b", "--tasks", "xnli", "--langs", "sw",
            "--no-generalized", *extra]


SUITES = [
    ("version: 1\nvariants: [\n", "not valid YAML"),
    ("- just\n- a list\n", "expected a mapping"),
    ("version: 1\nvariants: {a: 1}\n", "'variants' must be a list"),
    ("version: 1\nvariants:\n  - {name: a, recipe: char_swap, params: 3}\n", "'params' must be a mapping"),
    ("version: 1\nvariants:\n  - {name: A B, recipe: char_swap}\n", "variant name"),
    ("version: 1\nvariants:\n  - {name: a, recipe: 7}\n", "needs a 'name' and a 'recipe'"),
    ("version: 1\nseed: abc\nvariants: []\n", "seed must be an integer"),
    ("version: 1\nvariants: []\nviews: {sizes: [0]}\n", "views.sizes"),
    ("version: 1\nvariants: []\nviews: {sizes: [ten]}\n", "views.sizes"),
    ("version: 1\nvariants: []\nviews: {families: xlmr}\n", "views.families"),
    ("version: 1\nvariants: []\ngeneralized: [xnli]\n", "'generalized' must be a mapping"),
    ("version: 1\nvariants:\n  - {name: a, recipe: char_swap, params: {rate: abc}}\n", "rate must be a number"),
    ("version: 1\nvariants:\n  - {name: a, recipe: no_such_recipe}\n", "no_such_recipe"),
    ("version: 1\nvariants: " + "[" * 5000 + "]" * 5000 + "\n", "suite"),
    ("version: 1\nvariants:\n  - {name: a, recipe: a}\n  - {name: a, recipe: a}\n", ""),
    ("\x00\x01binary", ""),
]


@pytest.mark.parametrize("text, fragment", SUITES, ids=[f"suite{i}" for i in range(len(SUITES))])
def test_malformed_suites_exit_2_before_any_file(tmp_path: Path, text: str, fragment: str) -> None:
    suite = tmp_path / "suite.yaml"
    suite.write_text(text)
    clean_exit(cli(_build(tmp_path, "--suite", suite)), 2, fragment or None)
    assert not (tmp_path / "b").exists()


def test_suite_file_problems(tmp_path: Path) -> None:
    clean_exit(cli(_build(tmp_path, "--suite", tmp_path / "missing.yaml")), 2)
    (tmp_path / "big.yaml").write_text("# " + "x" * (2 << 20))
    clean_exit(cli(_build(tmp_path, "--suite", tmp_path / "big.yaml")), 2, "a recipe suite is a short YAML file")
    (tmp_path / "latin1.yaml").write_bytes(b"version: 1\nvariants: []\n# \xe9\n")
    clean_exit(cli(_build(tmp_path, "--suite", tmp_path / "latin1.yaml")), 2, "UTF-8")


@pytest.mark.parametrize("spec, fragment", [
    ("char_swap:rate=abc", "rate must be a number"), ("char_swap:rate=2", "rate must be in [0, 1]"),
    ("char_swap:rate=[1", "is not a number, word or true/false"), ("char_swap:rate", "expected recipe:key=value"),
    ("char_swap:rate=.nan", "rate must be in [0, 1]"), ("char_swap:rate=true", "rate must be in [0, 1]"),
    ("no_such_recipe", "no_such_recipe"), ("char_swap:bogus=1", "char_swap"),
])
def test_bad_recipe_specs_exit_2_before_any_file(tmp_path: Path, spec: str, fragment: str) -> None:
    clean_exit(cli(_build(tmp_path, "--recipes", spec)), 2, fragment)
    assert not (tmp_path / "b").exists()


def test_a_missing_lexicon_is_found_before_any_file_is_written(tmp_path: Path) -> None:
    outcome = cli(["build-subsets", "--data-dir", TINY_DATA, "--out", tmp_path / "b", "--tasks", "xnli,pawsx,panx",
                   "--recipes", "char_swap_10,code_switch_20"])
    clean_exit(outcome, 2, "lexicon file not found")
    assert "counterfitted_neighbors.json" in outcome.output
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize("extra, fragment", [
    (["--workers", "0"], "--workers"), (["--workers", "many"], "--workers"), (["--limit", "0"], "--limit"),
    (["--attack-budget", "2"], "--attack-budget"), (["--device", "tpu"], "--device"),
    (["--reference", "x.json"], "--reference"), (["--tasks", "xnlii"], "Did you mean 'xnli'"),
    (["--langs", "xx"], "xx"),
])
def test_build_subsets_bad_options(tmp_path: Path, extra: list[str], fragment: str) -> None:
    clean_exit(cli(_build(tmp_path, *extra)), 2, fragment)
    assert not (tmp_path / "b").exists()


def test_workers_are_capped_at_jobs_and_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    from xtremer_robust.subsets import builder

    cores = len(os.sched_getaffinity(0))
    assert builder.worker_count(10_000, 3) == min(3, cores)
    assert builder.worker_count(10_000, 10_000) == cores
    assert builder.worker_count(1, 50) == 1 and builder.worker_count(5, 0) == 1
    started: list[int] = []

    class Recorder:
        def __init__(self, max_workers: int, **kwargs: object) -> None:
            started.append(max_workers)
            raise RuntimeError("stop here")

    monkeypatch.setattr(builder, "ProcessPoolExecutor", Recorder)
    jobs = [builder.Job("xnli", "sw", "test", builder.Variant("clean", None)) for _ in range(2)]
    with pytest.raises(RuntimeError, match="stop here"):
        builder.run_jobs(None, jobs, workers=10_000)  # type: ignore[arg-type]
    assert started == [min(2, cores)] or cores == 1


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in state and "\nState:\tX" not in state


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux-only")
def test_pool_workers_do_not_outlive_a_killed_parent(tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent("""
        import os, sys, time
        from concurrent.futures import ProcessPoolExecutor
        from xtremer_robust.subsets.builder import _init_pool_worker

        def job(i):
            os.write(1, (str(os.getpid()) + chr(10)).encode())  # one write: two workers' lines never interleave
            time.sleep(120)

        if __name__ == "__main__":
            from xtremer_robust.subsets import builder
            builder._init_worker = lambda ctx: None
            with ProcessPoolExecutor(2, initializer=_init_pool_worker, initargs=(None, os.getpid())) as pool:
                futures = [pool.submit(job, i) for i in range(2)]
                time.sleep(120)
    """))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline().strip() for _ in range(2)]  # type: ignore[union-attr]
        if not all(line.isdigit() for line in lines):
            proc.kill()
            pytest.fail(f"the pool did not start: {lines} {proc.communicate(timeout=30)[1][-2000:]}")
        pids = [int(line) for line in lines]
        assert all(_alive(p) for p in pids)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(p) for p in pids), "pool workers outlived their killed parent"
    finally:
        if proc.poll() is None:
            proc.kill()


# --- corrupt subset manifests and shards -----------------------------------------------------

@pytest.fixture(scope="module")
def subsets_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("subsets") / "build"
    clean_exit(cli(["build-subsets", "--data-dir", TINY_DATA, "--out", out, "--tasks", "xnli", "--langs", "sw",
                    "--recipes", "char_swap_10", "--no-generalized"]), 0)
    return out


MANIFEST_DAMAGE = [
    ("not JSON", lambda t: t[: len(t) // 2]), ("a list", lambda t: "[1, 2]"), ("deep", lambda t: "[" * 100_000),
    ("infinite n", lambda t: t.replace('"n":', '"n":1e309,"x":', 1)), ("empty", lambda t: ""),
    ("no family", lambda t: t.replace('"family"', '"famiIy"', 1)),
]


@pytest.mark.parametrize("name, damage", MANIFEST_DAMAGE, ids=[d[0] for d in MANIFEST_DAMAGE])
def test_corrupt_manifests_are_messages(subsets_dir: Path, xnli_model: Path, tmp_path: Path, name: str, damage) -> None:
    folder = Path(shutil.copytree(subsets_dir, tmp_path / "s"))
    mpath = folder / "xnli" / "sw" / "test" / "clean.manifest.json"
    mpath.write_text(damage(mpath.read_text()))
    clean_exit(cli(["build-subsets", "--out", folder, "--verify"]), 2, "clean.manifest.json")
    clean_exit(cli(["score", xnli_model, "--subsets", folder, "--out", tmp_path / "out", "--cache", tmp_path / "c.sqlite"]),
               2, "clean.manifest.json")
    assert not (tmp_path / "out" / "results.json").exists()


def test_a_corrupt_manifest_is_rebuilt_on_resume(subsets_dir: Path, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(subsets_dir, tmp_path / "s"))
    mpath = folder / "xnli" / "sw" / "test" / "char_swap_10.manifest.json"
    good = mpath.read_bytes()
    mpath.write_text('["damaged"]')
    clean_exit(cli(["build-subsets", "--data-dir", TINY_DATA, "--out", folder, "--tasks", "xnli", "--langs", "sw",
                    "--recipes", "char_swap_10", "--no-generalized"]), 0)
    assert mpath.read_bytes() == good


@pytest.mark.parametrize("damage, fragment", [
    (lambda t: "{}", "'cells' list"), (lambda t: t[:-5], "not valid JSON"), (lambda t: "[" * 100_000, "nesting"),
    (lambda t: t.replace('"index": 1', '"index": "1"'), "integer index"),
    (lambda t: t.replace('"weights_sha256": "w"', '"weights_sha256": 1'), "weights_sha256"),
    (lambda t: t.replace('"stat_names": ["correct"]', '"stat_names": "correct"'), "stat_names"),
])
def test_corrupt_shard_results_are_messages(tmp_path: Path, damage, fragment: str) -> None:
    from test_safety_paths import _shard

    a, b = _shard(tmp_path / "a", 0, 2, [0]), _shard(tmp_path / "b", 1, 2, [1])
    (b / "results.json").write_text(damage((b / "results.json").read_text()))
    clean_exit(cli(["merge-shards", a, b, "--out", tmp_path / "m"]), 2, fragment)
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("line, fragment", [
    ("not json", "not valid JSON"), ("[1]", "string 'id'"), ('{"id": "x", "index": -1, "stats": [1]}', "integer 'index' >= 0"),
    ('{"id": "x", "index": 1, "stats": [1, 2]}', "list of 1 numbers"), ('{"id": "x", "index": 1, "stats": [0.7]}', "'correct' = 0.7"),
    ('{"id": "x", "index": 1, "stats": [true]}', "list of 1 numbers"), ('{"id": "x", "index": 0, "stats": [1]}', "missing or repeated"),
    ('{"id": "x", "index": 5, "stats": [1]}', "missing or repeated"), ("\xff", "not valid JSON"),
])
def test_corrupt_shard_items_are_messages(tmp_path: Path, line: str, fragment: str) -> None:
    from test_safety_paths import _shard

    a, b = _shard(tmp_path / "a", 0, 2, [0]), _shard(tmp_path / "b", 1, 2, [1])
    (b / "items" / "xnli" / "sw" / "test" / "clean.jsonl").write_text(line + "\n")
    clean_exit(cli(["merge-shards", a, b, "--out", tmp_path / "m"]), 2, fragment)


def test_merge_shards_argument_problems(tmp_path: Path) -> None:
    from test_safety_paths import _shard

    a = _shard(tmp_path / "a", 0, 2, [0])
    clean_exit(cli(["merge-shards", a, "--out", tmp_path / "m"]), 2, "expected shards 0..n-1")
    clean_exit(cli(["merge-shards", tmp_path / "nope", "--out", tmp_path / "m"]), 2, "not a folder")
    (tmp_path / "file").write_text("x")
    clean_exit(cli(["merge-shards", a, "--out", tmp_path / "file"]), 2, "--out")


def test_validate_and_compare_on_folders_and_missing_files(tmp_path: Path) -> None:
    clean_exit(cli(["validate", tmp_path / "missing.json"]), 2, "no such file")
    clean_exit(cli(["compare", tmp_path / "a.json", tmp_path / "b.json"]), 2)
    clean_exit(cli(["leaderboard", tmp_path]), 2, "no valid submission")
    clean_exit(cli(["submit", tmp_path]), 2, "results.json")
    (tmp_path / "x.json").write_text(json.dumps({"schema": "xtremer-robust/submission/v1"}))
    clean_exit(cli(["validate", tmp_path / "x.json"]), 2)


# --- train and study configuration files ---------------------------------------------------

CONFIGS = {
    "malformed": "a: [\n", "a list": "- 1\n- 2\n", "deep": "a: " + "[" * 5000 + "]" * 5000 + "\n",
    "binary": "\x00\x01\x02", "empty": "",
}


@pytest.mark.parametrize("command", ["study", "train"])
@pytest.mark.parametrize("kind", list(CONFIGS))
def test_broken_train_and_study_configs_are_messages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, kind: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    config = tmp_path / "config.yaml"
    config.write_text(CONFIGS[kind])
    args = ["study", config, "--dry-run"] if command == "study" else ["train", "--config", config, "--out", tmp_path / "t"]
    clean_exit(cli(args), 2)


def test_a_build_with_no_available_set_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    clean_exit(cli(["build-subsets", "--data-dir", tmp_path / "data", "--out", tmp_path / "b", "--tasks", "xnli",
                    "--recipes", "clean"]), 2, "none of the chosen sets is in the data folder")
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize("argv, fragment", [(["m", "--out", "FILE"], "is a file"), (["m", "--out", "o", "--batch-size", "x"], "--batch-size"),
                                            (["m", "--out", "o", "--cache", "."], "--cache")])
def test_the_distributed_entry_point_checks_its_arguments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture, argv: list[str], fragment: str) -> None:
    from xtremer_robust.runner.distributed import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "FILE").write_text("x")
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2 and fragment in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["FILE"]
