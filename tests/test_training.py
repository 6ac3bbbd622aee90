"""`train` on a tiny random BERT: both stages, every family's features/collator/loss, errors, caching."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from helpers.models import build_model
from helpers.training import make_train_data
from xtremer_robust.errors import ConfigError, XtremerError
from xtremer_robust.families import MULTIPLE_CHOICE, PAIR_CLASSIFICATION, SPAN_QA, TAGGING
from xtremer_robust.training import Hyperparameters, TrainConfig, check_train, train
from xtremer_robust.training.features import IGNORE_INDEX, trainable
from xtremer_robust.training.sources import get_source, load_training_items, target_source
from xtremer_robust.training.stage import TRAINING_METADATA, SeededLengthSampler

TINY = dict(target_steps=3, batch_size=2, max_length=32, qa_max_length=32, save_every=2, intermediate_warmup=1)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("train")
    data = make_train_data(root)
    encoder = build_model(root / "encoder", "retrieval", seed=3)
    return data, encoder


def _quiet(*_: object) -> None:
    return None


def _config(encoder: Path, **kw) -> TrainConfig:
    hyper = Hyperparameters(**{**TINY, **kw.pop("hyper", {})})
    return TrainConfig(base=str(encoder), hyper=hyper, **kw)


def test_both_stages_write_scoreable_folders_with_metadata(env, tmp_path):
    data, encoder = env
    config = _config(encoder, target="xnli", intermediate="tydiqa", durations=(0, 2, 4), seeds=(5,))
    rows = train(config, out=tmp_path / "out", data_dir=data, log=_quiet)
    assert [(r.duration, r.seed) for r in rows] == [(0, 5), (2, 5), (4, 5)]
    inter = sorted((tmp_path / "out" / "intermediate").glob("tydiqa-*/seed-5/step-*"))
    assert [p.name for p in inter] == ["step-2", "step-4"]
    for row in rows:
        folder = Path(row.folder)
        meta = json.loads((folder / TRAINING_METADATA).read_text())
        assert meta["target"]["task"] == "xnli" and meta["seed"] == 5 and meta["arm"] == "none"
        assert meta["target"]["steps"] == 3 and meta["target"]["examples_seen"] == 6
        assert meta["base"]["weights_sha256"]
        assert meta["trained_on"][0] == ["xnli", "dev"]
        if row.duration:
            assert meta["intermediate"]["task"] == "tydiqa" and meta["intermediate"]["steps"] == row.duration
            assert meta["intermediate"]["schedule"]["type"] == "constant_with_warmup"
        else:
            assert meta["intermediate"] is None
        config_json = json.loads((folder / "config.json").read_text())
        assert config_json["architectures"] == ["BertForSequenceClassification"]
        assert sorted(config_json["id2label"].values()) == ["contradiction", "entailment", "neutral"]
        assert any(p.suffix == ".safetensors" for p in folder.iterdir())
    # the intermediate step changes the encoder: the models from step 0 and step 4 differ
    from safetensors.numpy import load_file

    w0 = load_file(str(Path(rows[0].folder) / "model.safetensors"))
    w4 = load_file(str(Path(rows[2].folder) / "model.safetensors"))
    key = next(k for k in w0 if "encoder.layer.1.output.dense.weight" in k)
    assert not np.allclose(w0[key], w4[key])
    # the fine-tuned folder scores with the ordinary runner
    from xtremer_robust.runner import ScoreOptions, plan_cells, score_cells
    from xtremer_robust.tasks import get_task

    result = score_cells(plan_cells([get_task("xnli")], langs=["sw"], data_dir=data),
                         ScoreOptions(model_id=rows[2].folder, out=tmp_path / "score", cache_path=tmp_path / "c.sqlite"))
    assert result.cells[0]["task"] == "xnli" and result.cells[0]["n"] > 0


def test_rerun_redoes_nothing_and_other_config_is_refused(env, tmp_path):
    data, encoder = env
    config = _config(encoder, target="panx", seeds=(1,))
    first = train(config, out=tmp_path / "o", data_dir=data, log=_quiet)
    stamp = (Path(first[0].folder) / "model.safetensors").stat().st_mtime_ns
    logs: list[str] = []
    train(config, out=tmp_path / "o", data_dir=data, log=logs.append)
    assert logs == [] and (Path(first[0].folder) / "model.safetensors").stat().st_mtime_ns == stamp
    with pytest.raises(ConfigError, match="different configuration"):
        train(_config(encoder, target="panx", seeds=(2,)), out=tmp_path / "o", data_dir=data, log=_quiet)


@pytest.mark.parametrize("target", ["panx", "udpos", "tydiqa", "xcopa", "pawsx"])
def test_every_family_trains(env, tmp_path, target):
    data, encoder = env
    rows = train(_config(encoder, target=target), out=tmp_path / target, data_dir=data, log=_quiet)
    meta = json.loads((Path(rows[0].folder) / TRAINING_METADATA).read_text())
    assert meta["target"]["final_loss"] is not None and np.isfinite(meta["target"]["final_loss"])
    arch = json.loads((Path(rows[0].folder) / "config.json").read_text())["architectures"][0]
    assert arch.endswith(target_source(target).family.head.auto_class.removeprefix("Auto").replace("Model", "", 1))


def _tokenizer(encoder: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(encoder))


def test_tagging_labels_only_first_subwords(env):
    data, encoder = env
    items, _ = load_training_items(get_source("panx"), data_dir=data)
    features = trainable(TAGGING).featurize(items, _tokenizer(encoder), get_source("panx").labels, 32)
    for item, feature in zip(items, features):
        labelled = [x for x in feature["labels"] if x != IGNORE_INDEX]
        assert len(labelled) == len(item.tokens)
        labels = get_source("panx").labels
        assert [labels[x] for x in labelled] == list(item.tags)
        assert feature["labels"][0] == IGNORE_INDEX  # [CLS]


def test_qa_positions_point_at_the_answer(env):
    data, encoder = env
    items, _ = load_training_items(get_source("tydiqa"), data_dir=data)
    en = [i for i in items if i.id.startswith("q")]
    tok = _tokenizer(encoder)
    features = trainable(SPAN_QA).featurize(en, tok, (), 64)
    for item, feature in zip(en, features):
        span = tok.decode(feature["input_ids"][feature["start_positions"] : feature["end_positions"] + 1])
        assert span == tok.decode(tok(item.answers[0].text, add_special_tokens=False)["input_ids"])
        assert feature["start_positions"] > 0  # the window holds the answer (not the [CLS] fallback)


@pytest.mark.parametrize("family", [PAIR_CLASSIFICATION, TAGGING, SPAN_QA, MULTIPLE_CHOICE])
def test_collator_and_loss_of_each_family(env, family):
    import torch
    import transformers

    data, encoder = env
    name = {PAIR_CLASSIFICATION: "xnli", TAGGING: "panx", SPAN_QA: "tydiqa", MULTIPLE_CHOICE: "copa"}[family]
    source = get_source(name)
    head = trainable(family)
    items, _ = load_training_items(source, data_dir=data)
    tok = _tokenizer(encoder)
    features = head.featurize(items[:3], tok, source.labels, 32)
    batch = head.make_collator(tok)(features)
    kwargs = {"num_labels": len(source.labels)} if family.head.task_labels else {}
    model = getattr(transformers, family.head.auto_class).from_pretrained(str(encoder), **kwargs)
    out = model(**batch)
    assert out.loss is not None and torch.isfinite(out.loss)
    out.loss.backward()
    # weights only: a multiple-choice bias is shared by every choice, so its gradient is 0
    grads = [p.grad for n, p in model.named_parameters() if ("classifier" in n or "qa_outputs" in n) and n.endswith("weight")]
    assert grads and all(g is not None and g.abs().sum() > 0 for g in grads)
    lengths = batch["input_ids"].shape[-1]
    assert lengths == max(head.length(f) for f in features)  # dynamic padding: to the longest member only


def test_sampler_depends_only_on_seed_and_epoch():
    lengths = list(np.random.default_rng(0).integers(1, 60, 97))
    a, b = SeededLengthSampler(lengths, 8, 3), SeededLengthSampler(lengths, 8, 3)
    a.set_epoch(2), b.set_epoch(2)
    assert list(a) == list(b) and sorted(a) == list(range(97))
    b.set_epoch(3)
    assert list(a) != list(b)
    c = SeededLengthSampler(lengths, 8, 4)
    c.set_epoch(2)
    assert list(c) != list(a)
    order = list(a)
    batches = [order[i : i + 8] for i in range(0, 97, 8)]
    spread = np.mean([np.ptp([lengths[i] for i in batch]) for batch in batches])
    assert spread < np.ptp(lengths) / 2  # length-grouped: batches hold similar lengths


def test_cached_prefix_trains_the_same_weights_as_the_plain_path(env, tmp_path):
    """With dropout off, training through the frozen-prefix cache equals the uncached run."""
    import json as _json

    data, encoder = env
    folder = tmp_path / "nodropout"
    import shutil

    shutil.copytree(encoder, folder)
    cfg = _json.loads((folder / "config.json").read_text())
    cfg.update(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    (folder / "config.json").write_text(_json.dumps(cfg))
    weights = []
    for cache in (True, False):
        config = _config(folder, target="xnli", hyper={"freeze_layers": 1, "cache_frozen": cache})
        rows = train(config, out=tmp_path / f"cache-{cache}", data_dir=data, log=_quiet)
        from safetensors.numpy import load_file

        weights.append(load_file(str(Path(rows[0].folder) / "model.safetensors")))
    for key in weights[0]:
        np.testing.assert_allclose(weights[0][key], weights[1][key], rtol=1e-5, atol=1e-6, err_msg=key)
    changed = [k for k in weights[0] if "layer.1." in k]
    frozen = [k for k in weights[0] if "layer.0." in k]
    base = load_file(str(encoder / "model.safetensors"))
    assert any(not np.allclose(weights[0][k], base[k.removeprefix("bert.")]) for k in changed)
    assert all(np.array_equal(weights[0][k], base[k.removeprefix("bert.")]) for k in frozen)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target": "xnlii"}, "Did you mean 'xnli'"),
        ({"target": "tatoeba"}, "no English training data"),
        ({"target": "xnli", "intermediate": "nope", "durations": (0, 2)}, "Unknown training task"),
        ({"target": "xnli", "intermediate": "ccg", "durations": (0, 2)}, "LDC"),
        ({"target": "xcopa", "augment": "rsda"}, "augmentation is defined for pair classification"),
        ({"target": "xnli", "augment": "nonsense"}, "--augment"),
    ],
)
def test_bad_configurations_fail_before_any_work(env, tmp_path, kwargs, message):
    data, encoder = env
    out = tmp_path / "never"
    with pytest.raises(XtremerError, match=message):
        check_train(_config(encoder, **kwargs), out=out, data_dir=data)
    assert not out.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"durations": (0, 5, 5)}, "strictly increasing"),
        ({"durations": (0, 4)}, "needs --intermediate"),
        ({"durations": (-1,)}, "whole numbers"),
        ({"seeds": (1, 1)}, "distinct"),
    ],
)
def test_config_values_are_checked(env, kwargs, message):
    _, encoder = env
    with pytest.raises(ConfigError, match=message):
        _config(encoder, target="xnli", **kwargs)


def test_hyperparameters_are_checked():
    with pytest.raises(ConfigError, match="target_steps"):
        Hyperparameters(target_steps=0)
    with pytest.raises(ConfigError, match="learning rate"):
        Hyperparameters(target_lr=2)
    with pytest.raises(ConfigError, match="unknown keys under hyper"):
        TrainConfig.from_dict({"base": "x", "target": "xnli", "hyper": {"lr": 1}})


def test_base_without_the_needed_head_is_a_clear_error(env, tmp_path):
    data, _ = env
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "bert", "architectures": ["BertModel"], "vocab_size": 10, "hidden_size": 8,
                                                    "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 8}))
    (folder / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(XtremerError):
        train(_config(folder, target="xnli"), out=tmp_path / "o", data_dir=data, log=_quiet)


def test_training_metadata_flows_into_the_submission(env, tmp_path):
    data, encoder = env
    rows = train(_config(encoder, target="xnli", intermediate="tydiqa", durations=(0, 2), seeds=(7,)), out=tmp_path / "o", data_dir=data, log=_quiet)
    from xtremer_robust.report.submission import build_submission
    from xtremer_robust.report.validate import validate_submission
    from xtremer_robust.runner import ScoreOptions, plan_cells, score_cells
    from xtremer_robust.tasks import get_task

    score_cells(plan_cells([get_task("xnli")], langs=["sw"], data_dir=data),
                ScoreOptions(model_id=rows[1].folder, out=tmp_path / "score", cache_path=tmp_path / "c.sqlite"))
    doc = build_submission(tmp_path / "score", out=tmp_path / "sub.json", n_resamples=200)
    model = doc["model"]
    assert model["intermediate_task"] == {"name": "tydiqa", "steps": 2}
    assert model["seed"] == 7
    training = model["training"]
    assert training["target_task"] == "xnli" and training["target_steps"] == 3 and training["arm"] == "none"
    assert training["base_weights_sha256"] == json.loads((Path(rows[1].folder) / TRAINING_METADATA).read_text())["base"]["weights_sha256"]
    assert training["transformers_version"]
    validate_submission(tmp_path / "sub.json")


_RESUME_SCRIPT = """
import sys, json
from pathlib import Path
from xtremer_robust.training import Hyperparameters, TrainConfig, train
encoder, data, out, marker = map(Path, sys.argv[1:5])
hyper = Hyperparameters(target_steps=40, batch_size=2, max_length=32, save_every=5)
config = TrainConfig(base=str(encoder), target="panx", seeds=(1,), hyper=hyper)
import transformers
class Announce(transformers.TrainerCallback):
    def on_save(self, args, state, control, **kw):
        marker.write_text(str(state.global_step))
from xtremer_robust.training import stage
stage._EXTRA_CALLBACKS[:] = [Announce()]
train(config, out=out, data_dir=data, log=lambda *a: None)
"""


@pytest.mark.slow
def test_kill_9_then_rerun_gives_the_weights_of_an_uninterrupted_run(env, tmp_path):
    """A real SIGKILL in the middle of target fine-tuning; the same command again resumes."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from safetensors.numpy import load_file

    data, encoder = env
    script = tmp_path / "run.py"
    script.write_text(_RESUME_SCRIPT)
    env_vars = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}

    def run(out: Path, marker: Path, kill_after: int | None) -> None:
        proc = subprocess.Popen([sys.executable, str(script), str(encoder), str(data), str(out), str(marker)], env=env_vars,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if kill_after is None:
            assert proc.wait(timeout=300) == 0
            return
        deadline = time.time() + 300
        while time.time() < deadline and proc.poll() is None:
            step = marker.read_text().strip() if marker.is_file() else ""  # read once: the writer truncates first
            if step.isdigit() and int(step) >= kill_after:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.05)
        proc.wait(timeout=60)
        assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"

    run(tmp_path / "straight", tmp_path / "m1", None)
    run(tmp_path / "killed", tmp_path / "m2", kill_after=10)
    assert not list((tmp_path / "killed").glob("models/*/*/*/*/model.safetensors"))
    work = list((tmp_path / "killed" / "work").rglob("checkpoint-*"))
    assert work, "no resumable state was saved before the kill"
    run(tmp_path / "killed", tmp_path / "m3", None)
    a = load_file(str(next((tmp_path / "straight").glob("models/*/*/*/*/model.safetensors"))))
    b = load_file(str(next((tmp_path / "killed").glob("models/*/*/*/*/model.safetensors"))))
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_scoring_translations_of_the_training_items_is_refused(env, tmp_path):
    data, encoder = env
    rows = train(_config(encoder, target="xnli"), out=tmp_path / "o", data_dir=data, log=_quiet)
    from xtremer_robust.runner import ScoreOptions, plan_cells, score_cells
    from xtremer_robust.tasks import get_task

    options = ScoreOptions(model_id=rows[0].folder, out=tmp_path / "score", cache_path=tmp_path / "c.sqlite")
    with pytest.raises(ConfigError, match="leakage"):
        score_cells(plan_cells([get_task("xnli")], langs=["sw"], data_dir=data, split="dev"), options)
    assert not (tmp_path / "score").exists()
    result = score_cells(plan_cells([get_task("xnli")], langs=["sw"], data_dir=data, split="test"), options)
    assert result.cells  # the test split holds other items: allowed


_DDP_SCRIPT = """
import sys
from pathlib import Path
from xtremer_robust.training import Hyperparameters, TrainConfig, train
encoder, data, out = map(Path, sys.argv[1:4])
hyper = Hyperparameters(target_steps=4, batch_size=2, max_length=32, qa_max_length=32, save_every=2, intermediate_warmup=1)
config = TrainConfig(base=str(encoder), target="xnli", intermediate="tydiqa", durations=(0, 2), seeds=(1,), hyper=hyper)
train(config, out=out, data_dir=data, log=lambda *a: None)
"""


@pytest.mark.slow
def test_data_parallel_training_with_two_cpu_processes(env, tmp_path):
    """`torchrun --nproc_per_node 2`: Trainer's DDP over gloo; one writer; examples counted over both."""
    import os
    import subprocess
    import sys

    data, encoder = env
    script = tmp_path / "ddp.py"
    script.write_text(_DDP_SCRIPT)
    torchrun = Path(sys.executable).with_name("torchrun")
    env_vars = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "OMP_NUM_THREADS": "1"}
    result = subprocess.run([str(torchrun), "--standalone", "--nproc_per_node", "2", str(script), str(encoder), str(data), str(tmp_path / "out")],
                            env=env_vars, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    metas = [json.loads(p.read_text()) for p in (tmp_path / "out").glob("models/xnli/none/step-*/seed-1/" + TRAINING_METADATA)]
    assert len(metas) == 2
    for meta in metas:
        assert meta["target"]["examples_seen"] == 4 * 2 * 2  # steps x batch x processes
    inter = json.loads(next((tmp_path / "out").glob("intermediate/tydiqa-*/seed-1/step-2/" + TRAINING_METADATA)).read_text())
    assert inter["intermediate"]["examples_seen"] == 2 * 2 * 2


_HUB_ROWS = {
    "mnli": [{"premise": "A man sleeps.", "hypothesis": "A person rests.", "label": 0, "idx": 0},
             {"premise": "A man sleeps.", "hypothesis": "He runs.", "label": 2, "idx": 1},
             {"premise": "Unlabelled.", "hypothesis": "Row.", "label": -1, "idx": 2}],
    "qqp": [{"question1": "How old is it?", "question2": "What is its age?", "label": 1, "idx": 4}],
    "sst2": [{"sentence": "A fine film.", "label": 1, "idx": 9}],
    "squad": [{"id": "s1", "question": "Where?", "context": "In Paris.", "answers": {"text": ["Paris"], "answer_start": [3]}}],
    "hellaswag": [{"ind": 3, "ctx": "He opens the door", "endings": ["and walks in.", "and flies.", "x", "y"], "label": "0"}],
    "commonsenseqa": [{"id": "c1", "question": "Where do fish live?", "choices": {"label": ["A", "B"], "text": ["water", "sky"]}, "answerKey": "A"}],
    "cosmosqa": [{"id": "k1", "context": "It rained.", "question": "Why wet?", "answer0": "rain", "answer1": "sun", "answer2": "a", "answer3": "b", "label": 0}],
}


@pytest.mark.parametrize("name", sorted(_HUB_ROWS))
def test_hub_intermediate_tasks_through_datasets(monkeypatch, name):
    """Phang et al.'s tasks are read with datasets.load_dataset (mocked here: no Hub on this machine)."""
    import datasets

    from xtremer_robust.training import sources

    calls = []

    def fake_load(path, config=None, split=None):
        calls.append((path, config, split))
        return _HUB_ROWS[name]

    monkeypatch.setattr(sources, "hub_reachable", lambda: True)
    monkeypatch.setattr(datasets, "load_dataset", fake_load)
    source = get_source(name)
    items, files = load_training_items(source, data_dir=None)
    assert calls == [(source.hub["path"], source.hub.get("config"), source.hub["split"])]
    assert files[0].path.startswith("hub:" + source.hub["path"])
    expected = {"mnli": 2}.get(name, 1)  # unlabelled rows are dropped
    assert len(items) == expected
    first = items[0]
    assert type(first) is source.family.record_type
    if name == "mnli":
        assert [i.label for i in items] == ["entailment", "contradiction"]
    if name == "squad":
        assert first.context[first.answers[0].start:].startswith("Paris")
    if name == "commonsenseqa":
        assert first.label == 0 and first.choices == ("water", "sky")


def test_hub_intermediate_task_offline_is_a_clear_error(monkeypatch):
    from xtremer_robust.errors import HubUnreachableError
    from xtremer_robust.training import sources

    monkeypatch.setattr(sources, "hub_reachable", lambda: False)
    with pytest.raises(HubUnreachableError, match="cannot be reached.*local intermediate task"):
        load_training_items(get_source("mnli"), data_dir=None)


def test_cli_bad_input_exits_2_and_writes_nothing(env, tmp_path):
    from typer.testing import CliRunner

    from xtremer_robust.cli import app

    data, encoder = env
    runner = CliRunner()
    out = tmp_path / "out"
    for args, message in (
        (["train", str(encoder), "--target", "xnli", "--durations", "0,5,2", "--intermediate", "tydiqa"], "strictly increasing"),
        (["train", str(encoder), "--target", "tatoeba"], "no English training data"),
        (["train", str(encoder), "--target", "xnli", "--durations", "0,a"], "comma-separated whole numbers"),
        (["train", "--target", "xnli"], "BASE"),
    ):
        result = runner.invoke(app, [*args, "--data-dir", str(data), "--out", str(out)])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output
        assert not out.exists()


def test_cli_train_from_a_yaml_config_with_overrides(env, tmp_path):
    from typer.testing import CliRunner

    from xtremer_robust.cli import app

    data, encoder = env
    config = tmp_path / "train.yaml"
    config.write_text(f"base: {encoder}\ntarget: panx\nseeds: [4]\nhyper: {{target_steps: 2, batch_size: 2, max_length: 32}}\n")
    result = CliRunner().invoke(app, ["train", "--config", str(config), "--steps", "3", "--data-dir", str(data), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    meta = json.loads(next((tmp_path / "o").glob("models/panx/none/step-0/seed-4/" + TRAINING_METADATA)).read_text())
    assert meta["target"]["steps"] == 3  # the command line overrides the file
    assert "fine-tuned models" in result.output
