"""The XTREME leaderboard layout: exact file formats, round trips, atomic writes, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xtremer_robust.families.records import Answer, Candidate, ChoiceItem, PairItem, QAItem, RetrievalItem, TaggingItem
from xtremer_robust.errors import ConfigError, DataError, DataUnavailableError
from xtremer_robust.report.xtreme_layout import write_xtreme_predictions, xtreme_ext, xtreme_path
from xtremer_robust.report.xtreme_read import QAGold, read_xtreme_file, score_xtreme_file
from xtremer_robust.tasks import all_tasks

MOCK = Path(__file__).resolve().parents[1].parent / "shared" / "xtremer-data" / "xtreme_format"
needs_mock = pytest.mark.skipif(not MOCK.is_dir(), reason="XTREME mock files (shared data folder) absent")


def _pairs(n: int) -> list[PairItem]:
    return [PairItem(id=f"p{i}", text_a="a", text_b="b", label=None) for i in range(n)]


def test_extensions_agree_with_the_task_registry():
    for name, spec in all_tasks().items():
        assert xtreme_ext(name) == spec.leaderboard_ext, name


def test_labels_one_per_line(tmp_path):
    path = write_xtreme_predictions(tmp_path, "xnli", "sw", ["entailment", "neutral", "contradiction"], _pairs(3))
    assert path == tmp_path / "xnli" / "test-sw.tsv"
    assert path.read_text(encoding="utf-8") == "entailment\nneutral\ncontradiction\n"
    assert read_xtreme_file(path, "xnli") == ["entailment", "neutral", "contradiction"]


def test_predictions_keyed_by_item_id_follow_item_order(tmp_path):
    path = write_xtreme_predictions(tmp_path, "pawsx", "de", {"p1": 0, "p0": 1}, _pairs(2))
    assert path.read_text(encoding="utf-8") == "1\n0\n"


def test_tags_blank_line_between_sentences_none_after_the_last(tmp_path):
    items = [TaggingItem(id="s0", tokens=("Jan", "lives"), tags=("B-PER", "O")),
             TaggingItem(id="s1", tokens=("Oslo",), tags=("B-LOC",))]
    path = write_xtreme_predictions(tmp_path, "panx", "af", [["B-PER", "O"], ["B-LOC"]], items)
    assert path.read_text(encoding="utf-8") == "B-PER\nO\n\nB-LOC\n"
    assert read_xtreme_file(path, "panx") == [["B-PER", "O"], ["B-LOC"]]
    with pytest.raises(ConfigError, match="item s1 has 1 tokens but 2 tags"):
        write_xtreme_predictions(tmp_path, "udpos", "af", [["NOUN", "VERB"], ["NOUN", "X"]], items)


def test_tatoeba_writes_line_indices_of_the_english_pool(tmp_path):
    # texts already in sorted order: XTREME's sorted file is the file itself
    pool = [Candidate(id=f"eng-{i}", text=f"s{i}") for i in range(5)]
    items = [RetrievalItem(id=f"q{i}", query="x", relevant=(f"eng-{i}",)) for i in range(3)]
    path = write_xtreme_predictions(tmp_path, "tatoeba", "de", [["eng-4", "eng-0"], "eng-1", 2], items,
                                    candidates=pool)
    assert path.read_text(encoding="utf-8") == "4\n1\n2\n"
    with pytest.raises(ConfigError, match="pass candidates="):
        write_xtreme_predictions(tmp_path, "tatoeba", "de", ["eng-4", "eng-1", "eng-2"], items)


def test_xcopa_jsonl_objects_with_label(tmp_path):
    items = [ChoiceItem(id=f"c{i}", premise="p", question="cause", choices=("a", "b"), label=None) for i in range(2)]
    path = write_xtreme_predictions(tmp_path, "xcopa", "qu", [1, 0], items)
    # the bytes of XTREME's run_xcopa.py: json.dumps({'label': int(pred)}) + '\n' per item
    assert path.read_text(encoding="utf-8") == '{"label": 1}\n{"label": 0}\n'
    assert read_xtreme_file(path, "xcopa") == [1, 0]


def test_qa_json_maps_question_ids_to_answer_text(tmp_path):
    items = [QAItem(id="q1", question="?", context="北京大学", answers=(Answer("北京", 0),)),
             QAItem(id="q2", question="?", context="x", answers=(Answer("x", 0),))]
    path = write_xtreme_predictions(tmp_path, "mlqa", "zh", ["北京", None], items)
    assert json.loads(path.read_text(encoding="utf-8")) == {"q1": "北京", "q2": ""}
    assert read_xtreme_file(path, "mlqa") == {"q1": "北京", "q2": ""}


def test_ranked_tasks_json_lists_and_mewslix_keeps_the_top_20(tmp_path):
    items = [RetrievalItem(id="m1", query="x", relevant=("Q1",))]
    ranking = [f"Q{i}" for i in range(30)]
    path = write_xtreme_predictions(tmp_path, "mewslix", "ja", [ranking], items)
    assert read_xtreme_file(path, "mewslix") == {"m1": ranking[:20]}
    path = write_xtreme_predictions(tmp_path, "lareqa", "el", [ranking], items)
    assert read_xtreme_file(path, "lareqa") == {"m1": ranking[:20]}  # mAP@20: the top 20 are what counts


def test_bucc_pairs(tmp_path):
    path = write_xtreme_predictions(tmp_path, "bucc2018", "fr", [("fr-1", "en-9")], [None])
    assert path.read_text(encoding="utf-8") == "fr-1\ten-9\n"


def test_writes_are_atomic(tmp_path, monkeypatch):
    path = write_xtreme_predictions(tmp_path, "xnli", "en", ["neutral"], _pairs(1))
    import xtremer_robust.atomic as atomic

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_xtreme_predictions(tmp_path, "xnli", "en", ["entailment"], _pairs(1))
    assert path.read_text(encoding="utf-8") == "neutral\n"  # the old file is intact
    assert [p.name for p in path.parent.iterdir()] == ["test-en.tsv"]  # no temporary left


def test_bad_inputs_are_refused_before_writing(tmp_path):
    with pytest.raises(ConfigError, match="2 predictions for 3 items"):
        write_xtreme_predictions(tmp_path, "xnli", "en", ["a", "b"], _pairs(3))
    with pytest.raises(ConfigError, match=r"no prediction for 1 item\(s\), first \['p2'\]"):
        write_xtreme_predictions(tmp_path, "xnli", "en", {"p0": "a", "p1": "b"}, _pairs(3))
    with pytest.raises(ConfigError, match="expected one non-empty line"):
        write_xtreme_predictions(tmp_path, "xnli", "en", ["a\nb"], _pairs(1))
    with pytest.raises(ConfigError, match="Unknown task for the XTREME layout 'xnl'. Did you mean 'xnli'"):
        write_xtreme_predictions(tmp_path, "xnl", "en", ["a"], _pairs(1))
    assert not (tmp_path / "xnli").exists()


def test_reader_errors_name_the_file(tmp_path):
    with pytest.raises(DataUnavailableError, match="test-en.json"):
        read_xtreme_file(tmp_path / "xquad" / "test-en.json", "xquad")
    bad = tmp_path / "broken.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match="broken.json, line 1: not valid JSON"):
        read_xtreme_file(bad, "mewslix")
    jsonl = tmp_path / "x.jsonl"
    jsonl.write_text('{"label": 1}\n{"idx": 2}\n', encoding="utf-8")
    with pytest.raises(DataError, match="x.jsonl, line 2: expected one JSON object with a 'label' per line"):
        read_xtreme_file(jsonl, "xcopa")


@needs_mock
@pytest.mark.parametrize("task", ["xnli", "pawsx", "udpos", "panx", "tatoeba", "xquad", "mlqa", "tydiqa", "mewslix"])
def test_round_trip_reproduces_the_mock_prediction_files(tmp_path, task):
    """Read each mock prediction file, write it back with our writer, read again: same content,
    and for the line formats the very same bytes."""
    for source in sorted((MOCK / "predictions" / task).iterdir()):
        lang = source.name[len("test-"):].rsplit(".", 1)[0]
        content = read_xtreme_file(source, task)
        if isinstance(content, dict):
            items = [RetrievalItem(id=k, query="", relevant=("x",)) for k in content]
            predictions = list(content.values())
        elif task in ("udpos", "panx"):
            items = [TaggingItem(id=str(i), tokens=tuple(s), tags=tuple(s)) for i, s in enumerate(content)]
            predictions = content
        else:
            items = _pairs(len(content))
            predictions = [int(x) for x in content] if task == "tatoeba" else content
        # a pool whose texts are in sorted order maps file indices to themselves
        pool = [Candidate(id=f"eng-{i}", text=f"{i:06d}") for i in range(1000)] if task == "tatoeba" else None
        written = write_xtreme_predictions(tmp_path, task, lang, predictions, items, candidates=pool)
        assert written == xtreme_path(tmp_path, task, lang)
        assert read_xtreme_file(written, task) == content, source
        if xtreme_ext(task) == "tsv":
            assert written.read_bytes() == source.read_bytes(), source


@needs_mock
def test_squad_gold_files_read_as_answer_lists():
    gold = read_xtreme_file(MOCK / "labels" / "tydiqa" / "test-sw.json", "tydiqa")
    assert gold == QAGold((("swahili--8211684794284159625-4", ("1999",)),))


def test_scoring_refuses_unequal_line_counts(tmp_path):
    (tmp_path / "p.tsv").write_text("a\nb\n", encoding="utf-8")
    (tmp_path / "g.tsv").write_text("a\n", encoding="utf-8")
    with pytest.raises(DataError, match="2 lines but 1 in the labels"):
        score_xtreme_file(tmp_path / "p.tsv", tmp_path / "g.tsv", "xnli", "en")
