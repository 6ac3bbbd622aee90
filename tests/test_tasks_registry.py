"""The task registry: the XTREME-R tasks, PAWS-X and the own-language LAReQA variant, their languages as in XTREME-R, helpful misses, Hub configs."""

from __future__ import annotations

import pytest

from xtremer_robust.data.loader import task_splits
from xtremer_robust.errors import ConfigError
from xtremer_robust.languages import all_languages
from xtremer_robust.tasks import FAMILIES, METRICS, all_tasks, get_task, parse_tasks

#: Language counts per task, from the XTREME-R table of ANCHORS.md (pawsx: XTREME v1).
LANGUAGE_COUNTS = {
    "xnli": 15, "xcopa": 11, "udpos": 38, "panx": 48, "xquad": 12, "mlqa": 7, "tydiqa": 9,
    "tatoeba": 41, "mewslix": 11, "lareqa": 11, "pawsx": 7, "lareqa_monolingual": 11,
}
XTREME_R_TASKS = {name for name, spec in all_tasks().items() if "xtreme-r" in spec.benchmarks}


def test_the_tasks_with_their_language_counts() -> None:
    assert {name: len(spec.languages) for name, spec in all_tasks().items()} == LANGUAGE_COUNTS


def test_union_of_xtreme_r_languages_is_the_fifty() -> None:
    union = {lang for name in XTREME_R_TASKS for lang in get_task(name).languages}
    assert union == set(all_languages()) and len(union) == 50


def test_specs_are_well_formed() -> None:
    for name, spec in all_tasks().items():
        assert spec.family in FAMILIES and spec.metric in METRICS, name
        assert len(set(spec.languages)) == len(spec.languages), name
        assert spec.eval_split in task_splits(spec), name
        if spec.family.head.task_labels:  # a task-specific head needs the label inventory
            assert spec.labels, name
        for split, langs in spec.split_languages.items():
            assert set(langs) <= set(all_languages()), (name, split)


def test_unknown_names_answer_with_did_you_mean() -> None:
    with pytest.raises(ConfigError, match=r"Unknown task 'xnlii'. Did you mean 'xnli'\? Available: "):
        get_task("xnlii")
    with pytest.raises(ConfigError, match="Did you mean 'tatoeba'"):
        parse_tasks("xnli,tatoba")
    with pytest.raises(ConfigError, match="Unknown language for task xnli 'yo'"):
        get_task("xnli").check_language("yo")
    assert get_task("xcopa").check_language("en") == "en"  # English exists for XCOPA's dev and train
    assert [spec.name for spec in parse_tasks("xnli, xcopa")] == ["xnli", "xcopa"]
    assert len(parse_tasks(None)) == 12


def test_hub_configs() -> None:
    assert get_task("udpos").hub.config_for("ar") == "udpos.Arabic"
    assert get_task("tatoeba").hub.config_for("sw") == "tatoeba.swh"
    assert get_task("panx").hub.config_for("yo") == "PAN-X.yo"
    assert get_task("mlqa").hub.config_for("hi") == "mlqa.hi.hi"
    assert get_task("lareqa").hub is None and get_task("mewslix").unavailable
