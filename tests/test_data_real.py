"""The readers on the real XTREME-R files: counts and hashes against the folder's MANIFEST.md.

Skipped where the read-only data folder is absent. Expected counts come from MANIFEST.md
(parsed by the conftest), except the label balances the issue states (XNLI: 1670 per label).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest

from xtremer_robust.data import load_task_data, scan_sets
from xtremer_robust.data.local import local_files
from xtremer_robust.errors import DataUnavailableError
from xtremer_robust.tasks import all_tasks, get_task


def _manifest_count(manifest: dict[str, tuple[int, str]], files: list[str]) -> int:
    return sum(manifest[rel][0] for rel in files)


@pytest.mark.parametrize("task", sorted(all_tasks()))
def test_every_present_set_matches_the_manifest(task: str, real_data_dir: Path, manifest: dict) -> None:
    spec = get_task(task)
    for status in scan_sets(task, real_data_dir):
        assert status.state != "error", status.message
        if status.state != "ok":
            continue
        files = local_files(spec, status.language, status.split, real_data_dir)
        assert status.count == _manifest_count(manifest, files), (status.language, status.split, files)
        for rel in status.files:  # every file read (labels, English side included) is the pinned one
            digest = hashlib.sha256((real_data_dir / rel).read_bytes()).hexdigest()
            assert digest == manifest[rel][1], rel


def test_xnli_sw_test_is_balanced(real_data_dir: Path) -> None:
    data = load_task_data("xnli", "sw", data_dir=real_data_dir)
    assert len(data) == 5010
    assert Counter(item.label for item in data.items) == {"contradiction": 1670, "entailment": 1670, "neutral": 1670}


def test_xnli_items_pair_across_languages(real_data_dir: Path) -> None:
    en = load_task_data("xnli", "en", "dev", data_dir=real_data_dir)
    th = load_task_data("xnli", "th", "dev", data_dir=real_data_dir)
    assert [i.id for i in en.items] == [i.id for i in th.items]
    assert [i.label for i in en.items] == [i.label for i in th.items]  # XNLI labels are shared


@pytest.mark.parametrize(
    ("task", "lang", "split", "file"),
    [
        ("xcopa", "qu", "test", "xcopa/test.qu.jsonl"),
        ("tatoeba", "sw", "test", "tatoeba/tatoeba.swh-eng.swh"),
        ("xquad", "th", "test", "xquad/xquad.th.json"),
        ("udpos", "yo", "test", "udpos/yo_ytb-ud-test.conllu"),
        ("panx", "yo", "dev", "panx/dev-yo.tsv"),
        ("mlqa", "hi", "dev", "mlqa/dev-context-hi-question-hi.json"),
        ("lareqa", "th", "test", "lareqa/th.json"),
        ("pawsx", "zh", "test", "pawsx/hf_labeled/zh/test-00000-of-00001.tsv"),
    ],
)
def test_issue_examples(task: str, lang: str, split: str, file: str, real_data_dir: Path, manifest: dict) -> None:
    data = load_task_data(task, lang, split, data_dir=real_data_dir)
    assert len(data) == manifest[file][0]
    assert data.sources[0].path == file


def test_tatoeba_english_side_is_not_sorted(real_data_dir: Path) -> None:
    data = load_task_data("tatoeba", "sw", data_dir=real_data_dir)
    english = (real_data_dir / "tatoeba/tatoeba.swh-eng.eng").read_text(encoding="utf-8").splitlines()
    assert [c.text for c in data.candidates] == english
    assert all(item.relevant == (data.candidates[i].id,) for i, item in enumerate(data.items))


def test_ud_languages_concatenate_every_treebank(real_data_dir: Path, manifest: dict) -> None:
    data = load_task_data("udpos", "ro", data_dir=real_data_dir)
    paths = [s.path for s in data.sources]
    assert paths == sorted(paths) and len(paths) == 3
    assert len(data) == sum(manifest[p][0] for p in paths)
    tokens = sum(len(item.tokens) for item in data.items)
    assert tokens > 0 and all(len(i.tokens) == len(i.tags) for i in data.items)


def test_lareqa_answers_sit_in_their_sentences(real_data_dir: Path) -> None:
    qa = {item.id: item for item in load_task_data("xquad", "en", data_dir=real_data_dir).items}
    retrieval = load_task_data("lareqa", "en", data_dir=real_data_dir)
    sentences = {c.id: c.text for c in retrieval.candidates}
    assert len(retrieval) == 1190 and len(retrieval.candidates) == 13014  # the 11-language pool
    for item in retrieval.items:
        assert len(item.relevant) == 11, item.id  # XTREME-R: the answer sentence in every language
        answer = qa[item.id].answers[0]
        english = [c for c in item.relevant if c.startswith("en-")]
        assert len(english) == 1 and sentences[english[0]] in qa[item.id].context, item.id
        # the sentence holds the answer's first character (utils_lareqa), often the whole answer
        assert answer.text[:1] in sentences[english[0]], item.id


@pytest.mark.parametrize(
    ("task", "lang", "split"), [("panx", "th", "dev"), ("tydiqa", "sw", "test"), ("mewslix", "ar", "test")]
)
def test_sets_absent_here_say_so(task: str, lang: str, split: str, real_data_dir: Path) -> None:
    with pytest.raises(DataUnavailableError):
        load_task_data(task, lang, split, data_dir=real_data_dir)
