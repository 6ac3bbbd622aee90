"""Generated hostile training inputs: configs, a run folder's saved config, checkpoint metadata.

``train`` reads a YAML config (or the same fields from the command line), the
``train-config.json`` a previous run left in ``--out``, and ``score`` reads the
``xtremer_robust_training.json`` of every folder ``train`` wrote. Each is mutated here, at the
byte level or one value at a time, and the property is the one of ``test_safety_generated``:
a correct result or an :class:`~xtremer_robust.errors.XtremerError` with a message, never
another exception; and a configuration that is accepted only ever names folders inside
``--out``. Nothing here trains: every check runs before any work (``check_train``).
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers.safety import TINY_DATA, result_or_message  # noqa: E402
from test_safety_generated import BYTE_EDITS, SETTINGS, mutate_bytes, mutate_json  # noqa: E402

from xtremer_robust.errors import ConfigError, XtremerError  # noqa: E402
from xtremer_robust.models.info import TRAINING_METADATA, read_trained_on, read_training_metadata  # noqa: E402
from xtremer_robust.training.config import TrainConfig, load_train_yaml  # noqa: E402
from xtremer_robust.training.run import CONFIG_FILE, check_train, model_folder  # noqa: E402

#: A valid training config in every field (the shape docs/training.md shows).
VALID_CONFIG: dict[str, Any] = {
    "base": "builtin:me5-small",
    "target": "xnli",
    "intermediate": "tydiqa",
    "durations": [0, 16, 64],
    "seeds": [1, 2],
    "augment": "recipe:char_swap:rate=0.1",
    "revision": None,
    "hyper": {"target_steps": 20, "target_lr": 3e-5, "intermediate_lr": 3e-5, "intermediate_warmup": 2, "batch_size": 4,
              "grad_accumulation": 1, "max_length": 64, "qa_max_length": 128, "weight_decay": 0.01, "freeze_embeddings": True,
              "freeze_layers": 10, "cache_frozen": True, "max_train_examples": 32, "max_intermediate_examples": None,
              "save_every": 10, "threads": 1, "bf16": False},
}

#: What ``train`` writes into a fine-tuned folder (values of a real run, shortened).
VALID_METADATA: dict[str, Any] = {
    "format": 1,
    "base": {"id": "builtin:me5-small", "revision": None, "weights_sha256": "a" * 64, "tokenizer_sha256": "b" * 64},
    "intermediate": {"task": "tydiqa", "reference": "TyDiQA-GoldP en train", "steps": 16, "examples_seen": 64,
                     "schedule": {"type": "constant_with_warmup", "warmup_steps": 2, "lr": 3e-5}, "files": [], "trajectory": "0123456789"},
    "target": {"task": "xnli", "training_set": "xnli/dev-en.tsv", "steps": 20, "examples_seen": 80, "seconds": 12.5, "final_loss": 1.09,
               "files": [{"path": "xnli/dev-en.tsv", "sha256": "c" * 64}]},
    "seed": 1, "augment": {"kind": "none", "copies": 0, "seed": None}, "arm": "none",
    "hyperparameters": VALID_CONFIG["hyper"], "libraries": {"torch": "2.5.1", "transformers": "4.46.0", "xtremer_robust": "0.1.0"},
    "trained_on": [["xnli", "dev"]],
}


def _accepted(config: TrainConfig, out: Path) -> None:
    """An accepted config is a correct one: it round-trips, and every folder it names is inside ``out``."""
    assert TrainConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    root = out.resolve()
    for duration in config.durations:
        for seed in config.seeds:
            folder = model_folder(out, config, duration, seed).resolve()
            assert folder.is_relative_to(root / "models"), folder


def _checked(doc: Any, out: Path) -> TrainConfig:
    config = TrainConfig.from_dict(doc)
    check_train(config, out=out, data_dir=TINY_DATA)
    return config


def _check(doc: Any, tmp_path: Path) -> None:
    out = tmp_path / "out"
    config = result_or_message(lambda: _checked(doc, out))
    if config is not None:
        _accepted(config, out)
    assert not out.exists(), "the checks wrote into --out"


def test_the_valid_config_is_accepted(tmp_path: Path) -> None:
    config = TrainConfig.from_dict(copy.deepcopy(VALID_CONFIG))
    check_train(config, out=tmp_path / "out", data_dir=TINY_DATA)
    _accepted(config, tmp_path / "out")


@settings(max_examples=150, **SETTINGS)
@given(data=st.data())
def test_train_config_on_mutated_values(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    _check(mutate_json(copy.deepcopy(VALID_CONFIG), data), tmp_path_factory.mktemp("t"))


@pytest.mark.parametrize("hyper", [3, True, "abc", [1, 2]])
def test_hyperparameters_that_are_not_a_mapping_are_named(hyper: Any) -> None:
    with pytest.raises(ConfigError, match=r"^t\.yaml: 'hyper' must be a mapping of hyperparameters, got "):
        TrainConfig.from_dict({**VALID_CONFIG, "hyper": hyper}, where="t.yaml")


@settings(max_examples=60, **SETTINGS)
@given(edits=BYTE_EDITS)
def test_train_config_on_mutated_bytes(tmp_path_factory: pytest.TempPathFactory, edits: list) -> None:
    tmp_path = tmp_path_factory.mktemp("t")
    path = tmp_path / "train.yaml"
    path.write_bytes(mutate_bytes(yaml.safe_dump(VALID_CONFIG, sort_keys=False).encode(), edits))
    doc = result_or_message(lambda: load_train_yaml(path))
    if doc is not None:
        _check(doc, tmp_path)


@settings(max_examples=60, **SETTINGS)
@given(data=st.data())
def test_saved_run_config_on_mutated_values(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    """A previous run's train-config.json, damaged: resuming refuses it with a message, or it still matches."""
    out = tmp_path_factory.mktemp("t") / "out"
    out.mkdir()
    config = TrainConfig.from_dict(copy.deepcopy(VALID_CONFIG))
    saved = mutate_json(config.to_dict(), data) if data.draw(st.booleans()) else data.draw(
        st.sampled_from([[1, 2], "text", None, 3, {"base": []}]))
    (out / CONFIG_FILE).write_text(json.dumps(saved), encoding="utf-8")
    if result_or_message(lambda: check_train(config, out=out, data_dir=TINY_DATA)) is not None:
        assert saved == config.to_dict()


def _metadata_folder(tmp_path: Path, meta: Any, raw: bytes | None = None) -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / TRAINING_METADATA).write_bytes(raw if raw is not None else json.dumps(meta).encode())
    return folder


def _read_metadata(folder: Path) -> None:
    for reader in (read_training_metadata, read_trained_on):
        try:
            result = reader(folder)
        except XtremerError as exc:
            assert str(exc) and TRAINING_METADATA in str(exc)
        else:
            if reader is read_training_metadata:
                assert result is None or all(isinstance(v, (str, int, float, bool)) or v is None for v in result.values())
            else:
                assert all(isinstance(task, str) and isinstance(split, str) for task, split in result)


def test_the_valid_metadata_is_read(tmp_path: Path) -> None:
    folder = _metadata_folder(tmp_path, VALID_METADATA)
    summary = read_training_metadata(folder)
    assert summary["intermediate_task"] == "tydiqa" and summary["intermediate_steps"] == 16 and summary["target_data_sha256"] == "c" * 64
    assert read_trained_on(folder) == (("xnli", "dev"),)


@settings(max_examples=120, **SETTINGS)
@given(data=st.data())
def test_checkpoint_metadata_on_mutated_values(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    _read_metadata(_metadata_folder(tmp_path_factory.mktemp("t"), mutate_json(copy.deepcopy(VALID_METADATA), data)))


@settings(max_examples=60, **SETTINGS)
@given(edits=BYTE_EDITS)
def test_checkpoint_metadata_on_mutated_bytes(tmp_path_factory: pytest.TempPathFactory, edits: list) -> None:
    raw = mutate_bytes(json.dumps(VALID_METADATA).encode(), edits)
    _read_metadata(_metadata_folder(tmp_path_factory.mktemp("t"), None, raw))


HUGE = "1" + "0" * 5000  # YAML reads it with int(), which Python 3.11 refuses past 4,300 digits


def test_a_number_too_long_to_read_is_a_message_in_every_yaml_input(tmp_path: Path) -> None:
    from xtremer_robust.study.config import load_study_config
    from xtremer_robust.subsets.suite import load_suite, parse_recipe_specs

    (tmp_path / "t.yaml").write_text(f"base: x\ntarget: xnli\nhyper: {{batch_size: {HUGE}}}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"t\.yaml: a value cannot be read"):
        load_train_yaml(tmp_path / "t.yaml")
    (tmp_path / "s.yaml").write_text(f"schema: {HUGE}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"s\.yaml: a value cannot be read"):
        load_study_config(tmp_path / "s.yaml")
    (tmp_path / "suite.yaml").write_text(f"variants: [{HUGE}]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"suite\.yaml: a value cannot be read"):
        load_suite(tmp_path / "suite.yaml")
    with pytest.raises(ConfigError, match="is not a number, word or true/false"):
        parse_recipe_specs([f"char_swap:rate={HUGE}"])


def test_messages_show_a_huge_integer_without_failing() -> None:
    from xtremer_robust.training.config import Hyperparameters

    with pytest.raises(ConfigError, match="batch_size: expected a positive whole number, got an integer of more than \\d+ digits"):
        Hyperparameters(batch_size=-(10 ** 5000))
