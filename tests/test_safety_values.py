"""Bounded parsing and strict values: linear-time readers with limits, finite numbers, valid
Unicode, statistics within their metric's range, answer offsets inside the context, no empty sets."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers.safety import TINY_DATA, bounded, clean_exit, cli  # noqa: E402
from test_report_fakerun import make_score_run  # noqa: E402

from xtremer_robust.data import load_task_data  # noqa: E402
from xtremer_robust.errors import DataError, SchemaError  # noqa: E402
from xtremer_robust.metrics.item_stats import check_item_stats  # noqa: E402
from xtremer_robust.report import safe_json  # noqa: E402
from xtremer_robust.report.safe_json import iter_jsonl_gz, loads_strict  # noqa: E402
from xtremer_robust.report.submission import build_submission  # noqa: E402


@pytest.fixture(scope="module")
def submission(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sub")
    run = make_score_run(root / "run", n_items=12)
    build_submission(run, out=root / "sub" / "s.json", n_resamples=20)
    return root / "sub" / "s.json"


def _copy(submission: Path, tmp_path: Path) -> Path:
    shutil.copytree(submission.parent, tmp_path / "c")
    return tmp_path / "c" / submission.name


# --- bounded, linear-time parsing ------------------------------------------------------------

def test_unterminated_string_of_escaped_quotes_is_refused_at_once(submission: Path, tmp_path: Path) -> None:
    path = _copy(submission, tmp_path)
    path.write_text('{"schema": "' + '\\"' * 65536)  # 128 KB; the old depth pre-scan took 80 s here
    with bounded(20):
        clean_exit(cli(["validate", path]), 2, "not valid JSON")


@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000, "[" * 65 + "]" * 65,
    '["' + "\\u0000" * 30000 + '"' + "]" * 10, '"' + "\\" * 99_999,
])
def test_deep_or_pathological_json_is_refused_with_a_message(text: str) -> None:
    with bounded(20), pytest.raises(SchemaError):
        loads_strict(text)


def test_a_gzip_sidecar_of_newlines_is_refused_after_bounded_work(submission: Path, tmp_path: Path) -> None:
    path = _copy(submission, tmp_path)
    bomb = gzip.compress(b"\n" * (80 * 1024 * 1024), compresslevel=1)
    (path.parent / "s.items.jsonl.gz").write_bytes(bomb)
    doc = json.loads(path.read_text())
    doc["items"]["sha256"] = hashlib.sha256(bomb).hexdigest()  # the hash matches: only the limits stop it
    path.write_text(json.dumps(doc))
    with bounded(60):
        clean_exit(cli(["validate", path]), 2, "possible gzip bomb")


def test_gzip_limits_each_with_a_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(b'{"a": 1}\n' * 1000))
    assert sum(1 for _ in iter_jsonl_gz(path)) == 1000
    with pytest.raises(SchemaError, match="decompresses to over 100 bytes"):
        list(iter_jsonl_gz(path, max_bytes=100))
    with pytest.raises(SchemaError, match="line 1: longer than 4 bytes"):
        list(iter_jsonl_gz(path, max_line=4))
    monkeypatch.setattr(safe_json, "MIN_RATIO_BYTES", 1000)
    path.write_bytes(gzip.compress(b'{"a": 1}\n' * 100_000))  # compresses about 1000:1
    with pytest.raises(SchemaError, match="x its compressed size"):
        list(iter_jsonl_gz(path))
    path.write_bytes(gzip.compress(b'{"a": 1}\n')[:-4])
    with pytest.raises(SchemaError, match="not a readable gzip file"):
        list(iter_jsonl_gz(path))
    path.write_bytes(gzip.compress(b'{"a": 1}\n   \n'))
    with pytest.raises(SchemaError, match="line 2: a line of only white space"):
        list(iter_jsonl_gz(path))


def test_gzip_lines_are_numbered_across_blank_lines_and_blocks(tmp_path: Path) -> None:
    path = tmp_path / "x.gz"
    body = b"\n\n" + b'{"n": 3}\n' + b"\n" * (3 << 20) + b'{"n": %d}' % ((3 << 20) + 4)
    path.write_bytes(gzip.compress(body))
    assert [(number, obj["n"]) for number, obj in iter_jsonl_gz(path)] == [(3, 3), ((3 << 20) + 4, (3 << 20) + 4)]


def test_oversized_json_is_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xtremer_robust import strict_json

    monkeypatch.setattr(strict_json, "MAX_JSON_BYTES", 10)
    path = tmp_path / "x.json"
    path.write_text('{"a": [1, 2, 3]}')
    with pytest.raises(SchemaError, match="over the 10-byte limit"):
        strict_json.load_json_file(path)


@pytest.mark.parametrize("text, fragment", [
    ("[1e309]", "finite"), ("[-1e400]", "finite"), ("[NaN]", "NaN"), ("[Infinity]", "Infinity"),
    ('["\\ud800"]', "lone surrogate"), ('{"\\udfff": 1}', "lone surrogate"), ('{"a": 1, "a": 2}', "duplicate key"),
    ("[" + "9" * 5000 + "]", "thousands of digits"),
])
def test_strict_values(text: str, fragment: str) -> None:
    with pytest.raises(SchemaError, match=fragment):
        loads_strict(text)
    assert loads_strict('["\\ud83d\\ude00", 1e308]') == ["\U0001F600", 1e308]  # a surrogate pair is fine


@pytest.mark.parametrize("edit, fragment", [
    (lambda t: t.replace('"n_resamples": 20', '"n_resamples": 1e309', 1), "finite"),
    (lambda t: t.replace('"schema":', '"x": "\\ud800", "schema":', 1), "lone surrogate"),
])
def test_validate_refuses_infinite_numbers_and_surrogates(submission: Path, tmp_path: Path, edit, fragment: str) -> None:
    path = _copy(submission, tmp_path)
    text = path.read_text()
    path.write_text(edit(text))
    assert path.read_text() != text
    clean_exit(cli(["validate", path]), 2, fragment)


# --- per-item statistics within their metric's range -----------------------------------------

@pytest.mark.parametrize("names, values", [
    (["hit"], [0.7]), (["correct"], [2.0]), (["em", "f1"], [1.0, 1.2]), (["em", "f1"], [0.5, 0.5]),
    (["tp", "n_pred", "n_gold"], [-1.0, 0.0, 0.0]), (["tp", "n_pred", "n_gold"], [1.5, 2.0, 2.0]),
    (["tp", "n_pred", "n_gold"], [3.0, 2.0, 5.0]), (["ap"], [-0.01]), (["ap"], [float("nan")]),
])
def test_out_of_range_statistics_are_refused(names: list[str], values: list[float]) -> None:
    with pytest.raises(SchemaError, match="must be|exceeds"):
        check_item_stats(names, values, where="line 1")


@pytest.mark.parametrize("names, values", [
    (["hit"], [1.0]), (["correct"], [0]), (["em", "f1"], [0.0, 0.4]), (["tp", "n_pred", "n_gold"], [2, 3, 2]), (["ap"], [1.0]),
])
def test_in_range_statistics_pass(names: list[str], values: list[float]) -> None:
    check_item_stats(names, values, where="line 1")


def test_submit_refuses_a_results_file_with_a_hit_of_0_7(tmp_path: Path) -> None:
    run = make_score_run(tmp_path / "run", n_items=12)
    items = run / "items" / "tatoeba" / "de" / "test" / "clean.jsonl"
    lines = items.read_text().splitlines()
    row = json.loads(lines[0])
    row["stats"] = [0.7]
    items.write_text("\n".join([json.dumps(row), *lines[1:]]) + "\n")
    results = json.loads((run / "results.json").read_text())
    for cell in results["cells"]:
        if cell["items_file"].endswith("tatoeba/de/test/clean.jsonl"):
            cell["items_sha256"] = hashlib.sha256(items.read_bytes()).hexdigest()
    (run / "results.json").write_text(json.dumps(results))
    clean_exit(cli(["submit", run, "--out", tmp_path / "s.json", "--n-resamples", "20"]), 2, "'hit' = 0.7")
    assert not (tmp_path / "s.json").exists()


# --- data files: offsets, empty files, deep JSON ---------------------------------------------

@pytest.fixture()
def data(tmp_path: Path) -> Path:
    return Path(shutil.copytree(TINY_DATA, tmp_path / "data"))


@pytest.mark.parametrize("start, fragment", [
    (-3, "lies outside the context"), (10_000, "lies outside the context"), (True, "expected"), (1.0, "expected"),
    ("40", "expected"), (None, "expected"),
])
def test_squad_answer_offsets_must_lie_in_the_context(data: Path, start: object, fragment: str) -> None:
    path = data / "xquad" / "xquad.th.json"
    doc = json.loads(path.read_text())
    doc["data"][0]["paragraphs"][0]["qas"][0]["answers"][0]["answer_start"] = start
    path.write_text(json.dumps(doc, ensure_ascii=False))
    with pytest.raises(DataError, match=fragment):
        load_task_data("xquad", "th", "test", data_dir=data)


def test_a_negative_offset_that_would_match_from_the_end_is_refused(data: Path) -> None:
    path = data / "xquad" / "xquad.th.json"
    doc = json.loads(path.read_text())
    paragraph = doc["data"][0]["paragraphs"][0]
    answer = paragraph["qas"][0]["answers"][0]
    answer["answer_start"] = -len(paragraph["context"]) + paragraph["context"].index(answer["text"])  # the same text, by a negative index
    path.write_text(json.dumps(doc, ensure_ascii=False))
    with pytest.raises(DataError, match="lies outside the context"):
        load_task_data("xquad", "th", "test", data_dir=data)


EMPTY_FILES = [
    ("panx", "yo", "dev", ["panx/dev-yo.tsv"], "no sentences"),
    ("udpos", "yo", "test", ["udpos/yo_ytb-ud-test.conllu"], "no word lines"),
    ("xcopa", "qu", "test", ["xcopa/test.qu.jsonl"], "no items"),
    ("pawsx", "de", "dev", ["pawsx/dev-de.tsv"], "empty"),
    ("tatoeba", "sw", "test", ["tatoeba/tatoeba.swh-eng.swh", "tatoeba/tatoeba.swh-eng.eng"], "empty"),
    ("xquad", "th", "test", ["xquad/xquad.th.json"], "no questions"),
    ("lareqa", "el", "test", ["lareqa/el.json"], "el.json.*no questions"),
    ("lareqa_monolingual", "el", "test", ["lareqa/el.json"], "no questions"),
    ("xnli", "sw", "dev", ["xnli/dev-sw.tsv"], "empty"),
]


@pytest.mark.parametrize("task, lang, split, files, fragment", EMPTY_FILES, ids=[c[0] for c in EMPTY_FILES])
def test_empty_data_files_are_refused(data: Path, task: str, lang: str, split: str, files: list[str], fragment: str) -> None:
    for rel in files:
        (data / rel).write_text('{"data": []}' if rel.endswith(".json") else "")
    with pytest.raises(DataError, match=fragment):
        load_task_data(task, lang, split, data_dir=data)


def test_blank_and_comment_only_files_are_empty_too(data: Path) -> None:
    (data / "panx" / "dev-yo.tsv").write_text("\n\n\n")
    with pytest.raises(DataError, match="no sentences"):
        load_task_data("panx", "yo", "dev", data_dir=data)
    (data / "udpos" / "yo_ytb-ud-test.conllu").write_text("# sent_id = 1\n# text = x\n\n")
    with pytest.raises(DataError, match="no word lines"):
        load_task_data("udpos", "yo", "test", data_dir=data)


def test_build_subsets_on_an_empty_file_exits_2(data: Path, tmp_path: Path) -> None:
    (data / "panx" / "dev-yo.tsv").write_text("")
    clean_exit(cli(["build-subsets", "--data-dir", data, "--out", tmp_path / "b", "--tasks", "panx", "--langs", "yo",
                    "--recipes", "clean"]), 2, "no sentences")


@pytest.mark.parametrize("rel, task, lang, split", [("xquad/xquad.th.json", "xquad", "th", "test"),
                                                     ("xcopa/test.qu.jsonl", "xcopa", "qu", "test")])
def test_a_100k_deep_json_data_file_is_a_message(data: Path, rel: str, task: str, lang: str, split: str) -> None:
    (data / rel).write_text("[" * 100_000 + "]" * 100_000 + "\n")
    with bounded(20), pytest.raises(DataError, match="nested"):
        load_task_data(task, lang, split, data_dir=data)
    outcome = cli(["tasks", "--tasks", task, "--data-dir", data])
    clean_exit(outcome, 2, "nested")


def test_a_lone_surrogate_in_a_data_file_is_a_message(data: Path) -> None:
    path = data / "xcopa" / "test.qu.jsonl"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0].replace("Tamya", "Tamya\\ud800"), *lines[1:]]) + "\n")
    with pytest.raises(DataError, match="lone surrogate"):
        load_task_data("xcopa", "qu", "test", data_dir=data)


def test_build_subsets_tatoeba_en_is_not_an_empty_success(tmp_path: Path) -> None:
    clean_exit(cli(["build-subsets", "--data-dir", TINY_DATA, "--out", tmp_path / "b", "--tasks", "tatoeba",
                    "--langs", "en", "--recipes", "clean"]), 2, "none of the chosen tasks")
    assert not (tmp_path / "b").exists()
