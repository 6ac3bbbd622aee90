"""XTREME's own conventions in the leaderboard layout, with values worked out by its code.

Every expected value here was obtained by running google-research/xtreme's code on the same
input (``utils_preprocess.tatoeba_preprocess``, ``evaluate.py``, ``third_party/evaluate_squad.py``);
each dict says which.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xtremer_robust.data import load_task_data
from xtremer_robust.errors import DataError
from xtremer_robust.report.xtreme_layout import tatoeba_sorted_positions, write_xtreme_predictions
from xtremer_robust.report.xtreme_read import read_tatoeba_predictions, read_xtreme_file, score_xtreme_file

#: English side of a pair file (file order) and the file tatoeba_preprocess writes from it:
#: stripped lines sorted by Python's stable sort (output of the official function).
ENGLISH = ["The cat sleeps.", " Apple pie", "zebra", "Zebra", "The cat sleeps.", "Éclair", "apple", "Apple pie\t"]
OFFICIAL_SORTED = ["Apple pie", "Apple pie", "The cat sleeps.", "The cat sleeps.", "Zebra", "apple", "zebra", "Éclair"]
#: Line i of the file's position in OFFICIAL_SORTED (equal texts: i-th occurrence -> i-th slot).
SORTED_POSITION = [2, 0, 6, 4, 3, 7, 5, 1]


def _tatoeba_folder(root: Path) -> Path:
    folder = root / "tatoeba"
    folder.mkdir(parents=True)
    (folder / "tatoeba.afr-eng.eng").write_text("".join(f"{line}\n" for line in ENGLISH), encoding="utf-8")
    (folder / "tatoeba.afr-eng.afr").write_text("".join(f"vraag {i}\n" for i in range(len(ENGLISH))), encoding="utf-8")
    return root


def test_tatoeba_positions_are_those_of_xtremes_sorted_english_file(tmp_path: Path) -> None:
    data = load_task_data("tatoeba", "af", data_dir=_tatoeba_folder(tmp_path / "data"))
    positions = tatoeba_sorted_positions(data.candidates)
    assert positions == SORTED_POSITION
    assert [data.candidates[i].text.strip() for i in sorted(range(len(positions)), key=positions.__getitem__)] == OFFICIAL_SORTED


def test_tatoeba_layout_writes_sorted_indices_reads_back_and_scores_unchanged(tmp_path: Path) -> None:
    data = load_task_data("tatoeba", "af", data_dir=_tatoeba_folder(tmp_path / "data"))
    gold = [item.relevant[0] for item in data.items]
    wrong = gold[1:] + gold[:1]  # every query retrieves the next line's sentence
    labels = write_xtreme_predictions(tmp_path / "labels", "tatoeba", "af", gold, data.items, candidates=data.candidates)
    assert labels.read_text(encoding="utf-8").split() == [str(p) for p in SORTED_POSITION]
    mixed = gold[:5] + wrong[5:]
    pred = write_xtreme_predictions(tmp_path / "pred", "tatoeba", "af", mixed, data.items, candidates=data.candidates)
    assert read_tatoeba_predictions(pred, data.candidates) == mixed
    assert score_xtreme_file(pred, labels, "tatoeba", "af") == {"accuracy": 100 * 5 / 8}


def test_tatoeba_layout_needs_the_pool(tmp_path: Path) -> None:
    from xtremer_robust.errors import ConfigError

    with pytest.raises(ConfigError, match="pass candidates="):
        write_xtreme_predictions(tmp_path, "tatoeba", "af", [0], [object()])


def _jsonl(path: Path, values: list) -> Path:
    path.write_text("".join(json.dumps({"label": v}) + "\n" for v in values), encoding="utf-8")
    return path


def test_xcopa_labels_compare_as_raw_values_as_evaluate_py(tmp_path: Path) -> None:
    """evaluate.py --xtreme_version xtreme-r printed qu 60.00 and zh 100.00 for these files."""
    gold = _jsonl(tmp_path / "gold.jsonl", [0, 1, 1, 0, 1])
    strings = _jsonl(tmp_path / "qu.jsonl", ["0", 1, 1, "0", 1])
    floats = _jsonl(tmp_path / "zh.jsonl", [0.0, 1, 1, 0, 1])
    assert read_xtreme_file(strings, "xcopa") == ["0", 1, 1, "0", 1]
    assert score_xtreme_file(strings, gold, "xcopa", "qu") == {"accuracy": 60.0}
    assert score_xtreme_file(floats, gold, "xcopa", "zh") == {"accuracy": 100.0}


def _squad(path: Path, qas: list[tuple[str, str]]) -> Path:
    doc = {"version": "1.1", "data": [{"paragraphs": [{"context": "x", "qas": [
        {"id": qid, "question": "?", "answers": [{"text": text, "answer_start": 0}]} for qid, text in qas]}]}]}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_repeated_gold_question_ids_count_each_occurrence(tmp_path: Path) -> None:
    """third_party/evaluate_squad.evaluate on this gold file and these predictions returned
    {'exact_match': 33.333333333333336, 'f1': 55.55555555555555}."""
    gold = _squad(tmp_path / "gold.json", [("q1", "Paris"), ("q1", "Lyon"), ("q2", "the Rome city")])
    pred = tmp_path / "pred.json"
    pred.write_text(json.dumps({"q1": "Paris", "q2": "Rome"}), encoding="utf-8")
    scores = score_xtreme_file(pred, gold, "xquad", "en")
    assert scores == pytest.approx({"exact_match": 33.333333333333336, "f1": 55.55555555555555}, abs=1e-12)


@pytest.mark.parametrize("value", ["null", "1990", "[\"Paris\"]"])
def test_non_string_qa_predictions_stop_naming_file_and_line(tmp_path: Path, value: str) -> None:
    """evaluate_squad crashes on them (AttributeError: 'NoneType'/'int' object has no attribute 'lower')."""
    gold = _squad(tmp_path / "gold.json", [("q1", "Paris"), ("q2", "1990")])
    pred = tmp_path / "test-en.json"
    pred.write_text('{\n  "q1": "Paris",\n  "q2": ' + value + "\n}\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"test-en.json, line 3: question 'q2': the prediction is .* not a string"):
        score_xtreme_file(pred, gold, "xquad", "en")


def test_unanswered_questions_score_zero_as_evaluate_squad(tmp_path: Path) -> None:
    gold = _squad(tmp_path / "gold.json", [("q1", "Paris"), ("q2", "Rome")])
    pred = tmp_path / "pred.json"
    pred.write_text(json.dumps({"q1": "Paris", "unknown": "Oslo"}), encoding="utf-8")
    assert score_xtreme_file(pred, gold, "tydiqa", "en") == {"exact_match": 50.0, "f1": 50.0}


def test_an_empty_gold_ranking_stops_naming_the_query(tmp_path: Path) -> None:
    gold = tmp_path / "gold.json"
    gold.write_text(json.dumps({"m1": ["Q1"], "m2": []}), encoding="utf-8")
    pred = tmp_path / "pred.json"
    pred.write_text(json.dumps({"m1": ["Q1"], "m2": ["Q2"]}), encoding="utf-8")
    with pytest.raises(DataError, match="gold id list of 'm2' is empty"):
        score_xtreme_file(pred, gold, "mewslix", "ar")
